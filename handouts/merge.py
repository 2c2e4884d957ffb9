"""Several codes, one visit, told once.

Codes booked together describe one visit: an anesthesia code, a main procedure, its imaging guidance, an
extra level. The code that names the treatment leads and tells the story (its title, its steps, its
after-care and warning signs): a main procedure; else an add-on level of one (it implies its main
procedure); else the anesthesia code (it describes the procedure it is for); guidance never leads. The
others add what they mean in place: a few words to the title, a sentence to the steps, their own warning
signs, and their facts (the strictest fasting, any driver, what the visit uses). Nothing is merged by
string similarity: topics come from facts, and each fact is stated once by the wording.

The result does not depend on the order the codes were given in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models are imported where new ones are made: one procedure needs none
    from handouts.schema import HandoutParams, Procedure, Review

ROLE_ORDER = {"main": 0, "add_on": 1, "anesthesia": 2, "guidance": 3}
# The order steps are told in: schema.PHASES, written out here so that telling one procedure's steps
# does not load pydantic's models (tests/test_fast_paths.py holds the two together).
PHASES = ("prepare", "numb", "treat", "finish")


def with_overrides(rules: HandoutParams, overrides) -> HandoutParams:
    """The clinic's protocol (a layout's `rules:`) replaces the procedures' values it names."""
    if overrides is None:
        return rules
    changed = {name: value for name, value in overrides.model_dump().items() if value is not None}
    return rules.model_copy(update=changed) if changed else rules


@dataclass(frozen=True)
class Combined:
    lead: Procedure  # tells the story: title, steps, after-care
    others: tuple[Procedure, ...]  # add their words in place
    rules: HandoutParams  # the strictest of all
    review: Review  # the weakest of all: draft if any is draft, the oldest review date

    @property
    def procedures(self) -> tuple[Procedure, ...]:
        return (self.lead, *self.others)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(p.code for p in self.procedures)

    @property
    def title(self) -> str:
        return title_of(self.lead)

    @property
    def title_with(self) -> tuple[str, ...]:
        """What the other codes add to the title ("with a live X-ray to guide the needle")."""
        return tuple(p.patient.title_with if p.patient and p.patient.title_with else title_of(p) for p in self.others)

    def extras(self, field: str) -> list[str]:
        """A list every code adds to (what to tell us first, what to bring), each line once."""
        return unique(text for p in self.procedures if p.patient for text in getattr(p.patient, field))

    def steps(self) -> list[str]:
        """The lead's steps by phase, with each other code's sentences added at the start or end of theirs."""
        if self.lead.patient is None:
            return []
        out: list[str] = []
        covered = set(self.lead.patient.steps.covers)
        for phase in PHASES:
            added = [
                a for p in self.others if p.patient for a in p.patient.adds_steps
                if a.phase == phase and a.topic not in covered
            ]
            out += [a.text for a in added if a.at == "start"]
            out += getattr(self.lead.patient.steps, phase)
            out += [a.text for a in added if a.at == "end"]
        return out


def title_of(procedure: Procedure) -> str:
    return procedure.patient.title if procedure.patient and procedure.patient.title else procedure.title


def rank(procedure: Procedure) -> tuple[int, str]:
    """The lead first: a main procedure, then an add-on level, then anesthesia, then guidance."""
    return (ROLE_ORDER[procedure.kind], procedure.code)


def normalized(text: str) -> str:
    return re.sub(r"[\s.;:,!]+$", "", " ".join(text.lower().split()))


def unique(items, key=normalized):
    """`items` in order, each key once."""
    seen: set[str] = set()
    out = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return out


def strictest(rules: list[HandoutParams]) -> HandoutParams:
    """The strictest of every rule; the lead's (first) warning signs with what the others add."""

    def most(name: str):
        values = [getattr(r, name) for r in rules if getattr(r, name) is not None]
        return max(values) if values else None

    from handouts.schema import HandoutParams, WarningSigns

    durations = [r.duration_minutes for r in rules if r.duration_minutes is not None]
    lead, others = rules[0], rules[1:]
    signs = {
        tier: unique([*getattr(lead.warning_signs, tier), *(s for r in others for s in getattr(r.adds_warning_signs, tier))])
        for tier in ("emergency", "call_now", "office_hours")
    }
    return HandoutParams(
        fasting_hours=most("fasting_hours"),
        clear_liquids_hours=most("clear_liquids_hours"),
        arrive_early_minutes=most("arrive_early_minutes"),
        driver_required=any(r.driver_required for r in rules),
        review_blood_thinners=any(r.review_blood_thinners for r in rules),
        sedation=any(r.sedation for r in rules),
        uses=sorted({use for r in rules for use in r.uses}),
        duration_minutes=max(durations, key=lambda d: (d[1], d[0])) if durations else None,  # the longest
        observe_minutes=most("observe_minutes"),
        warning_signs=WarningSigns(**signs),
    )


def _review(reviews: list[Review]) -> Review:
    from handouts.schema import Review

    versions = sorted({r.content_version for r in reviews})
    dates = [r.date for r in reviews]
    return Review(
        status="approved" if all(r.status == "approved" for r in reviews) else "draft",
        reviewer=", ".join(sorted({r.reviewer for r in reviews if r.reviewer})) or None,
        date=min(dates) if all(dates) else None,  # the oldest review is the one that counts
        content_version="+".join(versions),
    )


def combine(procedures: list[Procedure]) -> Combined:
    ordered = sorted({p.code: p for p in procedures}.values(), key=rank)
    lead = ordered[0]
    if len(ordered) == 1:
        return Combined(lead, (), lead.handout, lead.review)
    return Combined(
        lead, tuple(ordered[1:]), strictest([p.handout for p in ordered]), _review([p.review for p in ordered])
    )


def booked_alone_warning(procedures: list[Procedure]) -> str | None:
    """An add-on or anesthesia code booked without a main procedure still renders, but the clinic should know."""
    kinds = {p.kind for p in procedures}
    if "main" in kinds:
        return None
    lead = sorted(procedures, key=rank)[0]
    if lead.kind == "anesthesia" and len(procedures) > 1:
        return None  # anesthesia with its guidance: the procedure it is for is described by the anesthesia code
    usual = sorted({code for p in procedures for code in p.primary_codes})
    what = "an add-on code" if lead.kind in ("add_on", "guidance") else "an anesthesia code"
    codes = ", ".join(p.code for p in procedures)
    return (
        f"{codes}: {lead.code} is {what}, usually booked with a main procedure"
        + (f" ({', '.join(usual)})" if usual else "")
        + "; the handout describes it on its own"
    )

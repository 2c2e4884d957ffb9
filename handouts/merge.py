"""Several codes, one handout: the primary procedure's title, the strictest rules, every line once.

The result does not depend on the order the codes were given in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the models are imported where new ones are made: one procedure needs none
    from handouts.schema import Block, HandoutParams, Procedure, Review

RULE_FIELDS = ("fasting_hours", "clear_liquids_hours", "arrive_early_minutes", "driver_required", "review_blood_thinners")


def with_overrides(rules: HandoutParams, overrides) -> HandoutParams:
    """The clinic's protocol (a layout's `rules:`) replaces the procedures' values it names."""
    if overrides is None:
        return rules
    changed = {name: value for name, value in overrides.model_dump().items() if value is not None}
    if not changed:
        return rules
    from handouts.schema import HandoutParams

    return HandoutParams(**{**rules.model_dump(), **changed})


@dataclass(frozen=True)
class Combined:
    procedure: Procedure  # the merged content, titled after the primary procedure
    others: tuple[Procedure, ...]  # the other codes, listed under the title

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.procedure.code, *(p.code for p in self.others))


def is_anesthesia(code: str) -> bool:
    return code.isdigit() and 100 <= int(code) <= 1999


def rank(procedure: Procedure) -> tuple[bool, bool, str]:
    """Primary first: a main procedure before an anesthesia code before an add-on code."""
    return (procedure.add_on, is_anesthesia(procedure.code), procedure.code)


def normalized(text: str) -> str:
    return re.sub(r"[\s.;:,!]+$", "", " ".join(text.lower().split()))


def unique(items, key):
    """`items` in order, each normalized text once."""
    seen: set[str] = set()
    out = []
    for item in items:
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return out


def _merge_blocks(lists: list[list[Block]]) -> list[Block]:
    return unique((b for blocks in lists for b in blocks), lambda b: normalized(f"{b.label or ''} {b.text}"))


def strictest(rules: list[HandoutParams]) -> HandoutParams:
    def most(name: str):
        values = [getattr(r, name) for r in rules if getattr(r, name) is not None]
        return max(values) if values else None

    from handouts.schema import HandoutParams

    signs = unique((sign for r in rules for sign in r.warning_signs), normalized)
    return HandoutParams(
        fasting_hours=most("fasting_hours"),
        clear_liquids_hours=most("clear_liquids_hours"),
        arrive_early_minutes=most("arrive_early_minutes"),
        driver_required=any(r.driver_required for r in rules),
        review_blood_thinners=any(r.review_blood_thinners for r in rules),
        warning_signs=signs,
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
    unique = {p.code: p for p in procedures}
    ordered = sorted(unique.values(), key=rank)
    if len(ordered) == 1:
        return Combined(ordered[0], ())
    from handouts.schema import SECTION_FIELDS, ExtraSection, Risks
    from handouts.validated import as_model

    ordered = [as_model(p) for p in ordered]  # the merged content is validated as new models
    primary = ordered[0]
    update = {name: _merge_blocks([getattr(p, name) for p in ordered]) for name in SECTION_FIELDS if name != "risks"}
    update["risks"] = Risks(
        **{group: _merge_blocks([getattr(p.risks, group) for p in ordered]) for group in ("common", "rare", "general")}
    )
    extra: dict[str, list[list[Block]]] = {}
    for p in ordered:
        for section in p.other_sections:
            extra.setdefault(section.heading, []).append(section.content)
    update["other_sections"] = [ExtraSection(heading=h, content=_merge_blocks(c)) for h, c in extra.items()]
    update["handout"] = strictest([p.handout for p in ordered])
    update["review"] = _review([p.review for p in ordered])
    update["add_on"] = all(p.add_on for p in ordered)  # else the handout covers a main procedure too
    return Combined(primary.model_copy(update=update), tuple(ordered[1:]))

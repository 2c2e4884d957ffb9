"""A procedure as readable plain text, for `handouts show`."""

from __future__ import annotations

import textwrap

from handouts.schema import PHASES, SECTION_FIELDS, Block, Procedure

WIDTH = 88


def _blocks(blocks: list[Block], depth: int = 0) -> list[str]:
    lines = []
    indent = "  " * depth
    for block in blocks:
        text = f"{block.label}: {block.text}" if block.label else block.text
        if block.kind == "paragraph":
            lines += textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent) + [""]
        else:
            lines += textwrap.wrap(text, WIDTH, initial_indent=indent + "- ", subsequent_indent=indent + "  ")
            lines += _blocks(block.items, depth + 1)
    return lines


def procedure_text(procedure: Procedure, overrides=None, layout_name: str | None = None) -> str:
    lines = [procedure.title, "=" * min(len(procedure.title), WIDTH)]
    lines += [f"{procedure.code_system} {procedure.code}: {procedure.descriptor}"]
    if procedure.add_on:
        primary = ", ".join(procedure.primary_codes) or "not recorded"
        lines.append(f"Add-on code; usual primary codes: {primary}")
    review = procedure.review
    reviewed = f", reviewed {review.date} by {review.reviewer}" if review.date else ""
    lines += [f"Review: {review.status}, content version {review.content_version}{reviewed}", ""]

    def section(heading: str, blocks: list[Block]) -> None:
        if blocks:
            lines.extend([heading, "-" * len(heading)])
            lines.extend(_blocks(blocks))
            if lines[-1] != "":
                lines.append("")

    patient = procedure.patient
    if patient is None:
        lines += ["Patient text: not written yet (the handout prints the page text, marked)", ""]
    else:
        lines += ["Patient text (what the handout prints)", "=" * 38]
        if patient.purpose:
            lines += textwrap.wrap(patient.purpose, WIDTH) + [""]
        section("What it is", patient.what_is_it)
        for name in ("tell_us", "bring", "feel", "after", "relief", "risks", "benefits", "alternatives", "questions"):
            section(name.replace("_", " ").capitalize(), [Block(text=t) for t in getattr(patient, name)])
        steps = [Block(text=f"({phase}) {t}") for phase in PHASES for t in getattr(patient.steps, phase)]
        steps += [Block(text=f"(added to another code's {a.phase}, at the {a.at}) {a.text}") for a in patient.adds_steps]
        section("Steps", steps)

    rules = procedure.handout
    heading = f"Handout rules (with layout {layout_name})" if layout_name else "Handout rules"
    lines += [heading, "-" * len(heading)]
    clinic = overrides.model_dump() if overrides is not None else {}
    for key, value in rules.model_dump(exclude={"warning_signs"}).items():
        shown = _value(value)
        if clinic.get(key) is not None and clinic[key] != value:
            shown = f"{_value(clinic[key])} (clinic rule; the procedure says {shown})"
        lines.append(f"{key.replace('_', ' ')}: {shown}")
    lines.append("")
    for tier, signs in rules.warning_signs.tiers():
        section(f"Warning signs: {tier.replace('_', ' ')}", [Block(text=sign) for sign in signs])

    lines += ["Imported page (reference; a re-import refreshes it)", "=" * 51]
    for name in SECTION_FIELDS:
        heading = name.replace("_", " ").capitalize()
        if name == "risks":
            for group in ("common", "rare", "general"):
                section(f"Risks ({group})", getattr(procedure.risks, group))
        else:
            section(heading, getattr(procedure, name))
    for extra in procedure.other_sections:
        section(extra.heading, extra.content)
    return "\n".join(lines).rstrip() + "\n"


def _value(value) -> str:
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    return str(value)

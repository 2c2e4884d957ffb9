"""A procedure as readable plain text, for `handouts show`."""

from __future__ import annotations

import textwrap

from handouts.schema import SECTION_FIELDS, Block, Procedure

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


def _value(value) -> str:
    """A rule's value as a reader says it: yes/no, 8 (not 8.0), not set."""
    if value is None:
        return "not set"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:g}" if isinstance(value, float) else str(value)


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

    for name in SECTION_FIELDS:
        heading = name.replace("_", " ").capitalize()
        if name == "risks":
            for group in ("common", "rare", "general"):
                section(f"Risks ({group})", getattr(procedure.risks, group))
        else:
            section(heading, getattr(procedure, name))
    for extra in procedure.other_sections:
        section(extra.heading, extra.content)

    rules = procedure.handout
    heading = f"Handout rules (with layout {layout_name})" if layout_name else "Handout rules"
    lines += [heading, "-" * len(heading)]
    clinic = overrides.model_dump() if overrides is not None else {}
    for key, value in rules.model_dump(exclude={"warning_signs"}).items():
        shown = _value(value)
        if clinic.get(key) is not None and clinic[key] != value:
            shown = f"{_value(clinic[key])} (clinic rule; the procedure says {shown})"
        lines.append(f"{key.replace('_', ' ')}: {shown}")
    section("When to call (warning signs)", [Block(text=sign) for sign in rules.warning_signs])
    return "\n".join(lines).rstrip() + "\n"

"""Compose: procedure + layout -> document model. Knows words and order, nothing about PDF."""

from __future__ import annotations

from typing import Any, Callable

from handouts import document as doc
from handouts.project import LoadedLayout
from handouts.schema import Block, Procedure
from handouts.templating import fill


class Words:
    """The layout's wording, filled with one handout's values."""

    def __init__(self, layout: LoadedLayout, context: dict[str, Any]):
        self._wording = layout.wording
        self._context = context
        self._where = f"layout '{layout.name}'"

    def __call__(self, key: str, **extra: Any) -> str:
        context = {**self._context, **extra} if extra else self._context
        return fill(self._wording[key], context, f"wording.{key} ({self._where})")


def compose(procedure: Procedure, layout: LoadedLayout) -> doc.Handout:
    spec = layout.layout
    rules = procedure.handout
    review = procedure.review
    context = {
        "procedure": {
            "code": procedure.code,
            "code_system": procedure.code_system,
            "title": procedure.title,
            "name": procedure.name,
            "add_on": procedure.add_on,
            "primary_codes": list(procedure.primary_codes),
        },
        "rules": rules.model_dump(exclude={"warning_signs"}),
        "clinic": spec.clinic.model_dump(),
        "review": {
            "status": review.status,
            "date": review.date.isoformat() if review.date else None,
            "content_version": review.content_version,
        },
    }
    words = Words(layout, context)

    builders: dict[str, Callable[[], tuple[doc.Block, ...]]] = {
        "what_is_it": lambda: _what_is_it(procedure, words),
        "before": lambda: _before(procedure, words),
        "day_of": lambda: _day_of(procedure, words),
        "after": lambda: _after(procedure, words),
        "risks": lambda: _risks(procedure, words),
        "benefits": lambda: convert(procedure.benefits),
        "alternatives": lambda: convert(procedure.alternatives),
        "when_to_call": lambda: _when_to_call(procedure, layout, words),
    }
    sections = []
    for section_id in spec.sections:
        blocks = builders[section_id]()
        if blocks:
            boxed = len(blocks) == 1 and isinstance(blocks[0], doc.Callout)
            sections.append(doc.Section(section_id, words(f"heading_{section_id}"), blocks, boxed))

    clinic = spec.clinic
    contact = [part for part in (clinic.phone and f"Phone {clinic.phone}", clinic.website) if part]
    header = doc.Header(
        clinic_name=clinic.name,
        contact_lines=tuple(line for line in (clinic.address, "  ·  ".join(contact)) if line),
        logo_path=str(layout.logo_path) if layout.logo_path else None,
        logo_width_in=spec.logo.width_in if spec.logo else 1.4,
        style=spec.header.style,
    )
    colors = spec.colors
    style = doc.Style(
        font_family=spec.fonts.family,
        base_size=spec.fonts.base_size,
        primary=colors.primary,
        accent=colors.accent,
        heading=colors.heading,
        text=colors.text,
        muted=colors.muted,
        on_primary=colors.on_primary,
        warning_border=colors.warning_border,
        warning_background=colors.warning_background,
    )
    margins = spec.page.margins_in
    code_line = words("code_line")
    return doc.Handout(
        title=procedure.title,
        code_line=code_line,
        header=header,
        sections=tuple(sections),
        footer_left=f"{clinic.name}  ·  {clinic.phone}",
        footer_center=words("footer_reviewed" if review.date else "footer_not_reviewed"),
        page_label=words("page_label"),
        style=style,
        page=doc.PageSetup(spec.page.size, (margins.top, margins.right, margins.bottom, margins.left)),
        metadata=doc.Metadata(
            title=f"{procedure.title} ({code_line})",
            author=clinic.name,
            subject=words("subject"),
            language=spec.language,
            keywords=(procedure.code_system, procedure.code),
        ),
        draft_mark=words("draft_mark") if review.status == "draft" else None,
    )


# ---------------------------------------------------------------- sections


def _what_is_it(procedure: Procedure, words: Words) -> tuple[doc.Block, ...]:
    blocks = list(convert(procedure.summary))
    if procedure.add_on:
        blocks.append(doc.Paragraph(words("add_on_note")))
    return tuple(blocks)


def _before(procedure: Procedure, words: Words) -> tuple[doc.Block, ...]:
    rules = procedure.handout
    checks = []
    if rules.fasting_hours is not None:
        checks.append(doc.Item(words("fasting")))
    if rules.clear_liquids_hours is not None:
        checks.append(doc.Item(words("clear_liquids")))
    if rules.review_blood_thinners:
        checks.append(doc.Item(words("blood_thinners")))
    if rules.driver_required:
        checks.append(doc.Item(words("driver")))
    blocks: list[doc.Block] = []
    if checks:
        blocks.append(doc.Paragraph(words("before_intro")))
        blocks.append(doc.ItemList("check", tuple(checks)))
    if procedure.preparation:
        if checks:
            blocks.append(doc.Subheading(words("page_preparation")))
        blocks.extend(convert(procedure.preparation, "check"))
    return tuple(blocks)


def _day_of(procedure: Procedure, words: Words) -> tuple[doc.Block, ...]:
    rules = procedure.handout
    checks = []
    if rules.arrive_early_minutes is not None:
        checks.append(doc.Item(words("arrive")))
    checks.append(doc.Item(words("bring_list")))
    blocks: list[doc.Block] = [doc.ItemList("check", tuple(checks))]
    for key, content, style in (
        ("what_happens", procedure.procedure_steps, "number"),
        ("how_long", procedure.duration, "bullet"),
        ("where", procedure.setting, "bullet"),
        ("what_you_feel", procedure.patient_experience, "bullet"),
    ):
        if content:
            blocks.append(doc.Subheading(words(key)))
            blocks.extend(convert(content, style))
    return tuple(blocks)


def _after(procedure: Procedure, words: Words) -> tuple[doc.Block, ...]:
    return convert(procedure.recovery)


def _risks(procedure: Procedure, words: Words) -> tuple[doc.Block, ...]:
    blocks: list[doc.Block] = []
    risks = procedure.risks
    for key, content in (("risks_common", risks.common), ("risks_rare", risks.rare)):
        if content:
            blocks.append(doc.Subheading(words(key)))
            blocks.extend(convert(content))
    blocks.extend(convert(risks.general))
    return tuple(blocks)


def _when_to_call(procedure: Procedure, layout: LoadedLayout, words: Words) -> tuple[doc.Block, ...]:
    clinic = layout.layout.clinic
    contacts = [words("call_phone")]
    if clinic.after_hours_phone:
        contacts.append(words("call_after_hours"))
    contacts.append(words("call_emergency"))
    signs = tuple(doc.Item(sentence(sign)) for sign in procedure.handout.warning_signs)
    intro = words("call_intro") if signs else ""
    return (doc.Callout(words("heading_when_to_call"), intro, signs, tuple(contacts)),)


# ---------------------------------------------------------------- content blocks -> document blocks


def sentence(text: str) -> str:
    """Start with a capital letter (imported risks read "infection, bleeding ..." once the label is gone)."""
    return text[:1].upper() + text[1:] if text else text


def _item(block: Block) -> doc.Item:
    return doc.Item(sentence(block.text), block.label, tuple(_item(child) for child in block.items))


def convert(blocks: list[Block], style: str = "bullet") -> tuple[doc.Block, ...]:
    """Paragraphs stay paragraphs; runs of items become one list of the given style."""
    out: list[doc.Block] = []
    run: list[doc.Item] = []
    for block in blocks:
        if block.kind == "paragraph":
            if run:
                out.append(doc.ItemList(style, tuple(run)))
                run = []
            out.append(doc.Paragraph(block.text, block.label))
        else:
            run.append(_item(block))
    if run:
        out.append(doc.ItemList(style, tuple(run)))
    return tuple(out)

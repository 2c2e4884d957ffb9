"""Compose: procedures + layout (+ appointment) -> document model. Knows words and order, nothing about PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from handouts import document as doc
from handouts import limits
from handouts.appointment import Appointment, local_start, timeline, zone
from handouts.errors import HandoutsError
from handouts.merge import combine, with_overrides
from handouts.project import LoadedLayout
from handouts.schema import Block, HandoutParams, Procedure
from handouts.templating import fill


class Words:
    """The layout's wording, filled with one handout's values."""

    def __init__(self, layout: LoadedLayout, context: dict[str, Any]):
        self._wording = layout.wording
        self._context = context
        self._where = f"layout '{layout.name}'"

    def __call__(self, key: str, **extra: Any) -> str:
        return self.fill(self._wording[key], f"wording.{key}", **extra)

    def fill(self, template: str, key: str, **extra: Any) -> str:
        """Any clinic-written template (wording, clinic sections, the QR address)."""
        context = {**self._context, **extra} if extra else self._context
        return fill(template, context, f"{key} ({self._where})")


@dataclass(frozen=True)
class Facts:
    """What the section builders draw on: the (combined) content, the rules in force, and the words."""

    procedure: Procedure
    rules: HandoutParams
    words: Words
    personal: bool  # an appointment's times are known


# Large print (American Council of the Blind): 18 pt body (headings scale to 25 pt), 1-inch margins.
LARGE_PRINT_SIZE = 18.0
LARGE_PRINT_MARGIN_IN = 1.0


def compose(
    procedures: Procedure | list[Procedure],
    layout: LoadedLayout,
    appointment: Appointment | None = None,
    large_print: bool = False,
) -> doc.Handout:
    combined = combine(procedures if isinstance(procedures, list) else [procedures])
    procedure = combined.procedure
    spec = layout.layout
    rules = with_overrides(procedure.handout, spec.rules)
    review = procedure.review
    context: dict[str, Any] = {
        "procedure": _procedure_values(procedure),
        "codes": list(combined.codes),
        "rules": rules.model_dump(exclude={"warning_signs"}),
        "clinic": spec.clinic.model_dump(),
        "review": {
            "status": review.status,
            "date": review.date.isoformat() if review.date else None,
            "content_version": review.content_version,
        },
    }
    words = Words(layout, context)
    public = Words(layout, dict(context))  # for the PDF metadata: never sees the appointment (patient data)
    intro: list[doc.Block] = []
    if combined.others:
        intro.append(doc.Subheading(words("also_covers")))
        listed = [doc.Item(words("also_covers_item", other=_procedure_values(o))) for o in combined.others]
        intro.append(doc.ItemList("bullet", tuple(listed)))
    if appointment is not None:
        context["appointment"] = appointment_values(appointment, layout, rules, words)
        intro.append(_appointment_box(appointment, context["appointment"], rules, words))
    facts = Facts(procedure, rules, words, appointment is not None)

    builders: dict[str, Callable[[Facts], tuple[doc.Block, ...]]] = {
        "what_is_it": _what_is_it,
        "before": _before,
        "day_of": _day_of,
        "after": lambda f: convert(f.procedure.recovery),
        "risks": _risks,
        "benefits": lambda f: convert(f.procedure.benefits),
        "alternatives": lambda f: convert(f.procedure.alternatives),
        "when_to_call": lambda f: _when_to_call(f, spec.clinic),
    }
    sections = []
    for section_id in spec.sections:
        sections += _clinic_sections(spec, "before", section_id, words)
        blocks = builders[section_id](facts)
        if blocks:
            boxed = len(blocks) == 1 and isinstance(blocks[0], doc.Callout)
            sections.append(doc.Section(section_id, words(f"heading_{section_id}"), blocks, boxed))
        sections += _clinic_sections(spec, "after", section_id, words)
    # A clinic section placed next to a section this layout leaves out goes at the end.
    sections += [
        _clinic_section(extra, words) for extra in spec.extra_sections
        if (extra.before or extra.after) not in spec.sections
    ]
    if spec.qr is not None:
        url = words.fill(spec.qr.url, "qr.url")
        if len(url) > limits.MAX_QR_URL:
            raise HandoutsError(limits.too_big(f"qr.url (layout '{layout.name}')", "the address's length in characters",
                                               len(url), limits.MAX_QR_URL, "use a shorter address"))
        sections.append(doc.Section("qr", "", (doc.QRCode(url, words.fill(spec.qr.label, "qr.label")),)))

    clinic = spec.clinic
    contact = [part for part in (clinic.phone and f"Phone {clinic.phone}", clinic.website) if part]
    header = doc.Header(
        clinic_name=clinic.name,
        contact_lines=tuple(line for line in (clinic.address, "  ·  ".join(contact)) if line),
        logo_path=str(layout.logo_path) if layout.logo_path else None,
        logo_width_in=spec.logo.width_in if spec.logo else 1.4,
        style=spec.header.style,
    )
    style, page = style_of(layout, large_print)
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
        page=page,
        # Metadata never carries patient details: only the page text does.
        metadata=doc.Metadata(
            title=f"{procedure.title} ({public('code_line')})",
            author=clinic.name,
            subject=public("subject"),
            language=spec.language,
            keywords=(procedure.code_system, *combined.codes),
        ),
        draft_mark=words("draft_mark") if review.status == "draft" else None,
        intro=tuple(intro),
        running_label=(appointment.patient or "") if appointment is not None else "",
        personal=appointment is not None,
    )


def style_of(layout: LoadedLayout, large_print: bool = False) -> tuple[doc.Style, doc.PageSetup]:
    """The layout's type, colors and page; large print raises the size and widens the margins."""
    spec = layout.layout
    colors = spec.colors
    large = large_print or spec.large_print
    style = doc.Style(
        font_family=spec.fonts.family,
        base_size=max(LARGE_PRINT_SIZE, spec.fonts.base_size) if large else spec.fonts.base_size,
        font_files=layout.font_paths,
        primary=colors.primary,
        accent=colors.accent,
        heading=colors.heading,
        text=colors.text,
        muted=colors.muted,
        on_primary=colors.on_primary,
        warning_border=colors.warning_border,
        warning_background=colors.warning_background,
    )
    m = spec.page.margins_in
    margins = (m.top, m.right, m.bottom, m.left)
    if large:
        margins = tuple(max(LARGE_PRINT_MARGIN_IN, value) for value in margins)
    return style, doc.PageSetup(spec.page.size, margins)


def _clinic_sections(spec, place: str, anchor: str, words: Words) -> list[doc.Section]:
    return [_clinic_section(extra, words) for extra in spec.extra_sections if getattr(extra, place) == anchor]


def _clinic_section(extra, words: Words) -> doc.Section:
    blocks: list[doc.Block] = []
    if extra.text:
        text = words.fill(extra.text, "extra_sections.text")
        blocks += [doc.Paragraph(p.strip()) for p in text.split("\n\n") if p.strip()]
    if extra.items:
        items = tuple(doc.Item(words.fill(item, "extra_sections.items")) for item in extra.items)
        blocks.append(doc.ItemList("bullet", items))
    return doc.Section("clinic", words.fill(extra.heading, "extra_sections.heading"), tuple(blocks))


def _procedure_values(procedure: Procedure) -> dict[str, Any]:
    return {
        "code": procedure.code,
        "code_system": procedure.code_system,
        "title": procedure.title,
        "name": procedure.name,
        "add_on": procedure.add_on,
        "primary_codes": list(procedure.primary_codes),
    }


# ---------------------------------------------------------------- the appointment


def appointment_values(appointment: Appointment, layout: LoadedLayout, rules: HandoutParams, words: Words) -> dict[str, Any]:
    """The appointment's values as the patient reads them, for the box and for any wording template."""
    from babel.dates import format_datetime

    tz_name = appointment.timezone or layout.layout.timezone
    tz = zone(tz_name, "timezone")
    start = local_start(appointment.date, appointment.time, tz, "the appointment time")
    times = timeline(start, rules)
    locale = appointment.language or layout.layout.language

    def moment(value):
        return format_datetime(value, words("moment_format"), locale=locale) if value is not None else None

    return {
        "patient": appointment.patient,
        "id": appointment.appointment_id,
        "provider": appointment.provider,
        "location": appointment.location,
        "timezone": tz_name,
        "date": format_datetime(start, words("date_format"), locale=locale),
        "time": format_datetime(start, words("time_format"), locale=locale),
        "arrival": moment(times.arrival),
        "fasting_start": moment(times.fasting_start),
        "clear_liquids_stop": moment(times.clear_liquids_stop),
    }


def _appointment_box(appointment: Appointment, values: dict[str, Any], rules: HandoutParams, words: Words) -> doc.KeyValues:
    rows = [
        (words("appointment_name"), appointment.patient or words("appointment_name_blank")),
        (words("appointment_date"), values["date"]),
        (words("appointment_time"), values["time"]),
        (words("appointment_arrive"), values["arrival"]),
    ]
    if values["fasting_start"]:
        rows.append((words("appointment_stop_eating"), values["fasting_start"]))
    if values["clear_liquids_stop"]:
        rows.append((words("appointment_stop_liquids"), values["clear_liquids_stop"]))
    if rules.driver_required:
        rows.append((words("appointment_driver"), words("appointment_driver_value")))
    for key, value in (("appointment_provider", appointment.provider), ("appointment_location", appointment.location)):
        if value:
            rows.append((words(key), value))
    return doc.KeyValues(words("appointment_title"), tuple(rows))


# ---------------------------------------------------------------- sections


def _what_is_it(facts: Facts) -> tuple[doc.Block, ...]:
    blocks = list(convert(facts.procedure.summary))
    if facts.procedure.add_on:
        blocks.append(doc.Paragraph(facts.words("add_on_note")))
    return tuple(blocks)


def _before(facts: Facts) -> tuple[doc.Block, ...]:
    rules, words = facts.rules, facts.words
    checks = []
    if rules.fasting_hours is not None:
        checks.append(doc.Item(words("fasting_at" if facts.personal else "fasting")))
    if rules.clear_liquids_hours is not None:
        checks.append(doc.Item(words("clear_liquids_at" if facts.personal else "clear_liquids")))
    if rules.review_blood_thinners:
        checks.append(doc.Item(words("blood_thinners")))
    if rules.driver_required:
        checks.append(doc.Item(words("driver")))
    blocks: list[doc.Block] = []
    if checks:
        blocks.append(doc.Paragraph(words("before_intro")))
        blocks.append(doc.ItemList("check", tuple(checks)))
    if facts.procedure.preparation:
        if checks:
            blocks.append(doc.Subheading(words("page_preparation")))
        blocks.extend(convert(facts.procedure.preparation, "check"))
    return tuple(blocks)


def _day_of(facts: Facts) -> tuple[doc.Block, ...]:
    procedure, words = facts.procedure, facts.words
    checks = []
    if facts.personal:
        checks.append(doc.Item(words("arrive_at")))
    elif facts.rules.arrive_early_minutes is not None:
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


def _risks(facts: Facts) -> tuple[doc.Block, ...]:
    blocks: list[doc.Block] = []
    risks = facts.procedure.risks
    for key, content in (("risks_common", risks.common), ("risks_rare", risks.rare)):
        if content:
            blocks.append(doc.Subheading(facts.words(key)))
            blocks.extend(convert(content))
    blocks.extend(convert(risks.general))
    return tuple(blocks)


def _when_to_call(facts: Facts, clinic) -> tuple[doc.Block, ...]:
    words = facts.words
    contacts = [words("call_phone")]
    if clinic.after_hours_phone:
        contacts.append(words("call_after_hours"))
    contacts.append(words("call_emergency"))
    signs = tuple(doc.Item(sentence(sign)) for sign in facts.rules.warning_signs)
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

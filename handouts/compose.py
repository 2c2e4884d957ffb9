"""Compose: procedures + layout (+ appointment) -> document model. Knows words and order, nothing about PDF."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from handouts import document as doc
from handouts import limits
from handouts.errors import HandoutsError
from handouts.appointment import Appointment, local_start, timeline, zone
from handouts.languages import format_date, format_datetime, template_values
from handouts.merge import Combined, combine, title_of, with_overrides
from handouts.project import LoadedLayout
from handouts.templating import fill

if TYPE_CHECKING:  # annotations only: loading pydantic's models costs ~85 ms a run
    from handouts.schema import Block, HandoutParams, PatientText, Procedure


class Words:
    """The layout's wording, filled with one handout's values."""

    def __init__(self, layout: LoadedLayout, context: dict[str, Any]):
        self._wording = layout.wording
        self._context = context
        self._where = f"layout '{layout.name}'"

    @property
    def context(self) -> dict[str, Any]:
        return self._context

    def __call__(self, key: str, **extra: Any) -> str:
        return self.fill(self._wording[key], f"wording.{key}", **extra)

    def fill(self, template: str, key: str, **extra: Any) -> str:
        """Any clinic-written template (wording, clinic sections, the QR address)."""
        context = {**self._context, **extra} if extra else self._context
        return fill(template, context, f"{key} ({self._where})")


@dataclass(frozen=True)
class Facts:
    """What the section builders draw on: the codes told as one visit, the rules in force, the words."""

    combined: Combined
    rules: HandoutParams
    words: Words
    personal: bool  # an appointment's times are known

    @property
    def lead(self) -> Procedure:
        return self.combined.lead

    @property
    def patient(self) -> PatientText | None:
        """The lead's patient text; without it, sections fall back to the marked page text."""
        return self.combined.lead.patient


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
    lead = combined.lead
    spec = layout.layout
    rules = with_overrides(combined.rules, spec.rules)
    review = combined.review
    context = _context(combined, rules, spec)
    words = Words(layout, context)
    # Metadata is filled before the appointment joins the context: it never carries patient details.
    subject = words("subject")
    intro: list[doc.Block] = []
    if appointment is not None:
        # The patient's own times come first, right under the title: in large print too, on page 1.
        context["appointment"] = appointment_values(appointment, layout, rules, words)
        intro.append(_appointment_box(appointment, context["appointment"], rules, words))
    if lead.patient is not None and lead.patient.purpose:
        # The purpose, then a line of reassurance (a layout may blank it): anxious readers read on.
        intro.append(doc.Paragraph(" ".join(part for part in (lead.patient.purpose, words("reassurance")) if part)))
    sections = _sections(layout, Facts(combined, rules, words, appointment is not None), words)
    clinic = spec.clinic
    style, page = style_of(layout, large_print)
    code_line = words("code_line")
    return doc.Handout(
        title=combined.title,
        subtitle=sentence(words("title_with", withs=list(combined.title_with))) if combined.others else "",
        code_line=code_line,
        header=_header(layout, words),
        sections=tuple(sections),
        footer_left=f"{clinic.name}  ·  {clinic.phone}",
        footer_center=words("footer_reviewed" if review.date else "footer_not_reviewed"),
        page_label=words("page_label"),
        style=style,
        page=page,
        metadata=doc.Metadata(
            title=f"{combined.title} ({code_line})",
            author=clinic.name,
            subject=subject,
            language=spec.language,
            keywords=(lead.code_system, *combined.codes),
        ),
        draft_mark=words("draft_mark") if review.status == "draft" else None,
        intro=tuple(intro),
        running_label=(appointment.patient or "") if appointment is not None else "",
        personal=appointment is not None,
        large_print=large_print or spec.large_print,
    )


def _context(combined: Combined, rules: HandoutParams, spec) -> dict[str, Any]:
    """What the wording templates may name (no appointment yet: that joins after the metadata)."""
    review = combined.review
    return {
        "procedure": _procedure_values(combined.lead),
        "codes": list(combined.codes),
        "rules": rules.model_dump(exclude={"warning_signs"}),
        "clinic": spec.clinic.model_dump(),
        "review": {
            "status": review.status,
            "date": review.date.isoformat() if review.date else None,
            "content_version": review.content_version,
        },
        "language": template_values(spec.language),  # the units the hours/minutes filters print
    }


def _sections(layout: LoadedLayout, facts: Facts, words: Words) -> list[doc.Section]:
    """The layout's sections in its order, the clinic's own beside them, then the QR code."""
    spec = layout.layout
    sections = []
    for section_id in spec.sections:
        sections += _clinic_sections(spec, "before", section_id, words)
        blocks = BUILDERS[section_id](facts)
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
    return sections


def _header(layout: LoadedLayout, words: Words) -> doc.Header:
    spec = layout.layout
    clinic = spec.clinic
    contact = [part for part in (clinic.phone and words("header_phone"), clinic.website) if part]
    return doc.Header(
        clinic_name=clinic.name,
        contact_lines=tuple(line for line in (clinic.address, "  ·  ".join(contact)) if line),
        logo_path=str(layout.logo_path) if layout.logo_path else None,
        logo_width_in=spec.logo.width_in if spec.logo else 1.4,
        style=spec.header.style,
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
        "title": title_of(procedure),
        "name": procedure.name,
        "add_on": procedure.add_on,
        "primary_codes": list(procedure.primary_codes),
    }


# ---------------------------------------------------------------- the appointment


def appointment_values(appointment: Appointment, layout: LoadedLayout, rules: HandoutParams, words: Words) -> dict[str, Any]:
    """The appointment's values as the patient reads them, for the box and for any wording template."""
    tz_name = appointment.timezone or layout.layout.timezone
    tz = zone(tz_name, "timezone")
    start = local_start(appointment.date, appointment.time, tz, "the appointment time")
    times = timeline(start, rules)
    # The layout given here is already in the handout's language (pipeline.localized_layout).
    locale = layout.layout.language

    def day(value: dt.date, key: str = "day_format") -> str:
        return format_date(value, words(key), locale)

    def moment(value):
        """A moment the patient acts on; midnight and noon in words, with the night they fall in."""
        if value is None:
            return None
        if value.time() == dt.time(0, 0):
            previous = value.date() - dt.timedelta(days=1)
            return words(
                "moment_midnight", day_before=day(previous), day=day(value.date()),
                day_before_short=day(previous, "day_short_format"), same_month=previous.month == value.month,
            )
        if value.time() == dt.time(12, 0):
            return words("moment_noon", day=day(value.date()))
        # `hour` lets a language choose its article ("a la 1:30", "a las 2:30").
        return format_datetime(value, words("moment_format", hour=value.hour), locale)

    clock = {dt.time(0, 0): "time_midnight", dt.time(12, 0): "time_noon"}.get(start.time())
    return {
        "patient": appointment.patient,
        "id": appointment.appointment_id,
        "provider": appointment.provider,
        "location": appointment.location,
        "timezone": tz_name,
        "date": format_datetime(start, words("date_format"), locale),
        "time": words(clock) if clock else format_datetime(start, words("time_format"), locale),
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
# Each builder prints the patient text; a section the clinic has not written for patients yet prints the
# imported page text under a visible "not yet written for patients" notice. Facts (fasting, blood
# thinners, the ride home, arrival, duration, what the visit uses) are worded once, here, from the rules.


def _fallback(facts: Facts, *fields: str, style: str = "bullet") -> tuple[doc.Block, ...]:
    blocks: list[doc.Block] = []
    for name in fields:
        blocks += convert(getattr(facts.lead, name), style)
    return (doc.Notice(facts.words("not_for_patients")), *blocks) if blocks else ()


# Lists of short items (what to tell us, warning signs) sit in two columns when every item is this short.
SHORT_ITEM = 60


def columns_for(texts: list[str]) -> int:
    return 2 if len(texts) > 2 and all(len(text) <= SHORT_ITEM for text in texts) else 1


def _bullets(texts: list[str], style: str = "bullet", columns: int = 1) -> tuple[doc.Block, ...]:
    return (doc.ItemList(style, tuple(doc.Item(sentence(text)) for text in texts), columns),) if texts else ()


def _checklist(items: list[tuple[str, str | None]]) -> doc.ItemList:
    return doc.ItemList("check", tuple(doc.Item(sentence(text), icon=icon) for text, icon in items))


def _what_is_it(facts: Facts) -> tuple[doc.Block, ...]:
    if facts.patient is None or not facts.patient.what_is_it:
        return _fallback(facts, "summary", "purpose")
    return convert(facts.patient.what_is_it)


def _before(facts: Facts) -> tuple[doc.Block, ...]:
    rules, words, patient = facts.rules, facts.words, facts.patient
    tell_keys = ["always", *rules.uses] + (["sedation"] if rules.sedation else [])
    tell = [words(f"tell_us_{key}") for key in tell_keys] + facts.combined.extras("tell_us")
    checks: list[tuple[str, str | None]] = []  # (text, icon)
    if rules.fasting_hours is not None:
        checks.append((words("fasting_at" if facts.personal else "fasting"), "no_food"))
    if rules.clear_liquids_hours is not None:
        checks.append((words("clear_liquids_at" if facts.personal else "clear_liquids"), "clear_liquids"))
    if rules.review_blood_thinners:
        checks.append((words("blood_thinners"), "medicines"))
    if rules.driver_required:
        checks.append((words("driver"), "ride_home"))
    checks.append((words("bring_list"), "checklist"))
    checks += [(text, None) for text in facts.combined.extras("bring")]
    blocks: list[doc.Block] = [doc.Subheading(words("tell_us_title")), *_bullets(tell, columns=columns_for(tell))]
    blocks += [doc.Subheading(words("get_ready_title")), _checklist(checks)]
    if patient is None:
        blocks += _fallback(facts, "preparation")
    return tuple(blocks)


def _day_of(facts: Facts) -> tuple[doc.Block, ...]:
    words, patient, rules = facts.words, facts.patient, facts.rules
    blocks: list[doc.Block] = []
    if facts.personal:
        blocks.append(_checklist([(words("arrive_at"), "clock")]))
    elif rules.arrive_early_minutes is not None:
        blocks.append(_checklist([(words("arrive"), "clock")]))
    steps = _bullets(facts.combined.steps(), "number") if patient else _fallback(facts, "procedure_steps", style="number")
    if rules.duration_minutes:
        steps = (doc.Paragraph(words("duration")), *steps)  # how long it takes, before the steps
    elif patient is None:
        steps = (*steps, *_fallback(facts, "duration"))
    feel = _bullets(patient.feel) if patient else _fallback(facts, "patient_experience")
    for key, content in (("what_happens", steps), ("what_you_feel", feel)):
        if content:
            blocks += [doc.Subheading(words(key)), *content]
    return tuple(blocks)


def _after(facts: Facts) -> tuple[doc.Block, ...]:
    words, patient, rules = facts.words, facts.patient, facts.rules
    standard = [words("after_sedation")] if rules.sedation else [words("after_no_driving")] if rules.driver_required else []
    if patient is None:
        return (*_bullets(standard), *_fallback(facts, "recovery"))
    blocks = list(_bullets(standard + patient.after))
    if patient.relief:
        blocks += [doc.Subheading(words("relief_title")), *_bullets(patient.relief)]
    return tuple(blocks)


def _patient_list(field: str, *page_fields: str):
    """A section that is one list of patient text (risks, benefits, other choices), or its page text."""

    def build(facts: Facts) -> tuple[doc.Block, ...]:
        if facts.patient is None or not getattr(facts.patient, field):
            return _fallback(facts, *page_fields) if facts.patient is None else ()
        return _bullets(getattr(facts.patient, field))

    return build


def _risks_page(facts: Facts) -> tuple[doc.Block, ...]:
    risks = facts.lead.risks
    blocks: list[doc.Block] = []
    for key, content in (("risks_common", risks.common), ("risks_rare", risks.rare)):
        if content:
            blocks += [doc.Subheading(facts.words(key)), *convert(content)]
    blocks += convert(risks.general)
    return (doc.Notice(facts.words("not_for_patients")), *blocks) if blocks else ()


def _risks(facts: Facts) -> tuple[doc.Block, ...]:
    if facts.patient is None:
        return _risks_page(facts)
    return _bullets(facts.patient.risks)


def _when_to_call(facts: Facts) -> tuple[doc.Block, ...]:
    words = facts.words
    signs = facts.rules.warning_signs
    groups = tuple(
        (words(f"call_tier_{tier}"), tuple(doc.Item(sentence(sign)) for sign in listed))
        for tier, listed in signs.tiers()
        if listed
    )
    contacts = [words("call_phone")]
    if words.context["clinic"]["after_hours_phone"]:
        contacts.append(words("call_after_hours"))
    if not signs.emergency:
        contacts.append(words("call_emergency"))
    every = [sign for _, listed in signs.tiers() for sign in listed]
    return (doc.Callout(words("heading_when_to_call"), groups, tuple(contacts), columns_for(every)),)


def _questions(facts: Facts) -> tuple[doc.Block, ...]:
    questions = facts.patient.questions if facts.patient else []
    return (*_bullets(questions, columns=columns_for(questions)), doc.Paragraph(facts.words("teach_back")))


BUILDERS: dict[str, Callable[[Facts], tuple[doc.Block, ...]]] = {
    "what_is_it": _what_is_it,
    "before": _before,
    "day_of": _day_of,
    "after": _after,
    "risks": _risks,
    "benefits": _patient_list("benefits", "benefits"),
    "alternatives": _patient_list("alternatives", "alternatives"),
    "when_to_call": _when_to_call,
    "questions": _questions,
}


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

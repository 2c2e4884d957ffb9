"""The handout form: its fields -> the same call the CLI makes -> PDF, or errors by field.

The page asks for what `handouts render CODES -l LAYOUT --patient ... --date ... --time ...` takes, and
builds the appointment with the same function, so the PDF has the same bytes and an error has the same
words; each error line is put next to the field it is about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from handouts.errors import HandoutsError
from handouts.serve.config import Settings
from handouts.serve.content import Content

PERSON_FIELDS = ("patient", "date", "time", "provider", "location", "appointment_id")
FIELDS = ("procedure", "layout", "language", *PERSON_FIELDS, "large_print")
GENERAL = "form"  # errors about no one field

# (pattern, field) in order: the first that matches a line decides where it is shown.
_PLACES = [
    (re.compile(r"^the appointment: (patient|date|time|timezone|provider|location|appointment_id|language)\b"), None),
    (re.compile(r"^the appointment time\b"), "time"),
    (re.compile(r"^(unknown procedure|no procedure given|'.*' matches several procedures)"), "procedure"),
    (re.compile(r"^procedures/"), "procedure"),
    (re.compile(r"^(unknown layout|layouts)"), "layout"),
]
_QUOTED = re.compile(r"'(.)' \(U\+[0-9A-F]{4,6}\)")
BOX_KEYS = (
    "appointment_name", "appointment_date", "appointment_time", "appointment_arrive", "appointment_stop_eating",
    "appointment_stop_liquids", "appointment_driver", "appointment_provider", "appointment_location",
)


@dataclass
class HandoutForm:
    codes: list[str]
    query: str
    layout: str
    language: str
    large_print: bool
    values: dict[str, str]  # the person fields as typed, stripped

    @property
    def queries(self) -> list[str]:
        return self.codes + ([self.query] if self.query else [])


@dataclass
class Outcome:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: dict[str, list[str]] = field(default_factory=dict)
    pdf: bytes | None = None
    filename: str = "handout.pdf"
    box: list[tuple[str, str, str]] = field(default_factory=list)  # (wording key, label, value)
    box_title: str = ""

    def add(self, lines, values: dict[str, str], default: str) -> None:
        for line in lines:
            self.errors.setdefault(place(line, values, default), []).append(line)


def place(line: str, values: dict[str, str], default: str) -> str:
    """The field an error line is about."""
    for pattern, name in _PLACES:
        match = pattern.match(line)
        if match:
            found = name or match.group(1)
            return "time" if found == "timezone" else found
    # "the font cannot print '😀' (U+1F600)": the field that holds that character.
    characters = _QUOTED.findall(line)
    for name in PERSON_FIELDS:
        if characters and any(c in values.get(name, "") for c in characters):
            return name
    return default


def read_form(form, content: Content, settings: Settings) -> tuple[HandoutForm, Outcome]:
    """The typed values, bounded; a value too long is an error beside its field."""
    outcome = Outcome()

    def text(name: str) -> str:
        value = form.get(name)
        value = value.strip() if isinstance(value, str) else ""
        if len(value) > settings.max_field:
            outcome.errors.setdefault(name, []).append(f"{name}: longer than {settings.max_field} characters; shorten it")
            return ""
        return value

    codes = [c.strip() for c in form.getlist("codes") if isinstance(c, str) and c.strip()]
    if len(codes) > settings.max_codes:
        outcome.errors.setdefault("procedure", []).append(f"more than {settings.max_codes} procedures; remove some")
        codes = codes[: settings.max_codes]
    codes = [code[: settings.max_field] for code in dict.fromkeys(codes)]
    values = {name: text(name) for name in PERSON_FIELDS}
    parsed = HandoutForm(
        codes=codes,
        query=text("procedure"),
        layout=text("layout") or content.default_layout(),
        language=text("language"),
        large_print=form.get("large_print") in ("on", "true", "1"),
        values=values,
    )
    return parsed, outcome


def make(content: Content, handout_form: HandoutForm, outcome: Outcome, for_patient: bool = False) -> Outcome:
    """Render the handout the CLI would render for these values, or collect every error by field.

    `for_patient`: the PDF goes to the patient (Download, Print), so a personal one is added to the
    education record first, as `handouts render` does; a preview is only looked at on screen and is not."""
    from handouts.appointment import from_mapping
    from handouts.pipeline import default_output, is_past, language_choice

    project = content.fresh()
    values = handout_form.values
    if not handout_form.queries:
        outcome.add(["no procedure given; name one or more codes (or give codes: in the appointment file)"], values, "procedure")
    procedures = []
    for query in handout_form.queries:
        try:
            procedures.append(project.procedure(query))
        except HandoutsError as exc:
            outcome.add(exc.lines, values, "procedure")
    layout = None
    try:
        layout = project.layout(handout_form.layout)
    except HandoutsError as exc:
        outcome.add(exc.lines, values, "layout")
    appointment = None
    given: dict[str, Any] = {name: value for name, value in values.items() if value}
    if given:
        if handout_form.language and len(content.languages()) > 1:
            given["language"] = handout_form.language
        try:
            appointment = from_mapping({**given, "codes": handout_form.queries}, "the appointment")
        except HandoutsError as exc:
            outcome.add(exc.lines, values, GENERAL)
    if outcome.errors:
        return outcome
    try:
        languages = language_choice(handout_form.language or None, appointment, layout)
        handout, outcome.pdf = _render(project, procedures, layout, appointment, languages, handout_form, for_patient)
    except HandoutsError as exc:
        outcome.add(exc.lines, values, "language" if "language" in exc.lines[0] else GENERAL)
        return outcome
    on_record = for_patient and appointment is not None
    if on_record and not _recorded(project, outcome, procedures, layout, appointment, languages):
        return outcome
    outcome.filename = default_output(project, procedures, layout.name, appointment, languages).name
    if handout is not None:
        outcome.box_title, outcome.box = _box(handout, layout.wording)
    if appointment is not None and is_past(appointment, layout):
        outcome.warnings["date"] = [
            f"the appointment date {appointment.date.isoformat()} is in the past; is it a typo? The handout was made anyway."
        ]
    return outcome


def _render(project, procedures, layout, appointment, languages, handout_form: HandoutForm, for_patient: bool):
    """(document model for the page's box, or None; the PDF, in the patient's language as the CLI makes it).

    The box on the page shows the layout's own language: in another language the preview composes it
    apart (no second PDF), and a download, which shows no box, does not compose it at all."""
    from handouts.pipeline import render_handout, render_in

    large_print = handout_form.large_print
    if languages == (layout.layout.language,):
        return render_handout(procedures, layout, appointment, large_print)
    pdf = render_in(project, procedures, layout, languages, appointment, large_print)
    if for_patient:
        return None, pdf
    from handouts.compose import compose

    return compose(procedures, layout, appointment, large_print), pdf


def _recorded(project, outcome: Outcome, procedures, layout, appointment, languages) -> bool:
    """On record before the PDF leaves the server (the record write is ~1 ms, a commit in SQLite's WAL);
    a record that cannot be written is an error, and no PDF is given without it."""
    from dataclasses import replace

    from handouts.feeds.rows import Source
    from handouts.pipeline import record_personal

    try:
        record_personal(project, outcome.pdf, procedures, layout, replace(appointment, language="+".join(languages)),
                        Source("form"), program="serve")
    except HandoutsError as exc:
        outcome.add(exc.lines, {}, GENERAL)
        outcome.pdf = None
        return False
    return True


def _box(handout, wording: dict[str, str]) -> tuple[str, list[tuple[str, str, str]]]:
    """The "Your appointment" box as the handout prints it, each row with its wording key."""
    from handouts import document as doc

    keys = {wording.get(key): key for key in BOX_KEYS}
    for block in handout.intro:
        if isinstance(block, doc.KeyValues):
            return block.title, [(keys.get(label, ""), label, value) for label, value in block.rows]
    return "", []

"""The shapes of procedure files and layout files, validated with pydantic.

Every problem in a file is reported at once, each on one line naming the file, the key (and its line)
and what to do about it.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.functional_validators import AfterValidator

from handouts.errors import HandoutsError
from handouts.yamlio import format_loc, line_of

# CPT: five digits, or four digits and F/T/U (category II/III, PLA); HCPCS level II: a letter and four digits.
CODE_PATTERN = re.compile(r"^(\d{4}[0-9FTU]|[A-Z]\d{4})$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


# ---------------------------------------------------------------- procedure content


class Block(Strict):
    """One piece of a section: a list item (optionally "Label: text", optionally with nested items)
    or a prose paragraph. In YAML a plain string is an item and {paragraph: text} is a paragraph."""

    text: str = ""
    label: str | None = None
    kind: Literal["item", "paragraph"] = "item"
    items: list[Block] = []

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"text": value}
        if isinstance(value, dict) and "paragraph" in value:
            rest = {k: v for k, v in value.items() if k != "paragraph"}
            return {"text": value["paragraph"], "kind": "paragraph", **rest}
        return value

    def to_data(self) -> Any:
        """The compact YAML form (the inverse of _short_forms)."""
        if self.kind == "paragraph":
            return {"paragraph": self.text}
        if self.label is None and not self.items:
            return self.text
        data: dict[str, Any] = {}
        if self.label is not None:
            data["label"] = self.label
        data["text"] = self.text
        if self.items:
            data["items"] = [item.to_data() for item in self.items]
        return data


def _content(value: Any) -> Any:
    """A section may be written as plain prose: paragraphs separated by blank lines."""
    if value is None:
        return []
    if isinstance(value, str):
        return [{"paragraph": p.strip()} for p in re.split(r"\n\s*\n", value) if p.strip()]
    return value


Content = Annotated[list[Block], Field(default_factory=list)]


def content_to_data(blocks: list[Block]) -> Any:
    """Prose-only sections are written back as text, the rest as lists."""
    if blocks and all(block.kind == "paragraph" for block in blocks):
        return "\n\n".join(block.text for block in blocks)
    return [block.to_data() for block in blocks]


class Risks(Strict):
    common: Content
    rare: Content
    general: Content

    _prose = field_validator("common", "rare", "general", mode="before")(lambda cls, v: _content(v))


class ExtraSection(Strict):
    heading: str
    content: Content

    _prose = field_validator("content", mode="before")(lambda cls, v: _content(v))


Hours = Annotated[float, Field(ge=0, le=48)]
Minutes = Annotated[int, Field(ge=0, le=24 * 60)]

# What a procedure uses; each adds its standard "tell us first" line (wording key tell_us_<name>).
Uses = Literal["x_ray", "contrast", "steroid", "radiofrequency", "incision"]


class WarningSigns(Strict):
    """Warning signs in tiers, most urgent first. Symptoms only: the numbers come from the layout."""

    emergency: list[str] = []  # call the emergency number now
    call_now: list[str] = []  # call us right away, day or night
    office_hours: list[str] = []  # call us during office hours

    @model_validator(mode="before")
    @classmethod
    def _flat_list(cls, value: Any) -> Any:
        # A plain list (the older form) means "call us right away".
        return {"call_now": value} if isinstance(value, list) else value

    def tiers(self) -> tuple[tuple[str, list[str]], ...]:
        return (("emergency", self.emergency), ("call_now", self.call_now), ("office_hours", self.office_hours))

    def __bool__(self) -> bool:
        return bool(self.emergency or self.call_now or self.office_hours)


class HandoutParams(Strict):
    """What a handout needs that the source pages lack; curated by hand."""

    fasting_hours: Hours | None = None
    clear_liquids_hours: Hours | None = None
    arrive_early_minutes: Annotated[int, Field(ge=0, le=480)] | None = None
    driver_required: bool = False
    review_blood_thinners: bool = False
    sedation: bool = False  # medicine through an IV to help the patient relax
    uses: list[Uses] = []
    duration_minutes: tuple[Minutes, Minutes] | None = None  # the procedure itself: (shortest, longest)
    observe_minutes: Minutes | None = None  # resting with the clinic afterwards
    warning_signs: WarningSigns = WarningSigns()
    # What this code adds to the warning signs of the code that leads, when booked with it.
    adds_warning_signs: WarningSigns = WarningSigns()

    @model_validator(mode="after")
    def _consistent(self) -> HandoutParams:
        if (
            self.fasting_hours is not None
            and self.clear_liquids_hours is not None
            and self.clear_liquids_hours > self.fasting_hours
        ):
            raise ValueError(
                "clear_liquids_hours is longer than fasting_hours; clear liquids are allowed "
                "until closer to the procedure than food, so it must be the smaller number"
            )
        if self.duration_minutes is not None and self.duration_minutes[0] > self.duration_minutes[1]:
            raise ValueError("duration_minutes: write the shorter time first, e.g. [30, 60]")
        return self


Role = Literal["main", "anesthesia", "guidance", "add_on"]
Phase = Literal["prepare", "numb", "treat", "finish"]
# What a step is about, so that a code booked with another never tells the same step twice.
StepTopic = Literal["sedation", "anesthesia", "x_ray", "more_levels"]
PHASES: tuple[str, ...] = typing.get_args(Phase)


class Steps(Strict):
    """What happens, in the order the patient lives it. Phases let other codes add a sentence in place."""

    prepare: list[str] = []
    numb: list[str] = []
    treat: list[str] = []
    finish: list[str] = []
    covers: list[StepTopic] = []  # topics these steps already tell: another code's step on them is left out

    def count(self) -> int:
        return sum(len(getattr(self, phase)) for phase in PHASES)


class AddedStep(Strict):
    """A sentence this code adds to the steps of the code that leads the handout."""

    phase: Phase
    at: Literal["start", "end"] = "start"
    text: str
    topic: StepTopic | None = None  # left out when the leading code's steps already cover it


# The patient-text fields that are prose or lists, in the order a patient reads them.
PATIENT_FIELDS = (
    "purpose", "what_is_it", "tell_us", "bring", "steps", "feel", "after", "relief",
    "risks", "benefits", "alternatives", "questions",
)


class PatientText(Strict):
    """The words the handout prints: written to the patient ("you"), in plain language.

    Separate from the imported page (the reference), which a re-import refreshes without touching this.
    """

    title: str | None = None  # the plain title; else the procedure's title
    title_with: str | None = None  # appended to the leading code's title when booked with it
    purpose: str | None = None  # "This sheet tells you how to get ready for ... and what to expect after."
    what_is_it: Content
    tell_us: list[str] = []
    bring: list[str] = []
    steps: Steps = Steps()
    adds_steps: list[AddedStep] = []
    feel: list[str] = []
    after: list[str] = []
    relief: list[str] = []
    risks: list[str] = []
    benefits: list[str] = []
    alternatives: list[str] = []
    questions: list[str] = []

    _prose = field_validator("what_is_it", mode="before")(lambda cls, v: _content(v))

    def texts(self) -> dict[str, list[str]]:
        """Each field's sentences-bearing strings, for measuring and hashing."""
        out: dict[str, list[str]] = {}
        for name in PATIENT_FIELDS:
            value = getattr(self, name)
            if name == "purpose":
                out[name] = [value] if value else []
            elif name == "what_is_it":
                out[name] = [block.text for block in value]
            elif name == "steps":
                out[name] = [text for phase in PHASES for text in getattr(value, phase)]
            else:
                out[name] = list(value)
        if self.adds_steps:
            out["adds_steps"] = [added.text for added in self.adds_steps]
        return out


class Review(Strict):
    status: Literal["draft", "approved"] = "draft"
    reviewer: str | None = None
    date: dt.date | None = None
    content_version: str = "1"
    content_hash: str | None = None  # of the patient text when it was approved: a later edit needs re-review
    page_hashes: dict[str, str] = {}  # of each imported page section when the patient text was last reviewed
    notes: list[str] = []

    @field_validator("content_version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        return str(value) if isinstance(value, (int, float)) else value

    @model_validator(mode="after")
    def _approved_needs_reviewer(self) -> Review:
        if self.status == "approved" and (not self.reviewer or self.date is None):
            raise ValueError("an approved procedure needs review.reviewer and review.date")
        return self


def _code(value: Any) -> Any:
    if isinstance(value, int):
        typed = getattr(value, "written", None) or f"{value:05d}"  # 00632 unquoted is octal 410 in YAML
        raise ValueError(f"write the code in quotes (code: '{typed}'), or a leading zero is lost")
    return value


Code = Annotated[str, Field(pattern=CODE_PATTERN.pattern)]

SECTION_FIELDS = (
    "summary",
    "purpose",
    "indications",
    "preparation",
    "procedure_steps",
    "duration",
    "setting",
    "personnel",
    "risks",
    "benefits",
    "recovery",
    "alternatives",
    "patient_experience",
    "similar_codes",
)


class Procedure(Strict):
    code: Code
    code_system: Literal["CPT", "HCPCS"] = "CPT"
    descriptor: str
    name: str
    title: str
    add_on: bool = False
    primary_codes: list[Code] = []
    role: Role | None = None  # what this code is when booked with others; see `kind`

    summary: Content
    purpose: Content
    indications: Content
    preparation: Content
    procedure_steps: Content
    duration: Content
    setting: Content
    personnel: Content
    risks: Risks = Risks()
    benefits: Content
    recovery: Content
    alternatives: Content
    patient_experience: Content
    similar_codes: Content
    other_sections: list[ExtraSection] = []

    handout: HandoutParams = HandoutParams()
    patient: PatientText | None = None
    review: Review = Review()

    _code_check = field_validator("code", "primary_codes", mode="before")(
        lambda cls, v: [_code(c) for c in v] if isinstance(v, list) else _code(v)
    )
    _prose = field_validator(
        *(name for name in SECTION_FIELDS if name != "risks"), mode="before"
    )(lambda cls, v: _content(v))

    @property
    def kind(self) -> str:
        """The role, or by default what the code says: an add-on, an anesthesia code (00100-01999), or main."""
        if self.role is not None:
            return self.role
        if self.add_on:
            return "add_on"
        return "anesthesia" if self.code.isdigit() and 100 <= int(self.code) <= 1999 else "main"

    def to_data(self) -> dict[str, Any]:
        """The YAML form, in the schema's order, leaving out what is empty or default."""
        from handouts.yamlio import quoted

        data: dict[str, Any] = {
            "code": quoted(self.code),
            "code_system": self.code_system,
            "descriptor": self.descriptor,
            "name": self.name,
            "title": self.title,
        }
        if self.add_on:
            data["add_on"] = True
        if self.primary_codes:
            data["primary_codes"] = [quoted(code) for code in self.primary_codes]
        for name in SECTION_FIELDS:
            if name == "risks":
                risks = {
                    key: content_to_data(getattr(self.risks, key))
                    for key in ("common", "rare", "general")
                    if getattr(self.risks, key)
                }
                if risks:
                    data["risks"] = risks
            else:
                data[name] = content_to_data(getattr(self, name))
        if self.other_sections:
            data["other_sections"] = [
                {"heading": s.heading, "content": content_to_data(s.content)} for s in self.other_sections
            ]
        if self.role is not None:
            data["role"] = self.role
        data["handout"] = {
            key: int(value) if isinstance(value, float) and value.is_integer() else value
            for key, value in self.handout.model_dump(exclude_defaults=True).items()
        }
        if self.patient is not None:
            data["patient"] = patient_to_data(self.patient)
        data["review"] = {k: v for k, v in self.review.model_dump(exclude_none=True).items() if v != {}}
        return data


def patient_to_data(patient: PatientText) -> dict[str, Any]:
    data = patient.model_dump(exclude_defaults=True, exclude={"what_is_it"})
    if patient.what_is_it:
        data["what_is_it"] = content_to_data(patient.what_is_it)
    order = ("title", "title_with", *PATIENT_FIELDS, "adds_steps")
    return {key: data[key] for key in order if key in data}


# ---------------------------------------------------------------- layouts


_HEX = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")


def _color(value: str) -> str:
    match = _HEX.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a color; write it as #RRGGBB, for example #1F4E79")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.upper()


Color = Annotated[str, AfterValidator(_color)]


class Clinic(Strict):
    name: str
    address: str | None = None
    phone: str
    after_hours_phone: str | None = None
    website: str | None = None
    emergency_number: str = "911"


class Logo(Strict):
    path: str
    width_in: Annotated[float, Field(gt=0.2, le=4.0)] = 1.4


class Colors(Strict):
    primary: Color  # header band, title
    accent: Color  # rules, check boxes, numbers
    heading: Color  # section headings
    text: Color
    muted: Color  # footer, code line
    on_primary: Color  # text on the header band
    warning_border: Color
    warning_background: Color


class HeaderSpec(Strict):
    style: Literal["rule", "band"] = "rule"  # a colored rule under the header, or a full-width colored band


class FontFiles(Strict):
    """A clinic's own TrueType font, files in the layout folder (embedded and subsetted in the PDF)."""

    regular: str
    bold: str | None = None  # without it, bold text uses the regular file


class Fonts(Strict):
    family: str
    base_size: Annotated[float, Field(ge=8, le=30)]
    files: FontFiles | None = None


class Margins(Strict):
    top: Annotated[float, Field(ge=0.2, le=2.5)]
    bottom: Annotated[float, Field(ge=0.2, le=2.5)]
    left: Annotated[float, Field(ge=0.2, le=2.5)]
    right: Annotated[float, Field(ge=0.2, le=2.5)]


class Page(Strict):
    size: Literal["Letter", "A4"]
    margins_in: Margins


class RuleOverrides(Strict):
    """A clinic's protocol, replacing the procedures' own values (e.g. 8 hours of fasting for all)."""

    fasting_hours: Hours | None = None
    clear_liquids_hours: Hours | None = None
    arrive_early_minutes: Annotated[int, Field(ge=0, le=480)] | None = None
    driver_required: bool | None = None
    review_blood_thinners: bool | None = None


SectionId = Literal[
    "what_is_it", "before", "day_of", "after", "risks", "benefits", "alternatives", "when_to_call", "questions"
]


class ClinicSection(Strict):
    """A clinic's own section (e.g. Parking), placed before or after one of the standard sections."""

    heading: str
    text: str | None = None  # paragraphs, separated by blank lines
    items: list[str] = []  # a bulleted list
    before: SectionId | None = None
    after: SectionId | None = None

    @model_validator(mode="after")
    def _one_place(self) -> ClinicSection:
        if self.before and self.after:
            raise ValueError("give either before: or after:, not both")
        if not self.text and not self.items:
            raise ValueError("give the section some text: or items:")
        return self


class QRSpec(Strict):
    url: str  # a wording template, e.g. https://clinic.example/p/{{ procedure.code }}
    label: str = "Scan for more about your procedure"


class RecordSpec(Strict):
    patient_name: bool = False  # keep the patient's name in the education record (off: references only)


class ClinicWords(Strict):
    """The clinic's details that are words, in another language (the phone numbers stay as they are)."""

    name: str | None = None
    address: str | None = None
    after_hours_phone: str | None = None  # e.g. "020 7946 0999 (ask for the on-call pain doctor)"
    website: str | None = None


class LayoutTranslation(Strict):
    """A clinic's own words in another language (see handouts/languages.py): every clinic wording key,
    extra section and QR label the layout has must be given here for each language it prints in."""

    wording: dict[str, str] = {}
    extra_sections: list[ClinicSection] | None = None  # replaces the layout's extra_sections, in order
    qr_label: str | None = None
    clinic: ClinicWords | None = None


class Layout(Strict):
    extends: str | None = None
    description: str | None = None
    clinic: Clinic
    logo: Logo | None = None
    header: HeaderSpec = HeaderSpec()
    colors: Colors
    fonts: Fonts
    page: Page
    sections: list[SectionId]
    timezone: str = "UTC"
    language: str = "en"
    rules: RuleOverrides | None = None
    large_print: bool = False  # render every handout of this layout in large print
    extra_sections: list[ClinicSection] = []
    qr: QRSpec | None = None
    wording: dict[str, str] = {}
    record: RecordSpec = RecordSpec()
    translations: dict[str, LayoutTranslation] = {}  # language code -> the clinic's words in it

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        from handouts.languages import problem

        if problem(value):
            raise ValueError(problem(value))
        return value

    @field_validator("translations")
    @classmethod
    def _known_languages(cls, value: dict) -> dict:
        from handouts.languages import problem

        for code in value:
            if problem(code):
                raise ValueError(f"translations: {problem(code)}")
        return value

    @field_validator("sections")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        repeated = sorted({s for s in value if value.count(s) > 1})
        if repeated:
            raise ValueError(f"{', '.join(repeated)} listed more than once; list each section once")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a known time zone; use an IANA name such as America/New_York"
            ) from None
        return value


# ---------------------------------------------------------------- error reporting


def validate(model: type[BaseModel], data: Any, source: Path | str, text: str | None = None) -> Any:
    """Validate `data` read from `source`; on failure raise one line per problem."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = tuple(error["loc"])
            where = format_loc(loc)
            line = line_of(text, loc) if text is not None else None
            at = f" (line {line})" if line else ""
            lines.append(f"{source}: {where}{at}: {explain(model, error)}")
        raise HandoutsError(*lines) from None


def explain(model: type[BaseModel], error: dict[str, Any]) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        known = fields_at(model, loc[:-1])
        hint = difflib.get_close_matches(str(loc[-1]), known, n=1)
        if hint:
            return f"unknown key; did you mean '{hint[0]}'?"
        return "unknown key; known keys here: " + ", ".join(known) if known else "unknown key"
    if kind == "missing":
        return "required but missing; add it"
    message = error["msg"]
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    if kind == "string_pattern_mismatch" and loc and loc[0] in ("code", "primary_codes"):
        return f"{error['input']!r} is not a CPT or HCPCS code (like 64634 or J1030)"
    if kind == "literal_error":
        return f"{error['input']!r} is not allowed; {message[0].lower()}{message[1:]}"
    return message[0].lower() + message[1:] if message else kind


def fields_at(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model found at `loc` inside `model`, for "did you mean" hints."""
    current: Any = model
    for part in loc:
        current = _unwrap(current)
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = field.annotation
    current = _unwrap(current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """list[X] -> X, X | None -> X, Annotated[X, ...] -> X."""
    while True:
        origin = typing.get_origin(annotation)
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if origin in (list, Annotated, Union, types.UnionType) and args:
            annotation = args[0]
        else:
            return annotation

"""Translations of the patient text: procedures/<language>/<code>.yaml.

A translation holds the patient text and the warning signs in another language, with who translated
and reviewed it, and a hash of each English section it was made from (`source_hashes`). When the
English changes, the hash no longer matches and that section is out of date: lint and `show` name it,
and the handout does not print as approved. The facts (hours, minutes, the emergency number, the
patient's own times) are never translated: the tool inserts them, from the English procedure and the
layout, into the language's wording.

Only the patient text is translated, never the imported page: a procedure with no patient text has
nothing to translate.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import model_validator

from handouts.errors import HandoutsError
from handouts.schema import PHASES, Code, PatientText, Procedure, Strict, WarningSigns

TIERS = ("emergency", "call_now", "office_hours")
# The sections a translation is checked and hashed by: the patient text's fields, then the warning signs.
PATIENT_SECTIONS = (
    "title", "title_with", "purpose", "what_is_it", "tell_us", "bring", "steps", "adds_steps", "feel",
    "after", "relief", "risks", "benefits", "alternatives", "questions",
)
SIGN_GROUPS = ("warning_signs", "adds_warning_signs")  # its own; what it adds when another code leads
SECTIONS = (*PATIENT_SECTIONS, *(f"{group}.{tier}" for group in SIGN_GROUPS for tier in TIERS))
CACHE = 64


class TranslationInfo(Strict):
    """Who made the translation, who reviewed it, and which English it was made from."""

    translator: str | None = None
    reviewer: str | None = None
    date: dt.date | None = None  # of the review
    status: Literal["draft", "approved"] = "draft"
    source_hashes: dict[str, str] = {}  # section -> hash of the English section it was translated from
    content_hash: str | None = None  # of the translated text when it was approved
    notes: list[str] = []

    @model_validator(mode="after")
    def _approved_needs_reviewer(self) -> TranslationInfo:
        if self.status == "approved" and (not self.reviewer or self.date is None):
            raise ValueError("an approved translation needs translation.reviewer and translation.date")
        return self


class Translation(Strict):
    code: Code
    language: str
    translation: TranslationInfo = TranslationInfo()
    patient: PatientText
    warning_signs: WarningSigns = WarningSigns()
    adds_warning_signs: WarningSigns = WarningSigns()


# ---------------------------------------------------------------- sections and their hashes


def english_sections(procedure: Procedure) -> dict[str, Any]:
    return sections(procedure.patient, procedure.handout.warning_signs, procedure.handout.adds_warning_signs)


def translated_sections(translation: Translation) -> dict[str, Any]:
    return sections(translation.patient, translation.warning_signs, translation.adds_warning_signs)


def sections(patient: PatientText | None, signs: WarningSigns, adds: WarningSigns = WarningSigns()) -> dict[str, Any]:
    """The non-empty sections of a patient text and its warning signs, as plain data. Only words:
    structure that is not text (which topics the steps cover) is taken from the English."""
    if patient is None:
        return {}
    data = patient.model_dump(mode="json")
    out: dict[str, Any] = {}
    for name in PATIENT_SECTIONS:
        value = data.get(name)
        if name == "what_is_it":
            value = [block["text"] for block in value]
        if name == "steps":
            value = {phase: value[phase] for phase in PHASES if value[phase]}
        if value:
            out[name] = value
    for group, given in zip(SIGN_GROUPS, (signs, adds)):
        for tier in TIERS:
            if getattr(given, tier):
                out[f"{group}.{tier}"] = list(getattr(given, tier))
    return out


def texts(value: Any) -> list[str]:
    """The strings a section's data holds, in order (for numbers, readability and glossary checks)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if "text" in value:  # an added step: {phase, at, text}
            return [value["text"]]
        return [text for key in value for text in texts(value[key])]  # steps, phase by phase
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []


def section_hash(value: Any) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:12]


def source_hashes(procedure: Procedure) -> dict[str, str]:
    return {name: section_hash(value) for name, value in english_sections(procedure).items()}


def translated_hash(translation: Translation) -> str:
    """What a reviewer approves: the translated text."""
    data = translated_sections(translation)
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Drift:
    """How a translation stands against the English it was made from."""

    outdated: tuple[str, ...]  # the English changed since the section was translated (or was never recorded)
    missing: tuple[str, ...]  # the English has the section, the translation does not
    extra: tuple[str, ...]  # the translation has a section the English no longer has

    @property
    def current(self) -> bool:
        return not (self.outdated or self.missing or self.extra)


def drift(procedure: Procedure, translation: Translation) -> Drift:
    english = source_hashes(procedure)
    translated = translated_sections(translation)
    recorded = translation.translation.source_hashes
    outdated = tuple(name for name in SECTIONS if name in english and name in translated and recorded.get(name) != english[name])
    missing = tuple(name for name in SECTIONS if name in english and name not in translated)
    extra = tuple(name for name in SECTIONS if name in translated and name not in english)
    return Drift(outdated, missing, extra)


def is_approved(procedure: Procedure, translation: Translation) -> bool:
    """Approved, current with its English, and unchanged since approval: only then does it print as approved."""
    info = translation.translation
    return (
        info.status == "approved"
        and drift(procedure, translation).current
        and info.content_hash == translated_hash(translation)
    )


# ---------------------------------------------------------------- loading


def translation_path(project, code: str, language: str) -> Path:
    """procedures/<language>/<code>.yaml; both parts are checked before they name a path."""
    from handouts.languages import language as known_language
    from handouts.schema import CODE_PATTERN

    if not CODE_PATTERN.match(code):
        raise HandoutsError(f"{code!r} is not a CPT or HCPCS code (like 64634)")
    return project.procedures_dir / known_language(language).code / f"{code}.yaml"


_cache: dict[tuple, Translation] = {}


def load(project, code: str, language: str) -> Translation | None:
    """The translation of one procedure, or None when there is no file; a bad file is one error per problem."""
    from handouts.schema import validate
    from handouts.yamlio import parse_yaml, read_text

    path = translation_path(project, code, language)
    try:
        stat = path.stat()
    except OSError:
        return None
    identity = (str(path), stat.st_mtime_ns, stat.st_size)
    if identity in _cache:
        return _cache[identity]
    shown = project.display(path)
    text = read_text(path, shown)
    data = parse_yaml(text, shown)
    if not isinstance(data, dict):
        raise HandoutsError(f"{shown}: expected a translation (keys code:, language:, translation:, patient:)")
    translation = validate(Translation, data, shown, text)
    if translation.code != code or translation.language != language:
        raise HandoutsError(
            f"{shown}: code {translation.code!r} and language {translation.language!r} do not match the file's "
            f"place; it must say code: '{code}' and language: {language}"
        )
    if len(_cache) >= CACHE:
        _cache.pop(next(iter(_cache)))
    _cache[identity] = translation
    return translation


def translation_files(project, language: str) -> dict[str, Path]:
    folder = project.procedures_dir / language
    return {path.stem: path for path in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}


# ---------------------------------------------------------------- a procedure in another language


@dataclass(frozen=True)
class Localized:
    procedure: Procedure  # patient text, warning signs and title in the language; facts from the English
    approved: bool  # the English and the translation are both approved, and the translation is current
    drift: Drift


class MissingTranslation(HandoutsError):
    """No usable translation: --fallback-english may print the English instead."""


def localize(project, procedure: Procedure, language: str) -> Localized:
    """The procedure with its patient text in `language`, or MissingTranslation saying what is missing."""
    from handouts.languages import language as known_language

    name = known_language(language).name
    path = project.display(translation_path(project, procedure.code, language))
    if procedure.patient is None:
        raise MissingTranslation(
            f"{procedure.code}: no {name} handout: the procedure has no patient text yet, so there is nothing "
            f"to translate; write its patient: block first, then {path}"
        )
    translation = load(project, procedure.code, language)
    if translation is None:
        raise MissingTranslation(
            f"{procedure.code}: no {name} translation: {path} does not exist; translate the patient text "
            f"('handouts translation new {procedure.code} --language {language}' starts one), or pass "
            "--fallback-english to print the English with a note"
        )
    state = drift(procedure, translation)
    if state.missing:
        raise MissingTranslation(
            f"{path}: no {name} for {', '.join(state.missing)} (the English has them); translate them, "
            f"then 'handouts translation stamp {procedure.code} --language {language}'"
        )
    title = translation.patient.title or procedure.title
    approved = procedure.review.status == "approved" and is_approved(procedure, translation)
    localized = procedure.model_copy(update={
        "title": title,
        "patient": _with_structure(translation.patient, procedure.patient),
        "handout": procedure.handout.model_copy(update={
            "warning_signs": translation.warning_signs, "adds_warning_signs": translation.adds_warning_signs,
        }),
    })
    return Localized(localized, approved, state)


def _with_structure(translated: PatientText, english: PatientText) -> PatientText:
    """The translated words in the English structure: which topics the steps cover, and where each
    added step goes and what it is about (combined codes rely on these never to tell a step twice)."""
    update: dict[str, Any] = {"steps": translated.steps.model_copy(update={"covers": english.steps.covers})}
    if len(translated.adds_steps) == len(english.adds_steps):
        update["adds_steps"] = [
            mine.model_copy(update={"phase": theirs.phase, "at": theirs.at, "topic": theirs.topic})
            for mine, theirs in zip(translated.adds_steps, english.adds_steps)
        ]
    return translated.model_copy(update=update)


# ---------------------------------------------------------------- making and stamping translations


def new_translation(project, code: str, language: str) -> Path:
    """A translation file to fill in: the English text in place, to be replaced, and status draft."""
    from handouts.output import write_atomic
    from handouts.schema import patient_to_data
    from handouts.yamlio import dump_yaml, quoted

    procedure = project.procedure(code, enforce_approval=False)
    path = translation_path(project, procedure.code, language)
    shown = project.display(path)
    if path.exists():
        raise HandoutsError(f"{shown} already exists; edit it, then 'handouts translation stamp {procedure.code} --language {language}'")
    if procedure.patient is None:
        raise HandoutsError(f"{procedure.code}: no patient text to translate yet; write its patient: block first")
    data = {
        "code": quoted(procedure.code),
        "language": language,
        "translation": {"translator": None, "reviewer": None, "date": None, "status": "draft", "source_hashes": {}},
        "patient": patient_to_data(procedure.patient),
    }
    for group in SIGN_GROUPS:
        signs = getattr(procedure.handout, group)
        if signs:
            data[group] = {tier: list(getattr(signs, tier)) for tier in TIERS if getattr(signs, tier)}
    header = (
        f"# {language} translation of procedures/{procedure.code}.yaml's patient text and warning signs.\n"
        "# Replace each English sentence with its translation; keep every number as it is. Then run\n"
        f"# 'handouts translation stamp {procedure.code} --language {language}' to record which English you translated.\n"
    )
    write_atomic(path, (header + dump_yaml(data)).encode("utf-8"), shown=shown)
    return path


def _rewrite(project, code: str, language: str, change) -> Path:
    from handouts.output import write_atomic
    from handouts.yamlio import dump_yaml, read_yaml

    path = translation_path(project, code, language)
    shown = project.display(path)
    if load(project, code, language) is None:
        raise HandoutsError(f"{shown} does not exist; start one with 'handouts translation new {code} --language {language}'")
    data = read_yaml(path, shown)
    info = dict(data.get("translation") or {})
    change(info)
    data["translation"] = info
    data["code"] = _quoted(data["code"])
    text = path.read_text(encoding="utf-8")
    header = "".join(line for line in text.splitlines(keepends=True)[:20] if line.startswith("#")) if text.startswith("#") else ""
    write_atomic(path, (header + dump_yaml(data)).encode("utf-8"), shown=shown)
    return path


def _quoted(value: Any) -> Any:
    from handouts.yamlio import quoted

    return quoted(str(value))


def stamp(project, code: str, language: str, names: list[str]) -> tuple[Path, list[str]]:
    """Record that the named sections (or all translated ones) now translate the current English.

    A stamp is a translator's statement ("I brought this section up to date"), so a stamped approved
    translation goes back to draft until it is reviewed again."""
    procedure = project.procedure(code, enforce_approval=False)
    english = source_hashes(procedure)
    unknown = [name for name in names if name not in SECTIONS]
    if unknown:
        raise HandoutsError(f"--section: {unknown[0]!r} is not a section; the sections are: {', '.join(SECTIONS)}")
    chosen = names or [name for name in SECTIONS if name in english]
    stamped: list[str] = []

    def change(info: dict) -> None:
        hashes = dict(info.get("source_hashes") or {})
        for name in chosen:
            if name in english and hashes.get(name) != english[name]:
                hashes[name] = english[name]
                stamped.append(name)
        for name in list(hashes):
            if name not in english:
                del hashes[name]
        info["source_hashes"] = {name: hashes[name] for name in SECTIONS if name in hashes}
        if stamped and info.get("status") == "approved":
            info["status"] = "draft"

    return _rewrite(project, procedure.code, language, change), stamped


def approve(project, code: str, language: str, reviewer: str, date: str | None) -> Path:
    """A qualified reviewer's sign-off: only for a translation that is current and that lint passes."""
    from handouts.appointment import parse_date
    from handouts.content.translation_lint import lint_translation

    if not reviewer.strip():
        raise HandoutsError("--reviewer: give the reviewer's name")
    procedure = project.procedure(code, enforce_approval=False)
    report = lint_translation(project, procedure, language)
    blocking = [f for f in report.findings if f.level == "error" and f.check != "governance"]
    if blocking:
        raise HandoutsError(
            f"{report.file}: not approved: lint finds {len(blocking)} problems (first: {blocking[0].key}: "
            f"{blocking[0].message}); run 'handouts lint {procedure.code} --language {language}' and fix them first"
        )
    translation = load(project, procedure.code, language)

    def change(info: dict) -> None:
        info.update(
            status="approved", reviewer=reviewer.strip(),
            date=(parse_date(date, "--date") if date else dt.date.today()),
            content_hash=translated_hash(translation),
        )

    return _rewrite(project, procedure.code, language, change)


# ---------------------------------------------------------------- `handouts show CODE --language es`


def translation_text(project, procedure: Procedure, language: str) -> str:
    import textwrap

    from handouts.languages import language as known_language

    lang = known_language(language)
    path = project.display(translation_path(project, procedure.code, language))
    translation = load(project, procedure.code, language)
    if translation is None:
        return f"{procedure.code}: no {lang.name} translation ({path} does not exist)\n"
    info = translation.translation
    state = drift(procedure, translation)
    status = "approved" if procedure.review.status == "approved" and is_approved(procedure, translation) else "draft"
    if info.status == "approved" and status == "draft":
        status = "draft (approved once, but " + ("the English changed since" if not state.current else "edited since approval") + ")"
    lines = [
        f"{translation.patient.title or procedure.title}",
        f"{lang.name} translation of {procedure.code} ({path})",
        f"Translator: {info.translator or 'not recorded'}; reviewer: {info.reviewer or 'none yet'}; "
        f"date: {info.date or 'none'}; prints as: {status}",
    ]
    for label, names in (("Out of date (the English changed since translation)", state.outdated),
                         ("Missing (the English has them)", state.missing),
                         ("No longer in the English", state.extra)):
        if names:
            lines.append(f"{label}: {', '.join(names)}")
    if state.current:
        lines.append("Up to date with the English.")
    lines.append("")
    for name, value in translated_sections(translation).items():
        lines += [name, "-" * len(name)]
        for text in texts(value):
            lines += textwrap.wrap(text, 88, initial_indent="- ", subsequent_indent="  ")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"

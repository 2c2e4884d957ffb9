"""The languages handouts print in: what `--language` may say, and each language's data.

Everything about a language is data (handouts/data/languages.yaml and wording/<code>.yaml), so adding
one needs no code: its name, the CLDR locale dates are formatted with, the readability formula lint
uses, the characters a font must have, and the words for hours and minutes.

A language choice is one code ("es") or, for a bilingual copy, two joined by "+" ("es+en": the
patient's language first). Anything else is refused with one line saying what is allowed; a choice is
never used to build a path before it has been checked against the known codes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from handouts.errors import HandoutsError

CODE = re.compile(r"^[a-z]{2,3}$")
MAX_LANGUAGES = 2  # a bilingual copy; three languages in one handout would be a booklet nobody reads
ENGLISH_UNITS = {"hour": "hour", "hours": "hours", "minute": "minute", "minutes": "minutes", "and": "and", "to": "to"}


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in English, for messages to staff
    native_name: str  # in the language itself, for notes a patient reads
    locale: str  # CLDR, for Babel
    formula: str  # readability formula: flesch_kincaid, fernandez_huerta, inflesz or none
    target: float | None
    characters: str  # beyond ASCII, what a font must have for this language
    word_wrap: str
    units: dict[str, str]

    @property
    def label(self) -> str:
        return f"{self.code} ({self.name})"


@lru_cache(maxsize=1)
def languages() -> dict[str, Language]:
    from handouts.project import PACKAGE_DATA
    from handouts.yamlio import read_yaml

    out = {}
    for code, data in (read_yaml(PACKAGE_DATA / "languages.yaml") or {}).items():
        readability = data.get("readability") or {}
        out[code] = Language(
            code=code,
            name=data["name"],
            native_name=data.get("native_name", data["name"]),
            locale=data.get("locale", code),
            formula=readability.get("formula", "none"),
            target=readability.get("target"),
            characters=data.get("characters", ""),
            word_wrap=data.get("word_wrap", "words"),
            units={**ENGLISH_UNITS, **(data.get("units") or {})},
        )
    return out


def known() -> str:
    return ", ".join(language.label for language in languages().values())


def problem(code: str) -> str | None:
    """Why `code` is not a language handouts knows, or None."""
    text = str(code).strip()
    if CODE.match(text) and text in languages():
        return None
    hint = ""
    base = text.lower().replace("_", "-").split("-")[0]
    if base != text and base in languages():
        hint = f"; write just {base!r} (regional forms like {text!r} are not used)"
    shown = text if len(text) <= 40 else text[:40] + "…"
    return (
        f"{shown!r} is not a language handouts knows{hint}; known: {known()} "
        "(a bilingual copy is two codes joined by '+', patient's language first, e.g. es+en)"
    )


def language(code: str, where: str = "--language") -> Language:
    """One language by its code, or one clear error naming `where` the bad value came from."""
    reason = problem(code)
    if reason:
        raise HandoutsError(f"{where}: {reason}")
    return languages()[str(code).strip()]


def parse_choice(value: str, where: str = "--language") -> tuple[Language, ...]:
    """'es' -> (Spanish,); 'es+en' -> (Spanish, English). At most two, each once."""
    text = str(value).strip()
    if not text or len(text) > 20:
        raise HandoutsError(f"{where}: give a language code such as es, or es+en for a bilingual copy")
    parts = [language(part, where) for part in text.split("+")]
    if len(parts) > MAX_LANGUAGES:
        raise HandoutsError(f"{where}: {text!r} names {len(parts)} languages; a handout holds one, or two (es+en)")
    if len({p.code for p in parts}) != len(parts):
        raise HandoutsError(f"{where}: {text!r} names a language twice; give two different ones, e.g. es+en")
    return tuple(parts)


# ---------------------------------------------------------------- dates and times


def _clean(text: str) -> str:
    # CLDR puts a narrow no-break space in "p. m."; few fonts have it. A no-break space keeps "p. m." on
    # one line just the same and is in every font we ship.
    return text.replace("\u202f", "\u00a0")


def format_datetime(value: dt.datetime, pattern: str, code: str) -> str:
    from babel.dates import format_datetime as babel_format

    return _clean(babel_format(value, pattern, locale=locale_of(code)))


def format_date(value: dt.date, pattern: str, code: str) -> str:
    from babel.dates import format_date as babel_format

    return _clean(babel_format(value, pattern, locale=locale_of(code)))


def locale_of(code: str) -> str:
    found = languages().get(code)
    return found.locale if found else code


def units_of(code: str) -> dict[str, str]:
    found = languages().get(code)
    return found.units if found else dict(ENGLISH_UNITS)


def template_values(code: str) -> dict[str, Any]:
    """What wording templates may use about the language (`language.code`, and the units the hour and
    minute filters print)."""
    found = languages().get(code)
    return {"code": code, "name": found.native_name if found else code, "units": units_of(code)}

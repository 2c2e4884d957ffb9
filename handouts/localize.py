"""A layout in another language: the standard wording of that language, with the clinic's own words
from the layout's `translations: <code>:` block.

A clinic's own words (wording it changed, its extra sections, its QR label, a phone line with words in
it) are never printed in the wrong language: when they are missing for a language, rendering in it is
refused with the list of what is missing, and `layout check` reports the same list.
"""

from __future__ import annotations

import dataclasses
import re

from handouts.errors import HandoutsError
from handouts.project import LoadedLayout

SOURCE = "en"  # the language procedures' patient text is written in; others are translations of it
_WORDS = re.compile(r"[^\W\d_]{3,}")  # a word of three letters or more in a phone line: it needs translating


def missing_clinic_words(spec, code: str) -> list[str]:
    """What the layout's clinic wrote in its own language and has not given in `code`."""
    if code == spec.language:
        return []
    given = spec.translations.get(code)
    missing = [f"wording.{key}" for key in spec.wording if given is None or key not in given.wording]
    if spec.extra_sections:
        if given is None or given.extra_sections is None:
            missing.append("extra_sections")
        elif len(given.extra_sections) != len(spec.extra_sections):
            missing.append(f"extra_sections (the layout has {len(spec.extra_sections)}, the translation {len(given.extra_sections)})")
    if spec.qr is not None and (given is None or not given.qr_label):
        missing.append("qr_label")
    words_given = given.clinic.model_dump(exclude_none=True) if given is not None and given.clinic else {}
    for key in ("after_hours_phone", "address"):
        value = getattr(spec.clinic, key)
        if key == "after_hours_phone" and value and _WORDS.search(value) and key not in words_given:
            missing.append(f"clinic.{key}")
    return missing


def localized_layout(layout: LoadedLayout, code: str, shown: str) -> LoadedLayout:
    """The layout as it prints in `code`; `shown` names its file in errors."""
    from handouts.languages import language
    from handouts.project import _wording_for

    spec = layout.layout
    given = spec.translations.get(code)
    if code == spec.language and given is None:
        return layout
    lang = language(code)
    base = layout.wording if code == spec.language else _wording_for(code)
    if base is None:
        raise HandoutsError(f"handouts/data/wording/{code}.yaml is missing; {lang.name} has no standard wording yet")
    missing = missing_clinic_words(spec, code)
    if missing:
        raise HandoutsError(
            f"{shown}: no {lang.name} for the clinic's own {', '.join(missing)}; add them under "
            f"translations: {code}: (handouts layout check {layout.name} lists them)"
        )
    own = dict(given.wording) if given is not None else {}
    unknown = [key for key in own if key not in base]
    if unknown:
        raise HandoutsError(*(f"{shown}: translations.{code}.wording.{key}: unknown wording key" for key in unknown))
    update: dict = {"language": code, "wording": {**spec.wording, **own} if code == spec.language else own}
    if given is not None:
        if given.clinic is not None:
            update["clinic"] = spec.clinic.model_copy(update=given.clinic.model_dump(exclude_none=True))
        if given.extra_sections is not None:
            update["extra_sections"] = list(given.extra_sections)
        if spec.qr is not None and given.qr_label:
            update["qr"] = spec.qr.model_copy(update={"label": given.qr_label})
    return dataclasses.replace(layout, layout=spec.model_copy(update=update), wording={**base, **own})


def declared_languages(spec) -> list[str]:
    """The languages a layout prints in: its own, then those it gives translations for."""
    return [spec.language, *(code for code in spec.translations if code != spec.language)]


def language_findings(project, loaded: LoadedLayout, file: str) -> list[tuple[str, str, str]]:
    """(level, where, message) for `layout check`: for each language the layout declares, the clinic's
    own words it lacks, and the characters its fonts cannot print."""
    from handouts.content.translation import texts, translated_sections, translation_files
    from handouts.fonts import font_family
    from handouts.languages import languages
    from handouts.project import _wording_for

    spec = loaded.layout
    findings = []
    for code in declared_languages(spec):
        lang = languages()[code]
        missing = missing_clinic_words(spec, code)
        if missing:
            findings.append(("error", f"{file}: translations.{code}",
                             f"no {lang.name} for the clinic's own {', '.join(missing)}; a handout in {lang.name} "
                             "would print them in the wrong language, so it is refused until they are added"))
        try:
            family = font_family(spec.fonts.family, loaded.font_paths)
        except HandoutsError:
            continue  # the font findings report it
        if family.charset is None:
            continue
        text = lang.characters + "".join((_wording_for(code) or {}).values())
        given = spec.translations.get(code)
        if given is not None:
            text += " ".join(str(v) for v in given.model_dump(mode="json").values())
        if code != SOURCE:
            from handouts.content.translation import load

            for procedure_code in translation_files(project, code):
                try:
                    translation = load(project, procedure_code, code)
                except HandoutsError:
                    continue
                text += " ".join(t for value in translated_sections(translation).values() for t in texts(value))
        lacking = sorted({c for c in text if c not in family.charset and ord(c) >= 32 and not c.isspace()})
        if lacking:
            shown = " ".join(lacking[:12]) + (" …" if len(lacking) > 12 else "")
            findings.append(("error", f"{file}: fonts.family",
                             f"the font {family.display_name} cannot print {lang.name}: it lacks {shown}; "
                             "choose a font that covers the language (see handouts/data/languages.yaml)"))
    return findings

"""`handouts lint --language es`: a translation checked against the English it was made from.

- Drift: a section whose English changed since it was translated (its source hash no longer matches),
  a section the English has and the translation lacks, and the other way round.
- Numbers: the numbers in each translated section (hours, minutes, days, temperatures, doses) must be
  the numbers of its English section, no more and no fewer. A translator never changes a number.
- Terms: the glossary (handouts/data/glossary-<language>.yaml) gives the one word used for each English
  term; a section that uses the English term must use it, and never a word the glossary avoids.
- Reading ease by the language's own formula (Fernández-Huerta for Spanish), per section and overall.
- Words left in English, the familiar "tú" where patients are addressed as "usted", emergency numbers.
- Review: a draft needs a qualified reviewer; an approved translation that is out of date or edited
  since approval prints as a draft.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from handouts.content.lint import EMERGENCY_NUMBERS, Finding
from handouts.content.translation import (
    PATIENT_SECTIONS,
    drift,
    english_sections,
    is_approved,
    load,
    texts,
    translated_sections,
    translation_path,
)
from handouts.schema import PHASES, Procedure

NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,:]\d+)*")
# Number words from two up (one is also an article: "un día", "a day"); written digits are compared as is.
NUMBER_WORDS = {
    "en": {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
           "eleven": 11, "twelve": 12, "twice": 2},
    "es": {"dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8, "nueve": 9, "diez": 10,
           "once": 11, "doce": 12},
}
# Words that only English has: two in one sentence means the sentence was left in English.
ENGLISH_WORDS = {"the", "you", "your", "and", "with", "will", "is", "are", "for", "if", "this", "that", "it",
                 "of", "to", "when", "have", "do", "not", "be", "may", "can", "after", "before"}
# The familiar "tú": patients are addressed as "usted".
FAMILIAR = re.compile(r"\b(tú|tu|tus|ti|contigo|te|puedes|debes|tienes|estás|eres|vas|necesitas|quieres|"
                      r"sientes|sabes|llámanos|avísanos|dinos|pregúntanos)\b", re.I)


@dataclass
class TranslationReport:
    code: str
    language: str
    file: str
    ease: float = 0.0  # the language's formula, overall (Fernández-Huerta for Spanish)
    inflesz: float = 0.0
    sections: dict[str, float] = field(default_factory=dict)
    status: str = "draft"  # how the handout prints: draft or approved
    findings: list[Finding] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        errors = sum(f.level == "error" for f in self.findings)
        return "clean" if not self.findings else f"{errors} errors, {len(self.findings) - errors} warnings"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["summary"] = self.summary()
        return data


def numbers(text: str, language: str) -> Counter:
    found = Counter(match.group(0).replace(",", ".") for match in NUMBER.finditer(text))
    vocabulary = NUMBER_WORDS.get(language, {})
    for word in re.findall(r"[^\W\d_]+", text.lower()):
        if word in vocabulary:
            found[str(vocabulary[word])] += 1
    return found


def _shown(counter: Counter) -> str:
    return ", ".join(sorted(counter.elements(), key=lambda n: (len(n), n))) or "none"


@lru_cache(maxsize=8)
def glossary(language: str) -> dict[str, dict[str, list[str]]]:
    """English term -> {"use": [forms of the one translated term], "avoid": [words not to use]}."""
    from handouts.project import PACKAGE_DATA
    from handouts.yamlio import read_yaml

    path = PACKAGE_DATA / f"glossary-{language}.yaml"
    if not path.is_file():
        return {}
    out = {}
    for term, entry in (read_yaml(path) or {}).items():
        use = entry.get(language) if isinstance(entry, dict) else entry
        avoid = entry.get("avoid", []) if isinstance(entry, dict) else []
        out[str(term).lower()] = {"use": [use] if isinstance(use, str) else list(use), "avoid": list(avoid)}
    return out


def _has(term: str, text: str, plural: str = r"(?:s|es)?") -> bool:
    return re.search(r"(?<!\w)" + re.escape(term) + plural + r"(?!\w)", text, re.I) is not None


# ---------------------------------------------------------------- the checks


def lint_translation(project, procedure: Procedure, language: str) -> TranslationReport:
    from handouts.content.readability_es import measure
    from handouts.languages import language as known_language

    lang = known_language(language)
    path = translation_path(project, procedure.code, language)
    file = project.display(path)
    report = TranslationReport(procedure.code, language, file)
    add = report.findings.append
    translation = load(project, procedure.code, language)
    if translation is None:
        add(Finding("error", "translation", file, "(file)",
                    f"no {lang.name} translation; start one with 'handouts translation new {procedure.code} --language {language}'"))
        return report
    english = english_sections(procedure)
    translated = translated_sections(translation)
    _drift_findings(procedure, translation, file, add, language)
    for name, value in translated.items():
        source = english.get(name)
        strings = texts(value)
        if source is not None:
            _compare(name, value, source, file, add, language)
        for text in strings:
            _sentence_checks(name, text, file, add)
    graded = {name: texts(value) for name, value in translated.items() if name in PATIENT_SECTIONS}
    if lang.formula in ("fernandez_huerta", "inflesz"):
        _ease(report, graded, lang, measure, add)
    _governance(procedure, translation, report, file, add)
    return report


def _drift_findings(procedure, translation, file, add, language) -> None:
    state = drift(procedure, translation)
    stamp = f"'handouts translation stamp {procedure.code} --language {language} --section NAME'"
    for name in state.outdated:
        recorded = translation.translation.source_hashes.get(name)
        why = "the English changed since it was translated" if recorded else "no source hash recorded"
        add(Finding("error", "out-of-date", file, name,
                    f"out of date: {why}; compare it with procedures/{procedure.code}.yaml, update the translation, then {stamp}"))
    for name in state.missing:
        add(Finding("error", "untranslated", file, name, "the English has this section and the translation does not; translate it"))
    for name in state.extra:
        add(Finding("warning", "out-of-date", file, name, "the English no longer has this section; remove it from the translation"))


def _compare(name: str, value, source, file: str, add, language: str) -> None:
    """Numbers, counts and glossary terms of one section against its English."""
    spanish_items, english_items = texts(value), texts(source)
    if isinstance(value, dict) and not isinstance(value, str):
        phases_es = {phase: len(value.get(phase, [])) for phase in PHASES}
        phases_en = {phase: len(source.get(phase, [])) for phase in PHASES}
        if phases_es != phases_en:
            add(Finding("error", "structure", file, name,
                        f"steps per phase differ from the English ({phases_en}); translate each step as one step"))
    elif isinstance(value, list) and len(value) != len(source):
        add(Finding("error" if "warning_signs" in name else "warning", "structure", file, name,
                    f"{len(value)} items, the English has {len(source)}; translate each item as one item"))
    # Item by item where the lists line up (the finding names the item); else the section as a whole.
    pairs = list(zip(spanish_items, english_items)) if len(spanish_items) == len(english_items) else [
        (" ".join(spanish_items), " ".join(english_items))]
    for index, (translated_text, english_text) in enumerate(pairs):
        got, want = numbers(translated_text, language), numbers(english_text, "en")
        if got != want:
            key = f"{name}[{index}]" if len(pairs) > 1 else name
            add(Finding("error", "numbers", file, key,
                        f"numbers differ from the English: the English has {_shown(want)}, the translation "
                        f"{_shown(got)}; a translation never changes a number", translated_text))
    terms = glossary(language)
    whole_es, whole_en = " ".join(spanish_items), " ".join(english_items)
    for term, entry in terms.items():
        if _has(term, whole_en) and not any(_has(form, whole_es, r"\w*") for form in entry["use"]):
            add(Finding("warning", "glossary", file, name,
                        f"the English says \"{term}\"; the glossary's word for it is \"{entry['use'][0]}\" "
                        f"(handouts/data/glossary-{language}.yaml): use it, so every handout says the same"))
    for term, entry in terms.items():
        for avoid in entry["avoid"]:
            if _has(avoid, whole_es, r"\w*"):
                add(Finding("warning", "glossary", file, name,
                            f"\"{avoid}\": the glossary says \"{entry['use'][0]}\" for {term}"))


def _sentence_checks(name: str, text: str, file: str, add) -> None:
    from handouts.content.readability import sentences

    if EMERGENCY_NUMBERS.search(text):
        add(Finding("error", "emergency-number", file, name,
                    "spells out an emergency number; the layout supplies the right one", text))
    for sentence in sentences(text):
        english = {w for w in re.findall(r"[a-z]+", sentence.lower())} & ENGLISH_WORDS
        if len(english) >= 2:
            add(Finding("error", "english-left", file, name, "this looks like English; translate it", sentence))
        familiar = FAMILIAR.search(sentence)
        if familiar:
            add(Finding("warning", "usted", file, name,
                        f"\"{familiar.group(0)}\" speaks to the reader as \"tú\"; handouts say \"usted\"", sentence))


def _ease(report: TranslationReport, graded: dict[str, list[str]], lang, measure, add) -> None:
    target = lang.target or 0
    for name, strings in graded.items():
        ease = measure(strings)
        score = ease.fernandez_huerta if lang.formula == "fernandez_huerta" else ease.inflesz
        report.sections[name] = round(score, 1)
        if ease.sentences >= 2 and score < target:
            add(Finding("warning", "readability", report.file, name,
                        f"reading ease {score:.1f} (target {target:g} or more); use shorter sentences and words"))
    overall = measure([s for strings in graded.values() for s in strings])
    report.ease, report.inflesz = round(overall.fernandez_huerta, 1), round(overall.inflesz, 1)
    score = overall.fernandez_huerta if lang.formula == "fernandez_huerta" else overall.inflesz
    if overall.sentences and score < target:
        add(Finding("warning", "readability", report.file, "(whole handout)",
                    f"reading ease {score:.1f} (target {target:g} or more)"))


def _governance(procedure, translation, report: TranslationReport, file: str, add) -> None:
    info = translation.translation
    approved = is_approved(procedure, translation)
    report.status = "approved" if approved and procedure.review.status == "approved" else "draft"
    if info.status == "draft":
        add(Finding("warning", "draft", file, "translation.status",
                    "draft: a qualified reviewer must check the translation (Section 1557); then "
                    f"'handouts translation approve {procedure.code} --language {translation.language} --reviewer NAME'"))
    elif not approved:
        why = "the English changed since" if not drift(procedure, translation).current else "the translation was edited since"
        add(Finding("error", "governance", file, "translation.status",
                    f"approved, but {why}: it prints as a draft until it is reviewed and approved again"))
    if info.status == "approved" and info.content_hash is None:
        add(Finding("error", "governance", file, "translation.content_hash",
                    "approved without a content hash; approve with 'handouts translation approve'"))
    if not info.translator:
        add(Finding("warning", "governance", file, "translation.translator", "record who translated it"))


def lint_translations(project, codes: list[str], language: str, layout_names: list[str]) -> tuple[list[TranslationReport], list[str]]:
    """Reports for the named procedures (or all), with page counts of the translated handout in each layout."""
    from handouts.errors import HandoutsError

    files = project.procedure_files()
    reports, errors = [], []
    for query in codes or list(files):
        try:
            procedure = project.procedure(query, enforce_approval=False)
            report = lint_translation(project, procedure, language)
        except HandoutsError as exc:
            errors.extend(exc.lines)
            continue
        if not any(f.check in ("translation", "untranslated") for f in report.findings):
            _pages(project, procedure, language, layout_names, report)
        reports.append(report)
    return reports, errors


def _pages(project, procedure, language: str, layout_names: list[str], report: TranslationReport) -> None:
    from handouts.content.lint import budget_findings
    from handouts.errors import HandoutsError
    from handouts.pipeline import render_in

    for name in layout_names:
        try:
            layout = project.layout(name)
            budget_findings(lambda large: render_in(project, [procedure], layout, (language,), None, large),
                            name, report.file, report, "shorten the translation")
        except HandoutsError as exc:
            report.findings.append(Finding("error", "layout", report.file, f"layout {name}", exc.lines[0]))


def format_translation_report(report: TranslationReport) -> list[str]:
    pages = ", ".join(f"{k} {v}" for k, v in report.pages.items())
    head = (
        f"{report.code} [{report.language}]  Fernández-Huerta {report.ease:.1f}  INFLESZ {report.inflesz:.1f}  "
        f"prints as {report.status}" + (f"  pages: {pages}" if pages else "") + f"  [{report.summary()}]"
    )
    return [head] + [f"  {finding}" for finding in report.findings]

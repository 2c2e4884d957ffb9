"""`handouts lint`: a procedure's words measured the way a health-literacy reviewer would.

It reads what the handout prints: the patient text, or, for a section with none yet, the page text the
handout falls back to. Each finding names the file, the key and the sentence, and says what to do.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import Any

from handouts.content.readability import addresses_reader, is_passive, measure, sentences, words
from handouts.schema import Block, Procedure

MAX_GRADE = 6.0  # Flesch-Kincaid, every section (AMA: 6 or lower; NIH: 6-8)
GOAL_GRADE = 5.5  # the handout as a whole
MIN_YOU_SHARE = 0.70  # published handouts: 70-87 % of sentences speak to the reader
MAX_WORDS = 20  # words in one sentence
MAX_STEPS = 7
REVIEW_MONTHS = 24  # commercial libraries review content every 24 months
EMERGENCY_NUMBERS = re.compile(r"(?<![\d-])(911|999|112)(?![\d-])")

# Topics the rules state once, exactly ("Stop eating at 11:45 PM ..."); patient text must not state them
# again, vaguely or otherwise. After-care may say when to restart a medicine.
TOPICS = {
    "fasting": re.compile(r"\b(fast|fasting|empty stomach|stop eating|nothing to eat|not eat|no food|eat or drink)\b", re.I),
    "clear liquids": re.compile(r"\b(clear liquids?|clear fluids?|sips? of water)\b", re.I),
    "blood thinners": re.compile(r"\b(blood[- ]thinners?|anticoagula\w*|antiplatelet|warfarin|coumadin|apixaban|eliquis|clopidogrel|plavix)\b", re.I),
    "ride home": re.compile(r"\b(drive|driving|driver|ride home)\b", re.I),
    "arrival": re.compile(r"\b(arrive (early|at|by|\d)|arrival time|check in early)\b", re.I),
}
STOPPING = re.compile(r"\b(stop|stopping|hold|holding|adjust\w*|change)\b", re.I)
# Words that turn a hedge into a requirement nobody can act on ("changes may be required").
REQUIREMENT = re.compile(r"\b(needs?|needed|requir\w*|necessary|have to|adjust\w*|advised|directed|recommended|should)\b", re.I)
RESTART_FIELDS = {"after"}
# The standard after-care line already says "for 24 hours" / "for the rest of the day".
DAY_AFTER = re.compile(r"\b(24 hours|today|tonight|rest of the day|tomorrow|the first day)\b", re.I)


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    check: str  # readability, you, jargon, hedge, passive, third-person, contradiction, emergency-number, ...
    file: str
    key: str
    message: str
    sentence: str = ""

    def __str__(self) -> str:
        quoted = f' "{_short(self.sentence)}"' if self.sentence else ""
        return f"{self.level}: {self.file}: {self.key}:{quoted} {self.message}"


@dataclass
class Report:
    code: str
    file: str
    grade: float = 0.0
    smog: float = 0.0
    you_share: float = 0.0
    sections: dict[str, float] = field(default_factory=dict)  # key -> grade
    pemat: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)  # layout -> pages of the rendered handout

    @property
    def clean(self) -> bool:
        return not self.findings

    def status(self) -> str:
        errors = sum(f.level == "error" for f in self.findings)
        return "clean" if not self.findings else f"{errors} errors, {len(self.findings) - errors} warnings"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["status"] = self.status()
        return data


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@lru_cache(maxsize=1)
def plain_words() -> dict[str, Any]:
    from handouts.project import PACKAGE_DATA
    from handouts.yamlio import read_yaml

    data = read_yaml(PACKAGE_DATA / "plain-words.yaml")
    # Longest first, so "contrast dye" is reported rather than "contrast".
    terms = sorted(data["jargon"], key=len, reverse=True)
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in terms) + r")(?:s|es)?\b", re.I)
    hedges = re.compile(r"\b(" + "|".join(re.escape(h) for h in data["hedges"]) + r")\b(?!\s+\d)", re.I)
    third = re.compile(r"\b(" + "|".join(re.escape(t) for t in data["third_person"]) + r")\b", re.I)
    return {"jargon": data["jargon"], "jargon_re": pattern, "hedges_re": hedges, "third_re": third}


# ---------------------------------------------------------------- what the handout prints


def printed_text(procedure: Procedure) -> dict[str, list[str]]:
    """key -> the strings the handout prints for it: the patient text, or the page text it falls back to."""
    patient = procedure.patient
    out: dict[str, list[str]] = {}
    if patient is not None:
        for name, texts in patient.texts().items():
            out.update({f"patient.{name}[{i}]" if len(texts) > 1 else f"patient.{name}": [t] for i, t in enumerate(texts)})
    # As compose prints them: without patient text the page text stands in (marked); "what it is" also
    # falls back on its own when the patient text leaves it empty.
    fallback = {
        "what_is_it": ("summary", "purpose"), "steps": ("procedure_steps",), "feel": ("patient_experience",),
        "after": ("recovery",), "bring": ("preparation",),
    }
    for patient_field, page_fields in fallback.items():
        if patient is None or (patient_field == "what_is_it" and not patient.what_is_it):
            for name in page_fields:
                for i, text in enumerate(_flatten(getattr(procedure, name))):
                    out[f"{name}[{i}]"] = [text]
    for tier, signs in procedure.handout.warning_signs.tiers():
        for i, sign in enumerate(signs):
            out[f"handout.warning_signs.{tier}[{i}]"] = [sign]
    return out


def _flatten(blocks: list[Block]) -> list[str]:
    out: list[str] = []
    for block in blocks:
        out.append(f"{block.label}: {block.text}" if block.label else block.text)
        out += _flatten(block.items)
    return out


def _section_of(key: str) -> str:
    return re.sub(r"\[\d+\]$", "", key)


# ---------------------------------------------------------------- the checks


def lint_procedure(procedure: Procedure, file: str, today: dt.date | None = None) -> Report:
    """Every text check (no rendering): readability, voice, jargon, hedges, contradictions, completeness,
    governance, PEMAT."""
    report = Report(procedure.code, file)
    texts = printed_text(procedure)
    add = report.findings.append

    # Readability, per section and overall; warning signs are lists of symptoms, not sentences to grade.
    graded = {k: v for k, v in texts.items() if not k.startswith("handout.")}
    by_section: dict[str, list[str]] = {}
    for key, strings in graded.items():
        by_section.setdefault(_section_of(key), []).extend(strings)
    for section, strings in by_section.items():
        grade = measure(strings).grade
        report.sections[section] = round(grade, 1)
        if grade > MAX_GRADE:
            hardest = max(sentences("\n".join(strings)), key=lambda s: measure(s).grade, default="")
            add(Finding("warning", "readability", file, section,
                        f"reads at grade {grade:.1f} (target {MAX_GRADE:g} or lower); use shorter sentences "
                        "and everyday words, starting with the hardest sentence", hardest))
    everything = [s for strings in graded.values() for s in strings]
    overall = measure(everything)
    report.grade, report.smog, report.you_share = round(overall.grade, 1), round(overall.smog, 1), round(overall.you_share, 2)
    if overall.sentences and overall.grade > GOAL_GRADE:
        add(Finding("warning", "readability", file, "(whole handout)",
                    f"reads at grade {overall.grade:.1f} (goal {GOAL_GRADE:g} or lower)"))
    if overall.sentences and overall.you_share < MIN_YOU_SHARE:
        add(Finding("warning", "you", file, "(whole handout)",
                    f"{overall.you_share:.0%} of sentences speak to the reader (target {MIN_YOU_SHARE:.0%}); "
                    "write \"you will…\", \"your…\", or an instruction"))

    for key, strings in texts.items():
        for text in strings:
            _sentence_checks(key, text, file, add, procedure)
    _completeness(procedure, file, add)
    _governance(procedure, file, add, today or dt.date.today())
    _repeats(texts, file, add)
    report.pemat = pemat(procedure, report)
    return report


def _sentence_checks(key: str, text: str, file: str, add, procedure: Procedure) -> None:
    data = plain_words()
    rules = procedure.handout
    section = _section_of(key).removeprefix("patient.")
    if EMERGENCY_NUMBERS.search(text):
        add(Finding("error", "emergency-number", file, key,
                    "spells out an emergency number; the layout supplies the right one for each clinic "
                    "(write \"call the emergency number\" or leave it to the warning-sign tiers)", text))
    if key.startswith("handout."):
        return
    for sentence in sentences(text):
        n = len(words(sentence))
        if n > MAX_WORDS:
            add(Finding("warning", "sentence-length", file, key, f"{n} words in one sentence (aim for 15 or fewer); split it", sentence))
        if is_passive(sentence):
            add(Finding("warning", "passive", file, key, "passive voice; say who does it (\"We will clean your skin\")", sentence))
        third = data["third_re"].search(sentence)
        if third:
            add(Finding("warning", "third-person", file, key, f"says \"{third.group(0)}\"; speak to the reader as \"you\"", sentence))
        reported: set[str] = set()
        for match in data["jargon_re"].finditer(sentence):
            if match.group(1).lower() not in reported and not _explained(sentence, match):
                reported.add(match.group(1).lower())
                term = match.group(1).lower()
                plain = data["jargon"][term]
                add(Finding("warning", "jargon", file, key,
                            f"\"{match.group(0)}\" is a medical or formal word; say \"{plain}\", or explain it in place "
                            f"(\"{plain} ({match.group(0)})\")", sentence))
        hedge = data["hedges_re"].search(sentence)
        if hedge and REQUIREMENT.search(sentence) and not addresses_reader(sentence) and not re.search(r"\b(we|us)\b", sentence, re.I):
            add(Finding("warning", "hedge", file, key,
                        f"\"{hedge.group(0)}\" with no action the reader can take; say exactly what to do "
                        "(\"Ask us which medicines to stop\")", sentence))
        _contradictions(key, section, sentence, rules, file, add)


def _explained(sentence: str, match: re.Match) -> bool:
    """"a live X-ray (fluoroscopy)" or "fluoroscopy (a live X-ray)": the term is explained in place."""
    before, after = sentence[: match.start()], sentence[match.end():]
    inside = before.count("(") > before.count(")")
    return inside or after.lstrip().startswith("(")


def _contradictions(key: str, section: str, sentence: str, rules, file: str, add) -> None:
    stated = {
        "fasting": rules.fasting_hours is not None,
        "clear liquids": rules.clear_liquids_hours is not None,
        "blood thinners": rules.review_blood_thinners,
        "ride home": rules.driver_required or rules.sedation,
        "arrival": rules.arrive_early_minutes is not None,
    }
    for topic, pattern in TOPICS.items():
        if not pattern.search(sentence):
            continue
        if topic == "blood thinners" and section in RESTART_FIELDS and not re.search(r"\bstop", sentence, re.I):
            continue  # after-care saying when to restart is expected
        if topic == "ride home" and section in RESTART_FIELDS and not DAY_AFTER.search(sentence):
            continue  # "do not drive while you take strong pain pills" is its own instruction
        if topic == "blood thinners" and STOPPING.search(sentence) and rules.review_blood_thinners:
            add(Finding("error", "contradiction", file, key,
                        "talks about stopping blood thinners, beside the rule \"ask us; do not stop it on your own\"; "
                        "remove it (the rule's line is printed from handout.review_blood_thinners)", sentence))
        elif stated[topic]:
            add(Finding("error", "contradiction", file, key,
                        f"states the {topic} topic again, beside the exact instruction the handout prints from the "
                        "rules; remove it so there is one instruction per topic", sentence))
        elif topic == "fasting":
            add(Finding("warning", "contradiction", file, key,
                        "talks about fasting but the procedure sets no handout.fasting_hours; set the rule "
                        "(the handout then states an exact time) and remove this line", sentence))


def _completeness(procedure: Procedure, file: str, add) -> None:
    patient = procedure.patient
    if patient is None:
        add(Finding("error", "completeness", file, "patient",
                    "no patient text yet: the handout prints the imported page text under a "
                    "\"not yet written for patients\" mark; write the patient: block"))
        return
    missing = [name for name in ("purpose", "what_is_it", "steps", "after") if not patient.texts().get(name)]
    for name in missing:
        add(Finding("error", "completeness", file, f"patient.{name}", "missing; every handout needs it"))
    if not procedure.handout.warning_signs:
        add(Finding("error", "completeness", file, "handout.warning_signs", "no warning signs; list when to call, in tiers"))
    if patient.purpose and not re.search(r"\b(this sheet|this handout)\b", patient.purpose, re.I):
        add(Finding("warning", "completeness", file, "patient.purpose",
                    "the purpose line should say what the sheet is for (\"This sheet tells you how to get ready for …\")",
                    patient.purpose))
    if patient.steps.count() > MAX_STEPS:
        add(Finding("warning", "completeness", file, "patient.steps",
                    f"{patient.steps.count()} steps; keep what happens to {MAX_STEPS} short steps or fewer"))


def _governance(procedure: Procedure, file: str, add, today: dt.date) -> None:
    review = procedure.review
    if review.status == "draft":
        add(Finding("warning", "draft", file, "review.status",
                    "draft: not yet approved by a clinician; review it, then 'handouts approve CODE --reviewer NAME'"))
    if review.status == "approved" and (not review.reviewer or review.date is None):
        add(Finding("error", "governance", file, "review", "approved without review.reviewer and review.date"))
    if review.date is not None and _months_between(review.date, today) >= REVIEW_MONTHS:
        add(Finding("warning", "governance", file, "review.date",
                    f"reviewed {review.date.isoformat()}, {REVIEW_MONTHS} months ago or more; review the content again"))
    if review.status == "approved":
        current = content_hash(procedure)
        if review.content_hash is None:
            add(Finding("error", "governance", file, "review.content_hash",
                        "approved without a content hash; approve with 'handouts approve CODE --reviewer NAME'"))
        elif review.content_hash != current:
            add(Finding("error", "governance", file, "review.content_hash",
                        "re-review needed: the patient text or rules changed since approval; review and approve again"))


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _repeats(texts: dict[str, list[str]], file: str, add) -> None:
    seen: dict[str, str] = {}
    for key, strings in texts.items():
        for text in strings:
            for sentence in sentences(text):
                norm = re.sub(r"\W+", " ", sentence.lower()).strip()
                if len(norm.split()) < 4:
                    continue
                if norm in seen and _section_of(seen[norm]) != _section_of(key):
                    add(Finding("warning", "repeated", file, key, f"the same sentence is already in {seen[norm]}; say it once", sentence))
                seen.setdefault(norm, key)


def content_hash(procedure: Procedure) -> str:
    """What a clinician approves: the patient text and the handout facts (fasting hours, warning signs...)."""
    data = {
        "patient": procedure.patient.model_dump(mode="json") if procedure.patient else None,
        "handout": procedure.handout.model_dump(mode="json"),
        "title": procedure.title,
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


# ---------------------------------------------------------------- PEMAT-P


def pemat(procedure: Procedure, report: Report) -> dict[str, Any]:
    """The AHRQ PEMAT-P items a program can judge (1 met, 0 not met), with the scores in percent."""
    patient = procedure.patient
    checks = {f.check for f in report.findings}
    passive = sum(1 for f in report.findings if f.check == "passive")
    understand = {
        "1 purpose is evident": bool(patient and patient.purpose),
        "3 common, everyday language": report.grade <= MAX_GRADE and "jargon" not in checks,
        "4 medical terms are defined": "jargon" not in checks,
        "5 active voice": passive <= 2,
        "7 no arithmetic for the reader (exact times in personal handouts)": True,
        "8 short sections": bool(patient) and all(len(v) <= 8 for v in (patient.texts() if patient else {}).values()),
        "9 informative headers": True,
        "10 logical sequence (what it is, before, the day of, after, when to call)": True,
        "12 visual cues (check boxes, a boxed warning list)": True,
    }
    act = {
        "20 at least one action the reader can take": bool(patient and (patient.after or patient.steps.count())),
        "21 speaks to the reader when describing actions": report.you_share >= MIN_YOU_SHARE,
        "22 actions broken into explicit steps": bool(patient and patient.steps.count()),
        "23 a tangible tool (a checklist to tick)": True,
    }

    def score(items: dict[str, bool]) -> int:
        return round(100 * sum(items.values()) / len(items))

    return {
        "understandability": score(understand),
        "actionability": score(act),
        "items": {**{f"U{k}": v for k, v in understand.items()}, **{f"A{k}": v for k, v in act.items()}},
    }


# ---------------------------------------------------------------- rendering: page budgets

PAGE_BUDGET = {"single": 2, "combined": 3, "large_print": 4}


def page_findings(project, procedure: Procedure, file: str, layout_names: list[str], report: Report) -> None:
    """Render the handout in each layout (normal and large print) and hold it to its page budget."""
    from handouts.pipeline import render_pdf

    for name in layout_names:
        layout = project.layout(name)
        budget_findings(lambda large: render_pdf([procedure], layout, None, large), name, file, report,
                        "shorten the patient text or drop a section")


def budget_findings(pdf_of, name: str, file: str, report, advice: str) -> None:
    """Hold the handout made by `pdf_of(large_print)` to its page budgets, normal size and large print."""
    from handouts.render import page_count

    for large, budget in ((False, PAGE_BUDGET["single"]), (True, PAGE_BUDGET["large_print"])):
        pages = page_count(pdf_of(large))
        report.pages[name + (" large print" if large else "")] = pages
        if pages > budget:
            what = "large print" if large else "normal size"
            report.findings.append(Finding(
                "warning", "page-budget", file, f"layout {name}", f"{pages} pages in {what} (budget {budget}); {advice}",
            ))


def lint_project(project, codes: list[str], layout_names: list[str] | None, today: dt.date | None = None):
    """Reports for the named procedures (or all), with page budgets in the named layouts (or all).
    Returns (reports, load_errors): a file that does not load is reported and the others are linted."""
    from handouts.errors import HandoutsError

    files = project.procedure_files()
    wanted = codes or list(files)
    names = layout_names if layout_names else project.layout_names()
    for name in names:
        project.layout(name)  # an unknown layout is bad input: stop before any work
    reports: list[Report] = []
    load_errors: list[str] = []
    for query in wanted:
        try:
            procedure = project.procedure(query, enforce_approval=False)
        except HandoutsError as exc:
            load_errors.extend(exc.lines)
            continue
        file = project.display(files.get(procedure.code, project.procedures_dir / f"{procedure.code}.yaml"))
        report = lint_procedure(procedure, file, today)
        page_findings(project, procedure, file, names, report)
        reports.append(report)
    return reports, load_errors


def approval_problems(procedure: Procedure, file: str) -> list[str]:
    """Why an approved procedure must not load: lint errors (warnings are lint's business, not loading's:
    a new jargon entry must not stop a clinic's handouts in the middle of a day)."""
    report = lint_procedure(procedure, file)
    return [
        f"{file}: approved, but {f.key}: {f.message}" + (f' ("{_short(f.sentence, 60)}")' if f.sentence else "")
        + "; fix it, or set review.status: draft"
        for f in report.findings if f.level == "error"
    ]


def format_report(report: Report) -> list[str]:
    pages = ", ".join(f"{k} {v}" for k, v in report.pages.items() if "large" not in k)
    head = (
        f"{report.code}  grade {report.grade:.1f}  SMOG {report.smog:.1f}  you {report.you_share:.0%}  "
        f"PEMAT-P understandability {report.pemat['understandability']}% actionability {report.pemat['actionability']}%"
        + (f"  pages: {pages}" if pages else "")
        + f"  [{report.status()}]"
    )
    return [head] + [f"  {finding}" for finding in report.findings]


def page_hashes(procedure: Procedure) -> dict[str, str]:
    """A short hash of each imported page section, so a re-import can say what changed since review."""
    from handouts.schema import SECTION_FIELDS

    out = {}
    for name in SECTION_FIELDS:
        value = getattr(procedure, name)
        data = value.model_dump(mode="json") if hasattr(value, "model_dump") else [b.model_dump(mode="json") for b in value]
        if data and data != {"common": [], "rare": [], "general": []}:
            out[name] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]
    return out

"""Patient-ready words: what the handout prints, read back from the PDF and measured like code."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import LAYOUTS, ROOT, SEEDS, folded, pdf_reader, pdf_text, run
from handouts.compose import compose
from handouts.content.readability import measure
from handouts.document import Callout, ItemList, Subheading
from handouts.merge import combine
from handouts.pipeline import render_pdf
from handouts.project import Project
from handouts.yamlio import dump_yaml, parse_yaml

CODES = sorted(SEEDS)
COMBINATIONS = [("01992", "77003"), ("01936", "77003"), ("01992", "77003", "64634")]


@pytest.fixture(scope="module")
def repo() -> Project:
    return Project(ROOT)


def body_text(handout, pdf: bytes) -> str:
    """The PDF's text without what is not prose: the header, footer, headings and the code line."""
    text = pdf_text(pdf)
    strip = [handout.header.clinic_name, *handout.header.contact_lines, handout.code_line, handout.footer_left,
             handout.footer_center, handout.draft_mark or "", handout.running_label]
    for section in handout.sections:
        strip.append(section.heading)
        for block in section.blocks:
            if isinstance(block, Subheading):
                strip.append(block.text)
            if isinstance(block, Callout):
                strip += [block.title, *(heading for heading, _ in block.groups)]
    for item in sorted(filter(None, strip), key=len, reverse=True):
        text = text.replace(folded(item), " ")
    text = re.sub(r"Page \d+ of \d+", " ", text)
    return folded(text.replace(folded(handout.title), " ", 1))


# ---------------------------------------------------------------- reading level, "you", one topic once


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("code", CODES)
def test_each_bundled_handout_reads_at_grade_6_and_speaks_to_you(repo, code, layout_name):
    procedure, layout = repo.procedure(code), repo.layout(layout_name)
    handout = compose(procedure, layout)
    pdf = render_pdf(procedure, layout)
    text = body_text(handout, pdf)
    measured = measure(re.sub(r"(?<=[.!?:])\s+", "\n", text))
    assert measured.sentences > 30
    assert measured.grade <= 6.0, (code, layout_name, measured)
    assert measured.you_share >= 0.70, (code, layout_name, measured)
    assert "the patient" not in text.lower() and "patients" not in text.lower()
    assert "Not yet written for patients" not in text


@pytest.mark.parametrize("code", CODES)
def test_each_topic_is_stated_once_and_exactly(project, code):
    out = project / "h.pdf"
    result = run(project, "render", code, "-l", "riverside-spine", "--date", "2026-12-03", "--time", "07:45",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    procedure = Project(project).procedure(code)
    rules = procedure.handout
    # No vague fasting line beside the exact one; the exact one is there when the rule is.
    assert not re.search(r"(may|might) need to fast|fast for (a few|several) hours|usually \d+-\d+ hours", text, re.I)
    if rules.fasting_hours is not None:
        assert len(re.findall(r"Stop eating at", text)) == 1  # the checklist (the box says "Stop eating" + time)
    # Blood thinners: the one rule, never a checkbox to stop them.
    assert not re.search(r"stopping blood thinners|adjust(ing)? (your )?medication", text, re.I)
    if rules.review_blood_thinners:
        assert text.count("Do not stop it on your own") == 1
    assert len(re.findall(r"Plan for an adult to drive you home", text)) == (1 if rules.driver_required else 0)
    assert len(re.findall(r"\bArrive at\b", text)) == 1


@pytest.mark.parametrize("layout_name, number, other", [
    ("riverside-spine", "911", "999"), ("northgate-pain", "999", "911"), ("default", "911", "999"),
])
@pytest.mark.parametrize("code", CODES)
def test_the_emergency_number_is_the_layouts(repo, code, layout_name, number, other):
    text = pdf_text(render_pdf(repo.procedure(code), repo.layout(layout_name)))
    assert f"Call {number} now" in text or f"call {number}" in text
    assert other not in text


# ---------------------------------------------------------------- several codes, one visit


@pytest.mark.parametrize("codes", COMBINATIONS)
def test_combined_codes_tell_one_visit_once(repo, codes):
    procedures = [repo.procedure(code) for code in codes]
    combined = combine(procedures)
    handout = compose(procedures, repo.layout("riverside-spine"))
    day_of = next(s for s in handout.sections if s.id == "day_of")
    steps = next(b for b in day_of.blocks if isinstance(b, ItemList) and b.style == "number").items
    texts = [step.text for step in steps]
    assert 3 <= len(texts) <= 7
    assert len(set(texts)) == len(texts)
    # Each other code adds its sentences in place, once, unless the leading code's steps already tell it.
    covered = set(combined.lead.patient.steps.covers)
    for other in combined.others:
        for added in other.patient.adds_steps:
            assert texts.count(added.text) == (0 if added.topic in covered else 1)
    pdf = render_pdf(procedures, repo.layout("riverside-spine"))
    text = pdf_text(pdf)
    assert len(re.findall(r"It takes about", text)) == 1
    assert "Where it is done" not in text
    assert text.count("Do not stop it on your own") == 1
    assert text.count("Plan for an adult to drive you home") == 1
    assert text.count(folded(combined.title)) >= 1
    for subtitle in combined.title_with:
        assert folded(subtitle).lower() in text.lower()
    assert len(pdf_reader(pdf).pages) <= 3


def test_the_longest_duration_and_strictest_rules_win(repo):
    combined = combine([repo.procedure("01992"), repo.procedure("77003"), repo.procedure("64634")])
    durations = [p.handout.duration_minutes for p in combined.procedures if p.handout.duration_minutes]
    assert combined.rules.duration_minutes == max(durations, key=lambda d: (d[1], d[0]))
    assert combined.rules.fasting_hours == max(p.handout.fasting_hours or 0 for p in combined.procedures)


@pytest.mark.parametrize("code", ["77003", "64634", "01992"])
def test_a_code_booked_alone_renders_with_a_warning(project, code):
    result = run(project, "render", code, "-o", str(project / "x.pdf"))
    assert result.exit_code == 0
    assert "usually booked with a main procedure" in result.output
    assert (project / "x.pdf").exists()


def test_anesthesia_with_its_guidance_is_not_warned_about(project):
    result = run(project, "render", "01992", "77003", "-o", str(project / "x.pdf"))
    assert result.exit_code == 0 and "usually booked" not in result.output


# ---------------------------------------------------------------- pages


def page_fill(pdf: bytes) -> list[float]:
    """How far down each page the body text reaches, as a share of the room above the footer."""
    import io

    import pdfplumber

    fills = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            rules = [line["top"] for line in page.lines if line["width"] > page.width * 0.5]
            footer_top = max(rules) if rules else page.height
            body = [c for c in page.chars if c["bottom"] < footer_top - 2]
            top = min(c["top"] for c in body)
            fills.append((max(c["bottom"] for c in body) - top) / (footer_top - top))
    return fills


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("code", CODES)
def test_page_budgets_and_full_pages(repo, code, layout_name):
    procedure, layout = repo.procedure(code), repo.layout(layout_name)
    normal = render_pdf(procedure, layout)
    assert len(pdf_reader(normal).pages) <= 2
    large = render_pdf(procedure, layout, None, True)
    assert len(pdf_reader(large).pages) <= 4
    for pdf in (normal, large):
        fills = page_fill(pdf)
        assert all(fill >= 2 / 3 for fill in fills[:-1]), fills


@pytest.mark.parametrize("codes", COMBINATIONS)
def test_a_combined_personal_handout_fits_three_pages_and_pages_are_full(project, codes):
    out = project / "h.pdf"
    result = run(project, "render", *codes, "-l", "northgate-pain", "--patient", "Ana Ruiz",
                 "--date", "2026-12-03", "--time", "07:45", "-o", str(out))
    assert result.exit_code == 0, result.output
    pdf = out.read_bytes()
    assert len(pdf_reader(pdf).pages) <= 3
    # The warning box (at most half a page) moves whole rather than split, so a page before it may be
    # up to half empty; never more.
    assert all(fill >= 1 / 2 for fill in page_fill(pdf)[:-1])


def test_large_print_keeps_the_appointment_box_on_page_1(project):
    out = project / "h.pdf"
    result = run(project, "render", "01992", "77003", "-l", "riverside-spine", "--large-print", "--patient",
                 "Ana Ruiz", "--date", "2026-12-03", "--time", "07:45", "-o", str(out))
    assert result.exit_code == 0, result.output
    first = folded(pdf_reader(out).pages[0].extract_text())
    assert "Your appointment" in first and "Stop clear liquids" in first


def test_the_footer_is_printer_safe(repo):
    import io

    import pdfplumber

    pdf = render_pdf(repo.procedure("64634"), repo.layout("northgate-pain"))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            assert min(page.height - c["bottom"] for c in page.chars) >= 36  # 0.5 in from the edge
            phone = [c for c in page.chars if c["bottom"] > page.height - 100 and c["text"].isdigit()]
            assert phone and min(c["size"] for c in phone) >= 11


# ---------------------------------------------------------------- times that cannot be misread


def test_midnight_and_noon_are_said_in_words(project):
    out = project / "h.pdf"
    # 8 hours of fasting before 8:00 AM starts at midnight; an appointment at noon.
    result = run(project, "render", "01992", "-l", "riverside-spine", "--date", "2026-12-03", "--time", "08:00",
                 "-o", str(out))
    assert result.exit_code == 0, result.output
    text = pdf_text(out)
    assert "Stop eating at midnight, the night between Wednesday, December 2 and Thursday, December 3" in text
    assert "12:00 AM" not in text
    result = run(project, "render", "01992", "-l", "riverside-spine", "--date", "2026-12-03", "--time", "12:00",
                 "-o", str(out))
    text = pdf_text(out)
    assert "noon (12:00 PM)" in text and "12:00 PM on" not in text


# ---------------------------------------------------------------- patient text and the page it came from


def test_a_section_without_patient_text_prints_the_page_under_a_mark(project):
    path = project / "procedures" / "01992.yaml"
    data = parse_yaml(path.read_text(), "x")
    del data["patient"]
    path.write_text(dump_yaml(data))
    out = project / "h.pdf"
    assert run(project, "render", "01992", "-o", str(out)).exit_code == 0
    text = pdf_text(out)
    assert text.count("Not yet written for patients") >= 3
    assert folded(data["summary"].split(".")[0]) in text


def test_import_update_keeps_the_curated_text_and_names_changed_sections(project):
    path = project / "procedures" / "01992.yaml"
    before = parse_yaml(path.read_text(), "x")
    page = (SEEDS["01992"]).read_text().replace("lying face-down", "lying face down on a padded table")
    changed_page = project / "page.txt"
    changed_page.write_text(page)
    # Record what the page looked like at review, then re-import a changed page.
    from handouts.content.lint import page_hashes

    before["review"]["page_hashes"] = page_hashes(Project(project).procedure("01992"))
    path.write_text(dump_yaml(before))
    result = run(project, "import", str(changed_page), "--code", "01992", "--update")
    assert result.exit_code == 0, result.output
    after = parse_yaml(path.read_text(), "x")
    for curated in ("patient", "handout", "title", "review", "role"):
        assert after.get(curated) == before.get(curated)
    changed = re.search(r"changed since the patient text was last reviewed: ([\w, ]+);", folded(result.output))
    assert changed and "summary" in changed.group(1).split(", ")
    assert after["summary"] != before["summary"]


def test_import_without_update_or_force_refuses_to_overwrite(project):
    result = run(project, "import", str(SEEDS["01992"]), "--code", "01992")
    assert result.exit_code == 2 and "--update" in result.output


# ---------------------------------------------------------------- lint


LINT_CASES = sorted((ROOT / "tests" / "data" / "lint").glob("*.yaml"))


@pytest.mark.parametrize("case", LINT_CASES, ids=lambda p: p.stem)
def test_lint_catches_each_kind_of_finding(project, case):
    expected = re.search(r"# expect: (\S+)", case.read_text()).group(1)
    (project / "procedures" / "64999.yaml").write_text(case.read_text())
    import json

    result = run(project, "lint", "64999", "-l", "default", "--allow-draft", "--format", "json", "--strict")
    report = json.loads(result.stdout)["procedures"][0]
    checks = {finding["check"] for finding in report["findings"]}
    if expected == "clean":
        assert checks == set() and result.exit_code == 0
    else:
        assert expected in checks, report["findings"]
        assert result.exit_code == 1
        finding = next(f for f in report["findings"] if f["check"] == expected)
        assert finding["file"] == "procedures/64999.yaml" and finding["key"] and finding["message"]


def test_lint_passes_the_bundled_five_strictly_apart_from_draft(project):
    result = run(project, "lint", "--strict", "--allow-draft")
    assert result.exit_code == 0, result.output
    result = run(project, "lint", "--strict")
    assert result.exit_code == 1
    assert set(re.findall(r"^  warning: \S+: (\S+):", result.output, re.M)) == {"review.status"}


def test_lint_bad_input_exits_2(project):
    assert run(project, "lint", "--format", "xml").exit_code == 2
    assert run(project, "lint", "-l", "no-such-layout").exit_code == 2
    (project / "procedures" / "12345.yaml").write_text("code: [\n")
    result = run(project, "lint")
    assert result.exit_code == 2 and "12345.yaml" in result.output


def test_lint_works_offline(project, tmp_path):
    """No pronouncing dictionary is downloaded: lint runs with every network connection refused."""
    blocker = tmp_path / "sitecustomize.py"
    blocker.write_text(
        "import socket\n"
        "def _refuse(*a, **k):\n    raise OSError('network is off in this test')\n"
        "socket.socket.connect = _refuse\nsocket.create_connection = _refuse\n"
    )
    import os

    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "handouts", "--project", str(project), "lint", "01992"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert re.search(r"01992\s+grade \d", done.stdout)


def test_approved_procedures_must_pass_lint_to_load(project):
    result = run(project, "approve", "01992", "--reviewer", "Dr. A. Reviewer", "--date", "2026-11-20")
    assert result.exit_code == 0, result.output
    data = parse_yaml((project / "procedures" / "01992.yaml").read_text(), "x")
    assert data["review"]["status"] == "approved" and data["review"]["content_hash"]
    out = project / "h.pdf"
    assert run(project, "render", "01992", "-o", str(out)).exit_code == 0
    assert "reviewed 2026-11-20" in pdf_text(out) and "DRAFT" not in pdf_text(out)
    # Editing the approved patient text makes it unloadable until it is reviewed again.
    data["patient"]["after"].append("You can go back to the gym tomorrow.")
    (project / "procedures" / "01992.yaml").write_text(dump_yaml(data))
    result = run(project, "render", "01992", "-o", str(out))
    assert result.exit_code == 2 and "re-review needed" in result.output
    lint = run(project, "lint", "01992")
    assert "re-review needed" in lint.output


def test_approve_refuses_content_with_findings(project):
    path = project / "procedures" / "01992.yaml"
    data = parse_yaml(path.read_text(), "x")
    data["patient"]["after"].append("Call 911 if you feel unwell.")
    path.write_text(dump_yaml(data))
    result = run(project, "approve", "01992", "--reviewer", "Dr. A")
    assert result.exit_code == 2 and "not approved" in result.output


def test_the_catalog_shows_reading_grade_and_lint_status(project):
    result = run(project, "build", "-l", "default", "-o", str(project / "lib"))
    assert result.exit_code == 0, result.output
    page = (project / "lib" / "default" / "index.html").read_text()
    assert "Reading grade" in page and "Lint" in page
    assert re.search(r"<td>[0-5]\.\d</td><td>clean</td>", page)


def test_a_reassurance_follows_the_purpose_and_a_layout_may_blank_it(project):
    """'It is normal to feel nervous.' right after 'This sheet tells you...', in English and Spanish."""
    repo = Project(project)
    english = pdf_text(render_pdf([repo.procedure("64634")], repo.layout("default")))
    assert "what to expect after. It is normal to feel nervous." in english
    out = project / "es.pdf"
    assert run(project, "render", "64634", "--language", "es", "-o", str(out)).exit_code == 0
    assert "Es normal sentir nervios." in pdf_text(out)
    (project / "layouts" / "calm").mkdir()
    (project / "layouts" / "calm" / "layout.yaml").write_text('extends: default\nwording:\n  reassurance: ""\n')
    calm = pdf_text(render_pdf([Project(project).procedure("64634")], Project(project).layout("calm")))
    assert "what to expect after." in calm and "nervous" not in calm

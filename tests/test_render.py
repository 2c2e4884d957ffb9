"""Rendering: every procedure with every layout, read back from the PDF."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from conftest import LAYOUTS, ROOT, SEEDS, folded, pdf_reader, pdf_text, run

from handouts.compose import compose
from handouts.document import Callout, ItemList
from handouts.pipeline import render_pdf
from handouts.project import Project
from handouts.yamlio import dump_yaml, parse_yaml

PAGE_POINTS = {"Letter": (612, 792), "A4": (595.3, 841.9)}


def all_items(blocks):
    for block in blocks:
        yield (f"{block.label}: " if block.label else "") + block.text
        yield from all_items(block.items)


@pytest.fixture(scope="module")
def repo() -> Project:
    return Project(ROOT)


@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("code", sorted(SEEDS))
def test_each_procedure_renders_with_each_layout(repo, code, layout_name):
    from handouts.merge import title_of

    procedure = repo.procedure(code)
    layout = repo.layout(layout_name)
    pdf = render_pdf(procedure, layout)
    reader = pdf_reader(pdf)
    text = pdf_text(pdf)
    patient = procedure.patient

    assert folded(title_of(procedure)) in text
    assert f"CPT code {code}" in text
    assert folded(patient.purpose) in text
    if "before" in layout.layout.sections:
        for item in patient.bring:
            assert folded(item) in text
        fasting = procedure.handout.fasting_hours
        assert ("Do not eat any food for" in text) == (fasting is not None)
        if fasting is not None:
            assert f"Do not eat any food for {fasting:g} hours" in text
    if "day_of" in layout.layout.sections:
        for phase in ("prepare", "numb", "treat", "finish"):
            for step in getattr(patient.steps, phase):
                assert folded(step) in text
    if "after" in layout.layout.sections:
        for item in patient.after + patient.relief:
            assert folded(item) in text
    for _, signs in procedure.handout.warning_signs.tiers():
        for sign in signs:
            assert folded(sign) in text
    # Only the patient text prints: none of the imported page's own sentences.
    for block in procedure.procedure_steps + procedure.recovery:
        assert folded(block.text) not in text
    assert layout.layout.clinic.phone in text
    assert "DRAFT – content not clinically reviewed" in text

    width, height = PAGE_POINTS[layout.layout.page.size]
    for page in reader.pages:
        assert abs(float(page.mediabox.width) - width) < 1 and abs(float(page.mediabox.height) - height) < 1
    pages = len(reader.pages)
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in folded(reader.pages[number - 1].extract_text())

    meta = reader.metadata
    assert meta.title.startswith(title_of(procedure))
    assert meta.author == layout.layout.clinic.name
    assert title_of(procedure) in meta.subject
    assert reader.trailer["/Root"]["/Lang"] == "en"


@pytest.mark.parametrize("large_print", [False, True])
@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_the_draft_box_lies_within_the_margins_with_room_around_its_words(repo, layout_name, large_print):
    """ReportLab draws a paragraph's border outside its text: the box once stuck out past the margins."""
    import pdfplumber

    layout = repo.layout(layout_name)
    handout = compose([repo.procedure("01992")], layout, large_print=large_print)
    pdf = render_pdf([repo.procedure("01992")], layout, large_print=large_print)
    _, right, _, left = (m * 72 for m in handout.page.margins_in)
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        page = document.pages[0]
        word = next(w for w in page.extract_words() if w["text"] == "DRAFT")
        box = next(r for r in page.rects if r["x0"] < word["x0"] and r["top"] < word["top"] < r["bottom"])
        edge = box["linewidth"] / 2
        assert box["x0"] - edge >= left - 0.5 and box["x1"] + edge <= float(page.width) - right + 0.5
        assert word["x0"] - box["x0"] >= 4 and box["bottom"] - word["bottom"] >= 2 and word["top"] - box["top"] >= 2


def test_fonts_are_embedded_and_text_is_large(repo):
    pdf = render_pdf(repo.procedure("64634"), repo.layout("riverside-spine"))
    reader = pdf_reader(pdf)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    for ref in fonts.values():
        font = ref.get_object()
        assert "AtkinsonHyperlegible" in font["/BaseFont"]
        descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
        assert "/FontFile2" in descendant["/FontDescriptor"]  # the TrueType program is in the file

    from handouts.merge import title_of

    procedure = repo.procedure("64634")
    running = ("Riverside Spine Center", title_of(procedure), "Content version", "Page ")
    sizes = []

    def visit(text, cm, tm, font_dict, font_size):
        if text.strip() and not text.startswith(running):
            sizes.append(font_size * tm[0])

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert len(sizes) > 40 and min(sizes) >= 12  # body text is never under 12 pt


def test_same_inputs_give_identical_bytes_even_in_another_process(project, tmp_path):
    first, second = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert run(project, "render", "01992", "-l", "riverside-spine", "-o", str(first)).exit_code == 0
    subprocess.run(
        [sys.executable, "-m", "handouts", "--project", str(project), "render", "01992",
         "-l", "riverside-spine", "-o", str(second)],
        check=True, capture_output=True,
    )
    assert first.read_bytes() == second.read_bytes()


def test_a_procedure_ten_times_longer_flows_over_more_pages(project):
    repo = Project(project)
    normal = pdf_reader(render_pdf(repo.procedure("64634"), repo.layout("default")))
    path = project / "procedures" / "64634.yaml"
    data = parse_yaml(path.read_text(), "x")
    patient = data["patient"]
    for key in ("what_is_it", "bring", "after", "feel", "relief"):
        value = patient[key]
        patient[key] = "\n\n".join([value] * 10) if isinstance(value, str) else value * 10
    patient["steps"]["treat"] = patient["steps"]["treat"] * 10
    for tier, signs in data["handout"]["warning_signs"].items():
        data["handout"]["warning_signs"][tier] = signs * 10
    path.write_text(dump_yaml(data))
    long_pdf = render_pdf(Project(project).procedure("64634"), repo.layout("default"))
    reader = pdf_reader(long_pdf)
    pages = len(reader.pages)
    assert pages >= 3 * len(normal.pages)
    for number, page in enumerate(reader.pages, start=1):
        text = folded(page.extract_text())
        assert f"Page {number} of {pages}" in text
        assert "Content version 1, not yet reviewed" in text
    assert "Call us: ______________________" in pdf_text(long_pdf)


HOSTILE = [
    "<font size=99>BIG</font> & <a href='http://evil.example'>click</a> &amp; <b>",
    "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {{ ''.__class__.__mro__ }}",
]


def test_markup_and_template_syntax_in_content_appear_literally(project):
    path = project / "procedures" / "01992.yaml"
    data = parse_yaml(path.read_text(), "x")
    data["patient"]["title"] = HOSTILE[0]
    data["patient"]["bring"] = HOSTILE
    data["handout"]["warning_signs"] = {"call_now": HOSTILE}
    path.write_text(dump_yaml(data))
    repo = Project(project)
    handout = compose(repo.procedure("01992"), repo.layout("riverside-spine"))
    callout = next(b for s in handout.sections for b in s.blocks if isinstance(b, Callout))
    assert [item.text for _, items in callout.groups for item in items] == HOSTILE
    text = pdf_text(render_pdf(repo.procedure("01992"), repo.layout("riverside-spine")))
    for line in HOSTILE:
        assert text.count(folded(line)) >= 2  # in the checklist and in the warning box
    assert "49" not in text.replace("0149", "")  # the template was not run


@pytest.mark.parametrize(
    "bad, shown", [("Call 😀 now", "U+1F600"), ("اتصل بنا", "U+0627"), ("Zero\u200bwidth", "U+200B")]
)
def test_characters_the_font_cannot_print_are_refused_clearly(project, bad, shown, tmp_path):
    path = project / "procedures" / "01992.yaml"
    data = parse_yaml(path.read_text(), "x")
    data["patient"]["after"] = [bad]
    path.write_text(dump_yaml(data))
    out = tmp_path / "x.pdf"
    result = run(project, "render", "01992", "-o", str(out))
    assert result.exit_code == 2
    assert shown in result.stderr and "After your procedure" in result.stderr
    assert "Traceback" not in result.output and not out.exists()


def test_control_characters_do_not_break_the_pdf(project):
    path = project / "procedures" / "01992.yaml"
    data = parse_yaml(path.read_text(), "x")
    data["patient"]["after"] = ["Rest\x07 well\x1b today"]
    path.write_text(dump_yaml(data))
    repo = Project(project)
    assert "Rest well today" in pdf_text(render_pdf(repo.procedure("01992"), repo.layout("default")))


def test_layout_order_and_headings_come_from_the_layout(repo):
    northgate = compose(repo.procedure("01992"), repo.layout("northgate-pain"))
    assert [s.id for s in northgate.sections][:3] == ["what_is_it", "when_to_call", "before"]
    assert northgate.sections[2].heading == "Getting ready"
    riverside = compose(repo.procedure("01992"), repo.layout("riverside-spine"))
    checklist = next(b for b in riverside.sections[1].blocks if isinstance(b, ItemList) and b.style == "check")
    assert checklist.items[0].text == "Do not eat any food for 8 hours before your procedure."
    assert checklist.items[0].icon == "no_food"

def test_a_checklist_s_text_lines_up_whether_or_not_its_line_has_a_picture(repo):
    """'Wear loose clothes' has no picture; its words once started under the others' pictures."""
    import pdfplumber

    handout = compose([repo.procedure("64634")], repo.layout("riverside-spine"))
    checklist = next(b for s in handout.sections for b in s.blocks if isinstance(b, ItemList) and b.style == "check"
                     and len(b.items) > 2)
    assert any(item.icon for item in checklist.items) and not all(item.icon for item in checklist.items)
    pdf = render_pdf([repo.procedure("64634")], repo.layout("riverside-spine"))
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        lines = [line for page in document.pages for line in page.extract_text_lines()]
    # Each item's first line, found by its text (the picture and the box are drawings, not text).
    starts = [line["x0"] for item in checklist.items for line in lines if line["text"].startswith(item.text[:30])]
    assert len(starts) == len(checklist.items)
    assert max(starts) - min(starts) < 0.5, starts


def test_a_subheading_goes_to_the_next_page_with_the_whole_first_item_it_heads(repo):
    """Room for the heading and one line, not for its first item's two: both go on together (the heading
    was drawn with half an item under it, the rest of the item on the next page)."""
    from reportlab.pdfgen.canvas import Canvas
    from reportlab.platypus import Frame

    from handouts.document import Item, Section, Subheading
    from handouts.fonts import font_family
    from handouts.render.flowables import section_flowables
    from handouts.render.styles import styles_for

    style = compose([repo.procedure("64634")], repo.layout("default")).style
    styles = styles_for(style, font_family(style.font_family, style.font_files), False)
    long_first = Item("Do not eat any food for 8 hours before your procedure, and do not chew gum or suck on mints.")
    section = Section("before", "", (Subheading("Get ready"), ItemList("check", (long_first, Item("Bring a list.")))))
    canvas = Canvas(io.BytesIO())
    room = styles.size * 4.3  # more than the CondPageBreak asks; less than the heading and the item
    frame = Frame(0, 0, 300, room, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    story = section_flowables(section, styles, 300)
    frame.addFromList(story, canvas)  # draws what fits; `story` keeps the rest, for the next page

    def texts(flowables):
        for flowable in flowables:
            yield from texts(getattr(flowable, "_content", []))
            yield getattr(flowable, "text", None) or getattr(getattr(flowable, "paragraph", None), "text", None)

    left = list(texts(story))
    assert left and left[0] == "Get ready", left  # the heading went on, first, with its item


def _lines_by_page(pdf: bytes) -> list[list[str]]:
    return [[line.strip() for line in (page.extract_text() or "").splitlines() if line.strip()]
            for page in pdf_reader(pdf).pages]


@pytest.mark.parametrize("large_print", [False, True])
@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_no_subheading_is_left_alone_at_the_foot_of_a_page(repo, layout_name, large_print):
    """A subheading goes to the next page with the first line of what it heads (the personal 01992 +
    77003 handout once ended page 1 with 'Get ready' and one of its boxes; with less room, the heading
    alone). Every procedure, and a combined personal handout, in each layout and size."""
    import datetime as dt

    from handouts.appointment import Appointment
    from handouts.document import Subheading

    cases = [([code], None) for code in sorted(SEEDS)]
    cases.append((["01992", "77003"], Appointment(date=dt.date(2026, 12, 3), time=dt.time(7, 45), patient="Maria Lopez")))
    for codes, appointment in cases:
        procedures = [repo.procedure(code) for code in codes]
        handout = compose(procedures, repo.layout(layout_name), appointment, large_print=large_print)
        headings = {b.text for s in handout.sections for b in s.blocks if isinstance(b, Subheading)}
        pages = _lines_by_page(render_pdf(procedures, repo.layout(layout_name), appointment, large_print=large_print))
        for number, lines in enumerate(pages[:-1], start=1):
            body = [line for line in lines if not line.startswith(("Content version", handout.footer_left))]
            assert body[-1] not in headings, (codes, number, body[-3:])


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_the_warning_box_is_not_split_between_pages_when_it_fits_on_one(repo, layout_name):
    """A personal handout runs to a third page; its warning box once began at the foot of page 2 with the
    911 tier alone, the clinic's numbers on page 3. Now the whole box, 911 to phone numbers, is on one."""
    import datetime as dt

    from handouts.appointment import Appointment

    appointment = Appointment(date=dt.date(2026, 12, 3), time=dt.time(8, 30), patient="James Okafor")
    layout = repo.layout(layout_name)
    for code in sorted(SEEDS):
        handout = compose([repo.procedure(code)], layout, appointment)
        box = next(b for s in handout.sections for b in s.blocks if isinstance(b, Callout))
        pages = [folded(page.extract_text()) for page in pdf_reader(render_pdf([repo.procedure(code)], layout, appointment)).pages]
        first = folded(box.groups[0][0])
        last = folded(box.contacts[-1].split(":")[0])
        holding = [n for n, text in enumerate(pages) if first in text]
        assert holding and last in pages[holding[0]], (code, holding)


@pytest.mark.parametrize("layout_name", LAYOUTS)
def test_the_last_step_of_a_numbered_list_never_starts_a_page_alone(repo, layout_name):
    """'5. We will close your cut...' once stood alone at the top of page 2, away from the steps before it."""
    layout = repo.layout(layout_name)
    for code in sorted(SEEDS):
        handout = compose([repo.procedure(code)], layout)
        pages = [folded(page.extract_text()) for page in pdf_reader(render_pdf([repo.procedure(code)], layout)).pages]
        for steps in (b for s in handout.sections for b in s.blocks if isinstance(b, ItemList) and b.style == "number"):
            if len(steps.items) < 3:
                continue
            last, before = (folded(item.text)[:40] for item in (steps.items[-1], steps.items[-2]))
            page = next(n for n, text in enumerate(pages) if last in text)
            assert before in pages[page], (code, steps.items[-1].text)


@pytest.mark.parametrize("clock", ["00:30", "12:30", "07:45"])
def test_a_time_never_breaks_before_its_am_or_pm(project, clock):
    """'...until 10:30' at the end of a line and 'AM on Thursday' on the next was misread (the default
    layout, an appointment at 12:30): a no-break space keeps each time with its AM/PM."""
    out = project / "out.pdf"
    result = run(project, "render", "64634", "-l", "default", "--patient", "Ana Ruiz", "--date", "2026-12-03",
                 "--time", clock, "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = [line.strip() for page in pdf_reader(out).pages for line in (page.extract_text() or "").splitlines()]
    assert sum(bool(re.search(r"\d:\d\d\s[AP]M", line)) for line in lines) >= 4  # the box and the checklist
    for line in lines:
        assert not re.match(r"[AP]M\b", line) and not re.search(r"\d:\d\d$", line), line

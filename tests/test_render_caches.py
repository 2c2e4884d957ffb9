"""The renderer's shortcuts give what ReportLab's own way gives: plain text made into a fragment without
the markup parser, parsed markup kept per style, wraps remembered, pictures as ready PDF operators,
grid rows without tables. And nothing a patient typed is kept between handouts."""

from __future__ import annotations

import datetime as dt

import pdfplumber
import io
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph

from handouts.render import flowables, styles, text as texts
from handouts.appointment import Appointment
from handouts.pipeline import make_pdf
from handouts.project import Project

STYLE = ParagraphStyle("t", fontName="Helvetica", fontSize=12, leading=14)
TRICKY = ["word", "  two  spaces  ", "tab\there", "no\u00a0break", "José Núñez", "O'Brien", "a\u2003em", " ", "",
          "trailing ", "1. ", "naïve — “quotes”"]


def fragments(paragraph) -> list[dict]:
    return [dict(f.__dict__) for f in paragraph.frags]


def test_plain_text_makes_the_fragments_the_parser_makes():
    for text in TRICKY:
        assert fragments(texts.para(text, STYLE)) == fragments(Paragraph(text, STYLE)), repr(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_any_plain_text_makes_the_parsers_fragments(text):
    text = texts.markup(text)
    if "<" in text or "&" in text:
        return  # markup goes through the parser itself
    assert fragments(texts.para(text, STYLE)) == fragments(Paragraph(text, STYLE))


def test_a_kept_parse_draws_what_a_fresh_parse_draws():
    text = "<b>Bring:</b> your medicines &amp; a list"
    first, second = texts.para(text, STYLE), texts.para(text, STYLE)
    assert fragments(first) == fragments(second) == fragments(Paragraph(text, STYLE))
    assert first.wrap(120, 500) == second.wrap(120, 500) == Paragraph(text, STYLE).wrap(120, 500)


def test_a_remembered_wrap_is_measured_again_at_another_width():
    paragraph = texts.para("one two three four five six seven eight nine ten " * 3, STYLE)
    narrow = paragraph.wrap(100, 1000)
    wide = paragraph.wrap(400, 1000)
    assert narrow[1] > wide[1]
    assert paragraph.wrap(100, 1000) == narrow and len(paragraph.blPara.lines) == narrow[1] / STYLE.leading


def personal(project, name: str) -> bytes:
    appointment = Appointment(patient=name, date=dt.date(2026, 12, 3), time=dt.time(7, 45),
                              provider="Dr. Quentin Zephyr", location="Suite 9")
    return make_pdf(Project(project), ["01992", "77003"], "riverside-spine", appointment).pdf


def test_a_patients_details_are_not_kept_after_the_handout(project):
    pdf = personal(project, "Xiomara <Quillfeather> & Co")
    text = "".join(page.extract_text() for page in pdfplumber.open(io.BytesIO(pdf)).pages)
    assert "Xiomara <Quillfeather> & Co" in text and "Dr. Quentin Zephyr" in text
    kept = " ".join([key[0] for key in texts._PARSED] + [key[0][0] for key in texts._BROKEN])
    assert kept and "Quillfeather" not in kept and "Zephyr" not in kept


def test_first_and_later_handouts_of_a_process_are_the_same_bytes(project):
    texts._PARSED.clear()
    texts._BROKEN.clear()
    texts._plain_fragment.cache_clear()
    styles.styles_for.cache_clear()
    first = personal(project, "Ana Ruiz")
    personal(project, "Someone Else")  # fills the caches with other text
    assert personal(project, "Ana Ruiz") == first


# Two-column lists: read down the first column, then the second; split between items at a page end.

class Box(Flowable):
    def __init__(self, height: float):
        super().__init__()
        self.box_height = height

    def wrap(self, available_width, available_height):
        return available_width, self.box_height

    def getSpaceAfter(self):
        return 2.0


def test_two_columns_are_as_even_as_the_items_allow_the_first_not_shorter():
    boxes = [Box(h) for h in (28, 14, 14, 28, 14)]
    columns = flowables.ColumnList(boxes, 2, gap=12)
    width, height = columns.wrap(400, 1000)
    assert columns.layout == [[0, 1, 2], [3, 4]]  # 28+14+14 (+4) against 28+14 (+2)
    assert height == 28 + 14 + 14 + 2 * 2
    assert flowables.ColumnList([Box(14)] * 4, 2, 12).wrap(400, 1000)[1] == 14 * 2 + 2


def test_a_column_list_splits_between_items_and_keeps_their_order():
    boxes = [Box(14) for _ in range(10)]
    first, rest = flowables.ColumnList(boxes, 2, gap=12).split(400, 50)
    assert first.items == boxes[:6] and rest.items == boxes[6:]  # 3 rows of 14 + 2 spaces fit in 50
    assert first.wrap(400, 50)[1] <= 50
    assert flowables.ColumnList(boxes, 2, 12).split(400, 10) == []  # not even one item: all goes on


def test_a_handouts_short_list_reads_down_then_across(project):
    pdf = make_pdf(Project(project), ["64634"], "riverside-spine").pdf
    words = pdfplumber.open(io.BytesIO(pdf)).pages[0].extract_words()
    starts = {}
    for i, word in enumerate(words[:-2]):
        key = " ".join(w["text"] for w in words[i:i + 3])
        starts.setdefault(key, word)
    fever, pregnant, apnea = starts["Have a fever,"], starts["Are or might"], starts["Have sleep apnea,"]
    assert fever["x0"] == pregnant["x0"] < apnea["x0"]  # the 1st and 2nd items in the left column
    assert fever["top"] == apnea["top"] < pregnant["top"]  # the 4th item tops the right column

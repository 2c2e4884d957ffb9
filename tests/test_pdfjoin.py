"""Joining PDFs for the packet: this tool's own PDFs are copied object by object without pypdf, and the
result shows exactly what pypdf's way of joining shows; any other PDF still joins, through pypdf."""

from __future__ import annotations

import io
import sys

import pypdf
import pypdfium2
import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from handouts.pdfjoin import PdfJoiner, _Simple, _Unsupported
from handouts.pipeline import render_pdf
from handouts.project import Project


def join(pdfs: list[bytes], fast: bool) -> bytes:
    buffer = io.BytesIO()
    joiner = PdfJoiner(buffer)
    for pdf in pdfs:
        if fast:
            joiner.add_pdf(pdf)
        else:
            joiner.add(PdfReader(io.BytesIO(pdf)))
        joiner.add_blank(612, 792)
    joiner.finish({"/Title": "Handouts: martes, 3 de diciembre (día)"})
    return buffer.getvalue()


def pictures(pdf: bytes) -> list[bytes]:
    document = pypdfium2.PdfDocument(pdf)
    try:
        return [document[i].render(scale=0.5).to_pil().tobytes() for i in range(len(document))]
    finally:
        document.close()


@pytest.fixture(scope="module")
def handouts() -> list[bytes]:
    from pathlib import Path

    project = Project(Path(__file__).resolve().parents[1])
    return [render_pdf([project.procedure(code)], project.layout(layout))
            for code, layout in (("64634", "riverside-spine"), ("01992", "northgate-pain"), ("77003", "default"))]


def test_own_pdfs_join_without_pypdf_and_look_the_same(handouts, monkeypatch):
    slow = join(handouts, fast=False)
    monkeypatch.setitem(sys.modules, "pypdf", None)  # the fast way must not need it
    fast = join(handouts, fast=True)
    monkeypatch.undo()
    assert pictures(fast) == pictures(slow)
    fast_reader, slow_reader = PdfReader(io.BytesIO(fast), strict=True), PdfReader(io.BytesIO(slow))
    assert len(fast_reader.pages) == len(slow_reader.pages) == sum(len(PdfReader(io.BytesIO(p)).pages) for p in handouts) + 3
    for a, b in zip(fast_reader.pages, slow_reader.pages):
        assert a.extract_text() == b.extract_text()
        assert a["/Parent"].get_object()["/Type"] == "/Pages"
    assert fast_reader.metadata.title == "Handouts: martes, 3 de diciembre (día)"
    # Each document's fonts and pictures come along once, renumbered; nothing of the old page trees.
    assert fast.count(b"/Type /Pages") == 1 and fast.count(b"/Type /Catalog") == 1


def test_the_last_page_size_is_read_for_the_blank_after_it(handouts):
    joiner = PdfJoiner(io.BytesIO())
    joiner.add_pdf(handouts[0])
    assert joiner.last_size == (612.0, 792.0)


def foreign_pdf() -> bytes:
    """A PDF written by pypdf, with a string in its page dictionary: not the shape copied directly."""
    writer = PdfWriter()
    page = writer.add_blank_page(300, 400)
    page[NameObject("/PieceInfo")] = TextStringObject("a (string) 3 0 R")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_other_pdfs_join_through_pypdf(handouts):
    other = foreign_pdf()
    with pytest.raises(_Unsupported):
        _Simple(other).copy(first_number=3, parent=2)
    joined = join([handouts[0], other], fast=True)
    reader = PdfReader(io.BytesIO(joined), strict=True)
    assert len(reader.pages) == len(PdfReader(io.BytesIO(handouts[0])).pages) + 1 + 1 + 1
    assert float(reader.pages[-2].mediabox.width) == 300


@pytest.mark.parametrize("damage", [
    lambda pdf: pdf[: len(pdf) // 2],                                   # cut short
    lambda pdf: pdf.replace(b"startxref", b"startxrex"),                  # no cross-reference
])
def test_a_damaged_pdf_is_never_copied_half_way(handouts, damage):
    buffer = io.BytesIO()
    joiner = PdfJoiner(buffer)
    before = (buffer.tell(), len(joiner.offsets), len(joiner.kids))
    with pytest.raises(Exception):
        joiner.add_pdf(damage(handouts[0]))
    assert (buffer.tell(), len(joiner.offsets), len(joiner.kids)) == before


def test_a_stream_of_the_wrong_length_is_not_copied_directly(handouts):
    damaged = handouts[0].replace(b"/Length ", b"/Length 9", 1)
    with pytest.raises(_Unsupported):
        _Simple(damaged).copy(first_number=3, parent=2)

"""Pages and whole documents: page sizes, plain documents (catalogs, covers), page counts."""

from __future__ import annotations

import io
import re

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import inch
from reportlab.platypus import SimpleDocTemplate

from handouts import document as doc
from handouts.fonts import FontFamily

PAGE_SIZES = {"Letter": LETTER, "A4": A4}


def frame_width(page: doc.PageSetup) -> float:
    top, right, bottom, left = page.margins_in
    return PAGE_SIZES[page.size][0] - (left + right) * inch


def simple_pdf(page: doc.PageSetup, fonts: FontFamily, title: str, author: str, language: str, story: list) -> bytes:
    """A plain document in a layout's page and margins (catalogs, cover sheets, style sheets),
    deterministic like the handouts."""
    top, right, bottom, left = (m * inch for m in page.margins_in)
    buffer = io.BytesIO()
    SimpleDocTemplate(
        buffer, pagesize=PAGE_SIZES[page.size], title=title, author=author, lang=language,
        leftMargin=left, rightMargin=right, topMargin=top, bottomMargin=bottom,
        invariant=1, initialFontName=fonts.regular,
    ).build(story)
    return buffer.getvalue()


def page_count(pdf: bytes) -> int:
    """Pages of a PDF this module made: ReportLab writes "/Count N" in the page tree root (handouts have
    no outlines), so there is no need to parse the file again."""
    counts = [int(n) for n in re.findall(rb"/Count (\d+)", pdf)]
    return max(counts) if counts else 0

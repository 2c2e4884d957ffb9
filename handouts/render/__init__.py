"""Render: document model -> PDF bytes, with ReportLab Platypus. Knows nothing about YAML or wording.

text (paragraphs, kept parses) -> styles -> flowables (the model's blocks) -> page (header, footer,
frames) -> this module's render(), which puts them together; pdf holds page sizes and plain documents.
"""

from __future__ import annotations

import handouts.lazyregex  # noqa: F401, I001 - first: spares ReportLab's import a 45 ms regex (see there)
import io

from reportlab import rl_config
from reportlab.platypus import BaseDocTemplate, Flowable, NextPageTemplate, PageTemplate

from handouts import document as doc
from handouts.fonts import font_family
from handouts.render.flowables import block_flowables, callout_table, section_flowables
from handouts.render.glyphs import all_text, check_glyphs, private_values
from handouts.render.page import Pages, footer_size
from handouts.render.pdf import PAGE_SIZES, frame_width, page_count, simple_pdf
from handouts.render.styles import Styles, styles_for
from handouts.render.text import PRIVATE_VALUES, escape, markup, para

# Same inputs, same bytes: no timestamps or random ids in the PDF.
rl_config.invariant = 1

__all__ = [
    "PAGE_SIZES", "Styles", "all_text", "callout_table", "escape", "footer_size", "frame_width", "markup",
    "page_count", "render", "simple_pdf",
]


def render(handout: doc.Handout) -> bytes:
    fonts = font_family(handout.style.font_family, handout.style.font_files)
    check_glyphs(handout, fonts)
    styles = styles_for(handout.style, fonts, handout.large_print)
    PRIVATE_VALUES.set(private_values(handout))
    pages = Pages(handout, styles)
    first_frame, later_frame = pages.frames()
    buffer = io.BytesIO()
    meta = handout.metadata
    template = BaseDocTemplate(
        buffer,
        pagesize=(pages.page_width, pages.page_height),
        leftMargin=pages.left,
        rightMargin=pages.right,
        topMargin=pages.top,
        bottomMargin=pages.bottom,
        title=meta.title,
        author=meta.author,
        subject=meta.subject,
        keywords=list(meta.keywords),
        creator="handouts",
        lang=meta.language,
        invariant=1,
        # Start in the handout's font, so the PDF never refers to an unembedded standard font.
        initialFontName=fonts.regular,
        initialFontSize=styles.size,
    )
    template.addPageTemplates([
        PageTemplate("first", frames=[first_frame], onPage=pages.draw_first),
        PageTemplate("later", frames=[later_frame], onPage=pages.draw_later),
    ])
    template.build(story(handout, styles, pages.width), canvasmaker=pages.canvas_maker())
    pdf = buffer.getvalue()
    buffer.close()  # the template and canvas refer to it in cycles; the bytes must not wait for the collector
    return pdf


def story(handout: doc.Handout, styles: Styles, width: float) -> list[Flowable]:
    """Everything in the text frames, in order: title, subtitle, code line, draft mark, then the blocks."""
    out: list[Flowable] = [NextPageTemplate("later"), para(markup(handout.title), styles.title)]
    if handout.subtitle:
        out.append(para(markup(handout.subtitle), styles.subtitle))
    out.append(para(markup(handout.code_line), styles.code_line))
    if handout.draft_mark:
        out.append(para(markup(handout.draft_mark), styles.draft))
    for block in handout.intro:
        out.extend(block_flowables(block, styles, width))
    for section in handout.sections:
        out.extend(section_flowables(section, styles, width))
    return out

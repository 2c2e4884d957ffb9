"""Paragraph styles derived from a handout's style: sizes scale with the base size."""

from __future__ import annotations

from functools import lru_cache

from reportlab.lib import colors as rl_colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle

from handouts import document as doc
from handouts.fonts import FontFamily


@lru_cache(maxsize=16)
def styles_for(style: doc.Style, fonts: FontFamily, large_print: bool) -> "Styles":
    """One set of paragraph styles per look, so parsed paragraphs can be kept per style."""
    return Styles(style, fonts, large_print)


class Styles:
    """Paragraph styles derived from the handout's style: sizes scale with the base size."""

    def __init__(self, style: doc.Style, fonts: FontFamily, large_print: bool = False):
        size = style.base_size
        # Large print is one column throughout (American Council of the Blind): no side-by-side lists.
        self.max_columns = 1 if large_print else 2
        # The last two steps of a numbered list stay together; not in large print, where a page holds
        # half the lines and keeping them together pushed handouts past their page budget.
        self.keep_last_steps = not large_print
        # Large print gives the line to the words (the pictures would take a fifth of it at 18 pt).
        self.icons = not large_print
        color = rl_colors.HexColor
        self.fonts = fonts
        self.size = size
        self.text = color(style.text)
        self.muted = color(style.muted)
        self.accent = color(style.accent)
        self.primary = color(style.primary)
        self.warning_border = color(style.warning_border)
        self.warning_background = color(style.warning_background)
        self.on_primary = color(style.on_primary)
        base = ParagraphStyle(
            "body",
            fontName=fonts.regular,
            fontSize=size,
            leading=round(size * (1.15 if large_print else 1.2), 1),  # print guides: at least 1.15
            textColor=self.text,
            alignment=TA_LEFT,
            bulletFontName=fonts.regular,
            spaceAfter=size * 0.4,
        )
        self.body = base
        self.item = ParagraphStyle("item", base, spaceAfter=size * 0.22)
        title = 1.5 if large_print else 1.85  # large print: 27 pt, still the largest on the page
        self.title = ParagraphStyle(
            "title", base, fontName=fonts.bold, fontSize=size * title, leading=size * title * 1.18,
            textColor=self.primary, spaceAfter=size * 0.2,
        )
        self.subtitle = ParagraphStyle(
            "subtitle", base, fontName=fonts.bold, fontSize=size * 1.15, leading=size * 1.5,
            textColor=self.text, spaceAfter=size * 0.3,
        )
        self.code_line = ParagraphStyle(
            "code", base, leading=size * 1.3,
            textColor=self.muted, spaceAfter=size * 0.45,
        )
        # Large print: headings at 22 pt and more (American Council of the Blind), not scaled further, so
        # the page holds text rather than headings.
        h2, h3 = (1.25, 1.23) if large_print else (1.4, 1.22)
        self.heading = ParagraphStyle(
            "h2", base, fontName=fonts.bold, fontSize=size * h2, leading=size * h2 * 1.2,
            textColor=color(style.heading), spaceBefore=size * 0.55, spaceAfter=size * 0.25,
        )
        self.subheading = ParagraphStyle(
            "h3", base, fontName=fonts.bold, fontSize=size * h3, leading=size * h3 * 1.2,
            spaceBefore=size * 0.2, spaceAfter=size * 0.15,
        )
        self.callout_title = ParagraphStyle(
            "callout-title", self.heading, textColor=self.text, spaceBefore=0, spaceAfter=size * 0.3
        )
        self.contact = ParagraphStyle(
            "contact", base, fontName=fonts.bold, fontSize=size * 1.15, leading=size * 1.55, spaceAfter=size * 0.15
        )
        self.draft = _boxed("draft", base, self.text, 1.5, fontName=fonts.bold, spaceAfter=size * 0.75)
        self.notice = _boxed("notice", base, self.muted, 1, spaceAfter=size * 0.8)
        self.tier = ParagraphStyle("tier", base, fontName=fonts.bold, spaceBefore=size * 0.3, spaceAfter=size * 0.2)
        # Warning items get more room between them, so a two-line item never reads as two.
        self.warning_item = ParagraphStyle("warning-item", base, spaceAfter=size * 0.4)
        self.key = ParagraphStyle("key", base, fontName=fonts.bold, spaceAfter=0)
        self.value = ParagraphStyle("value", base, spaceAfter=0)


BOX_PADDING = (4, 6, 5, 6)  # top, right, bottom, left, inside a boxed paragraph's border


def _boxed(name: str, base: ParagraphStyle, color, border: float, spaceAfter: float, **style) -> ParagraphStyle:
    """A paragraph in a thin box whose border lies on the frame's edges, like the tables' boxes: ReportLab
    draws a paragraph's border outside its text by the padding, so the text is indented by as much, and
    the space above and below leaves room for the border."""
    top, right, bottom, left = BOX_PADDING
    return ParagraphStyle(
        name, base, borderColor=color, borderWidth=border,
        borderPadding=BOX_PADDING, leftIndent=left + border / 2, rightIndent=right + border / 2,
        spaceBefore=top + border / 2, spaceAfter=spaceAfter + bottom / 2, **style,
    )

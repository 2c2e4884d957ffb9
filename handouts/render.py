"""Render: document model -> PDF bytes, with ReportLab Platypus. Knows nothing about YAML or wording."""

from __future__ import annotations

import handouts.lazyregex  # noqa: F401, I001 - first: spares ReportLab's import a 45 ms regex (see there)
import io
import re
from reportlab import rl_config
from reportlab.lib import colors as rl_colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageTemplate,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from handouts import document as doc
from handouts.errors import HandoutsError
from handouts.fonts import FontFamily, font_family, missing_characters
from handouts.images import Logo
from handouts.limits import MAX_LOGO_HEIGHT_IN

# Same inputs, same bytes: no timestamps or random ids in the PDF.
rl_config.invariant = 1

PAGE_SIZES = {"Letter": LETTER, "A4": A4}
PRIVATE = "\0private:"  # marks text from an appointment in _all_text
_CONTROL = {c: None for c in range(32) if chr(c) not in "\n\t"}


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


def escape(text: str) -> str:
    """&, < and > as entities (xml.sax.saxutils.escape, without its ~20 ms of urllib/http/ssl imports)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markup(text: str) -> str:
    """Plain text -> ReportLab paragraph markup that shows exactly that text (no tags, no entities)."""
    return escape(text.translate(_CONTROL)).replace("\n", "<br/>")


def labelled(item_text: str, label: str | None) -> str:
    return (f"<b>{markup(label)}:</b> " if label else "") + markup(item_text)


class Styles:
    """Paragraph styles derived from the handout's style: sizes scale with the base size."""

    def __init__(self, style: doc.Style, fonts: FontFamily, large_print: bool = False):
        size = style.base_size
        # Large print is one column throughout (American Council of the Blind): no side-by-side lists.
        self.max_columns = 1 if large_print else 2
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
        self.draft = ParagraphStyle(
            "draft", base, fontName=fonts.bold, textColor=self.text,
            borderColor=self.text, borderWidth=1.5, borderPadding=(4, 6, 5, 6), spaceBefore=4, spaceAfter=size * 0.75,
        )
        self.notice = ParagraphStyle(
            "notice", base, textColor=self.text, borderColor=self.muted, borderWidth=1, borderPadding=(4, 6, 5, 6),
            spaceBefore=4, spaceAfter=size * 0.8,
        )
        self.tier = ParagraphStyle("tier", base, fontName=fonts.bold, spaceBefore=size * 0.3, spaceAfter=size * 0.2)
        # Warning items get more room between them, so a two-line item never reads as two.
        self.warning_item = ParagraphStyle("warning-item", base, spaceAfter=size * 0.4)
        self.key = ParagraphStyle("key", base, fontName=fonts.bold, spaceAfter=0)
        self.value = ParagraphStyle("value", base, spaceAfter=0)


class Marked(Flowable):
    """A paragraph with a marker hanging in the left gutter: a check box, a bullet, or a number."""

    def __init__(
        self, paragraph: Paragraph, marker: str | None, indent: float, gutter: float, styles: Styles,
        icon: str | None = None,
    ):
        super().__init__()
        self.paragraph = paragraph
        self.marker = marker  # "check", "bullet", "1.", or None for the continuation of a split item
        self.indent = indent
        self.gutter = gutter
        self.styles = styles
        self.icon = icon
        self.icon_size = paragraph.style.leading * 1.05
        self.text_x = indent + gutter + (self.icon_size + styles.size * 0.45 if icon else 0)
        self.spaceAfter = paragraph.style.spaceAfter

    def wrap(self, available_width, available_height):
        _, text_height = self.paragraph.wrap(available_width - self.text_x, available_height)
        self.height = max(text_height, self.icon_size if self.icon else 0)
        self.width = available_width
        return self.width, self.height

    def split(self, available_width, available_height):
        parts = self.paragraph.split(available_width - self.text_x, available_height)
        if len(parts) < 2:
            return []
        return [
            Marked(parts[0], self.marker, self.indent, self.gutter, self.styles, self.icon),
            Marked(parts[1], None, self.indent, self.gutter + (self.text_x - self.indent - self.gutter), self.styles),
        ]

    def draw(self):
        canvas = self.canv
        style = self.paragraph.style
        text_height = self.paragraph.height
        self.paragraph.drawOn(canvas, self.text_x, self.height - text_height)
        if self.icon:
            from handouts.icons import draw_icon

            top = self.height - style.fontSize * 0.15
            draw_icon(canvas, self.icon, self.indent + self.gutter, top - self.icon_size * 0.92, self.icon_size,
                      self.styles.accent)
        if self.marker is None:
            return
        baseline = self.height - style.fontSize
        x = self.indent
        if self.marker == "check":
            side = style.fontSize * 0.9
            canvas.setStrokeColor(self.styles.text)
            canvas.setLineWidth(1.3)
            canvas.rect(x, baseline - style.fontSize * 0.08, side, side, stroke=1, fill=0)
        elif self.marker == "bullet":
            canvas.setFillColor(self.styles.accent)
            radius = style.fontSize * 0.16
            canvas.circle(x + radius + 1.5, baseline + style.fontSize * 0.33, radius, stroke=0, fill=1)
        else:
            canvas.setFillColor(self.styles.accent)
            canvas.setFont(self.styles.fonts.bold, style.fontSize)
            canvas.drawString(x, baseline, self.marker)


def item_flowables(
    items: tuple[doc.Item, ...], style: str, styles: Styles, depth: int = 0, paragraph_style=None
) -> list[Flowable]:
    gutter = styles.size * 1.7
    out: list[Flowable] = []
    for number, item in enumerate(items, start=1):
        marker = f"{number}." if style == "number" else style
        paragraph = Paragraph(labelled(item.text, item.label), paragraph_style or styles.item)
        out.append(Marked(paragraph, marker, depth * gutter, gutter, styles, item.icon if styles.icons else None))
        if item.children:
            # Nested items are plain bullets (a sub-step is not something to tick on its own).
            out.extend(item_flowables(item.children, "bullet", styles, depth + 1))
    return out


def grid(flowables: list[Flowable], columns: int, width: float, gap: float, font: str) -> list[Flowable]:
    """Short items side by side, so a list of short lines does not run down a whole page. One table per row
    of items, so that a long list still breaks between rows at the end of a page."""
    if columns < 2 or len(flowables) < 2:
        return flowables
    column = (width - gap * (columns - 1)) / columns
    widths = [column + (gap if i < columns - 1 else 0) for i in range(columns)]
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), font),  # else ReportLab lists Helvetica, unused
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), gap),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ])
    rows = []
    for i in range(0, len(flowables), columns):
        cells = flowables[i:i + columns]
        table = Table([cells + [""] * (columns - len(cells))], colWidths=widths, hAlign="LEFT")
        table.setStyle(style)
        rows.append(table)
    return rows


def block_flowables(block: doc.Block, styles: Styles, width: float) -> list[Flowable]:
    if isinstance(block, doc.Paragraph):
        style = styles.contact if block.strong else styles.body
        return [Paragraph(labelled(block.text, block.label), style)]
    if isinstance(block, doc.ItemList):
        columns = min(block.columns, styles.max_columns)
        return grid(item_flowables(block.items, block.style, styles), columns, width, styles.size, styles.fonts.regular)
    if isinstance(block, doc.Subheading):
        return [CondPageBreak(styles.size * 4.0), Paragraph(markup(block.text), styles.subheading)]
    if isinstance(block, doc.Callout):
        return [callout_table(block, styles, width)]
    if isinstance(block, doc.KeyValues):
        return [key_values_table(block, styles, width)]
    if isinstance(block, doc.QRCode):
        return [qr_table(block, styles, width)]
    if isinstance(block, doc.Notice):
        return [Paragraph(markup(block.text), styles.notice)]
    raise TypeError(f"unknown block {type(block).__name__}")


def callout_table(callout: doc.Callout, styles: Styles, width: float) -> Flowable:
    """A thick-bordered box; one row per line so that a long list can continue on the next page (a box
    kept whole would jump to the next page and leave a gap). A tier's heading stays with its first item."""
    rows: list[list[Flowable]] = [[Paragraph(markup(callout.title), styles.callout_title)]]
    keep: list[tuple[int, int]] = []
    pad = styles.size * 0.75
    inner = width - 2 * pad
    for heading, items in callout.groups:
        keep.append((len(rows), len(rows) + 1))
        rows.append([Paragraph(markup(heading), styles.tier)])
        flowables = item_flowables(items, "bullet", styles, paragraph_style=styles.warning_item)
        columns = min(callout.columns, styles.max_columns)
        rows.extend([flowable] for flowable in grid(flowables, columns, inner, styles.size, styles.fonts.regular))
    rows.append([Spacer(1, styles.size * 0.3)])
    first_contact = len(rows)
    rows.extend([Paragraph(markup(line), styles.contact)] for line in callout.contacts)
    keep.append((first_contact - 1, len(rows) - 1))
    table = Table(rows, colWidths=[width], hAlign="LEFT")
    commands = [
        ("FONT", (0, 0), (-1, -1), styles.fonts.regular),  # else ReportLab lists Helvetica, unused
        ("BOX", (0, 0), (-1, -1), 2.5, styles.warning_border),
        ("BACKGROUND", (0, 0), (-1, -1), styles.warning_background),
        ("LEFTPADDING", (0, 0), (-1, -1), pad),
        ("RIGHTPADDING", (0, 0), (-1, -1), pad),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, 0), pad),
        ("BOTTOMPADDING", (0, -1), (-1, -1), pad * 0.6),
        ("NOSPLIT", (0, 0), (0, min(2, len(rows) - 1))),
    ]
    commands += [("NOSPLIT", (0, a), (0, min(b, len(rows) - 1))) for a, b in keep]
    table.setStyle(TableStyle(commands))
    table.spaceBefore = styles.size
    return table


def key_values_table(block: doc.KeyValues, styles: Styles, width: float) -> Flowable:
    rows = [[Paragraph(markup(block.title), styles.subheading), ""]]
    rows += [[Paragraph(markup(key), styles.key), Paragraph(markup(value), styles.value)] for key, value in block.rows]
    pad = styles.size * 0.6
    table = Table(rows, colWidths=[width * 0.36, width * 0.64], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("FONT", (0, 0), (-1, -1), styles.fonts.regular),
                ("BOX", (0, 0), (-1, -1), 1.5, styles.accent),
                ("LINEBELOW", (0, 1), (-1, -2), 0.5, styles.muted),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), pad),
                ("RIGHTPADDING", (0, 0), (-1, -1), pad),
                ("TOPPADDING", (0, 0), (-1, -1), pad * 0.6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.6),
            ]
        )
    )
    table.spaceBefore = styles.size * 0.5
    table.spaceAfter = styles.size * 0.5
    return KeepTogether([table])


def qr_table(block: doc.QRCode, styles: Styles, width: float) -> Flowable:
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(block.url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    side = 1.25 * inch
    drawing = Drawing(side, side, transform=[side / (x2 - x1), 0, 0, side / (y2 - y1), 0, 0])
    drawing.add(widget)
    text = [Paragraph(markup(block.label), styles.subheading), Paragraph(markup(block.url), styles.body)]
    table = Table([[drawing, text]], colWidths=[side + styles.size, width - side - styles.size], hAlign="LEFT")
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), styles.fonts.regular),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (0, 0), 0),
    ]))
    table.spaceBefore = styles.size
    return KeepTogether([table])


def section_flowables(section: doc.Section, styles: Styles, width: float) -> list[Flowable]:
    out: list[Flowable] = []
    if section.heading and not section.heading_in_box:
        # A heading needs a few lines of its section under it; rather than keep it with the whole next
        # block (which can leave half a page empty), start a new page only when little room is left.
        out += [CondPageBreak(styles.size * 4.8), Paragraph(markup(section.heading), styles.heading)]
    for block in section.blocks:
        out.extend(block_flowables(block, styles, width))
    return out


# Office printers cannot print the outer ~0.25 in of a sheet; keep the footer 0.5 in clear of the edge.
FOOTER_EDGE = 0.5 * inch
FOOTER_MIN_SIZE = 11.0  # the clinic's phone number must stay readable


def footer_size(base_size: float) -> float:
    return min(max(FOOTER_MIN_SIZE, base_size * 0.8), 12.0)


def footer_height(base_size: float) -> float:
    """From the page edge to the footer's rule: two lines of footer above the printer-safe edge."""
    size = footer_size(base_size)
    return FOOTER_EDGE + size * (0.3 + 1.35 + 1.5)


def fitted_size(text: str, font: str, size: float, room: float, minimum: float = 12.0) -> float:
    """The largest size up to `size` (and not under `minimum`) at which `text` fits in `room` points."""
    width = stringWidth(text, font, size)
    return size if width <= room else max(minimum, size * room / width)


def fit(text: str, font: str, size: float, room: float) -> str:
    """`text`, shortened with an ellipsis to fit `room` points (for one-line running headers)."""
    if stringWidth(text, font, size) <= room:
        return text
    # Binary search for the longest prefix that fits with the ellipsis: O(log n) measurements.
    low, high = 0, len(text) - 1
    while low < high:
        middle = (low + high + 1) // 2
        if stringWidth(text[:middle] + "…", font, size) <= room:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…" if low else ""


def _all_text(handout: doc.Handout):
    """(where, text) for every text the handout prints, for the glyph check."""
    yield "the title", f"{handout.title} {handout.subtitle}"
    yield "the code line", handout.code_line
    yield "the header", " ".join((handout.header.clinic_name, *handout.header.contact_lines))
    yield "the footer", " ".join((handout.footer_left, handout.footer_center, handout.page_label))
    if handout.draft_mark:
        yield "the draft mark", handout.draft_mark

    def items(entries):
        for item in entries:
            yield f"{item.label or ''} {item.text}"
            yield from items(item.children)

    blocks = [("the top of the page", b) for b in handout.intro]
    blocks += [(f"section '{s.heading}'", b) for s in handout.sections for b in s.blocks]
    blocks += [(f"section '{s.heading}'", doc.Subheading(s.heading)) for s in handout.sections]
    for where, block in blocks:
        if isinstance(block, (doc.Paragraph, doc.Subheading)):
            yield where, f"{getattr(block, 'label', None) or ''} {block.text}"
        elif isinstance(block, doc.ItemList):
            yield from ((where, t) for t in items(block.items))
        elif isinstance(block, doc.Callout):
            yield where, " ".join((block.title, *(heading for heading, _ in block.groups), *block.contacts))
            yield from ((where, t) for _, group in block.groups for t in items(group))
        elif isinstance(block, doc.Notice):
            yield where, block.text
        elif isinstance(block, doc.KeyValues):
            # The appointment box: the patient's details, never repeated in a message.
            yield PRIVATE + block.title, " ".join((block.title, *(f"{k} {v}" for k, v in block.rows)))
        elif isinstance(block, doc.QRCode):
            yield where, f"{block.label} {block.url}"


def check_glyphs(handout: doc.Handout, fonts: FontFamily) -> None:
    """Refuse text the font cannot print: a patient would see blank boxes instead of words."""
    problems = []
    for where, text in _all_text(handout):
        missing = missing_characters(text, fonts)
        if missing and where.startswith(PRIVATE):
            problems.append(
                f"the box '{where[len(PRIVATE):]}': the font {fonts.display_name} cannot print {len(missing)} "
                "character(s) of the details there (not shown: they may identify a patient); "
                "check the appointment's details or choose a font that has them"
            )
        elif missing:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:5])
            problems.append(
                f"{where}: the font {fonts.display_name} cannot print {shown}; "
                "remove those characters or choose a font that has them"
            )
    if problems:
        raise HandoutsError(*dict.fromkeys(problems))


def render(handout: doc.Handout) -> bytes:
    fonts = font_family(handout.style.font_family, handout.style.font_files)
    check_glyphs(handout, fonts)
    styles = Styles(handout.style, fonts, handout.large_print)
    page_width, page_height = PAGE_SIZES[handout.page.size]
    top, right, bottom, left = (m * inch for m in handout.page.margins_in)
    width = page_width - left - right
    header = handout.header
    logo = Logo(header.logo_path, header.logo_width_in * inch, MAX_LOGO_HEIGHT_IN * inch) if header.logo_path else None
    logo_width = logo.width if logo else 0.0
    logo_height = logo.height if logo else 0.0
    # Page 1 header geometry, used both to size the first frame and to draw.
    name_size = styles.size * 1.3
    contact_size = max(12.0, styles.size * 0.85)
    contact_step = contact_size * 1.45
    text_height = name_size + contact_step * len(header.contact_lines) + contact_size * 0.3  # to the descenders
    first_header_height = max(logo_height, text_height) + styles.size * 1.2
    later_header_height = styles.size * 1.6

    def draw_first(canvas: Canvas, document) -> None:
        canvas.saveState()
        band = header.style == "band"
        header_bottom = page_height - top - first_header_height + styles.size * 0.5
        if band:
            # Full-width band from the paper's top edge; the text on it uses the on_primary color.
            canvas.setFillColor(styles.primary)
            canvas.rect(0, header_bottom, page_width, page_height - header_bottom, stroke=0, fill=1)
        y_top = page_height - top
        x = left
        if logo is not None:
            logo.draw(canvas, x, y_top - logo_height)
            x += logo_width + styles.size
        room = page_width - right - x
        canvas.setFillColor(styles.on_primary if band else styles.primary)
        canvas.setFont(fonts.bold, fitted_size(header.clinic_name, fonts.bold, name_size, room))
        y = y_top - name_size
        canvas.drawString(x, y, header.clinic_name)
        canvas.setFillColor(styles.on_primary if band else styles.muted)
        for line in header.contact_lines:
            y -= contact_step
            canvas.setFont(fonts.regular, fitted_size(line, fonts.regular, contact_size, room))
            canvas.drawString(x, y, line)
        if not band:
            canvas.setStrokeColor(styles.accent)
            canvas.setLineWidth(2.5)
            canvas.line(left, header_bottom, page_width - right, header_bottom)
        canvas.restoreState()

    def draw_later(canvas: Canvas, document) -> None:
        canvas.saveState()
        size = max(10.0, styles.size * 0.8)
        y = page_height - top - size
        canvas.setFillColor(styles.muted)
        canvas.setFont(fonts.regular, size)
        canvas.drawString(left, y, header.clinic_name)
        room = width - stringWidth(header.clinic_name, fonts.regular, size) - size * 2
        label = handout.running_label or handout.title
        canvas.drawRightString(page_width - right, y, fit(label, fonts.regular, size, room))
        canvas.setStrokeColor(styles.accent)
        canvas.setLineWidth(0.8)
        canvas.line(left, y - size * 0.6, page_width - right, y - size * 0.6)
        canvas.restoreState()

    def draw_footer(canvas: Canvas, page: int, pages: int) -> None:
        size = footer_size(styles.size)
        rule_y = body_bottom - size * 0.6
        first = rule_y - size * 1.5
        second = first - size * 1.35
        canvas.saveState()
        canvas.setStrokeColor(styles.muted)
        canvas.setLineWidth(0.6)
        canvas.line(left, rule_y, page_width - right, rule_y)
        label = handout.page_label.replace("{page}", str(page)).replace("{pages}", str(pages))
        label_width = stringWidth(label, fonts.bold, size * 1.1)
        canvas.setFillColor(styles.muted)
        room = width - label_width - size
        canvas.setFont(fonts.regular, fitted_size(handout.footer_left, fonts.regular, size, room, minimum=FOOTER_MIN_SIZE))
        canvas.drawString(left, first, handout.footer_left)
        version = handout.footer_center + (f"  ·  {handout.draft_mark}" if handout.draft_mark else "")
        canvas.setFont(fonts.regular, fitted_size(version, fonts.regular, size, width, minimum=8))
        canvas.drawString(left, second, version)
        canvas.setFillColor(styles.text)
        canvas.setFont(fonts.bold, size * 1.1)
        canvas.drawRightString(page_width - right, first, label)
        canvas.restoreState()

    class NumberedCanvas(Canvas):
        """Defers each page until save() so every footer can say "Page N of M" in one layout pass."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                draw_footer(self, number, total)
                super().showPage()
            super().save()
            # Each saved page state holds the list of states: a cycle that would keep the whole document
            # (font subsets, page streams) alive until the cyclic garbage collector runs.
            self._pages.clear()

    frame_padding = dict(leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    body_bottom = max(bottom, footer_height(styles.size) + footer_size(styles.size) * 0.6)
    first_frame = Frame(
        left, body_bottom, width, page_height - top - first_header_height - body_bottom, id="first", **frame_padding
    )
    later_frame = Frame(
        left, body_bottom, width, page_height - top - later_header_height - body_bottom, id="later", **frame_padding
    )
    buffer = io.BytesIO()
    meta = handout.metadata
    template = BaseDocTemplate(
        buffer,
        pagesize=(page_width, page_height),
        leftMargin=left,
        rightMargin=right,
        topMargin=top,
        bottomMargin=bottom,
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
    template.addPageTemplates(
        [
            PageTemplate("first", frames=[first_frame], onPage=draw_first),
            PageTemplate("later", frames=[later_frame], onPage=draw_later),
        ]
    )
    story: list[Flowable] = [NextPageTemplate("later"), Paragraph(markup(handout.title), styles.title)]
    if handout.subtitle:
        story.append(Paragraph(markup(handout.subtitle), styles.subtitle))
    story.append(Paragraph(markup(handout.code_line), styles.code_line))
    if handout.draft_mark:
        story.append(Paragraph(markup(handout.draft_mark), styles.draft))
    for block in handout.intro:
        story.extend(block_flowables(block, styles, width))
    for section in handout.sections:
        story.extend(section_flowables(section, styles, width))
    story.append(Spacer(1, 1))
    template.build(story, canvasmaker=NumberedCanvas)
    pdf = buffer.getvalue()
    buffer.close()  # the template and canvas refer to it in cycles; the bytes must not wait for the collector
    return pdf

"""The document model's blocks as ReportLab flowables: lists with markers and pictures, two-column
lists, the warning box, the appointment box."""

from __future__ import annotations

from reportlab.lib.units import inch
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from handouts import document as doc
from handouts.render.styles import Styles
from handouts.render.text import labelled, markup, para


class Marked(Flowable):
    """A paragraph with a marker hanging in the left gutter: a check box, a bullet, or a number."""

    def __init__(
        self, paragraph: Paragraph, marker: str | None, indent: float, gutter: float, styles: Styles,
        icon: str | None = None, icon_slot: bool = False,
    ):
        super().__init__()
        self.paragraph = paragraph
        self.marker = marker  # "check", "bullet", "1.", or None for the continuation of a split item
        self.indent = indent
        self.gutter = gutter
        self.styles = styles
        self.icon = icon
        self.icon_size = paragraph.style.leading * 1.05
        # icon_slot: no picture here, but others in the list have one; the text lines up with theirs.
        self.text_x = indent + gutter + (self.icon_size + styles.size * 0.45 if icon or icon_slot else 0)
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
            from handouts.render.icons import draw_icon

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
            canvas.addLiteral(_disc(x + radius + 1.5, baseline + style.fontSize * 0.33, radius))
        else:
            canvas.setFillColor(self.styles.accent)
            canvas.setFont(self.styles.fonts.bold, style.fontSize)
            canvas.drawString(x, baseline, self.marker)


_KAPPA = 0.5523  # a quarter circle's Bézier control points sit this far along the tangents


def _disc(x: float, y: float, r: float) -> str:
    """A filled circle as PDF path operators (canvas.circle computes its arcs afresh for every bullet)."""
    k = r * _KAPPA
    return (
        f"{x + r:.2f} {y:.2f} m "
        f"{x + r:.2f} {y + k:.2f} {x + k:.2f} {y + r:.2f} {x:.2f} {y + r:.2f} c "
        f"{x - k:.2f} {y + r:.2f} {x - r:.2f} {y + k:.2f} {x - r:.2f} {y:.2f} c "
        f"{x - r:.2f} {y - k:.2f} {x - k:.2f} {y - r:.2f} {x:.2f} {y - r:.2f} c "
        f"{x + k:.2f} {y - r:.2f} {x + r:.2f} {y - k:.2f} {x + r:.2f} {y:.2f} c f"
    )


def item_flowables(
    items: tuple[doc.Item, ...], style: str, styles: Styles, depth: int = 0, paragraph_style=None
) -> list[Flowable]:
    gutter = styles.size * 1.7
    pictures = styles.icons and any(item.icon for item in items)
    out: list[Flowable] = []
    for number, item in enumerate(items, start=1):
        marker = f"{number}." if style == "number" else style
        paragraph = para(labelled(item.text, item.label), paragraph_style or styles.item)
        icon = item.icon if styles.icons else None
        out.append(Marked(paragraph, marker, depth * gutter, gutter, styles, icon, icon_slot=pictures and not icon))
        if item.children:
            # Nested items are plain bullets (a sub-step is not something to tick on its own).
            out.extend(item_flowables(item.children, "bullet", styles, depth + 1))
    return out


class ColumnList(Flowable):
    """Short list items in columns, read down the first column and then the next, the columns as even as
    the items allow. At the end of a page it splits between items: the first part holds the items
    that fit (in columns of their own), the rest go on, so the reading order is kept."""

    def __init__(self, items: list[Flowable], columns: int, gap: float):
        super().__init__()
        self.items = items
        self.columns = columns
        self.gap = gap
        self.spaceAfter = items[-1].getSpaceAfter()  # as a list in one column ends

    def _measure(self, available_width: float) -> None:
        self.column_width = (available_width - self.gap * (self.columns - 1)) / self.columns
        self.heights = [item.wrap(self.column_width, 10**6)[1] for item in self.items]
        self.spaces = [item.getSpaceAfter() for item in self.items]

    def _layout(self, count: int) -> tuple[list[list[int]], float]:
        """The first `count` items as columns of indexes, and the height of the tallest column."""
        ends = [0.0]  # ends[i]: the height of items 0..i-1 stacked, each with the space after it
        for i in range(count):
            ends.append(ends[-1] + self.heights[i] + self.spaces[i])

        def height(start: int, stop: int) -> float:  # items start..stop-1, without the last one's space
            return ends[stop] - ends[start] - self.spaces[stop - 1] if stop > start else 0.0

        if self.columns < 2 or count < 2:
            return [list(range(count))], height(0, count)
        # Two columns: the break that makes the taller one shortest (ties: the longer first column, so
        # the eye finds the list's start at the top left and reads down).
        cut = min(range(1, count), key=lambda c: (max(height(0, c), height(c, count)), -c))
        return [list(range(cut)), list(range(cut, count))], max(height(0, cut), height(cut, count))

    def wrap(self, available_width, available_height):
        self._measure(available_width)
        self.layout, self.height = self._layout(len(self.items))
        self.width = available_width
        return self.width, self.height

    def split(self, available_width, available_height):
        self._measure(available_width)
        fits = 0
        for count in range(1, len(self.items) + 1):
            if self._layout(count)[1] > available_height:
                break
            fits = count
        if fits == 0 or fits == len(self.items):
            return []
        return [ColumnList(self.items[:fits], self.columns, self.gap),
                ColumnList(self.items[fits:], self.columns, self.gap)]

    def draw(self):
        for number, column in enumerate(self.layout):
            x = number * (self.column_width + self.gap)
            y = self.height
            for i in column:
                y -= self.heights[i]
                self.items[i].drawOn(self.canv, x, y)
                y -= self.spaces[i]


def grid(flowables: list[Flowable], columns: int, gap: float) -> list[Flowable]:
    """Short items side by side, so a list of short lines does not run down a whole page."""
    if columns < 2 or len(flowables) < 2:
        return flowables
    return [ColumnList(flowables, min(columns, 2), gap)]


def block_flowables(block: doc.Block, styles: Styles, width: float) -> list[Flowable]:
    if isinstance(block, doc.Paragraph):
        style = styles.contact if block.strong else styles.body
        return [para(labelled(block.text, block.label), style)]
    if isinstance(block, doc.ItemList):
        columns = min(block.columns, styles.max_columns)
        lines = grid(item_flowables(block.items, block.style, styles), columns, styles.size)
        if block.style == "number" and len(lines) >= 3 and styles.keep_last_steps:
            # Steps read in order: the last one never goes alone to the next page.
            lines[-2:] = [KeepTogether(lines[-2:])]
        return lines
    if isinstance(block, doc.Subheading):
        return [CondPageBreak(styles.size * 4.0), para(markup(block.text), styles.subheading)]
    if isinstance(block, doc.Callout):
        return [callout_table(block, styles, width)]
    if isinstance(block, doc.KeyValues):
        return [key_values_table(block, styles, width)]
    if isinstance(block, doc.QRCode):
        return [qr_table(block, styles, width)]
    if isinstance(block, doc.Notice):
        return [para(markup(block.text), styles.notice)]
    raise TypeError(f"unknown block {type(block).__name__}")


class WarningTable(Table):
    """The warning box stays whole when it takes at most half a page: split, it put the 911 tier at the
    foot of one page and the clinic's numbers on the next. A taller box (large print) still splits,
    between its tiers, rather than leave most of a page empty."""

    def split(self, available_width, available_height):
        room = getattr(self._doctemplateAttr("frame"), "_height", None)  # the page's text frame, if any
        if room is not None and self._height <= room / 2:
            return []  # the page template moves it whole to the next page
        return super().split(available_width, available_height)


def callout_table(callout: doc.Callout, styles: Styles, width: float) -> Flowable:
    """A thick-bordered box, one row per line, so that a box taller than half a page (large print) can
    continue on the next page between rows (see WarningTable). A tier's heading stays with its first item."""
    rows: list[list[Flowable]] = [[para(markup(callout.title), styles.callout_title)]]
    keep: list[tuple[int, int]] = []
    pad = styles.size * 0.75
    tiers = []
    for heading, items in callout.groups:
        keep.append((len(rows), len(rows) + 1))
        tiers.append(len(rows))
        rows.append([para(markup(heading), styles.tier)])
        flowables = item_flowables(items, "bullet", styles, paragraph_style=styles.warning_item)
        columns = min(callout.columns, styles.max_columns)
        rows.extend([flowable] for flowable in grid(flowables, columns, styles.size))
    rows.append([Spacer(1, styles.size * 0.3)])
    first_contact = len(rows)
    rows.extend([para(markup(line), styles.contact)] for line in callout.contacts)
    keep.append((first_contact - 1, len(rows) - 1))
    table = WarningTable(rows, colWidths=[width], hAlign="LEFT")
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
    # A table cell drops a paragraph's space before it: each tier after the first gets it as padding.
    commands += [("TOPPADDING", (0, row), (-1, row), styles.tier.spaceBefore) for row in tiers[1:]]
    table.setStyle(TableStyle(commands))
    table.spaceBefore = styles.size
    return table


def key_values_table(block: doc.KeyValues, styles: Styles, width: float) -> Flowable:
    rows = [[para(markup(block.title), styles.subheading), ""]]
    rows += [[para(markup(key), styles.key), para(markup(value), styles.value)] for key, value in block.rows]
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
    text = [para(markup(block.label), styles.subheading), para(markup(block.url), styles.body)]
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
        out += [CondPageBreak(styles.size * 4.8), para(markup(section.heading), styles.heading)]
    pending = None  # a subheading, waiting to go with the first line of what it heads
    for block in section.blocks:
        flowables = block_flowables(block, styles, width)
        if pending is not None:
            if flowables and isinstance(flowables[0], (Marked, Paragraph)):
                # Never a heading alone at a page's foot. (Only the first line: keeping two, or a list's
                # last two, too, pushed large print past its pages.)
                flowables[0] = KeepTogether([pending, flowables[0]])
            else:
                out.append(pending)
            pending = None
        if isinstance(block, doc.Subheading):
            page_break, pending = flowables  # the CondPageBreak goes now, the heading with what follows
            out.append(page_break)
        else:
            out.extend(flowables)
    if pending is not None:
        out.append(pending)
    return out

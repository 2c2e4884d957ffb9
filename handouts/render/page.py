"""The page around the text: the clinic's header on page 1, a running header on later pages, the footer
with "Page N of M", and the frames the text flows into."""

from __future__ import annotations

from reportlab.lib.units import inch
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Frame

from handouts import document as doc
from handouts.images import Logo
from handouts.limits import MAX_LOGO_HEIGHT_IN
from handouts.render.pdf import PAGE_SIZES
from handouts.render.styles import Styles

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


class Pages:
    """A handout's page geometry and its drawing of everything outside the text frames."""

    def __init__(self, handout: doc.Handout, styles: Styles):
        self.handout = handout
        self.styles = styles
        self.fonts = styles.fonts
        self.page_width, self.page_height = PAGE_SIZES[handout.page.size]
        self.top, self.right, self.bottom, self.left = (m * inch for m in handout.page.margins_in)
        self.width = self.page_width - self.left - self.right
        header = handout.header
        self.logo = (Logo(header.logo_path, header.logo_width_in * inch, MAX_LOGO_HEIGHT_IN * inch)
                     if header.logo_path else None)
        logo_height = self.logo.height if self.logo else 0.0
        # Page 1 header geometry, used both to size the first frame and to draw.
        self.name_size = styles.size * 1.3
        self.contact_size = max(12.0, styles.size * 0.85)
        self.contact_step = self.contact_size * 1.45
        text_height = self.name_size + self.contact_step * len(header.contact_lines) + self.contact_size * 0.3
        self.first_header_height = max(logo_height, text_height) + styles.size * 1.2
        self.later_header_height = styles.size * 1.6
        self.body_bottom = max(self.bottom, footer_height(styles.size) + footer_size(styles.size) * 0.6)

    def frames(self) -> tuple[Frame, Frame]:
        """(page 1's, the later pages') text frames."""
        padding = dict(leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        top = self.page_height - self.top - self.body_bottom
        return (
            Frame(self.left, self.body_bottom, self.width, top - self.first_header_height, id="first", **padding),
            Frame(self.left, self.body_bottom, self.width, top - self.later_header_height, id="later", **padding),
        )

    def draw_first(self, canvas: Canvas, document) -> None:
        """The clinic's header: logo, name and contact lines, on a band or above a rule."""
        styles, fonts, header = self.styles, self.fonts, self.handout.header
        canvas.saveState()
        band = header.style == "band"
        header_bottom = self.page_height - self.top - self.first_header_height + styles.size * 0.5
        if band:
            # Full-width band from the paper's top edge; the text on it uses the on_primary color.
            canvas.setFillColor(styles.primary)
            canvas.rect(0, header_bottom, self.page_width, self.page_height - header_bottom, stroke=0, fill=1)
        y_top = self.page_height - self.top
        x = self.left
        if self.logo is not None:
            self.logo.draw(canvas, x, y_top - self.logo.height)
            x += self.logo.width + styles.size
        room = self.page_width - self.right - x
        canvas.setFillColor(styles.on_primary if band else styles.primary)
        canvas.setFont(fonts.bold, fitted_size(header.clinic_name, fonts.bold, self.name_size, room))
        y = y_top - self.name_size
        canvas.drawString(x, y, header.clinic_name)
        canvas.setFillColor(styles.on_primary if band else styles.muted)
        for line in header.contact_lines:
            y -= self.contact_step
            canvas.setFont(fonts.regular, fitted_size(line, fonts.regular, self.contact_size, room))
            canvas.drawString(x, y, line)
        if not band:
            canvas.setStrokeColor(styles.accent)
            canvas.setLineWidth(2.5)
            canvas.line(self.left, header_bottom, self.page_width - self.right, header_bottom)
        canvas.restoreState()

    def draw_later(self, canvas: Canvas, document) -> None:
        """The running header: the clinic's name, and the patient's name (or the title) on the right."""
        styles, fonts, handout = self.styles, self.fonts, self.handout
        canvas.saveState()
        size = max(10.0, styles.size * 0.8)
        y = self.page_height - self.top - size
        canvas.setFillColor(styles.muted)
        canvas.setFont(fonts.regular, size)
        canvas.drawString(self.left, y, handout.header.clinic_name)
        room = self.width - stringWidth(handout.header.clinic_name, fonts.regular, size) - size * 2
        label = handout.running_label or handout.title
        canvas.drawRightString(self.page_width - self.right, y, fit(label, fonts.regular, size, room))
        canvas.setStrokeColor(styles.accent)
        canvas.setLineWidth(0.8)
        canvas.line(self.left, y - size * 0.6, self.page_width - self.right, y - size * 0.6)
        canvas.restoreState()

    def draw_footer(self, canvas: Canvas, page: int, pages: int) -> None:
        styles, fonts, handout = self.styles, self.fonts, self.handout
        size = footer_size(styles.size)
        rule_y = self.body_bottom - size * 0.6
        first = rule_y - size * 1.5
        second = first - size * 1.35
        canvas.saveState()
        canvas.setStrokeColor(styles.muted)
        canvas.setLineWidth(0.6)
        canvas.line(self.left, rule_y, self.page_width - self.right, rule_y)
        label = handout.page_label.replace("{page}", str(page)).replace("{pages}", str(pages))
        label_width = stringWidth(label, fonts.bold, size * 1.1)
        canvas.setFillColor(styles.muted)
        room = self.width - label_width - size
        canvas.setFont(fonts.regular, fitted_size(handout.footer_left, fonts.regular, size, room, minimum=FOOTER_MIN_SIZE))
        canvas.drawString(self.left, first, handout.footer_left)
        version = handout.footer_center + (f"  ·  {handout.draft_mark}" if handout.draft_mark else "")
        canvas.setFont(fonts.regular, fitted_size(version, fonts.regular, size, self.width, minimum=8))
        canvas.drawString(self.left, second, version)
        canvas.setFillColor(styles.text)
        canvas.setFont(fonts.bold, size * 1.1)
        canvas.drawRightString(self.page_width - self.right, first, label)
        canvas.restoreState()

    def canvas_maker(self):
        """A canvas class that holds each page until the end, so every footer can say "Page N of M" in
        one layout pass."""
        pages = self

        class NumberedCanvas(Canvas):
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
                    pages.draw_footer(self, number, total)
                    super().showPage()
                super().save()
                # Each saved page state holds the list of states: a cycle that would keep the whole
                # document (font subsets, page streams) alive until the cyclic garbage collector runs.
                self._pages.clear()

        return NumberedCanvas

"""`handouts preview`: a sample handout, PNG images of its pages, and a one-page style sheet."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from handouts.errors import HandoutsError
from handouts.output import write_atomic
from handouts.project import LoadedLayout, Project

PNG_DPI = 100


def page_images(pdf: bytes, dpi: int = PNG_DPI) -> list[bytes]:
    """Each page as a PNG (pypdfium2 renders without system packages)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    images = []
    try:
        for page in document:
            buffer = io.BytesIO()
            page.render(scale=dpi / 72).to_pil().save(buffer, format="PNG", optimize=True)
            images.append(buffer.getvalue())
    finally:
        document.close()
    return images


def style_sheet(layout: LoadedLayout) -> bytes:
    """One page: the colors with their contrast, the fonts at each size, the headings and the warning box."""
    from reportlab.lib import colors as rl_colors
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from handouts import document as doc
    from handouts.colors import contrast, grayscale
    from handouts.fonts import font_family
    from handouts.languages import format_datetime
    from handouts.lint import BODY, LARGE, WHITE
    from handouts.render import Styles, callout_table, footer_size, frame_width, markup, simple_pdf

    from handouts.compose import style_of

    spec = layout.layout
    c = spec.colors
    style, page = style_of(layout)
    fonts = font_family(spec.fonts.family, layout.font_paths)
    styles = Styles(style, fonts)
    size = spec.fonts.base_size
    m = spec.page.margins_in
    width = frame_width(page)

    rows = [["Color", "", "Use", "Contrast", "In gray", "Needs"]]
    uses = [
        ("text", "body text", BODY), ("muted", "footer, code line", BODY), ("heading", "headings", LARGE),
        ("primary", "title, header", LARGE), ("accent", "numbers, boxes", LARGE),
    ]
    swatches = []
    for key, use, need in uses:
        value = getattr(c, key)
        color_ratio, gray_ratio = contrast(value, WHITE), contrast(grayscale(value), grayscale(WHITE))
        mark = "" if min(color_ratio, gray_ratio) >= need else "  too pale"
        rows.append([f"{key} {value}", "", use, f"{color_ratio:.1f}:1", f"{gray_ratio:.1f}:1", f"{need:g}:1{mark}"])
        swatches.append(value)
    box_ratio = contrast(c.text, c.warning_background)
    rows.append([f"warning_background {c.warning_background}", "", "warning box text", f"{box_ratio:.1f}:1",
                 f"{contrast(grayscale(c.text), grayscale(c.warning_background)):.1f}:1", f"{BODY:g}:1"])
    swatches.append(c.warning_background)
    table = Table(rows, colWidths=[width * 0.37, width * 0.07, width * 0.22, width * 0.12, width * 0.11, width * 0.11])
    commands = [
        ("FONT", (0, 0), (-1, -1), fonts.regular, 11),
        ("FONT", (0, 0), (-1, 0), fonts.bold, 11),
        ("LINEBELOW", (0, 0), (-1, 0), 1, rl_colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    for row, value in enumerate(swatches, start=1):
        commands += [("BACKGROUND", (1, row), (1, row), rl_colors.HexColor(value)),
                     ("BOX", (1, row), (1, row), 0.5, rl_colors.grey)]
    table.setStyle(TableStyle(commands))

    # A real date, so the weekday printed beside it is right (it once said Tuesday for a Wednesday).
    sample_moment = format_datetime(dt.datetime(2026, 12, 2, 23, 45), "h:mm a 'on' EEEE, MMMM d", "en")
    story = [
        Paragraph(markup(f"Style sheet: {layout.name}"), styles.title),
        Paragraph(markup(f"{spec.clinic.name} · {spec.page.size} · margins {m.top:g}/{m.right:g}/{m.bottom:g}/"
                         f"{m.left:g} in · {fonts.display_name}"), styles.code_line),
        table,
        Spacer(1, size),
        Paragraph(markup(f"Section heading, {styles.heading.fontSize:g} pt"), styles.heading),
        Paragraph(markup(f"Subheading, {styles.subheading.fontSize:g} pt"), styles.subheading),
        Paragraph(markup(f"Body text, {size:g} pt: Stop eating at {sample_moment}. Arrive at 6:45 AM. 0123456789"),
                  styles.body),
        Paragraph(markup(f"Footer text, {footer_size(size):g} pt"), styles.code_line),
        callout_table(
            doc.Callout(layout.wording["heading_when_to_call"],
                        ((layout.wording["call_tier_call_now"], (doc.Item("A fever of 100.4 °F (38 °C) or higher"),)),),
                        (f"Call us: {spec.clinic.phone}",)),
            styles, width,
        ),
    ]
    return simple_pdf(page, fonts, f"Style sheet: {layout.name}", spec.clinic.name, spec.language, story)


def preview(project: Project, layout_name: str, code: str | None, out_dir: Path, large_print: bool = False) -> list[Path]:
    from handouts.appointment import Appointment
    from handouts.pipeline import render_pdf

    layout = project.layout(layout_name)
    codes = list(project.procedure_files())
    if code is None and not codes:
        raise HandoutsError(f"no procedures in {project.display(project.procedures_dir)}/ to preview with")
    procedure = project.procedure(code or codes[0])
    # An invented patient two weeks ahead, so the appointment box is part of the preview.
    sample = Appointment(
        date=dt.date.today() + dt.timedelta(days=14), time=dt.time(9, 30), patient="Alex Sample",
        provider="Dr. Example", location="Suite 100",
    )
    written = []

    def save(name: str, data: bytes) -> None:
        path = out_dir / name
        write_atomic(path, data, shown=project.display(path))
        written.append(path)

    pdf = render_pdf([procedure], layout, sample, large_print)
    stem = f"{layout_name}-{procedure.code}"
    save(f"{stem}.pdf", pdf)
    for number, png in enumerate(page_images(pdf), start=1):
        save(f"{stem}-page-{number}.png", png)
    sheet = style_sheet(layout)
    save(f"{layout_name}-style-sheet.pdf", sheet)
    save(f"{layout_name}-style-sheet.png", page_images(sheet)[0])
    return written

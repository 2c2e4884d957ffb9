"""One print-ready PDF for a day: a cover sheet, then each handout starting on a fresh sheet.

A blank page follows any handout with an odd page count, so double-sided printing never puts two
patients on one sheet. The cover lists appointment ids, times and page ranges, never names.
"""

from __future__ import annotations

import datetime as dt
import io

from handouts.appointment import Appointment
from handouts.project import LoadedLayout


def _cover(rows: list[tuple[str, str, str, str]], layout: LoadedLayout, day: str, failed: tuple[int, ...] = ()) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    from handouts.compose import Words, style_of
    from handouts.fonts import font_family
    from handouts.render import markup, simple_pdf

    spec = layout.layout
    words = Words(layout, {"day": day, "clinic": spec.clinic.model_dump()})
    fonts = font_family(spec.fonts.family, layout.font_paths)
    size = spec.fonts.base_size
    body = ParagraphStyle("cover", fontName=fonts.regular, fontSize=size, leading=size * 1.4, spaceAfter=size)
    title = ParagraphStyle("cover-title", body, fontName=fonts.bold, fontSize=size * 1.6, leading=size * 2)
    header = [words(k) for k in ("packet_time", "packet_appointment", "packet_codes", "packet_pages")]
    table = Table([header, *rows], repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), fonts.regular, size),
                ("FONT", (0, 0), (-1, 0), fonts.bold, size),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, colors.grey),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ("RIGHTPADDING", (0, 0), (-1, -1), 14),
            ]
        )
    )
    story = [
        Paragraph(markup(spec.clinic.name), body),
        Paragraph(markup(words("packet_title")), title),
        Paragraph(markup(words("packet_intro")), body),
        table,
    ]
    if failed:
        # The gap on paper: the front desk sees which patients have no handout here.
        missing = ParagraphStyle("missing", title, fontSize=size * 1.2, leading=size * 1.6, spaceBefore=size)
        story.append(Paragraph(markup(words("packet_missing")), missing))
        story += [Paragraph(markup(words("packet_failed_row", row=row)), body) for row in failed]
    return simple_pdf(style_of(layout)[1], fonts, words("packet_title"), spec.clinic.name, spec.language, story)


def make_packet(
    handouts: list[tuple[Appointment, bytes, int]], layout: LoadedLayout, failed: tuple[int, ...] = ()
) -> tuple[bytes, int]:
    """(appointment, pdf, pages) in print order -> (packet pdf, total pages); the cover also lists the
    rows (`failed`) that have no handout."""
    from pypdf import PdfReader, PdfWriter

    from handouts.languages import format_date, format_datetime

    locale = layout.layout.language
    dates = sorted({a.date for a, _, _ in handouts})
    day = ", ".join(format_date(d, layout.wording["date_format"], locale) for d in dates)

    def plan(cover_pages: int) -> list[tuple[str, str, str, str]]:
        rows = []
        page = cover_pages + cover_pages % 2  # the first handout starts on an odd page
        for appointment, _, pages in handouts:
            first = page + 1
            when = format_datetime(dt.datetime.combine(appointment.date, appointment.time), layout.wording["time_format"], locale)
            if len(dates) > 1:
                when = f"{appointment.date.isoformat()} {when}"
            span = f"{first}–{first + pages - 1}" if pages > 1 else str(first)
            rows.append((when, appointment.appointment_id or "", " ".join(appointment.codes), span))
            page += pages + pages % 2
        return rows

    cover_pages = 1
    for _ in range(3):  # the page ranges depend on how long the cover itself is
        cover = PdfReader(io.BytesIO(_cover(plan(cover_pages), layout, day, failed)))
        if len(cover.pages) == cover_pages:
            break
        cover_pages = len(cover.pages)

    writer = PdfWriter()

    def add(reader: PdfReader) -> None:
        for page in reader.pages:
            writer.add_page(page)
        if len(reader.pages) % 2:
            last = reader.pages[-1].mediabox
            writer.add_blank_page(last.width, last.height)

    add(cover)
    for _, pdf, _ in handouts:
        add(PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": f"Handouts: {day}", "/Author": layout.layout.clinic.name})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)

"""One print-ready PDF for a day: a cover sheet, then each handout starting on a fresh sheet.

A blank page follows any handout with an odd page count, so double-sided printing never puts two
patients on one sheet. The cover lists appointment ids, times and page ranges, never names.
"""

from __future__ import annotations

import gc
import io
from pathlib import Path
from typing import Any

from handouts.project import LoadedLayout


def _cover(rows: list[tuple[str, str, str, str]], layout: LoadedLayout, day: str) -> bytes:
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
    return simple_pdf(style_of(layout)[1], fonts, words("packet_title"), spec.clinic.name, spec.language, story)


def make_packet(handouts: list[tuple[Any, Path, int]], layout: LoadedLayout, target: Path, shown: str) -> int:
    """(appointment (anything with date, time, appointment_id, codes), handout PDF file, pages) in print order -> the packet written to `target` (owner-only),
    one handout at a time; returns its page count."""
    from babel.dates import format_date, format_time
    from pypdf import PdfReader

    from handouts.output import atomic_file
    from handouts.pdfjoin import PdfJoiner

    locale = layout.layout.language
    dates = sorted({a.date for a, _, _ in handouts})
    day = ", ".join(format_date(d, layout.wording["date_format"], locale=locale) for d in dates)

    def plan(cover_pages: int) -> list[tuple[str, str, str, str]]:
        rows = []
        page = cover_pages + cover_pages % 2  # the first handout starts on an odd page
        for appointment, _, pages in handouts:
            first = page + 1
            when = format_time(appointment.time, layout.wording["time_format"], locale=locale)
            if len(dates) > 1:
                when = f"{appointment.date.isoformat()} {when}"
            span = f"{first}–{first + pages - 1}" if pages > 1 else str(first)
            rows.append((when, appointment.appointment_id or "", " ".join(appointment.codes), span))
            page += pages + pages % 2
        return rows

    cover_pages = 1
    for _ in range(3):  # the page ranges depend on how long the cover itself is
        cover = PdfReader(io.BytesIO(_cover(plan(cover_pages), layout, day)))
        if len(cover.pages) == cover_pages:
            break
        cover_pages = len(cover.pages)

    with atomic_file(target, private=True, shown=shown) as handle:
        joiner = PdfJoiner(handle)

        def add(reader: PdfReader) -> None:
            last = reader.pages[-1].mediabox
            width, height = float(last.width), float(last.height)
            if joiner.add(reader) % 2:
                joiner.add_blank(width, height)

        add(cover)
        for number, (_, path, _) in enumerate(handouts, start=1):
            with open(path, "rb") as pdf:
                add(PdfReader(pdf))
            if number % 200 == 0:
                gc.collect()  # a pypdf reader and its trailer refer to each other: collect them now and then
        joiner.finish({"/Title": f"Handouts: {day}", "/Author": layout.layout.clinic.name})
    return joiner.pages

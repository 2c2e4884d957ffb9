"""One print-ready PDF for a day: a cover sheet, then each handout starting on a fresh sheet.

A blank page follows any handout with an odd page count, so double-sided printing never puts two
patients on one sheet. The cover lists appointment ids, times and page ranges, never names.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
from pathlib import Path
from typing import Any

from handouts.project import LoadedLayout


# Rows per part of the cover: ReportLab keeps a document's pages until it saves, so a day of thousands of
# appointments gets its cover in parts of this many rows, each joined and dropped in turn (memory flat).
COVER_ROWS = 300


def _cover_parts(rows: list[tuple[str, str, str, str]], layout: LoadedLayout, day: str, failed: tuple[int, ...]):
    """The cover, one part (PDF bytes) at a time: the title on the first, the failed rows on the last."""
    starts = list(range(0, len(rows), COVER_ROWS)) or [0]
    for start in starts:
        yield _cover(rows[start:start + COVER_ROWS], layout, day, failed if start == starts[-1] else (),
                     first=start == 0)


def _cover(
    rows: list[tuple[str, str, str, str]], layout: LoadedLayout, day: str, failed: tuple[int, ...] = (),
    first: bool = True,
) -> bytes:
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
    ] if first else []
    story.append(table)
    if failed:
        # The gap on paper: the front desk sees which patients have no handout here.
        missing = ParagraphStyle("missing", title, fontSize=size * 1.2, leading=size * 1.6, spaceBefore=size)
        story.append(Paragraph(markup(words("packet_missing")), missing))
        story += [Paragraph(markup(words("packet_failed_row", row=row)), body) for row in failed]
    return simple_pdf(style_of(layout)[1], fonts, words("packet_title"), spec.clinic.name, spec.language, story)


def make_packet(
    handouts: list[tuple[Any, Path | bytes, int]], layout: LoadedLayout, failed: tuple[int, ...] = ()
) -> tuple[bytes, int]:
    """(appointment, handout PDF (file or bytes), pages) in print order -> (packet pdf, total pages), in memory
    (the web page's day view: nothing on disk); the cover also lists the rows (`failed`) with no handout."""
    buffer = io.BytesIO()
    pages = _write_packet(handouts, layout, buffer, failed)
    return buffer.getvalue(), pages


def save_packet(
    handouts: list[tuple[Any, Path | bytes, int]], layout: LoadedLayout, target: Path, shown: str,
    failed: tuple[int, ...] = (),
) -> int:
    """The packet written to `target` (owner-only, atomically), one handout at a time: memory stays flat
    however many rows the day has. Returns its page count."""
    from handouts.output import atomic_file

    with atomic_file(target, private=True, shown=shown) as handle:
        return _write_packet(handouts, layout, handle, failed)


def _write_packet(
    handouts: list[tuple[Any, Path | bytes, int]], layout: LoadedLayout, handle, failed: tuple[int, ...] = ()
) -> int:
    """(appointment (anything with date, time, appointment_id, codes), handout PDF, pages) in print order."""
    from handouts.pdfjoin import PdfJoiner
    from handouts.render import page_count

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

    def cover_page_count(rows) -> int:
        return sum(page_count(part) for part in _cover_parts(rows, layout, day, failed))

    cover_pages = 1
    for _ in range(3):  # the page ranges depend on how long the cover itself is
        counted = cover_page_count(plan(cover_pages))
        if counted == cover_pages:
            break
        cover_pages = counted

    joiner = PdfJoiner(handle)

    def add(pdf: bytes) -> int:
        pages = joiner.add_pdf(pdf)
        if pages % 2:  # each handout starts on a fresh sheet when printed on both sides
            joiner.add_blank(*joiner.last_size)
        return pages

    written = 0
    for part in _cover_parts(plan(cover_pages), layout, day, failed):
        written += joiner.add_pdf(part)
        del part
    if written % 2:  # the first handout starts on a fresh sheet
        joiner.add_blank(*joiner.last_size)
    gc.collect()
    for number, (_, source, _) in enumerate(handouts, start=1):
        add(source if isinstance(source, (bytes, bytearray)) else Path(source).read_bytes())
        if number % 200 == 0:
            gc.collect()  # a pypdf reader (for PDFs not made here) and its trailer refer to each other
    joiner.finish({"/Title": f"Handouts: {day}", "/Author": layout.layout.clinic.name})
    return joiner.pages

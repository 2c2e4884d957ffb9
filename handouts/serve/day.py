"""The day view: an uploaded schedule -> each row's status, its PDF, and the day's packet, in memory.

The same functions as `handouts schedule` read the rows and render them (schedule.py), so a row's
status and error are the CLI's; only the writing to disk is left out. Each row's handout is added to
the education record when it is made, as `handouts schedule` does (the page's PDFs and packet are
those handouts, byte for byte): a row that cannot be recorded fails, and has no PDF to give.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from handouts.errors import HandoutsError
from handouts.project import Project
from handouts.schedule import Rendered, file_name, render_rows, rows_from_bytes


@dataclass(frozen=True)
class Row:
    number: int
    appointment_id: str
    patient: str
    when: str
    codes: str
    error: str | None = None
    pages: int = 0
    filename: str | None = None


@dataclass
class Day:
    layout: str
    rows: list[Row]
    pdfs: dict[str, bytes]  # file name -> PDF
    done: list[Rendered] = field(repr=False, default_factory=list)
    packet: tuple[str, bytes, int] | None = None  # (name, pdf, pages), made when first asked for

    @property
    def failed(self) -> int:
        return sum(row.error is not None for row in self.rows)


def _recorded(project: Project, item: Rendered) -> Rendered | tuple[int, str]:
    from handouts.pipeline import record_personal

    try:
        record_personal(project, item.pdf, list(item.procedures), project.layout(item.layout),
                        replace(item.appointment, language="+".join(item.languages)), item.source, program="serve")
    except HandoutsError as exc:
        return item.row, f"row {item.row}: {'; '.join(exc.lines)}"
    return item


def make_day(project: Project, data: bytes, shown: str, layout: str, max_rows: int) -> Day:
    """Raises HandoutsError for a file that cannot be read at all; a bad row is a row with an error."""
    rows = rows_from_bytes(data, shown, max_rows)
    raw = dict(rows)
    results = {}
    done = []
    for item in render_rows(project, rows, layout):
        if isinstance(item, Rendered):
            item = _recorded(project, item)
        if isinstance(item, Rendered):
            results[item.row] = item
            done.append(item)
        else:
            results[item[0]] = item[1]
    day = Day(layout, [], {}, done)
    for number, row in rows:
        values = {key: (value or "").strip() for key, value in raw[number].items() if isinstance(key, str)}
        outcome = results[number]
        base = dict(
            number=number, appointment_id=values.get("appointment_id", ""), patient=values.get("patient", ""),
            when=f"{values.get('date', '')} {values.get('time', '')}".strip(), codes=values.get("codes", ""),
        )
        if isinstance(outcome, Rendered):
            name = file_name(outcome.appointment)
            day.pdfs[name] = outcome.pdf
            day.rows.append(Row(**base, pages=outcome.pages, filename=name))
        else:
            day.rows.append(Row(**base, error=outcome))
    return day

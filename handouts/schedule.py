"""A day's schedule (CSV) -> one personal handout per appointment, and optionally one print packet.

A bad row is reported by its row number (the header is row 1, as a spreadsheet shows it) and the
other rows still complete. Nothing that identifies a patient appears in file names or messages: a
message about a row names the column and what is expected, and never repeats any value of the row
(a value in the wrong column may be a patient's name).

Streaming: rows are read, rendered and written one at a time, and the packet is joined from the
written files, so memory stays flat however many rows there are. The same rows come from a CSV file, an
upload (the web page's day view, in memory) or an EHR feed (FHIR, HL7: see handouts/feeds).
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import stat
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from handouts import limits
from handouts.appointment import (
    Appointment,
    from_mapping,
    local_start,
    parse_date,
    parse_time,
    safe_id,
    split_codes,
    zone,
)
from handouts.errors import HandoutsError
from handouts.feeds import named, read_schedule, source_of
from handouts.project import Project, available_languages
from handouts.schema import CODE_PATTERN

REQUIRED_COLUMNS = ("appointment_id", "patient", "date", "time", "codes", "provider", "location")
OPTIONAL_COLUMNS = ("layout", "language", "timezone")
DELIMITERS = ",;\t"
GC_EVERY = 10  # rows (a collection costs a few ms; a row ~40 ms)


@dataclass(frozen=True)
class Done:
    """A rendered row: only what the packet's cover needs (kept for every row, so kept small)."""

    row: int
    appointment_id: str
    date: dt.date
    time: dt.time
    codes: tuple[str, ...]
    path: Path | None  # None: not written (the web page keeps it in memory)
    pages: int


@dataclass
class ScheduleResult:
    done: list[Done] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    packet: Path | None = None
    packet_pages: int = 0
    skipped: list[str] = field(default_factory=list)  # feed appointments cancelled, no-show or in error
    layouts: set[str] = field(default_factory=set)  # the layouts the handouts were made with


def _open(path: Path):
    try:
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            raise HandoutsError(f"{path}: is a folder, not a CSV file; give the schedule's CSV file")
        if not stat.S_ISREG(mode):
            raise HandoutsError(f"{path}: is not a regular file; give the schedule's CSV file")
        return path.open(newline="", encoding="utf-8-sig")
    except FileNotFoundError:
        raise HandoutsError(f"{path}: file not found") from None
    except OSError as exc:
        raise HandoutsError(f"{path}: cannot read ({exc.strerror})") from None


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, values by column), one row at a time; the header is checked before the first row."""
    with _open(path) as handle:
        yield from _rows(handle, str(path))


def rows_from_bytes(data: bytes, shown: str, max_rows: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """The rows of an uploaded CSV file (untrusted, like a file on disk)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise HandoutsError(f"{shown}: not UTF-8 text; save the CSV as UTF-8") from None
    return list(_rows(io.StringIO(text, newline=""), shown, max_rows))


def _rows(handle, shown: str, max_rows: int | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    limit = min(max_rows or limits.MAX_SCHEDULE_ROWS, limits.MAX_SCHEDULE_ROWS)
    try:
        header = handle.readline(64 * 1024)
        # Spreadsheets in many countries save CSV with ';' (or tabs): use what the header uses.
        delimiter = max(DELIMITERS, key=header.count)
        reader = csv.reader([header], delimiter=delimiter)
        columns = [c.strip() for c in next(reader, [])]
        _check_columns(shown, columns, delimiter)
        rows = csv.DictReader(handle, fieldnames=columns, delimiter=delimiter)
        count = 0
        for number, row in enumerate(rows, start=2):
            if not any((value or "").strip() for key, value in row.items() if key is not None):
                continue  # a blank line
            count += 1
            if count > limit:
                raise HandoutsError(limits.too_big(
                    shown, "the number of appointments", count, limit, "split the schedule into several files"))
            yield number, row
    except UnicodeDecodeError:
        raise HandoutsError(f"{shown}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise HandoutsError(f"{shown}: not a readable CSV file ({exc})") from None


def _check_columns(path: str, columns: list[str], delimiter: str) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise HandoutsError(
            f"{path}: the header row lacks the column(s) {', '.join(missing)}; "
            f"the columns are {', '.join(REQUIRED_COLUMNS)} (and optionally {', '.join(OPTIONAL_COLUMNS)}), "
            "separated by commas"
        )
    unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if unknown:
        # Column names are the clinic's header, not patient data: safe to show (shortened).
        shown = ", ".join(repr(c[:40]) for c in unknown[:5])
        raise HandoutsError(f"{path}: unknown column(s) {shown}; remove or rename them")


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


@dataclass
class RowChecker:
    """Checks a row's values column by column, with messages that never repeat a value."""

    project: Project
    layout_name: str
    used_ids: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.layouts = self.project.layout_names()
        self.procedures = self.project.procedure_files()

    def parse(self, number: int, row: dict) -> Appointment:
        where = f"row {number}"
        if getattr(row, "error", None):  # a FHIR resource or HL7 message that could not be read
            raise HandoutsError(row.error)
        _check_shape(where, row)
        values = {key: (value or "").strip() for key, value in row.items()}
        empty = [key for key in ("appointment_id", "date", "time", "codes") if not values.get(key)]
        if empty:
            raise HandoutsError(f"{where}: no value for {', '.join(empty)}; fill it in")
        checks = (
            ("appointment_id", lambda v: safe_id(v, ""),
             "may use only letters, digits, '-', '_' and '.' (it names the file), up to 64 characters"),
            ("date", lambda v: parse_date(v, ""), "not a real date; write it as YYYY-MM-DD, e.g. 2026-12-03"
             f" (a year from {limits.MIN_YEAR} to {limits.MAX_YEAR})"),
            ("time", lambda v: parse_time(v, ""), "not a real time; write it as HH:MM, e.g. 07:45 or 7:45 PM"),
            ("timezone", lambda v: zone(v, ""), "not a known time zone; use an IANA name such as America/New_York"),
        )
        for column, check, expected in checks:
            if values.get(column):
                try:
                    check(values[column])
                except HandoutsError:
                    raise HandoutsError(f"{where}: {column}: {expected}") from None
        if values.get("layout") and values["layout"] not in self.layouts:
            known = ", ".join(self.layouts) or "none"
            raise HandoutsError(f"{where}: layout: no such layout; known layouts: {known}")
        if values.get("language"):
            from handouts.languages import parse_choice

            try:
                parse_choice(values["language"])
            except HandoutsError:
                raise HandoutsError(
                    f"{where}: language: not a language handouts are written in; use one of "
                    f"{', '.join(available_languages())}, or two joined by + for a bilingual copy (es+en)"
                ) from None
        self._check_codes(where, split_codes(values["codes"]))
        first = self.used_ids.get(values["appointment_id"])
        if first is not None:
            raise HandoutsError(
                f"{where}: appointment_id: the same id is already used on row {first}; "
                "ids must be unique (they name the files)"
            )
        appointment = from_mapping({key: value for key, value in values.items() if value}, where)
        self._check_time_exists(where, appointment)
        return appointment

    def _check_codes(self, where: str, codes: tuple[str, ...]) -> None:
        if len(codes) > limits.MAX_LIST:
            raise HandoutsError(f"{where}: codes: more than {limits.MAX_LIST} codes; check the column")
        for n, code in enumerate(codes, start=1):
            if not CODE_PATTERN.match(code):
                raise HandoutsError(
                    f"{where}: codes: the {_ordinal(n)} code is not a CPT or HCPCS code (like 64634); check the column"
                )
            if code not in self.procedures:
                raise HandoutsError(
                    f"{where}: codes: the {_ordinal(n)} code has no procedure file in procedures/; "
                    "fix the code or add the procedure"
                )

    def _check_time_exists(self, where: str, appointment: Appointment) -> None:
        tz_name = appointment.timezone or self.project.layout(appointment.layout or self.layout_name).layout.timezone
        try:
            local_start(appointment.date, appointment.time, zone(tz_name, "timezone"), "")
        except HandoutsError:
            raise HandoutsError(
                f"{where}: time: does not exist on that day in that time zone (the clocks spring forward then); "
                "choose another time"
            ) from None


def _check_shape(where: str, row: dict) -> None:
    extra_lines = sum(
        max(0, len(value.rstrip("\r\n").splitlines()) - 1) for value in row.values() if isinstance(value, str)
    )
    if extra_lines:
        raise HandoutsError(
            f"{where}: a value runs over {extra_lines + 1} lines: a quote (\") is not closed, or a value holds a "
            f"line break; the {extra_lines} line(s) after it were read into this row and not rendered; "
            "close the quote or put the value on one line"
        )
    if None in row:
        raise HandoutsError(f"{where}: more values than columns; check for an unquoted comma")
    missing = [key for key in REQUIRED_COLUMNS if row.get(key) is None]  # a short row; optional ones may be left off
    if missing:
        raise HandoutsError(f"{where}: no value for {', '.join(missing)}; fill it in")
    for key, value in row.items():
        if value is not None and len(value) > limits.MAX_CELL:
            raise HandoutsError(limits.too_big(f"{where}: {key}", "the value's length in characters", len(value),
                                               limits.MAX_CELL, "shorten it"))


@dataclass(frozen=True)
class Rendered:
    """One row's handout, in memory (until it is written, or for the web page's day view)."""

    row: int
    appointment: Appointment
    layout: str
    pdf: bytes
    pages: int
    procedures: tuple = ()
    languages: tuple[str, ...] = ("en",)
    source: Any = None  # where a feed's row came from (patient and appointment references)


@dataclass(frozen=True)
class _Task:
    """One good row's handout to make: all a worker needs (it finds the procedures by code itself)."""

    number: int
    appointment: Appointment
    layout: str
    languages: tuple[str, ...]


_shared: dict[str, Any] = {}  # the project the tasks are rendered from (workers inherit it when forked)


def _render_task(task: _Task) -> tuple[bytes | None, str | None]:
    """(PDF, None) or (None, the message): in this process or a worker."""
    from handouts.pipeline import render_in

    project = _shared["project"]
    try:
        procedures = [project.procedure(code) for code in task.appointment.codes]
        return render_in(project, procedures, project.layout(task.layout), task.languages, task.appointment), None
    except HandoutsError as exc:
        return None, "; ".join(exc.lines)
    except Exception as exc:  # noqa: BLE001 - one row's bug must not stop the day; no value is shown
        if _shared.get("debug"):
            raise
        return None, f"internal error ({type(exc).__name__}); run again with --debug and report it"


def render_rows(
    project: Project, rows, layout_name: str, language: str | None = None, debug: bool = False, jobs: int = 1,
) -> Iterator[Rendered | tuple[int, str]]:
    """Each row's handout in memory, or (row, message) for a bad row; the other rows go on. Rows are
    checked here one after another; with `jobs` > 1 their handouts are made by worker processes."""
    from handouts.parallel import in_order
    from handouts.pipeline import language_choice
    from handouts.render import page_count

    _shared.update(project=project, debug=debug)
    checker = RowChecker(project, layout_name)

    def checked() -> Iterator[tuple[tuple, _Task | None]]:
        """((row number, row, procedures or the message, task), task for a good row)"""
        for number, row in rows:
            try:
                appointment = checker.parse(number, row)
                name = appointment.layout or layout_name
                layout = project.layout(name)  # loaded once per project
                procedures = tuple(project.procedure(code) for code in appointment.codes)
                # The row's language column, else --language, else the layout's own.
                languages = language_choice(appointment.language or language, None, layout)
            except HandoutsError as exc:
                yield (number, row, "; ".join(exc.lines), None), None
                continue
            checker.used_ids[appointment.appointment_id] = number
            task = _Task(number, appointment, name, languages)
            yield (number, row, procedures, task), task

    for (number, row, procedures, task), outcome in in_order(checked(), _render_task, 1 if debug else jobs):
        message = procedures if task is None else outcome[1]
        if message is None:
            pdf = outcome[0]
            yield Rendered(number, task.appointment, task.layout, pdf, page_count(pdf), procedures, task.languages,
                           source_of(row))
            continue
        message = named(message, row)
        yield number, (message if message.startswith(f"row {number}") else f"row {number}: {message}")


def file_name(appointment: Appointment) -> str:
    return f"{appointment.date.isoformat()}-{appointment.appointment_id}.pdf"


def _packet_order(done: list, layout_name: str, used_layouts: list[str]):
    ordered = sorted(done, key=lambda d: (d.date, d.time, d.appointment_id))
    dates = {d.date for d in ordered}
    name = f"{ordered[0].date.isoformat()}-packet.pdf" if len(dates) == 1 else "packet.pdf"
    return ordered, name, layout_name if layout_name in used_layouts else used_layouts[0]


def build_packet(
    project: Project, done: list[Rendered], layout_name: str, failed: tuple[int, ...] = ()
) -> tuple[str, bytes, int]:
    """The day's print packet in memory (the web page): (file name, pdf, pages), in time order; the cover
    lists the rows (`failed`) that have no handout."""
    from handouts.packet import make_packet

    rows = [Done(d.row, d.appointment.appointment_id, d.appointment.date, d.appointment.time, d.appointment.codes,
                 None, d.pages) for d in done]
    pdfs = {d.row: d.pdf for d in done}
    ordered, name, first = _packet_order(rows, layout_name, [d.layout for d in done])
    data, pages = make_packet([(d, pdfs[d.row], d.pages) for d in ordered], project.layout(first), failed)
    return name, data, pages


def run_schedule(
    project: Project,
    csv_path: Path,
    layout_name: str,
    out_dir: Path,
    packet: bool,
    say: Callable[[str], None],
    warn: Callable[[str], None],
    extras: tuple = (),  # callables given each handout made (--fhir-out, --ics)
    language: str | None = None,
    debug: bool = False,
    jobs: int | None = None,
) -> ScheduleResult:
    from handouts.parallel import workers
    from handouts.pipeline import save_personal

    result = ScheduleResult()
    used_layouts: list[str] = []
    rows = read_schedule(csv_path, read_rows, lambda: project.layout(layout_name).layout.timezone)
    for item in render_rows(project, rows, layout_name, language, debug, workers(jobs)):
        if not isinstance(item, Rendered):
            result.failed.append(item)
            warn(item[1])
            continue
        path = out_dir / file_name(item.appointment)
        try:
            recorded = replace(item.appointment, language="+".join(item.languages))
            made = save_personal(project, path, item.pdf, list(item.procedures), project.layout(item.layout),
                                 recorded, item.source, "schedule")
            for extra in extras:
                extra(made)
        except HandoutsError as exc:
            result.failed.append((item.row, f"row {item.row}: {'; '.join(exc.lines)}"))
            warn(result.failed[-1][1])
            continue
        used_layouts.append(item.layout)
        result.layouts.add(item.layout)
        appointment = item.appointment
        result.done.append(Done(item.row, appointment.appointment_id, appointment.date, appointment.time,
                                appointment.codes, path, item.pages))
        say(f"row {item.row}: {project.display(path)}")
        del item, made  # only the file keeps the PDF
        if len(result.done) == 1:
            # What the first handout loaded (modules, fonts, kept parses) lives as long as the process:
            # set aside, the collections below look only at what later rows leave (~30 -> ~3 ms each).
            gc.collect()
            gc.freeze()
        elif len(result.done) % GC_EVERY == 0:
            # ReportLab leaves reference cycles; collected now and then, memory stays flat.
            gc.collect()
    result.skipped = list(getattr(rows, "skipped", []))
    if packet and result.done:
        from handouts.packet import save_packet

        ordered, name, first = _packet_order(result.done, layout_name, used_layouts)
        result.packet = out_dir / name
        result.packet_pages = save_packet(
            [(d, d.path, d.pages) for d in ordered], project.layout(first), result.packet, project.display(result.packet),
            tuple(number for number, _ in result.failed),
        )
    return result

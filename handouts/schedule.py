"""A day's schedule (CSV) -> one personal handout per appointment, and optionally one print packet.

A bad row is reported by its row number (the header is row 1, as a spreadsheet shows it) and the
other rows still complete. Nothing that identifies a patient appears in file names or messages.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Iterator

from handouts.appointment import Appointment, from_mapping
from handouts.errors import HandoutsError
from handouts.feeds import named, read_schedule, source_of
from handouts.output import write_atomic
from handouts.project import Project
from handouts.schema import CODE_PATTERN

REQUIRED_COLUMNS = ("appointment_id", "patient", "date", "time", "codes", "provider", "location")
OPTIONAL_COLUMNS = ("layout", "language", "timezone")


@dataclass(frozen=True)
class Done:
    row: int
    appointment: Appointment
    path: Path
    pages: int


@dataclass
class ScheduleResult:
    done: list[Done] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    packet: Path | None = None
    packet_pages: int = 0
    skipped: list[str] = field(default_factory=list)  # feed appointments cancelled, no-show or in error


def read_rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise HandoutsError(f"{path}: file not found") from None
    return rows_from_bytes(data, str(path))


def rows_from_bytes(data: bytes, shown: str, max_rows: int | None = None) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file's bytes (a file on disk, or an upload: untrusted either way)."""
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
        columns = [c.strip() for c in reader.fieldnames or []]
        missing = [c for c in REQUIRED_COLUMNS if c not in columns]
        if missing:
            raise HandoutsError(
                f"{shown}: the header row lacks the column(s) {', '.join(missing)}; "
                f"the columns are {', '.join(REQUIRED_COLUMNS)} (and optionally {', '.join(OPTIONAL_COLUMNS)})"
            )
        unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
        if unknown:
            raise HandoutsError(f"{shown}: unknown column(s) {', '.join(unknown)}; remove or rename them")
        reader.fieldnames = columns
        rows = []
        for number, row in enumerate(reader, start=2):
            if not any((value or "").strip() for key, value in row.items() if key is not None):
                continue  # a blank line
            if max_rows is not None and len(rows) >= max_rows:
                raise HandoutsError(f"{shown}: more than {max_rows} appointments; split the file")
            rows.append((number, row))
        return rows
    except UnicodeDecodeError:
        raise HandoutsError(f"{shown}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise HandoutsError(f"{shown}: not a readable CSV file ({exc})") from None


def parse_row(number: int, row: dict) -> Appointment:
    where = f"row {number}"
    if getattr(row, "error", None):  # a FHIR resource or HL7 message that could not be read
        raise HandoutsError(row.error)
    if None in row:
        raise HandoutsError(f"{where}: more values than columns; check for an unquoted comma")
    empty = [key for key in ("appointment_id", "date", "time", "codes") if not (row.get(key) or "").strip()]
    if empty or any(row.get(key) is None for key in REQUIRED_COLUMNS):
        missing = empty or [key for key in REQUIRED_COLUMNS if row.get(key) is None]
        raise HandoutsError(f"{where}: no value for {', '.join(missing)}; fill it in")
    appointment = from_mapping({key: value for key, value in row.items() if value not in (None, "")}, where)
    if not all(CODE_PATTERN.match(code) for code in appointment.codes):
        # Not echoed: a value in the wrong column may be a patient's name.
        raise HandoutsError(f"{where}: codes: a value is not a CPT or HCPCS code (like 64634); check the column")
    return appointment


def scrubbed(message: str, row: dict) -> str:
    """An error message with the row's patient name (and each part of it) taken out."""
    name = (row.get("patient") or "").strip()
    for part in sorted({name, *name.split()}, key=len, reverse=True):
        if len(part) >= 2:
            message = re.sub(re.escape(part), "[patient]", message, flags=re.IGNORECASE)
    return message


@dataclass(frozen=True)
class Rendered:
    """One row's handout, in memory."""

    row: int
    appointment: Appointment
    layout: str
    pdf: bytes
    pages: int
    procedures: tuple = ()
    languages: tuple[str, ...] = ("en",)
    source: Any = None  # where a feed's row came from (patient and appointment references)


def render_rows(project: Project, rows, layout_name: str, language: str | None = None) -> Iterator[Rendered | tuple[int, str]]:
    """Each row's handout in memory, or (row, message) for a bad row; the other rows go on."""
    from handouts.pipeline import language_choice, render_in
    from handouts.render import page_count

    used_ids: dict[str, int] = {}
    for number, row in rows:
        try:
            appointment = parse_row(number, row)
            if appointment.appointment_id in used_ids:
                raise HandoutsError(
                    f"row {number}: appointment id {appointment.appointment_id!r} is already used on row "
                    f"{used_ids[appointment.appointment_id]}; ids must be unique (they name the files)"
                )
            name = appointment.layout or layout_name
            layout = project.layout(name)  # loaded once per project
            procedures = [project.procedure(code) for code in appointment.codes]
            # The row's language column, else --language, else the layout's own.
            languages = language_choice(appointment.language or language, None, layout)
            pdf = render_in(project, procedures, layout, languages, appointment)
        except HandoutsError as exc:
            message = scrubbed(named("; ".join(exc.lines), row), row)
            if not message.startswith(f"row {number}"):
                message = f"row {number}: {message}"
            yield number, message
            continue
        used_ids[appointment.appointment_id] = number
        yield Rendered(number, appointment, name, pdf, page_count(pdf), tuple(procedures), languages, source_of(row))


def file_name(appointment: Appointment) -> str:
    return f"{appointment.date.isoformat()}-{appointment.appointment_id}.pdf"


def build_packet(
    project: Project, done: list[Rendered], layout_name: str, failed: tuple[int, ...] = ()
) -> tuple[str, bytes, int]:
    """The day's print packet: (file name, pdf, pages), handouts in time order; the cover lists the
    rows (`failed`) that have no handout."""
    from handouts.packet import make_packet

    used_layouts = [d.layout for d in done]
    first_layout = project.layout(layout_name if layout_name in used_layouts else used_layouts[0])
    ordered = sorted(done, key=lambda d: (d.appointment.date, d.appointment.time, d.appointment.appointment_id))
    dates = {d.appointment.date for d in ordered}
    name = f"{ordered[0].appointment.date.isoformat()}-packet.pdf" if len(dates) == 1 else "packet.pdf"
    data, pages = make_packet([(d.appointment, d.pdf, d.pages) for d in ordered], first_layout, failed)
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
) -> ScheduleResult:
    from handouts.pipeline import save_personal

    result = ScheduleResult()
    rendered: list[Rendered] = []
    rows = read_schedule(csv_path, read_rows, lambda: project.layout(layout_name).layout.timezone)
    result.skipped = rows.skipped
    for item in render_rows(project, rows, layout_name, language):
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
        rendered.append(item)
        result.done.append(Done(item.row, item.appointment, path, item.pages))
        say(f"row {item.row}: {project.display(path)}")
    if packet and rendered:
        name, data, pages = build_packet(project, rendered, layout_name, tuple(number for number, _ in result.failed))
        result.packet = out_dir / name
        result.packet_pages = pages
        write_atomic(result.packet, data, private=True, shown=project.display(result.packet))
    return result

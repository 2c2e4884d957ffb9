"""A day's schedule (CSV) -> one personal handout per appointment, and optionally one print packet.

A bad row is reported by its row number (the header is row 1, as a spreadsheet shows it) and the
other rows still complete. Nothing that identifies a patient appears in file names or messages.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

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
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = [c.strip() for c in reader.fieldnames or []]
            missing = [c for c in REQUIRED_COLUMNS if c not in columns]
            if missing:
                raise HandoutsError(
                    f"{path}: the header row lacks the column(s) {', '.join(missing)}; "
                    f"the columns are {', '.join(REQUIRED_COLUMNS)} (and optionally {', '.join(OPTIONAL_COLUMNS)})"
                )
            unknown = [c for c in columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
            if unknown:
                raise HandoutsError(f"{path}: unknown column(s) {', '.join(unknown)}; remove or rename them")
            reader.fieldnames = columns
            rows = []
            for number, row in enumerate(reader, start=2):
                if not any((value or "").strip() for key, value in row.items() if key is not None):
                    continue  # a blank line
                rows.append((number, row))
            return rows
    except FileNotFoundError:
        raise HandoutsError(f"{path}: file not found") from None
    except UnicodeDecodeError:
        raise HandoutsError(f"{path}: not UTF-8 text; save the CSV as UTF-8") from None
    except csv.Error as exc:
        raise HandoutsError(f"{path}: not a readable CSV file ({exc})") from None


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
    from handouts.pipeline import language_choice, render_in, save_personal
    from handouts.render import page_count

    result = ScheduleResult()
    used_layouts: list[str] = []
    used_ids: dict[str, int] = {}
    pdfs: dict[int, bytes] = {}
    rows = read_schedule(csv_path, read_rows, lambda: project.layout(layout_name).layout.timezone)
    result.skipped = rows.skipped
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
            path = out_dir / f"{appointment.date.isoformat()}-{appointment.appointment_id}.pdf"
            made = save_personal(project, path, pdf, procedures, layout, appointment, source_of(row), "schedule")
            for extra in extras:
                extra(made)
        except HandoutsError as exc:
            message = scrubbed(named("; ".join(exc.lines), row), row)
            if not message.startswith(f"row {number}"):
                message = f"row {number}: {message}"
            result.failed.append((number, message))
            warn(message)
            continue
        used_ids[appointment.appointment_id] = number
        used_layouts.append(name)
        pdfs[number] = pdf
        result.done.append(Done(number, appointment, path, page_count(pdf)))
        say(f"row {number}: {project.display(path)}")
    if packet and result.done:
        from handouts.packet import make_packet

        first_layout = project.layout(layout_name if layout_name in used_layouts else used_layouts[0])
        ordered = sorted(result.done, key=lambda d: (d.appointment.date, d.appointment.time, d.appointment.appointment_id))
        dates = {d.appointment.date for d in ordered}
        name = f"{ordered[0].appointment.date.isoformat()}-packet.pdf" if len(dates) == 1 else "packet.pdf"
        failed = tuple(number for number, _ in result.failed)
        data, pages = make_packet([(d.appointment, pdfs[d.row], d.pages) for d in ordered], first_layout, failed)
        result.packet = out_dir / name
        result.packet_pages = pages
        write_atomic(result.packet, data, private=True, shown=project.display(result.packet))
    return result

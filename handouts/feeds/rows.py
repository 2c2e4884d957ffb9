"""What every schedule reader yields: rows with the CSV's keys, and where each came from.

A feed row is a plain mapping with the schedule CSV's columns (so `schedule.parse_row` and
`appointment.from_mapping` read it like any CSV row), carrying two attributes a dict cannot: the
source references the outputs need (the Patient and Appointment as the EHR names them), and the
one-line error of a resource or message that could not be read. Errors never hold a patient's name.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Iterable, Iterator

from handouts.errors import HandoutsError

# Bounded inputs: a day's feed is kilobytes; nothing a clinic sends is near this.
MAX_FEED_BYTES = 32 * 1024 * 1024
MAX_ROWS = 20_000

ROW_KEYS = ("appointment_id", "patient", "date", "time", "codes", "provider", "location", "language", "timezone")


def _offset(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@dataclass(frozen=True)
class Source:
    """Where an appointment came from, as the source names it (for the record and the outputs)."""

    format: str  # csv | fhir | hl7 | file | cli
    patient_ref: str | None = None  # "Patient/p1", or an HL7 PID-3 identifier "MRN100^^^RSH^MR"
    # (value, system URI, assigner): HL7's PID-3, or a contained FHIR Patient's identifier
    patient_identifier: tuple[str, str | None, str | None] | None = None
    appointment_ref: str | None = None  # "Appointment/apt-1", or "SCH-2 F1^EHR" for HL7
    minutes: int | None = None  # the appointment's length, when the source gives it


class FeedRow(dict):
    """A row mapping with the source's references and, for an unreadable item, its error."""

    source: Source
    label: str  # how messages name it: "Appointment/apt-1", "message MSG0001"
    error: str | None

    def __init__(self, values: dict[str, str], source: Source, label: str, error: str | None = None):
        super().__init__({key: values.get(key) or "" for key in ROW_KEYS})
        self.source = source
        self.label = label
        self.error = error


@dataclass
class Rows:
    """The rows of one schedule file, numbered, and the appointments skipped by status."""

    items: Iterable[tuple[int, dict]] = field(default_factory=list)  # a CSV reader's rows may stream
    skipped: list[str] = field(default_factory=list)  # "apt-1004 (cancelled)"

    def __iter__(self) -> Iterator[tuple[int, dict]]:
        return iter(self.items)

    def add(self, number: int, row: dict) -> None:
        if len(self.items) >= MAX_ROWS:
            raise HandoutsError(f"more than {MAX_ROWS} appointments in one file; split it by day")
        self.items.append((number, row))


def failed(number: int, source: Source, label: str, message: str) -> tuple[int, FeedRow]:
    return number, FeedRow({}, source, label, f"{label}: {message}")


def named(message: str, row) -> str:
    """A row's error message naming the resource or message it came from (CSV rows: unchanged)."""
    label = getattr(row, "label", None)
    return message if not label or label in message else f"{label}: {message}"


def read_bounded(path, what: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FEED_BYTES:
            raise HandoutsError(
                f"{path}: {size // (1024 * 1024)} MB is too large for a {what} (at most "
                f"{MAX_FEED_BYTES // (1024 * 1024)} MB); split it by day"
            )
        return path.read_bytes()
    except FileNotFoundError:
        raise HandoutsError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise HandoutsError(f"{path}: is a folder; give a schedule file") from None


def local_fields(start: dt.datetime, clinic_zone: str) -> dict[str, str]:
    """An aware start as the clinic's wall clock (the handout states times in the clinic's zone).

    An EHR may send UTC or another offset; the instant is what counts, so it is converted. A wall
    clock the fall-back hour repeats is refused: the handout could not say which of the two it is."""
    from handouts.appointment import zone

    tz = zone(clinic_zone, "the layout's timezone")
    local = start.astimezone(tz)
    offset = start.utcoffset()
    if offset and offset != local.utcoffset():
        # Not UTC and not the clinic's offset: most likely a layout left at the default zone (UTC).
        raise ValueError(
            f"the start is at offset {_offset(offset)}, but the layout's time zone {clinic_zone} is at "
            f"{_offset(local.utcoffset())} then, so the handout would state another clock time; set the "
            "layout's timezone: to the clinic's zone (e.g. America/New_York)"
        )
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        raise ValueError(
            f"the start {local:%H:%M} on {local:%Y-%m-%d} falls in the hour the clocks repeat in {clinic_zone}; "
            "the handout cannot state it unambiguously, so move it or print this handout by hand"
        )
    return {"date": local.date().isoformat(), "time": local.strftime("%H:%M"), "timezone": clinic_zone}


def language_tag(value: str | None) -> str | None:
    """A language as the handouts name them ('es', 'en'), from a BCP 47 tag ('es-MX'), an ISO 639-2
    code ('SPA', as HL7 table 0296 has it) or an English name ('Spanish'). None if not recognized."""
    if not value or not value.strip():
        return None
    text = value.strip()
    primary = re.split(r"[-_]", text)[0].lower()
    if re.fullmatch(r"[a-z]{2}", primary):
        return primary
    from babel import Locale
    from babel.core import get_global

    aliases = get_global("language_aliases")
    if re.fullmatch(r"[a-z]{3}", primary) and primary in aliases:
        return re.split(r"[-_]", aliases[primary])[0]
    names = {name.lower(): code for code, name in Locale("en").languages.items()}
    code = names.get(text.lower())
    return code.split("_")[0] if code and re.fullmatch(r"[a-z]{2}(_.*)?", code) else None

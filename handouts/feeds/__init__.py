"""Schedules from the EHR: the format of a schedule file, and a reader for each.

Every reader yields the rows the CSV reader yields (the schedule CSV's columns), so the schedule
program treats them alike; FHIR and HL7 rows also carry the source's Patient and Appointment
references for the outputs (DocumentReference, calendar, education record). The FHIR and HL7
libraries are imported only when such a file is read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from handouts.errors import HandoutsError
from handouts.feeds.rows import FeedRow, Rows, Source, named

__all__ = ["FeedRow", "Rows", "Source", "detect", "named", "read_schedule", "source_of"]


def detect(path: Path) -> str:
    """'fhir' (JSON), 'hl7' (MLLP-framed or plain segments) or 'csv', from the first bytes."""
    try:
        with path.open("rb") as handle:
            head = handle.read(512)
    except FileNotFoundError:
        raise HandoutsError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise HandoutsError(f"{path}: is a folder; give a schedule file") from None
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n")
    if head[:1] in (b"{", b"["):
        return "fhir"
    if head[:1] == b"\x0b" or head[:4] in (b"MSH|", b"FHS|", b"BHS|"):
        return "hl7"
    return "csv"


def read_schedule(path: Path, csv_reader: Callable[[Path], list], clinic_zone: Callable[[], str]) -> Rows:
    """The numbered rows of any schedule file. `clinic_zone` gives the time zone the handouts state
    times in (an EHR's instants are converted to it); it is asked only when a feed needs it."""
    kind = detect(path)
    if kind == "fhir":
        from handouts.feeds.fhir import read_bundle

        return read_bundle(path, clinic_zone)
    if kind == "hl7":
        from handouts.feeds.hl7 import read_messages

        return read_messages(path, clinic_zone)
    return Rows(csv_reader(path))  # as the CSV reader gives them (a list today; a stream would stay one)


def source_of(row) -> Source:
    return getattr(row, "source", None) or Source("csv")

"""HL7 v2 SIU scheduling messages -> schedule rows.

A file holds one or more messages, MLLP-framed (<VT> message <FS><CR>, as an interface engine
captures them) or as plain segments, one per line. The `hl7` package splits fields, repetitions and
components and undoes escapes; values are then checked strictly here (its own date parser accepts
'2026120X'). Read: SCH-1/SCH-2 appointment id, SCH-11.4 start (else TQ1-7, AIS-4), SCH-25 status,
PID-3 identifier, PID-5 name, PID-15 language, AIS-3 codes, AIP-3 provider, AIL-3 location.
A message that cannot be read fails alone, named by its control id (MSH-10).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Callable

from handouts.errors import HandoutsError
from handouts.feeds.rows import FeedRow, Rows, Source, failed, language_tag, local_fields, read_bounded

APPOINTMENT_EVENTS = {"S12", "S13", "S14"}  # new, rescheduled, modified
SKIPPED_EVENTS = {"S15": "cancelled", "S17": "deleted", "S26": "noshow"}
SKIPPED_STATUS = {"cancelled", "deleted", "noshow", "dc"}  # SCH-25, HL7 table 0278
CODE_SYSTEMS = {"", "C4", "CPT", "CPT4", "CPT-4", "HCPCS", "HCPC", "HCPT"}  # table 0396, and usage seen
_DTM = re.compile(r"^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2}(?:\.\d{1,4})?)?([+-]\d{4})?$")
MAX_MESSAGE_BYTES = 1024 * 1024


def read_messages(path: Path, clinic_zone: Callable[[], str]) -> Rows:
    text = _text(path)
    rows = Rows()
    messages = split_messages(text)
    if not messages:
        raise HandoutsError(f"{path}: no HL7 message (a message starts with an MSH segment)")
    for number, message in enumerate(messages, start=1):
        control_id = _control_id(message) or f"number {number}"
        where = f"message {control_id}"
        source = Source("hl7")
        try:
            skipped, row = _row(message, clinic_zone, where)
        except ValueError as exc:
            rows.add(*failed(number, source, where, str(exc)))
            continue
        if skipped:
            rows.skipped.append(f"{where} ({skipped})")
        else:
            rows.add(number, row)
    return rows


def _text(path: Path) -> str:
    try:
        return read_bounded(path, "HL7 file").decode("utf-8-sig")
    except UnicodeDecodeError:
        # v2 feeds are often Latin-1 (MSH-18 says which); names with accents must not fail the file.
        return path.read_bytes().decode("latin-1")


def split_messages(text: str) -> list[str]:
    """Messages as the `hl7` package parses them: segments ended by CR; MLLP frames and batch
    headers (FHS/BHS/BTS/FTS) removed. A segment before the first MSH starts a message of its own,
    so that it fails alone instead of being silently dropped."""
    text = text.replace("\x0b", "\n").replace("\x1c", "\n")
    messages: list[list[str]] = []
    for segment in re.split(r"\r\n|\r|\n", text):
        segment = segment.strip()
        if not segment or segment[:3] in ("FHS", "BHS", "BTS", "FTS"):
            continue
        if segment.startswith("MSH") or not messages:
            messages.append([])
        messages[-1].append(segment)
    return ["\r".join(segments) + "\r" for segments in messages]


def _control_id(message: str) -> str | None:
    """MSH-10, read by hand so that it names even a message the parser rejects."""
    if not message.startswith("MSH") or len(message) < 8:
        return None
    separator = message[3]
    fields = message.split("\r", 1)[0].split(separator)
    value = fields[9].strip() if len(fields) > 9 else ""
    return value if re.fullmatch(r"[A-Za-z0-9._-]{1,40}", value) else None


def _row(text: str, clinic_zone: Callable[[], str], where: str) -> tuple[str | None, FeedRow | None]:
    import hl7

    if not text.startswith("MSH"):
        raise ValueError("segments before the first MSH header belong to no message; remove them")
    if len(text) > MAX_MESSAGE_BYTES:
        raise ValueError("longer than 1 MB; not an appointment message")
    try:
        message = hl7.parse(text)
    except Exception as exc:  # the parser's exceptions vary by the damage; none holds a field's value here
        raise ValueError(f"not a readable HL7 message ({type(exc).__name__}); check the MSH segment") from None
    kind = _get(message, "MSH", 9, 1), _get(message, "MSH", 9, 2)
    if kind[0] != "SIU":
        raise ValueError(f"MSH-9 says {'^'.join(kind)!r}, not a scheduling message (SIU^S12)")
    if kind[1] in SKIPPED_EVENTS:
        return SKIPPED_EVENTS[kind[1]], None
    if kind[1] not in APPOINTMENT_EVENTS:
        raise ValueError(f"event {kind[1]!r} is not a new or changed appointment (S12, S13, S14)")
    status = _get(message, "SCH", 25, 1).lower()
    if status in SKIPPED_STATUS:
        return status, None
    return None, _fields(message, clinic_zone, where)


def _fields(message, clinic_zone: Callable[[], str], where: str) -> FeedRow:
    for segment in ("SCH", "PID"):
        if not _has(message, segment):
            raise ValueError(f"no {segment} segment; an SIU^S12 message needs one")
    appointment_id = _get(message, "SCH", 2, 1) or _get(message, "SCH", 1, 1)
    starts = [("SCH-11.4", _get(message, "SCH", 11, 4)), ("TQ1-7", _get(message, "TQ1", 7, 1)),
              ("AIS-4", _get(message, "AIS", 4, 1))]
    start_field, start_text = next(((f, v) for f, v in starts if v), ("", ""))
    codes = _codes(message)
    missing = [what for what, absent in (
        ("no appointment id (SCH-2 or SCH-1)", not appointment_id),
        ("no start time (SCH-11.4, TQ1-7 or AIS-4)", not start_text),
        ("no CPT or HCPCS code (AIS-3, coding system C4 or HCPCS)", not codes),
    ) if absent]
    if missing:
        raise ValueError(" and ".join(missing) + "; add it in the EHR and send again")
    start = _datetime(start_text, start_field)
    if start.tzinfo is not None:
        when = local_fields(start, clinic_zone())
    else:  # no offset: the sender's wall clock, which is the clinic's
        when = {"date": start.date().isoformat(), "time": start.strftime("%H:%M")}
    values = {
        "appointment_id": appointment_id,
        "codes": " ".join(codes),
        "patient": _person(message, "PID", 5, 1),
        "language": _language(message),
        "provider": _provider(message),
        "location": _location(message),
        **when,
    }
    identifier = _get(message, "PID", 3, 1)
    authority = _get(message, "PID", 3, 4) or None
    raw_cx = str(_field(message, "PID", 3)).split(message.separators[2])[0] if identifier else None
    duration = _get(message, "SCH", 9, 1)
    source = Source(
        "hl7",
        patient_ref=raw_cx,
        patient_identifier=(identifier, None, authority) if identifier else None,
        appointment_ref=f"SCH-2 {appointment_id}",
        minutes=int(duration) if duration.isdigit() and _get(message, "SCH", 10, 1).lower() in ("", "min") else None,
    )
    return FeedRow(values, source, where)


def _has(message, segment: str) -> bool:
    return any(str(s[0]) == segment for s in message)


def _field(message, segment: str, number: int):
    found = [s for s in message if str(s[0]) == segment]
    if not found or len(found[0]) <= number:
        return ""
    return found[0][number]


def _get(message, segment: str, field: int, component: int, repetition: int = 1, which: int = 0) -> str:
    """One component, unescaped, of the first repetition; '' when absent."""
    found = [s for s in message if str(s[0]) == segment]
    if len(found) <= which or len(found[which]) <= field:
        return ""
    try:
        value = message.extract_field(segment, which + 1, field, repetition, component)
    except (IndexError, KeyError):
        return ""
    return message.unescape(str(value)).strip() if value else ""


def _datetime(text: str, field: str) -> dt.datetime:
    match = _DTM.match(text)
    if not match:
        raise ValueError(f"{field}: not a date and time as HL7 writes it (YYYYMMDDHHMM[SS][+ZZZZ])")
    year, month, day, hour, minute, seconds, offset = match.groups()
    try:
        tz = None
        if offset:
            sign = -1 if offset[0] == "-" else 1
            tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])))
        return dt.datetime(int(year), int(month), int(day), int(hour), int(minute), int(float(seconds or 0)), tzinfo=tz)
    except ValueError:
        raise ValueError(f"{field}: not a real date and time") from None


def _codes(message) -> list[str]:
    codes: list[str] = []
    for which, segment in enumerate(s for s in message if str(s[0]) == "AIS"):
        repetitions = str(segment[3]).split(message.separators[2]) if len(segment) > 3 else []
        for repetition in range(1, len(repetitions) + 1):
            code = _get(message, "AIS", 3, 1, repetition, which)
            system = _get(message, "AIS", 3, 3, repetition, which).upper()
            if code and system in CODE_SYSTEMS and code not in codes:
                codes.append(code)
    return codes


def _person(message, segment: str, field: int, first: int) -> str:
    """An XPN (family^given^middle) or XCN (id^family^given) as 'Given Middle Family'."""
    family, given, middle = (_get(message, segment, field, first + i) for i in range(3))
    return " ".join(part for part in (given, middle, family) if part)


def _provider(message) -> str:
    if not _has(message, "AIP"):
        return ""
    prefix, family = _get(message, "AIP", 3, 6), _get(message, "AIP", 3, 2)
    if prefix and family:
        return f"{prefix} {family}"  # "Dr. Chen", as a schedule writes it
    return _person(message, "AIP", 3, 2)


def _location(message) -> str:
    if not _has(message, "AIL"):
        return ""
    description = _get(message, "AIL", 3, 9)
    if description:
        return description
    return " ".join(p for p in (_get(message, "AIL", 3, 1), _get(message, "AIL", 3, 2)) if p)


def _language(message) -> str:
    values = [_get(message, "PID", 15, 1), _get(message, "PID", 15, 2)]
    if not any(values):
        return ""
    tag = next((t for t in map(language_tag, values) if t), None)
    if tag is None:
        raise ValueError("PID-15: not a language code (like es, SPA or Spanish)")
    return tag

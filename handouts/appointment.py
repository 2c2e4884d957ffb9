"""A patient's appointment and the times computed from it.

Times are computed in real elapsed hours: "8 hours before" a 7:00 AM appointment on a spring-forward
day starts at 10:00 PM the evening before, because the clock skips an hour overnight. Patient details
are protected health information: no error message here ever repeats them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from handouts import limits
from handouts.errors import HandoutsError

if TYPE_CHECKING:  # zoneinfo is loaded when a time zone is needed, not for every handout
    from zoneinfo import ZoneInfo

UTC = dt.timezone.utc
_TIME = re.compile(r"^\s*(?P<h>\d{1,2})(?::(?P<m>\d{2}))?\s*(?P<ampm>[AaPp]\.?\s*[Mm]\.?)?\s*$")
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Appointment:
    date: dt.date
    time: dt.time
    patient: str | None = None
    provider: str | None = None
    location: str | None = None
    codes: tuple[str, ...] = ()
    appointment_id: str | None = None
    timezone: str | None = None  # None: the layout's time zone
    language: str | None = None  # "es", or "es+en" for a bilingual copy; None: the layout's language
    layout: str | None = None


@dataclass(frozen=True)
class Timeline:
    """The moments a patient acts on, as aware datetimes in the clinic's time zone."""

    start: dt.datetime
    arrival: dt.datetime
    fasting_start: dt.datetime | None
    clear_liquids_stop: dt.datetime | None


def parse_date(value: Any, where: str) -> dt.date:
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    else:
        text = str(value).strip()
        try:
            date = dt.date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else _bad_date(text, where)
        except ValueError:
            date = _bad_date(text, where)
    if not limits.MIN_YEAR <= date.year <= limits.MAX_YEAR:
        # Also keeps the time arithmetic (hours before, time zones) away from datetime's ends.
        raise HandoutsError(f"{where}: the year must be from {limits.MIN_YEAR} to {limits.MAX_YEAR}; check the date")
    return date


def _bad_date(text: str, where: str) -> dt.date:
    raise HandoutsError(f"{where}: {text!r} is not a real date; write it as YYYY-MM-DD, e.g. 2026-12-03")


def parse_time(value: Any, where: str) -> dt.time:
    """07:45, 7:45, 19:05, 7:45 PM, 7 am. YAML may hand over minutes since midnight for 07:45."""
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return dt.time(value // 60, value % 60)  # YAML 1.1 reads an unquoted 07:45 as sexagesimal 465
    text = str(value).strip()
    match = _TIME.match(text)
    if match:
        hour, minute = int(match.group("h")), int(match.group("m") or 0)
        ampm = (match.group("ampm") or "").lower()[:1]
        if ampm and 1 <= hour <= 12:
            hour = hour % 12 + (12 if ampm == "p" else 0)
        elif ampm:
            hour = 99
        if (match.group("m") or ampm) and hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise HandoutsError(f"{where}: {text!r} is not a real time; write it as HH:MM, e.g. 07:45 or 7:45 PM")


def zone(name: str, where: str) -> ZoneInfo:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise HandoutsError(
            f"{where}: {name!r} is not a known time zone; use an IANA name such as America/New_York"
        ) from None


def local_start(date: dt.date, time: dt.time, tz: ZoneInfo, where: str) -> dt.datetime:
    """The appointment as an aware datetime; a clock time that does not exist that day is an error."""
    naive = dt.datetime.combine(date, time)
    start = naive.replace(tzinfo=tz, fold=0)
    if start.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != naive:
        raise HandoutsError(
            f"{where}: {time:%H:%M} does not exist on {date.isoformat()} in {tz.key} "
            "(the clocks spring forward then); choose another time"
        )
    return start


def before(moment: dt.datetime, hours: float = 0, minutes: float = 0) -> dt.datetime:
    """`moment` minus real elapsed time, expressed in the same time zone."""
    elapsed = dt.timedelta(hours=hours, minutes=minutes)
    return (moment.astimezone(UTC) - elapsed).astimezone(moment.tzinfo)


def timeline(start: dt.datetime, rules) -> Timeline:
    return Timeline(
        start=start,
        arrival=before(start, minutes=rules.arrive_early_minutes or 0),
        fasting_start=before(start, hours=rules.fasting_hours) if rules.fasting_hours is not None else None,
        clear_liquids_stop=(
            before(start, hours=rules.clear_liquids_hours) if rules.clear_liquids_hours is not None else None
        ),
    )


def split_codes(value: Any) -> tuple[str, ...]:
    """Codes separated by spaces, commas or semicolons."""
    if isinstance(value, (list, tuple)):
        return tuple(str(code).strip() for code in value if str(code).strip())
    return tuple(code for code in re.split(r"[\s,;]+", str(value or "")) if code)


def safe_id(value: str | None, where: str) -> str | None:
    if value is None or value == "":
        return None
    if not _SAFE_ID.match(value):
        raise HandoutsError(
            f"{where}: the appointment id may use only letters, digits, '-', '_' and '.' (it names the file)"
        )
    return value


def from_mapping(data: dict[str, Any], where: str) -> Appointment:
    """An appointment from a file or a schedule row; `where` names it ("appt.yaml", "row 12")."""
    known = {
        "appointment_id", "patient", "date", "time", "timezone", "provider", "location", "codes",
        "language", "layout",
    }
    unknown = sorted(set(data) - known)
    if unknown:
        raise HandoutsError(f"{where}: unknown field {unknown[0]!r}; the fields are: {', '.join(sorted(known))}")
    for required in ("date", "time"):
        if data.get(required) in (None, ""):
            raise HandoutsError(f"{where}: {required} is missing; add it")

    def text(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if isinstance(value, (dict, list)):
            kind = "a mapping" if isinstance(value, dict) else "a list"
            raise HandoutsError(f"{where}: {key}: give it as text, not {kind}")
        value = str(value).strip()
        if len(value) > limits.MAX_SHORT_TEXT:
            raise HandoutsError(limits.too_big(f"{where}: {key}", "the text's length in characters", len(value),
                                               limits.MAX_SHORT_TEXT, "shorten it"))
        return value or None

    _check_codes(data.get("codes"), where, text)
    language = text("language")  # None: the layout's own language

    if text("timezone"):
        zone(text("timezone"), f"{where}: timezone")
    if language:
        from handouts.languages import parse_choice

        parse_choice(language, f"{where}: language")  # a bad code (zz, de-DE, ../en) is this appointment's error

    return Appointment(
        date=parse_date(data["date"], f"{where}: date"),
        time=parse_time(data["time"], f"{where}: time"),
        patient=text("patient"),
        provider=text("provider"),
        location=text("location"),
        codes=split_codes(data.get("codes")),
        appointment_id=safe_id(text("appointment_id"), f"{where}: appointment_id"),
        timezone=text("timezone"),
        language=language,
        layout=text("layout"),
    )


def _check_codes(codes: Any, where: str, text) -> None:
    if isinstance(codes, dict) or (isinstance(codes, list) and len(codes) > limits.MAX_LIST):
        raise HandoutsError(f"{where}: codes: give up to {limits.MAX_LIST} codes, as a list or separated by spaces")
    if isinstance(codes, list) and any(isinstance(code, (dict, list)) for code in codes):
        raise HandoutsError(f"{where}: codes: give each code as text, e.g. '64634'")
    if not isinstance(codes, list):
        text("codes")  # codes in one string: bounded like any text


def read_appointment_data(path: Path) -> dict[str, Any]:
    """An appointment file's fields, YAML or JSON (JSON is YAML, so one safe loader reads both)."""
    from handouts.yamlio import read_yaml

    data = read_yaml(path)
    if not isinstance(data, dict):
        raise HandoutsError(f"{path}: expected appointment fields (date:, time:, codes: ...)")
    return data

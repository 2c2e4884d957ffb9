"""--ics: a patient's preparation times as a calendar, with a reminder at each.

One .ics file per patient (all of the patient's appointments in the schedule), named after the
first appointment like its PDF, never after the patient. Events: stop eating, stop clear liquids
(when the procedures ask for them) and the appointment itself; each has an alarm at the moment
the handout states (for the appointment: when to leave so as to arrive on time). The times are the
handout's own (appointment.timeline, in real elapsed hours), so the two can never disagree.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from handouts.output import write_atomic

UTC = dt.timezone.utc
DEFAULT_LEAVE_MINUTES = 60  # travel time assumed when the clinic does not say
LEAVE_TEXT = "Time to leave: arrive by {arrival}"  # English only, like today's wording


def moments(made):
    """(the rules in force, the appointment's Timeline), as the handout computed them."""
    from handouts.appointment import local_start, timeline, zone
    from handouts.merge import combine, with_overrides

    rules = with_overrides(combine(list(made.procedures)).rules, made.layout.layout.rules)
    appointment = made.appointment
    tz = zone(appointment.timezone or made.layout.layout.timezone, "timezone")
    start = local_start(appointment.date, appointment.time, tz, "the appointment time")
    return rules, timeline(start, rules)


def events(made, leave_minutes: int = DEFAULT_LEAVE_MINUTES) -> list:
    from icalendar import Alarm, Event

    from handouts.compose import Words, appointment_values

    rules, times = moments(made)
    words = Words(made.layout, {"clinic": made.layout.layout.clinic.model_dump()})
    values = appointment_values(made.appointment, made.layout, rules, words)
    appointment = made.appointment
    uid = f"{appointment.date.isoformat()}-{appointment.appointment_id or appointment.time.strftime('%H%M')}"
    stamp = dt.datetime.fromisoformat(made.made_at.replace("Z", "+00:00"))
    out = []

    def event(kind: str, summary: str, start: dt.datetime, end: dt.datetime, alarm_at: dt.datetime, note: str,
              reminder: str | None = None):
        item = Event()
        item.add("uid", f"{uid}-{kind}@handouts")
        item.add("dtstamp", stamp)
        item.add("summary", summary)
        item.add("dtstart", start)
        item.add("dtend", end)
        item.add("description", note)
        if appointment.location:
            item.add("location", appointment.location)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", reminder or note)
        alarm.add("trigger", alarm_at.astimezone(UTC))  # an absolute trigger, as RFC 5545 wants it: UTC
        item.add_component(alarm)
        out.append(item)

    quarter = dt.timedelta(minutes=15)
    if times.fasting_start is not None:
        label = words("appointment_stop_eating")
        event("stop-eating", label, times.fasting_start, times.fasting_start + quarter, times.fasting_start,
              f"{label}: {values['fasting_start']}")
    if times.clear_liquids_stop is not None:
        label = words("appointment_stop_liquids")
        event("stop-liquids", label, times.clear_liquids_stop, times.clear_liquids_stop + quarter,
              times.clear_liquids_stop, f"{label}: {values['clear_liquids_stop']}")
    length = dt.timedelta(minutes=made.source.minutes or 60)
    leave = times.arrival - dt.timedelta(minutes=leave_minutes)
    details = [f"{words('appointment_arrive')}: {values['arrival']}"]
    if appointment.provider:
        details.append(f"{words('appointment_provider')}: {appointment.provider}")
    clinic = made.layout.layout.clinic
    details.append(" ".join(part for part in (clinic.name, clinic.phone) if part))
    event("appointment", words("appointment_title"), times.start, times.start + length, leave,
          "\n".join(details), LEAVE_TEXT.format(arrival=values["arrival"]))
    return out


class CalendarWriter:
    """Collects each patient's events and rewrites that patient's file as each handout is made, so a
    schedule stopped half-way leaves complete calendars for the handouts it made."""

    what = "calendars"

    def __init__(self, project, folder: Path, leave_minutes: int = DEFAULT_LEAVE_MINUTES):
        self.project = project
        self.folder = folder
        self.leave_minutes = leave_minutes
        self.patients: dict[tuple, tuple[Path, list]] = {}

    def __call__(self, made) -> None:
        from icalendar import Calendar

        appointment = made.appointment
        key = ("patient", made.source.patient_ref) if made.source.patient_ref else ("appointment", appointment.appointment_id)
        name = f"{appointment.date.isoformat()}-{appointment.appointment_id or appointment.time.strftime('%H%M')}.ics"
        path, items = self.patients.setdefault(key, (self.folder / name, []))
        items.extend(events(made, self.leave_minutes))
        calendar = Calendar()
        calendar.add("prodid", "-//handouts//preparation reminders//EN")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        for item in items:
            calendar.add_component(item)
        years = sorted(item.decoded("dtstart").year for item in items)
        # Only the years the events need: the whole 1970-2038 history of a zone is 3 KB per file.
        calendar.add_missing_timezones(dt.date(years[0], 1, 1), dt.date(years[-1] + 1, 1, 1))
        write_atomic(path, calendar.to_ical(), private=True, shown=self.project.display(path))

    @property
    def written(self) -> list[Path]:
        return [path for path, _ in self.patients.values()]

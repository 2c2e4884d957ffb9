"""The pipeline every command shares: load -> compose -> render -> write."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from handouts.appointment import Appointment
from handouts.errors import HandoutsError
from handouts.output import slug, write_atomic
from handouts.project import LoadedLayout, Project


def render_pdf(
    procedures, layout: LoadedLayout, appointment: Appointment | None = None, large_print: bool = False
) -> bytes:
    return render_handout(procedures, layout, appointment, large_print)[1]


def render_handout(
    procedures, layout: LoadedLayout, appointment: Appointment | None = None, large_print: bool = False
):
    """(document model, PDF bytes): for programs that show what the handout says as well (serve)."""
    from handouts.compose import compose
    from handouts.render import render

    handout = compose(procedures, layout, appointment, large_print)
    return handout, render(handout)


def default_output(project: Project, procedures: list, layout_name: str, appointment: Appointment | None) -> Path:
    codes = "-".join(sorted(p.code for p in procedures))
    if appointment is None:
        if len(procedures) == 1:
            return project.output_dir / f"{codes}-{slug(procedures[0].title)}-{layout_name}.pdf"
        return project.output_dir / f"{codes}-{layout_name}.pdf"
    # Named from the date and appointment id (or time), never from anything that identifies the patient.
    when = appointment.appointment_id or appointment.time.strftime("%H%M")
    return project.output_dir / "appointments" / f"{appointment.date.isoformat()}-{when}-{codes}-{layout_name}.pdf"


def render_to_file(
    project: Project,
    queries: list[str],
    layout_name: str,
    output: Path | None = None,
    appointment: Appointment | None = None,
    large_print: bool = False,
) -> Path:
    if not queries:
        raise HandoutsError("no procedure given; name one or more codes (or give codes: in the appointment file)")
    procedures = [project.procedure(query) for query in queries]
    layout = project.layout(layout_name)
    pdf = render_pdf(procedures, layout, appointment, large_print)  # in memory first: a failure leaves no file
    path = output or default_output(project, procedures, layout_name, appointment)
    write_atomic(path, pdf, private=appointment is not None, shown=project.display(path))
    return path


def is_past(appointment: Appointment, layout: LoadedLayout, today: dt.date | None = None) -> bool:
    from handouts.appointment import zone

    tz = zone(appointment.timezone or layout.layout.timezone, "timezone")
    return appointment.date < (today or dt.datetime.now(tz).date())

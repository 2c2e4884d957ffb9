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
    from handouts.compose import compose
    from handouts.render import render

    return render(compose(procedures, layout, appointment, large_print))


def default_output(project: Project, procedures: list, layout_name: str, appointment: Appointment | None) -> Path:
    codes = "-".join(sorted(p.code for p in procedures))
    if appointment is None:
        if len(procedures) == 1:
            return project.output_dir / f"{codes}-{slug(procedures[0].title)}-{layout_name}.pdf"
        return project.output_dir / f"{codes}-{layout_name}.pdf"
    # Named from the date and appointment id (or time), never from anything that identifies the patient.
    when = appointment.appointment_id or appointment.time.strftime("%H%M")
    return project.output_dir / "appointments" / f"{appointment.date.isoformat()}-{when}-{codes}-{layout_name}.pdf"


def render_handout(
    project: Project,
    queries: list[str],
    layout_name: str,
    appointment: Appointment | None = None,
    large_print: bool = False,
) -> tuple[bytes, list]:
    """The PDF (in memory: a failure leaves no file) and the procedures it covers."""
    if not queries:
        raise HandoutsError("no procedure given; name one or more codes (or give codes: in the appointment file)")
    procedures = [project.procedure(query) for query in queries]
    layout = project.layout(layout_name)
    return render_pdf(procedures, layout, appointment, large_print), procedures


def check_output_file(project: Project, path: Path) -> None:
    """An output file may replace an ordinary file, never a folder, a device or the project's content."""
    project.check_output(path)
    if path.exists() and not path.is_file():
        raise HandoutsError(f"-o {path}: exists and is not a regular file (a folder or a device); give a file path")


def render_to_file(
    project: Project,
    queries: list[str],
    layout_name: str,
    output: Path | None = None,
    appointment: Appointment | None = None,
    large_print: bool = False,
) -> Path:
    if output is not None:
        check_output_file(project, output)
    pdf, procedures = render_handout(project, queries, layout_name, appointment, large_print)
    path = output or default_output(project, procedures, layout_name, appointment)
    write_atomic(path, pdf, private=appointment is not None, shown=project.display(path))
    return path


def is_past(appointment: Appointment, layout: LoadedLayout, today: dt.date | None = None) -> bool:
    from handouts.appointment import zone

    tz = zone(appointment.timezone or layout.layout.timezone, "timezone")
    return appointment.date < (today or dt.datetime.now(tz).date())

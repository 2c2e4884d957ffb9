"""The pipeline every command shares: load -> compose -> render -> write."""

from __future__ import annotations

from pathlib import Path

from handouts.output import slug, write_atomic
from handouts.project import LoadedLayout, Project


def render_pdf(procedure, layout: LoadedLayout) -> bytes:
    from handouts.compose import compose
    from handouts.render import render

    return render(compose(procedure, layout))


def default_output(project: Project, procedure, layout_name: str) -> Path:
    return project.output_dir / f"{procedure.code}-{slug(procedure.title)}-{layout_name}.pdf"


def render_to_file(project: Project, query: str, layout_name: str, output: Path | None = None) -> Path:
    procedure = project.procedure(query)
    layout = project.layout(layout_name)
    pdf = render_pdf(procedure, layout)  # fully in memory first: a failure leaves no file behind
    path = output or default_output(project, procedure, layout_name)
    write_atomic(path, pdf, shown=project.display(path))
    return path

"""The `handouts` command line. Thin: parse arguments, call the pipeline, turn known errors into one
line each and exit code 2 (no traceback unless --debug)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Optional

import typer

from handouts import __version__
from handouts.errors import HandoutsError

# Locals may hold patient data: never print them in a traceback.
app = typer.Typer(
    help="Print patient preparation-and-recovery handouts for clinic procedures.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
_state = {"debug": False, "project": None}


def _fail(lines: list[str], code: int) -> None:
    for line in lines:
        typer.echo(f"Error: {line}", err=True)
    raise typer.Exit(code)


def friendly(command):
    """Known problems become one line each and exit 2; --debug shows the traceback instead."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except HandoutsError as exc:
            if _state["debug"]:
                raise
            _fail(exc.lines, exc.exit_code)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug: say so without echoing data that may identify a patient
            if _state["debug"]:
                raise
            _fail([f"internal error ({type(exc).__name__}); run again with --debug and report it"], 1)

    return run


def project():
    from handouts.project import Project

    return Project.locate(_state["project"])


def _version(value: bool) -> None:
    if value:
        typer.echo(f"handouts {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    project_dir: Optional[Path] = typer.Option(
        None, "--project", envvar="HANDOUTS_PROJECT", help="The handouts project folder (procedures/, layouts/).",
        show_default="current folder",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version."),
) -> None:
    _state["project"] = project_dir
    _state["debug"] = debug


@app.command("list")
@friendly
def list_procedures() -> None:
    """List the procedures: code, title and review status."""
    proj = project()
    files = proj.procedure_files()
    if not files:
        typer.echo(f"no procedures in {proj.display(proj.procedures_dir)}/ yet; add some with 'handouts import'")
        return
    for code, path in files.items():
        procedure = proj.load_procedure_file(path)
        review = procedure.review
        status = review.status + (f" {review.date.isoformat()}" if review.date else "")
        add_on = "  (add-on)" if procedure.add_on else ""
        typer.echo(f"{code:<6} {status:<17} {procedure.title}{add_on}")


@app.command()
@friendly
def show(code: str = typer.Argument(..., help="Procedure code (e.g. 64634) or part of its title.")) -> None:
    """Show a procedure's content as readable text."""
    from handouts.textview import procedure_text

    typer.echo(procedure_text(project().procedure(code)))


@app.command()
@friendly
def render(
    code: str = typer.Argument(..., help="Procedure code (e.g. 64634) or part of its title."),
    layout: str = typer.Option("default", "--layout", "-l", help="Layout name (see 'handouts layouts')."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="PDF path.", show_default="output/<code>-<title>-<layout>.pdf"
    ),
) -> None:
    """Render a handout PDF and print its path."""
    from handouts.pipeline import render_to_file

    proj = project()
    typer.echo(proj.display(render_to_file(proj, code, layout, output)))


@app.command("import")
@friendly
def import_page(
    page: Path = typer.Argument(..., help="A text copy of a procedure page."),
    code: str = typer.Option(..., "--code", help="The procedure's CPT or HCPCS code, e.g. 01992."),
    output: Optional[str] = typer.Option(
        None, "--output", "-o", help="Where to write the YAML ('-' for standard output).",
        show_default="procedures/<code>.yaml",
    ),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing procedure (it may hold curated edits)."),
) -> None:
    """Import a procedure page's text into a procedure YAML file (review status: draft)."""
    from handouts.importer import import_page as parse_page
    from handouts.output import write_atomic
    from handouts.schema import CODE_PATTERN, Procedure, validate
    from handouts.yamlio import dump_yaml, read_text

    if not CODE_PATTERN.match(code):
        raise HandoutsError(f"--code: {code!r} is not a CPT or HCPCS code (like 64634 or J1030)")
    result = parse_page(read_text(page), code, str(page))
    procedure = validate(Procedure, result.data, page)
    text = dump_yaml(procedure.to_data())
    for warning in result.warnings:
        typer.echo(f"Warning: {page}: {warning}", err=True)
    if output == "-":
        sys.stdout.write(text)
        return
    if output is None:
        proj = project()
        target = proj.procedures_dir / f"{code}.yaml"
        shown = proj.display(target)
    else:
        target = Path(output)
        shown = output
    if target.exists() and not force:
        raise HandoutsError(f"{shown} already exists and may hold curated edits; pass --force to replace it")
    write_atomic(target, text.encode("utf-8"), shown=shown)
    typer.echo(shown)


@app.command()
@friendly
def layouts() -> None:
    """List the layouts, one line each."""
    proj = project()
    names = proj.layout_names()
    if not names:
        typer.echo(f"no layouts in {proj.display(proj.layouts_dir)}/")
    for name in names:
        spec = proj.layout(name).layout
        typer.echo(f"{name:<18} {spec.page.size:<6} {spec.description or spec.clinic.name}")


def main() -> None:
    app()

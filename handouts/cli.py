"""The `handouts` command line. Thin: parse arguments, call the pipeline, turn known errors into one
line each and exit code 2 (no traceback unless --debug)."""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Optional

import typer

from handouts import __version__
from handouts.console import printable
from handouts.errors import HandoutsError

# Locals may hold patient data: never print them in a traceback.
app = typer.Typer(
    help="Print patient preparation-and-recovery handouts for clinic procedures.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
_state = {"debug": False, "project": None}


def echo(text: str = "", err: bool = False) -> None:
    """Every line the tool prints goes through here: no control characters reach the terminal."""
    typer.echo(printable(str(text)), err=err)


def _fail(lines: list[str], code: int) -> None:
    for line in lines:
        echo(f"Error: {line}", err=True)
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
        except (typer.Exit, typer.Abort, KeyboardInterrupt, BrokenPipeError):
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
        echo(f"handouts {__version__}")
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
        echo(f"no procedures in {proj.display(proj.procedures_dir)}/ yet; add some with 'handouts import'")
        return
    for code, path in files.items():
        procedure = proj.load_procedure_file(path)
        review = procedure.review
        status = review.status + (f" {review.date.isoformat()}" if review.date else "")
        add_on = "  (add-on)" if procedure.add_on else ""
        echo(f"{code:<6} {status:<17} {procedure.title}{add_on}")


@app.command()
@friendly
def show(
    code: str = typer.Argument(..., help="Procedure code (e.g. 64634) or part of its title."),
    layout: Optional[str] = typer.Option(None, "--layout", "-l", help="Show the rules as this clinic's layout sets them."),
) -> None:
    """Show a procedure's content as readable text (with -l, the clinic's rules in force)."""
    from handouts.textview import procedure_text

    proj = project()
    overrides = proj.layout(layout).layout.rules if layout else None
    echo(procedure_text(proj.procedure(code), overrides, layout))


@app.command()
@friendly
def render(
    codes: Optional[list[str]] = typer.Argument(
        None, help="Procedure codes (e.g. 01992 77003) or a part of a title; several make one combined handout."
    ),
    layout: str = typer.Option("default", "--layout", "-l", help="Layout name (see 'handouts layouts')."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="PDF path ('-' for standard output).",
        show_default="output/<code>-<title>-<layout>.pdf",
    ),
    appointment_file: Optional[Path] = typer.Option(
        None, "--appointment", help="An appointment file (YAML or JSON) with date, time, patient, codes..."
    ),
    patient: Optional[str] = typer.Option(None, "--patient", help="Patient's name as shown on the handout."),
    date: Optional[str] = typer.Option(None, "--date", help="Appointment date, YYYY-MM-DD."),
    time: Optional[str] = typer.Option(None, "--time", help="Appointment time, HH:MM (24 h) or 7:45 AM."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Who does the procedure."),
    location: Optional[str] = typer.Option(None, "--location", help="Where to go, e.g. Suite 200."),
    appointment_id: Optional[str] = typer.Option(None, "--appointment-id", help="The appointment's id (names the file)."),
    large_print: bool = typer.Option(False, "--large-print", help="18 pt text, 1-inch margins, re-flowed."),
) -> None:
    """Render a handout PDF and print its path; with an appointment, a personal handout."""
    from handouts.pipeline import render_to_file

    proj = project()
    given = {
        "patient": patient, "date": date, "time": time, "provider": provider, "location": location,
        "appointment_id": appointment_id,
    }
    appointment = None
    if appointment_file is not None or any(value is not None for value in given.values()):
        appointment = _appointment(appointment_file, given, codes or [])
        codes = list(codes or appointment.codes)
    if output is not None and str(output) == "-":
        from handouts.pipeline import render_handout

        pdf, _ = render_handout(proj, list(codes or []), layout, appointment, large_print)
        sys.stdout.flush()
        sys.stdout.buffer.write(pdf)
        sys.stdout.buffer.flush()
    else:
        path = render_to_file(proj, list(codes or []), layout, output, appointment, large_print)
        echo(proj.display(path))
    from handouts.pipeline import is_past

    if appointment is not None and is_past(appointment, proj.layout(layout)):
        echo(
            f"Warning: the appointment date {appointment.date.isoformat()} is in the past; is it a typo? "
            "The handout was made anyway.",
            err=True,
        )


def _appointment(path: Optional[Path], given: dict, codes: list[str]):
    """The appointment from a file, with the command line's values on top."""
    from handouts.appointment import from_mapping, read_appointment_data

    data = read_appointment_data(path) if path is not None else {}
    where = str(path) if path is not None else "the appointment"
    data = {**data, **{key: value for key, value in given.items() if value is not None}}
    if codes:
        data["codes"] = codes
    missing = [f"--{key}" for key in ("date", "time") if data.get(key) in (None, "")]
    if missing:
        raise HandoutsError(f"a personal handout needs {' and '.join(missing)} (or an --appointment file with them)")
    return from_mapping(data, where)


@app.command()
@friendly
def schedule(
    csv_file: Path = typer.Argument(..., help="The day's appointments: a CSV file with a header row."),
    layout: str = typer.Option("default", "--layout", "-l", help="Layout for rows without a layout column."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Folder for the PDFs.", show_default="output/<csv file name>"
    ),
    packet: bool = typer.Option(False, "--packet", help="Also write one print-ready PDF of the whole day."),
) -> None:
    """Render one personal handout per appointment in a CSV schedule (exit 1 if any row failed)."""
    from handouts.schedule import run_schedule

    proj = project()
    out_dir = output or proj.output_dir / csv_file.stem
    proj.check_output(out_dir)
    result = run_schedule(
        proj, csv_file, layout, out_dir, packet,
        say=echo, warn=lambda line: echo(f"Error: {line}", err=True), debug=_state["debug"],
    )
    summary = f"{len(result.done)} handouts written to {proj.display(out_dir)}, {len(result.failed)} rows failed"
    echo(summary)
    if result.packet:
        echo(f"packet: {proj.display(result.packet)} ({result.packet_pages} pages)")
    if result.failed:
        raise typer.Exit(1)


@app.command()
@friendly
def build(
    layouts_: Optional[list[str]] = typer.Option(None, "--layout", "-l", help="Only these layouts (repeatable).", show_default="all"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Library folder.", show_default="output/library"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes.", show_default="number of cores"),
    shard: Optional[str] = typer.Option(None, "--shard", help="Build only shard K of N (K/N, K from 0 to N-1)."),
    catalog_only: bool = typer.Option(False, "--catalog-only", help="Merge the shards' manifests into the catalog."),
    force: bool = typer.Option(False, "--force", help="Rebuild every handout, changed or not."),
) -> None:
    """Build every procedure x layout into the library, with a manifest and a catalog (exit 1 on failures)."""
    import signal

    from handouts.build import BuildStopped, merge_parts, parse_shard, request_stop
    from handouts.build import build as build_library

    # A scheduler stops jobs with SIGTERM, a person with Ctrl-C: finish the handout in hand, save the
    # manifest, and leave no temporary file behind.
    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    proj = project()
    out_dir = output or proj.output_dir / "library"
    if catalog_only:
        result = merge_parts(proj, out_dir)
        echo(f"catalog: {len(result.unchanged)} handouts, {len(result.removed)} removed, "
                   f"{proj.display(out_dir / 'index.html')}")
    else:
        try:
            with _progress() as (start, step):
                result = build_library(
                    proj, out_dir, layouts_, jobs, parse_shard(shard), force, progress=step, start_progress=start
                )
        except BuildStopped as stopped:
            echo("stopped; what was finished is kept, and the next build goes on from there", err=True)
            raise typer.Exit(128 + stopped.signum) from None
        echo(
            f"built {len(result.built)}, unchanged {len(result.unchanged)}, removed {len(result.removed)}, "
            f"failed {len(result.failed)} in {result.seconds:.2f} s"
            + (f" ({result.rate:.0f} handouts/s)" if result.built else "")
            + ("" if result.built or result.removed else "; nothing to do")
        )
    for key, reason in result.failed:
        echo(f"Error: {key}: {reason}", err=True)
    if result.failed:
        raise typer.Exit(1)


class _progress:
    """A progress bar on a terminal; plain lines when the output goes to a file or a pipe."""

    def __enter__(self):
        self.bar = None
        if sys.stderr.isatty():
            from rich.progress import Progress

            self.bar = Progress(transient=True)
            self.bar.__enter__()
            self.task = None

        def start(total: int) -> None:
            if self.bar is not None:
                self.task = self.bar.add_task("Rendering", total=total)

        def step(key: str, what: str) -> None:
            if self.bar is not None:
                self.bar.advance(self.task)
            else:
                echo(f"{what} {key}", err=True)

        return start, step

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.__exit__(*exc)
        return False


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
    from handouts.limits import MAX_PAGE_BYTES, check_data

    result = parse_page(read_text(page, limit=MAX_PAGE_BYTES), code, str(page))
    check_data(result.data, str(page))  # what the loader would refuse, refused now
    procedure = validate(Procedure, result.data, page)
    text = dump_yaml(procedure.to_data())
    for warning in result.warnings:
        echo(f"Warning: {page}: {warning}", err=True)
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
    echo(shown)


@app.command()
@friendly
def layouts() -> None:
    """List the layouts, one line each."""
    proj = project()
    names = proj.layout_names()
    if not names:
        echo(f"no layouts in {proj.display(proj.layouts_dir)}/")
    for name in names:
        spec = proj.layout(name).layout
        echo(f"{name:<18} {spec.page.size:<6} {spec.description or spec.clinic.name}")


layout_app = typer.Typer(help="Make and check clinic layouts.", no_args_is_help=True)
app.add_typer(layout_app, name="layout")


@layout_app.command("new")
@friendly
def layout_new(
    name: str = typer.Argument(..., help="The new layout's name (lower case, digits and dashes)."),
    parent: str = typer.Option("default", "--from", help="The layout to start from (it is extended, not copied)."),
) -> None:
    """Make layouts/NAME/layout.yaml: a commented layout that extends another one."""
    from handouts.scaffold import new_layout

    proj = project()
    echo(proj.display(new_layout(proj, name, parent)))


@layout_app.command("check")
@friendly
def layout_check(
    name: str = typer.Argument(..., help="The layout to check."),
    strict: bool = typer.Option(False, "--strict", help="Treat warnings as errors."),
) -> None:
    """Check a layout: errors (exit 2) and warnings (contrast, logo resolution, font coverage, sizes)."""
    from handouts.lint import check_layout

    findings = check_layout(project(), name)
    if strict:
        findings = [type(f)("error", f.where, f.message) for f in findings]
    for finding in findings:
        echo(str(finding), err=finding.level == "error")
    errors = sum(f.level == "error" for f in findings)
    echo(f"{name}: {errors} errors, {len(findings) - errors} warnings")
    if errors:
        raise typer.Exit(2)


@app.command()
@friendly
def preview(
    layout: str = typer.Argument(..., help="The layout to preview."),
    code: Optional[str] = typer.Argument(None, help="A procedure to show it with.", show_default="the first"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Folder.", show_default="output/preview"),
    large_print: bool = typer.Option(False, "--large-print", help="Preview the large-print handout."),
) -> None:
    """Write a sample handout, PNG images of its pages and a style sheet, and list them."""
    from handouts.preview import preview as make_preview

    proj = project()
    proj.check_output(output or proj.output_dir / "preview")
    for path in make_preview(proj, layout, code, output or proj.output_dir / "preview", large_print):
        echo(proj.display(path))


@app.command()
@friendly
def schema(kind: str = typer.Argument(..., help="'layout' or 'procedure'.")) -> None:
    """Print the JSON Schema of layout.yaml or of procedure files, for editors."""
    import json

    from handouts.schema import Layout, Procedure

    models = {"layout": Layout, "procedure": Procedure}
    if kind not in models:
        raise HandoutsError(f"schema: {kind!r} is not known; use 'layout' or 'procedure'")
    echo(json.dumps(models[kind].model_json_schema(), indent=2))


def main() -> None:
    try:
        app()
    except BrokenPipeError:
        _closed_pipe()


def _closed_pipe() -> None:
    """The reader went away (`handouts list | head -1`): stop quietly, as other command-line tools do.
    Python would complain once more when it flushes standard output at exit, so point it at /dev/null."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)

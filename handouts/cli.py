"""The `handouts` command line. Thin: parse arguments, call the pipeline, turn known errors into one
line each and exit code 2 (no traceback unless --debug)."""

from __future__ import annotations

import enum
import functools
import inspect
import sys
from pathlib import Path
from typing import Optional

import typer

from handouts import __version__
from handouts.console import printable
from handouts.errors import HandoutsError

HELP_OPTIONS = {"help_option_names": ["-h", "--help"]}

# Locals may hold patient data: never print them in a traceback.
app = typer.Typer(
    help="Print patient preparation-and-recovery handouts for clinic procedures.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    context_settings=HELP_OPTIONS,
)
_state = {"debug": False, "project": None, "noticed": False}
PROJECT_HELP = "The handouts project folder (procedures/, layouts/); without one, the built-in library (read-only)."


def echo(text: str = "", err: bool = False, nl: bool = True) -> None:
    """Every line the tool prints goes through here: no control characters reach the terminal."""
    typer.echo(printable(str(text)), err=err, nl=nl)


def _fail(lines: list[str], code: int) -> None:
    for line in lines:
        echo(f"Error: {line}", err=True)
    raise typer.Exit(code)


def friendly(command):
    """Known problems become one line each and exit 2; --debug shows the traceback instead.
    Also gives the command a --project option, so it may follow the command name too."""

    @functools.wraps(command)
    def run(*args, project_option: Optional[Path] = None, **kwargs):
        if project_option is not None:
            _state["project"] = project_option
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

    # The annotations stay text here: Typer resolves them (typing.get_type_hints, through __wrapped__)
    # only for the command it builds, instead of every command paying for eval at import.
    signature = inspect.signature(command)
    option = inspect.Parameter(
        "project_option", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[Path],
        default=typer.Option(None, "--project", help=PROJECT_HELP, show_default=False),
    )
    run.__signature__ = signature.replace(parameters=[*signature.parameters.values(), option])
    return run


def project(writing: bool = False):
    """The project the command works on; `writing` commands refuse the read-only built-in library."""
    from handouts.library import read_only_advice
    from handouts.project import Project

    proj = Project.locate(_state["project"])
    if writing and proj.read_only:
        raise HandoutsError(f"there is no project folder here and the built-in library is read-only; {read_only_advice()}")
    if proj.notice and not _state["noticed"]:
        _state["noticed"] = True
        echo(f"Note: {proj.notice}", err=True)
    return proj


def _version(value: bool) -> None:
    if value:
        echo(f"handouts {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    project_dir: Optional[Path] = typer.Option(
        None, "--project", envvar="HANDOUTS_PROJECT", help=PROJECT_HELP, show_default="current folder",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the full traceback of an error."),
    version: bool = typer.Option(
        False, "--version", "-V", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Print patient preparation-and-recovery handouts for clinic procedures.

    Works on a project folder (procedures/, layouts/, output/): the current folder or --project DIR.
    Anywhere else it uses the built-in library, read-only, and writes to ./output.
    """
    _state["project"] = project_dir
    _state["debug"] = debug
    _state["noticed"] = False


@app.command("list")
@friendly
def list_procedures() -> None:
    """List the procedures: code, title and review status."""
    proj = project()
    files = proj.procedure_files()
    if not files:
        echo(f"no procedures in {proj.display(proj.procedures_dir)}/ yet; add some with 'handouts import'")
        return
    broken = []
    for code, path in files.items():
        try:
            procedure = proj.load_procedure_file(path)
        except HandoutsError as exc:  # report every broken file, not just the first
            broken.extend(exc.lines)
            continue
        review = procedure.review
        status = review.status + (f" {review.date.isoformat()}" if review.date else "")
        add_on = "  (add-on)" if procedure.add_on else ""
        echo(f"{code:<6} {status:<17} {procedure.title}{add_on}")
    if broken:
        _fail([*broken, f"{len(broken)} problem(s) in {proj.display(proj.procedures_dir)}/; fix them and run again"], 2)


@app.command()
@friendly
def show(
    code: str = typer.Argument(..., help="Procedure code (e.g. 64634) or part of its title."),
    layout: Optional[str] = typer.Option(None, "--layout", "-l", help="Show the rules as this clinic's layout sets them."),
    language: Optional[str] = typer.Option(
        None, "--language", help="Show the translation in this language: its review and the sections out of date."
    ),
) -> None:
    """Show a procedure's content as readable text (with -l, the clinic's rules in force)."""
    from handouts.textview import procedure_text

    proj = project()
    if language and language != "en":
        from handouts.content.translation import translation_text
        from handouts.languages import language as known_language

        echo(translation_text(proj, proj.procedure(code, enforce_approval=False), known_language(language).code))
        return
    overrides = proj.layout(layout).layout.rules if layout else None
    echo(procedure_text(proj.procedure(code), overrides, layout))


@app.command()
@friendly
def render(
    codes: Optional[list[str]] = typer.Argument(
        None, metavar="CODES...",
        help="Procedure codes (e.g. 01992 77003) or a part of a title; several make one combined handout.",
    ),
    layout: str = typer.Option("default", "--layout", "-l", help="Layout name (see 'handouts layouts')."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="PDF path ('-' for standard output).",
        show_default="output/<code>-<title>-<layout>[-large-print].pdf",
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
    fhir_out: Optional[Path] = typer.Option(
        None, "--fhir-out", help="With an appointment: also write a FHIR DocumentReference to this folder."
    ),
    ics: bool = typer.Option(False, "--ics", help="With an appointment: also write a calendar next to the PDF."),
    language: Optional[str] = typer.Option(
        None, "--language", help="es, en, or es+en for a bilingual copy (patient's language first).",
        show_default="the appointment's, else the layout's",
    ),
    fallback_english: bool = typer.Option(
        False, "--fallback-english", help="With no translation, print the English with a note in the patient's language.",
    ),
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
    if output is not None and str(output) != "-":
        proj.check_writable(output)
    if (fhir_out is not None or ics) and appointment is None:
        raise HandoutsError("--fhir-out and --ics need an appointment (--appointment FILE, or --date and --time)")
    warn = lambda line: echo(f"Warning: {line}", err=True)  # noqa: E731
    if output is not None and str(output) == "-":
        from handouts.pipeline import make_pdf, record_personal

        made = make_pdf(proj, list(codes or []), layout, appointment, large_print, language, fallback_english, warn)
        if appointment is not None:  # a personal handout is on record wherever it goes
            record_personal(proj, made.pdf, made.procedures, made.layout, appointment)
        sys.stdout.flush()
        sys.stdout.buffer.write(made.pdf)
        sys.stdout.buffer.flush()
    else:
        extras = _extras(proj, fhir_out, ics, (output or proj.output_dir / "appointments" / "x").parent)
        path = render_to_file(
            proj, list(codes or []), layout, output, appointment, large_print,
            language=language, fallback_english=fallback_english, warn=warn, extras=tuple(extras),
        )
        echo(proj.display(path))
        for extra in extras:
            for written in extra.written:
                echo(proj.display(written))
    if appointment is not None:
        from handouts.identity import placeholder_numbers
        from handouts.pipeline import is_past

        loaded = proj.layout(layout)
        if is_past(appointment, loaded):
            echo(
                f"Warning: the appointment date {appointment.date.isoformat()} is in the past; is it a typo? "
                "The handout was made anyway.",
                err=True,
            )
        for key, problem in placeholder_numbers(loaded.layout.clinic):
            echo(f"Warning: layout '{layout}': {key}: {problem}; the patient cannot call it", err=True)


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
    csv_file: Path = typer.Argument(
        ..., help="The day's appointments: a CSV file with a header row, a FHIR Bundle (JSON) or HL7 SIU messages."
    ),
    layout: str = typer.Option("default", "--layout", "-l", help="Layout for rows without a layout column."),
    output: Optional[Path] = typer.Option(
        None, "--output", "-o", help="Folder for the PDFs.", show_default="output/<csv file name>"
    ),
    packet: bool = typer.Option(False, "--packet", help="Also write one print-ready PDF of the whole day."),
    fhir_out: Optional[Path] = typer.Option(
        None, "--fhir-out", help="Also write a FHIR DocumentReference (JSON, PDF inside) per handout to this folder."
    ),
    ics: bool = typer.Option(False, "--ics", help="Also write a calendar (.ics) per patient with reminders."),
    leave_minutes: int = typer.Option(
        60, "--leave-minutes", min=0, max=24 * 60, help="With --ics: remind to leave this long before arrival."
    ),
    language: Optional[str] = typer.Option(
        None, "--language", help="Language for rows without a language column (es, en, es+en).",
        show_default="the layout's",
    ),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes.", show_default="number of cores"),
) -> None:
    """Render one personal handout per appointment of a schedule (exit 1 if any row failed)."""
    from handouts.schedule import run_schedule

    proj = project()
    out_dir = output or proj.output_dir / csv_file.stem
    proj.check_writable(out_dir)
    if language:
        from handouts.languages import parse_choice

        parse_choice(language)  # a bad default is the whole run's error, before any row
    proj.check_output(out_dir)
    extras = _extras(proj, fhir_out, ics, out_dir, leave_minutes)
    result = run_schedule(
        proj, csv_file, layout, out_dir, packet,
        say=echo, warn=lambda line: echo(f"Error: {line}", err=True), extras=tuple(extras),
        language=language, debug=_state["debug"], jobs=jobs,
    )
    summary = f"{len(result.done)} handouts written to {proj.display(out_dir)}, {len(result.failed)} rows failed"
    if result.skipped:
        summary += f", {len(result.skipped)} skipped ({', '.join(result.skipped)})"
    echo(summary)
    for extra in extras:
        if extra.written:
            echo(f"{len(extra.written)} {extra.what} written to {proj.display(extra.written[0].parent)}")
    if result.packet:
        echo(f"packet: {proj.display(result.packet)} ({result.packet_pages} pages)")
    from handouts.identity import placeholder_numbers

    for name in sorted(result.layouts):
        for key, problem in placeholder_numbers(proj.layout(name).layout.clinic):
            echo(f"Warning: layout '{name}': {key}: {problem}; the patients cannot call it", err=True)
    if result.failed:
        raise typer.Exit(1)


def _extras(proj, fhir_out: Optional[Path], ics: bool, ics_dir: Path, leave_minutes: int = 60) -> list:
    """The outputs made beside each personal handout: a DocumentReference, a calendar."""
    extras = []
    if fhir_out is not None:
        from handouts.feeds.documentreference import DocumentWriter

        extras.append(DocumentWriter(proj, fhir_out))
    if ics:
        from handouts.feeds.ics import CalendarWriter

        extras.append(CalendarWriter(proj, ics_dir, leave_minutes))
    return extras


@app.command()
@friendly
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; beyond this computer only with --token-file."),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port to listen on."),
    token_file: Optional[Path] = typer.Option(
        None, "--token-file", help="A file holding the secret staff sign in with (required for any other --host)."
    ),
    layout: Optional[str] = typer.Option(None, "--layout", "-l", help="The layout preselected on the page.", show_default="default"),
    tls_cert: Optional[Path] = typer.Option(None, "--tls-cert", help="Serve HTTPS with this certificate (PEM)."),
    tls_key: Optional[Path] = typer.Option(None, "--tls-key", help="The certificate's private key (PEM)."),
    workers: Optional[int] = typer.Option(
        None, "--workers", min=0, max=16, help="Render processes (0: in the server's process).", show_default="cores, up to 4"
    ),
) -> None:
    """A local web page for the front desk: make a patient's handout, or a day's from a schedule file."""
    from handouts.serve.config import Settings, check_bind
    from handouts.serve.server import run

    token = check_bind(host, token_file)
    if (tls_cert is None) != (tls_key is None):
        raise HandoutsError("--tls-cert and --tls-key go together; give both or neither")
    proj = project()
    if layout is not None and layout not in proj.layout_names():
        proj.layout(layout)  # says what is wrong with the name
    import os

    workers = min(os.cpu_count() or 1, 4) if workers is None else workers
    settings = Settings(proj.root, host, port, token, layout, https=tls_cert is not None, workers=workers)
    run(settings, (str(tls_cert), str(tls_key)) if tls_cert else None, echo=echo)


@app.command()
@friendly
def build(
    layouts_: Optional[list[str]] = typer.Option(None, "--layout", "-l", help="Only these layouts (repeatable).", show_default="all"),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Library folder.", show_default="output/library"),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes.", show_default="number of cores"),
    shard: Optional[str] = typer.Option(None, "--shard", help="Build only shard K of N (K/N, K from 0 to N-1)."),
    catalog_only: bool = typer.Option(False, "--catalog-only", help="Merge the shards' manifests into the catalog."),
    force: bool = typer.Option(False, "--force", help="Rebuild every handout, changed or not."),
    languages_: Optional[list[str]] = typer.Option(
        None, "--language", help="Build in these languages (repeatable: --language en --language es).",
        show_default="each layout's own",
    ),
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
    proj.check_writable(out_dir)
    if catalog_only:
        result = merge_parts(proj, out_dir)
        echo(f"catalog: {len(result.unchanged)} handouts, {len(result.removed)} removed, "
                   f"{proj.display(out_dir / 'index.html')}")
    else:
        try:
            with _progress() as (start, step):
                result = build_library(
                    proj, out_dir, layouts_, jobs, parse_shard(shard), force, progress=step, start_progress=start,
                    languages=_languages(languages_),
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
    for language, codes in sorted(getattr(result, "untranslated", {}).items()):
        echo(f"not translated into {language}, so not built: {', '.join(codes)}", err=True)
    for key, reason in result.failed:
        echo(f"Error: {key}: {reason}", err=True)
    if result.failed:
        raise typer.Exit(1)


def _languages(values: Optional[list[str]]) -> Optional[list[str]]:
    """Repeated single languages (a library holds one language per file; es+en is for render)."""
    if not values:
        return None
    from handouts.languages import language

    return list(dict.fromkeys(language(value).code for value in values))


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
    force: bool = typer.Option(False, "--force", help="Overwrite an existing procedure, curated text and all."),
    update: bool = typer.Option(
        False, "--update", help="Refresh only the imported page text of an existing procedure; keep the curated parts."
    ),
) -> None:
    """Import a procedure page's text into a procedure YAML file (review status: draft)."""
    from handouts.importer import import_page as parse_page
    from handouts.importer import refresh
    from handouts.output import write_atomic
    from handouts.schema import CODE_PATTERN, Procedure, validate
    from handouts.yamlio import dump_yaml, read_text

    if not CODE_PATTERN.match(code):
        raise HandoutsError(f"--code: {code!r} is not a CPT or HCPCS code (like 64634 or J1030)")
    if update and force:
        raise HandoutsError("--update keeps the curated text and --force replaces it: give one of them")
    from handouts.limits import MAX_PAGE_BYTES, check_data

    result = parse_page(read_text(page, limit=MAX_PAGE_BYTES), code, str(page))
    check_data(result.data, str(page))  # what the loader would refuse, refused now
    procedure = validate(Procedure, result.data, page)
    for warning in result.warnings:
        echo(f"Warning: {page}: {warning}", err=True)
    if output == "-" and not update:
        sys.stdout.write(dump_yaml(procedure.to_data()))
        return
    if output is None or update:
        proj = project(writing=output is None)
        target = proj.procedures_dir / f"{code}.yaml"
        shown = proj.display(target)
    else:
        target = Path(output)
        shown = output
    from handouts.output import check_writable

    if output != "-":
        check_writable(target, shown)
    if update:
        if not target.exists():
            raise HandoutsError(f"{shown} does not exist yet; import it without --update first")
        procedure, changed, unreviewed = refresh(proj.procedure(code, enforce_approval=False), procedure)
        echo(f"page sections changed by this import: {', '.join(changed) or 'none'}", err=True)
        if unreviewed:
            echo(
                f"Warning: {shown}: page sections changed since the patient text was last reviewed: "
                f"{', '.join(unreviewed)}; read them again and update the patient text if it needs it",
                err=True,
            )
    elif target.exists() and not force:
        raise HandoutsError(
            f"{shown} already exists and may hold curated edits; pass --update to refresh only the page text "
            "(or --force to replace everything)"
        )
    text = dump_yaml(procedure.to_data())
    if output == "-":
        sys.stdout.write(text)
        return
    write_atomic(target, text.encode("utf-8"), shown=shown)
    echo(shown)


@app.command()
@friendly
def lint(
    codes: Optional[list[str]] = typer.Argument(None, help="Procedure codes to check.", show_default="all"),
    layouts_: Optional[list[str]] = typer.Option(
        None, "--layout", "-l", help="Check page budgets in these layouts (repeatable).", show_default="all"
    ),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 if there is any finding."),
    allow_draft: bool = typer.Option(False, "--allow-draft", help="Do not count draft status as a finding."),
    output_format: str = typer.Option("text", "--format", help="text or json."),
    languages_: Optional[list[str]] = typer.Option(
        None, "--language", help="Check the translations in this language (repeatable; en: the English).",
        show_default="en",
    ),
) -> None:
    """Measure what patients read: reading grade, "you", jargon, hedges, contradictions, completeness,
    review, page budgets and PEMAT-P (exit 1 with --strict if anything is found, 2 for bad input).
    With --language es: the Spanish translations: out-of-date sections, numbers, glossary, reading ease."""
    from handouts.content.lint import lint_project

    if output_format not in ("text", "json"):
        raise HandoutsError(f"--format: {output_format!r} is not known; use text or json")
    chosen = _languages(languages_) or ["en"]
    if chosen != ["en"]:
        _lint_translations(list(codes or []), list(layouts_ or []), chosen, strict, allow_draft, output_format)
        return
    reports, load_errors = lint_project(project(), list(codes or []), list(layouts_ or []))
    _report_lint(reports, load_errors, strict, allow_draft, output_format, "procedures")


def _report_lint(reports: list, errors: list[str], strict: bool, allow_draft: bool, output_format: str, what: str) -> None:
    """Print lint's reports (text or JSON) and exit as lint does: 2 for bad input, 1 for findings with --strict."""
    import json

    from handouts.content.lint import format_report
    from handouts.content.translation_lint import format_translation_report

    if allow_draft:
        for report in reports:
            report.findings = [f for f in report.findings if f.check != "draft"]
    if output_format == "json":
        key = "procedures" if what == "procedures" else "reports"
        echo(json.dumps({key: [r.to_json() for r in reports], "errors": errors}, indent=2, default=str))
    else:
        for report in reports:
            lines = format_report(report) if hasattr(report, "pemat") else format_translation_report(report)
            for line in lines:
                echo(line)
        found = sum(len(r.findings) for r in reports)
        echo(f"{len(reports)} {what}: {sum(r.clean for r in reports)} clean, {found} findings")
    for line in errors:
        echo(f"Error: {line}", err=True)
    if errors:
        raise typer.Exit(2)
    if strict and any(r.findings for r in reports):
        raise typer.Exit(1)


def _lint_translations(codes, layout_names, languages, strict, allow_draft, output_format) -> None:
    from handouts.content.lint import lint_project
    from handouts.content.translation_lint import lint_translations

    proj = project()
    names = layout_names or proj.layout_names()
    for name in names:
        proj.layout(name)  # an unknown layout is bad input: stop before any work
    reports: list = []
    errors: list[str] = []
    for language in languages:
        if language == "en":
            found, failed = lint_project(proj, codes, names)
        else:
            found, failed = lint_translations(proj, codes, language, names)
        reports += found
        errors += failed
    _report_lint(reports, errors, strict, allow_draft, output_format, "handouts")


@app.command()
@friendly
def approve(
    code: str = typer.Argument(..., help="The procedure to approve."),
    reviewer: str = typer.Option(..., "--reviewer", help="The clinician who reviewed it."),
    date: Optional[str] = typer.Option(None, "--date", help="Review date, YYYY-MM-DD.", show_default="today"),
) -> None:
    """Mark a procedure approved by a clinician: only when lint finds nothing; records the content hash."""
    from handouts.content.approve import approve as approve_procedure

    proj = project()
    echo(proj.display(approve_procedure(proj, code, reviewer, date)))


@app.command()
@friendly
def layouts() -> None:
    """List the layouts, one line each (built-in ones this project lacks are marked)."""
    proj = project()
    names = [(name, "") for name in proj.layout_names()]
    names += [(name, "  (built-in)") for name in proj.builtin_layout_names()]
    if not names:
        echo(f"no layouts in {proj.display(proj.layouts_dir)}/")
    broken = []
    for name, mark in names:
        try:
            spec = proj.layout(name).layout
        except HandoutsError as exc:
            broken.extend(exc.lines)
            continue
        echo(f"{name:<18} {spec.page.size:<6} {spec.description or spec.clinic.name}{mark}")
    if broken:
        _fail(broken, 2)


translation_app = typer.Typer(
    help="Translations of the patient text: start, stamp and approve.", no_args_is_help=True,
    context_settings=HELP_OPTIONS,
)
app.add_typer(translation_app, name="translation")


@translation_app.command("new")
@friendly
def translation_new(
    code: str = typer.Argument(..., help="The procedure to translate."),
    language: str = typer.Option(..., "--language", help="The language, e.g. es."),
) -> None:
    """Start procedures/<language>/<code>.yaml from the English patient text (status: draft)."""
    from handouts.content.translation import new_translation
    from handouts.languages import language as known_language

    proj = project()
    echo(proj.display(new_translation(proj, code, known_language(language).code)))


@translation_app.command("stamp")
@friendly
def translation_stamp(
    code: str = typer.Argument(..., help="The procedure."),
    language: str = typer.Option(..., "--language", help="The language, e.g. es."),
    sections: Optional[list[str]] = typer.Option(
        None, "--section", help="Only these sections (repeatable), e.g. after, warning_signs.call_now.", show_default="all",
    ),
) -> None:
    """Record that the translation of these sections matches the current English (after updating them)."""
    from handouts.content.translation import stamp
    from handouts.languages import language as known_language

    proj = project()
    path, stamped = stamp(proj, code, known_language(language).code, list(sections or []))
    echo(f"{proj.display(path)}: {', '.join(stamped) or 'nothing to stamp: already current'}")


@translation_app.command("approve")
@friendly
def translation_approve(
    code: str = typer.Argument(..., help="The procedure."),
    language: str = typer.Option(..., "--language", help="The language, e.g. es."),
    reviewer: str = typer.Option(..., "--reviewer", help="The qualified reviewer of the translation."),
    date: Optional[str] = typer.Option(None, "--date", help="Review date, YYYY-MM-DD.", show_default="today"),
) -> None:
    """Mark a translation reviewed: only when it is current with the English and lint finds no errors."""
    from handouts.content.translation import approve as approve_translation
    from handouts.languages import language as known_language

    proj = project()
    echo(proj.display(approve_translation(proj, code, known_language(language).code, reviewer, date)))


layout_app = typer.Typer(help="Make and check clinic layouts.", no_args_is_help=True, context_settings=HELP_OPTIONS)
app.add_typer(layout_app, name="layout")


@layout_app.command("new")
@friendly
def layout_new(
    name: str = typer.Argument(..., help="The new layout's name (lower case, digits and dashes)."),
    parent: str = typer.Option("default", "--from", help="The layout to start from (it is extended, not copied)."),
    clinic_name: Optional[str] = typer.Option(None, "--name", help="Your clinic's name, as printed at the top."),
    phone: Optional[str] = typer.Option(None, "--phone", help="The phone number patients call."),
    after_hours: Optional[str] = typer.Option(None, "--after-hours", help="The number to call out of hours."),
    logo: Optional[Path] = typer.Option(None, "--logo", help="Your logo (PNG, JPEG or SVG); copied into the layout."),
) -> None:
    """Make layouts/NAME/layout.yaml: a commented layout that extends another one.

    It takes the parent's look, never its identity: name, numbers and logo are your clinic's (asked
    for on a terminal, else left as blanks that 'layout check' warns about).
    """
    from handouts.scaffold import Identity, new_layout

    proj = project(writing=True)
    identity = Identity(clinic_name, phone, after_hours, logo)
    if sys.stdin.isatty():
        identity = identity.asked(lambda text: typer.prompt(text, default="", show_default=False))
    for path in new_layout(proj, name, parent, identity):
        echo(proj.display(path))


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
    out_dir = output or proj.output_dir / "preview"
    proj.check_writable(out_dir)
    proj.check_output(out_dir)
    for path in make_preview(proj, layout, code, out_dir, large_print):
        echo(proj.display(path))


class SchemaKind(str, enum.Enum):
    layout = "layout"
    procedure = "procedure"


@app.command()
@friendly
def schema(kind: SchemaKind = typer.Argument(..., help="Which file's schema: layout (layout.yaml) or procedure.")) -> None:
    """Print the JSON Schema of layout.yaml or of procedure files, for editors."""
    import json

    from handouts.schema import Layout, Procedure

    models = {"layout": Layout, "procedure": Procedure}
    echo(json.dumps(models[kind.value].model_json_schema(), indent=2))


@app.command()
@friendly
def init(
    folder: Path = typer.Argument(Path("."), help="The new project folder.", show_default="the current folder"),
) -> None:
    """Make a project folder to edit: a copy of the built-in procedures and layouts."""
    from handouts.library import library_root
    from handouts.starter import copy_library

    procedures, layouts = copy_library(library_root(), folder)
    shown = folder if str(folder) != "." else Path.cwd()
    echo(f"made a handouts project in {shown}: {procedures} procedures, {layouts} layouts")
    where = "" if str(folder) == "." else f"cd {folder} && "
    echo(f"next: {where}handouts list; then 'handouts layout new NAME' for your clinic's own layout")


record_app = typer.Typer(
    help="The education record: every personal handout made, and what it contained.",
    invoke_without_command=True,
)
app.add_typer(record_app, name="record")


@record_app.callback()
@friendly
def record_list(
    ctx: typer.Context,
    appointment: Optional[str] = typer.Option(None, "--appointment", help="Only this appointment id."),
    since: Optional[str] = typer.Option(None, "--since", help="Only handouts made on or after this day (YYYY-MM-DD)."),
    form: str = typer.Option("text", "--format", help="text, csv or json."),
) -> None:
    """List the personal handouts made (render with an appointment, schedule), oldest first."""
    if ctx.invoked_subcommand is not None:
        return
    from handouts import record
    from handouts.record.report import render, since_utc

    proj = project()
    query = record.Query(appointment_id=appointment, since=since_utc(since) if since else None)
    echo(render(record.entries(proj.output_dir, query, proj.display(proj.output_dir)), form), nl=False)


@record_app.command("verify")
@friendly
def record_verify(pdf: Path = typer.Argument(..., help="A handout PDF.")) -> None:
    """Say whether a PDF is a handout the clinic made, byte for byte, and what it contained (exit 1 if not)."""
    from handouts import record
    from handouts.record.report import sha256_of, verified

    proj = project()
    digest = sha256_of(pdf)
    found = record.entries(proj.output_dir, record.Query(pdf_sha256=digest), proj.display(proj.output_dir))
    if not found:
        echo(
            f"{pdf}: not recognized: no handout on record has these bytes (sha256 {digest}); it was changed "
            "after it was made, or was not made with this project",
            err=True,
        )
        raise typer.Exit(1)
    echo(verified(str(pdf), digest, found))


def main() -> None:
    try:
        entry(sys.argv[1:])()
    except BrokenPipeError:
        _closed_pipe()


# Root options main() understands before a command's name (any other: the whole app decides).
_ROOT_FLAGS = {"--debug"}
_ROOT_VALUES = {"--project"}


def entry(args: list[str]):
    """The app to run for these arguments. Typer turns every command into a click command before it
    runs one (~20 ms for ours, in every fresh process); when the arguments name a command, the same
    app with only that command (or group) registered runs it, so only it is built. Anything else (no
    command, help, an unknown name or option, shell completion) runs the whole app. The command's
    own parsing, help, errors and the root options it receives are the whole app's."""
    import os

    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in os.environ):
        return app  # the shell asks for completions: they list every command
    index = 0
    while index < len(args):
        arg = args[index]
        if arg in _ROOT_FLAGS or any(arg.startswith(f"{name}=") for name in _ROOT_VALUES):
            index += 1
        elif arg in _ROOT_VALUES:
            index += 2
        else:
            break
    if index >= len(args) or args[index].startswith("-"):
        return app
    name = args[index]
    commands = [info for info in app.registered_commands if _command_name(info) == name]
    groups = [info for info in app.registered_groups if info.name == name]
    if len(commands) + len(groups) != 1:
        return app
    import copy

    lean = copy.copy(app)
    lean.registered_commands, lean.registered_groups = commands, groups
    return lean


def _command_name(info) -> str | None:
    if info.name:
        return info.name
    callback = getattr(info, "callback", None)
    return callback.__name__.lower().replace("_", "-") if callback is not None else None


def _closed_pipe() -> None:
    """The reader went away (`handouts list | head -1`): stop quietly, as other command-line tools do.
    Python would complain once more when it flushes standard output at exit, so point it at /dev/null."""
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)

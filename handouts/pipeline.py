"""The pipeline every command shares: load -> compose -> render -> write."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from handouts.appointment import Appointment
from handouts.errors import HandoutsError
from handouts.feeds.rows import Source
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


@dataclass(frozen=True)
class Made:
    """A personal handout that was made and recorded; what the extra outputs are built from."""

    pdf: bytes
    procedures: tuple
    layout: LoadedLayout
    appointment: Appointment
    source: Source
    made_at: str  # UTC, ISO 8601, as recorded
    sha256: str
    pages: int
    record_id: int
    path: Path | None = None


def record_personal(
    project: Project, pdf: bytes, procedures, layout: LoadedLayout, appointment: Appointment,
    source: Source | None = None, program: str = "render", path: Path | None = None,
) -> Made:
    """Add a personal handout to the education record. Every program that makes one calls this."""
    from handouts import __version__, record
    from handouts.appointment import local_start, zone
    from handouts.render import page_count

    source = source or Source("cli")
    tz = zone(appointment.timezone or layout.layout.timezone, "timezone")
    start = local_start(appointment.date, appointment.time, tz, "the appointment time")
    entry = record.Entry(
        made_at=record.now(), program=program, source_format=source.format,
        appointment_id=appointment.appointment_id, appointment_ref=source.appointment_ref,
        patient_ref=source.patient_ref,
        patient_name=appointment.patient if layout.layout.record.patient_name else None,
        appointment_start=start.isoformat(), codes=tuple(p.code for p in procedures), layout=layout.name,
        language=appointment.language or "en", pdf_sha256=hashlib.sha256(pdf).hexdigest(),
        pages=page_count(pdf), bytes=len(pdf), tool_version=__version__,
        file=project.display(path) if path is not None else None,
        procedures=record.procedure_entries(procedures),
    )
    record_id = record.add(project.output_dir, entry, project.display(project.output_dir))
    return Made(pdf, tuple(procedures), layout, appointment, source, entry.made_at, entry.pdf_sha256,
                entry.pages, record_id, path)


def save_personal(
    project: Project, path: Path, pdf: bytes, procedures, layout: LoadedLayout, appointment: Appointment,
    source: Source | None = None, program: str = "render",
) -> Made:
    """Record, then write (owner-only): any personal handout on disk is on record."""
    made = record_personal(project, pdf, procedures, layout, appointment, source, program, path)
    try:
        write_atomic(path, pdf, private=True, shown=project.display(path))
    except BaseException:
        from handouts import record

        record.forget(project.output_dir, made.record_id)
        raise
    return made


def default_output(
    project: Project, procedures: list, layout_name: str, appointment: Appointment | None,
    languages: tuple[str, ...] = ("en",), large_print: bool = False,
) -> Path:
    """Every variant of a handout (languages, large print) has its own name, so none replaces another."""
    codes = "-".join(sorted(p.code for p in procedures))
    # English is the source language and keeps the plain names; any other copy says its language(s).
    suffix = ("" if languages == ("en",) else "-" + "-".join(languages)) + ("-large-print" if large_print else "")
    if appointment is None:
        if len(procedures) == 1:
            return project.output_dir / f"{codes}-{slug(procedures[0].title)}-{layout_name}{suffix}.pdf"
        return project.output_dir / f"{codes}-{layout_name}{suffix}.pdf"
    # Named from the date and appointment id (or time), never from anything that identifies the patient.
    when = appointment.appointment_id or appointment.time.strftime("%H%M")
    return project.output_dir / "appointments" / f"{appointment.date.isoformat()}-{when}-{codes}-{layout_name}{suffix}.pdf"


@dataclass(frozen=True)
class MadePDF:
    pdf: bytes
    procedures: list
    layout: LoadedLayout
    languages: tuple[str, ...]


def make_pdf(
    project: Project,
    queries: list[str],
    layout_name: str,
    appointment: Appointment | None = None,
    large_print: bool = False,
    language: str | None = None,
    fallback_english: bool = False,
    warn=None,
) -> MadePDF:
    """The handout in memory (a failure leaves no file), in the language chosen for it."""
    if not queries:
        raise HandoutsError("no procedure given; name one or more codes (or give codes: in the appointment file)")
    if language:
        from handouts.languages import parse_choice

        parse_choice(language)  # a bad --language is the one error, before any warning about the codes
    procedures = [project.procedure(query) for query in queries]
    layout = project.layout(layout_name)
    languages = language_choice(language, appointment, layout)
    pdf = render_in(project, procedures, layout, languages, appointment, large_print, fallback_english,
                    warn or (lambda line: None))
    return MadePDF(pdf, procedures, layout, languages)


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
    language: str | None = None,
    fallback_english: bool = False,
    warn=None,
    extras: tuple = (),  # callables given the personal handout made (--fhir-out, --ics)
) -> Path:
    if output is not None:
        check_output_file(project, output)
    made_pdf = make_pdf(project, queries, layout_name, appointment, large_print, language, fallback_english, warn)
    pdf, procedures, layout, languages = made_pdf.pdf, made_pdf.procedures, made_pdf.layout, made_pdf.languages
    path = output or default_output(project, procedures, layout_name, appointment, languages, large_print)
    if appointment is not None:
        made = save_personal(project, path, pdf, procedures, layout,
                             replace(appointment, language="+".join(languages)))
        for extra in extras:
            extra(made)
    else:
        write_atomic(path, pdf, shown=project.display(path))
    from handouts.merge import booked_alone_warning

    note = booked_alone_warning(procedures)  # after the file is made: an error stays the only line
    if note and warn is not None:
        warn(note)
    return path


def is_past(appointment: Appointment, layout: LoadedLayout, today: dt.date | None = None) -> bool:
    from handouts.appointment import zone

    tz = zone(appointment.timezone or layout.layout.timezone, "timezone")
    return appointment.date < (today or dt.datetime.now(tz).date())


# ---------------------------------------------------------------- languages


def render_in(
    project: Project,
    procedures: list,
    layout: LoadedLayout,
    languages: tuple[str, ...],
    appointment: Appointment | None = None,
    large_print: bool = False,
    fallback_english: bool = False,
    warn=lambda line: None,
) -> bytes:
    """The handout in one language, or a bilingual copy: each language a complete handout of its own,
    the patient's language first, the second starting on a new sheet."""
    from handouts.render import render

    parts = [
        _handout_in(project, procedures, layout, code, appointment, large_print, fallback_english, warn)
        for code in languages
    ]
    if len(parts) == 1:
        return render(parts[0])
    from handouts.bilingual import join

    return join(parts, languages, layout, render)


def _handout_in(project, procedures, layout, code, appointment, large_print, fallback_english, warn):
    """The document model of the handout in `code` (the English with a note, if allowed and needed)."""
    import dataclasses

    from handouts import document as doc
    from handouts.compose import compose
    from handouts.localize import SOURCE, localized_layout

    shown = project.display(layout.folder / "layout.yaml")
    if code == SOURCE:
        return compose(procedures, localized_layout(layout, code, shown), appointment, large_print)
    from handouts.content.translation import MissingTranslation, localize  # pydantic: only for a translation
    try:
        localized = [localize(project, procedure, code) for procedure in procedures]
    except MissingTranslation as exc:
        if not fallback_english:
            raise
        from handouts.project import _wording_for

        warn(f"{exc.lines[0]}; printed in English with a note, as --fallback-english asks")
        handout = _handout_in(project, procedures, layout, SOURCE, appointment, large_print, False, warn)
        note = doc.Notice(_wording_for(code)["fallback_note"])
        return dataclasses.replace(handout, intro=(note, *handout.intro))
    for item in localized:
        if item.drift.outdated or item.drift.extra:
            names = ", ".join(item.drift.outdated + item.drift.extra)
            warn(f"{item.procedure.code} [{code}]: out of date with the English ({names}); printed as a draft")
    local_layout = localized_layout(layout, code, shown)
    printed = [
        item.procedure if item.approved else item.procedure.model_copy(
            update={"review": item.procedure.review.model_copy(update={"status": "draft"})})
        for item in localized
    ]
    if all(p.review.status == "approved" for p in procedures) and not all(item.approved for item in localized):
        # The content is approved; only the translation is not: say exactly that.
        wording = {**local_layout.wording, "draft_mark": local_layout.wording["draft_mark_translation"]}
        local_layout = dataclasses.replace(local_layout, wording=wording)
    return compose(printed, local_layout, appointment, large_print)


def language_choice(value: str | None, appointment: Appointment | None, layout: LoadedLayout) -> tuple[str, ...]:
    """--language, else the appointment's (file or schedule row), else the layout's default."""
    from handouts.languages import parse_choice

    if value:
        return tuple(lang.code for lang in parse_choice(value))
    if appointment is not None and appointment.language:
        where = f"{appointment.appointment_id or 'the appointment'}: language"
        return tuple(lang.code for lang in parse_choice(appointment.language, where))
    return (layout.layout.language,)

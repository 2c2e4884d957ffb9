"""The handout library: every procedure x layout, built into output/library/<layout>/<code>-<slug>.pdf.

Incremental: each handout's inputs (procedure file, layout files and assets, fonts, the tool itself)
are hashed; a handout whose hashes match the manifest is not rendered again. Parallel: a process pool;
the PDFs are byte-identical whatever the number of workers. Sharded: --shard K/N builds a fixed,
balanced 1/N of the work and writes a manifest part; --catalog-only merges the parts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from handouts.codes import CODE_PATTERN
from handouts.errors import HandoutsError
from handouts.output import write_atomic
from handouts.project import LAYOUT_NAME, PACKAGE_DATA, Project

MANIFEST = "manifest.json"
LANGUAGE = "en"  # the source language; entries in others carry their code in key, file name and manifest
SMALL_BUILD = 8  # fewer handouts than this render faster here than in freshly started workers
CHECKPOINT_SECONDS = 0.5  # a kill loses at most this much work
JOURNAL = ".journal"  # manifest.json.journal: what was built since the manifest was last written whole


@dataclass(frozen=True)
class Job:
    layout: str
    code: str
    inputs: dict[str, str]
    language: str = LANGUAGE

    @property
    def key(self) -> str:
        # English, the source language, keeps the plain key (and file name); a translation adds its code.
        return f"{self.layout}/{self.code}" + ("" if self.language == LANGUAGE else f".{self.language}")

    @property
    def digest(self) -> str:
        return sha256_text(json.dumps(self.inputs, sort_keys=True))


class BuildStopped(Exception):
    """A stop was requested (SIGTERM, Ctrl-C): the build ended after the handout in hand."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


_stop = {"requested": 0}


def request_stop(signum: int = 15, frame=None) -> None:
    """A signal handler: stop after the current handout. Raising inside the handler instead could land
    in the middle of ReportLab, which turns any exception into a paragraph error."""
    if _stop["requested"] and signum == 2:
        raise KeyboardInterrupt  # a second Ctrl-C: stop now
    _stop["requested"] = signum


@dataclass
class BuildResult:
    built: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    untranslated: dict[str, list[str]] = field(default_factory=dict)  # language -> codes with no translation file

    @property
    def rate(self) -> float:
        return len(self.built) / self.seconds if self.seconds and self.built else 0.0


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sha256_files(paths) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.name).encode() + b"\0")
        digest.update(read_bytes(path))
    return digest.hexdigest()


def read_bytes(path) -> bytes:
    """A file's bytes. Plain os calls: a no-change build reads every procedure file, and Python's
    buffered file objects cost twice the system calls (~15 ms more for 900 files)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = []
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    finally:
        os.close(fd)
    return b"".join(chunks)


@lru_cache(maxsize=1)
def tool_hash() -> str:
    """The tool's own version: its code and data, and the ReportLab that draws."""
    import reportlab

    from handouts import __version__

    package = Path(__file__).parent
    files = sorted(package.glob("*.py")) + sorted(PACKAGE_DATA.rglob("*.yaml"))
    return sha256_text(f"{__version__}/{reportlab.Version}/{sha256_files(files)}")


@lru_cache(maxsize=None)
def fonts_hash(family: str, files: tuple[tuple[str, str], ...] = ()) -> str:
    from handouts.fonts import font_files

    return sha256_files(font_files(family, files))


def parse_shard(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        k, n = -1, 0
    if not (n >= 1 and 0 <= k < n):
        raise HandoutsError(f"--shard {text}: give K/N with N >= 1 and K from 0 to N-1, e.g. --shard 3/16")
    return k, n


def plan(
    project: Project, layouts: list[str], languages: list[str] | None = None, untranslated: dict | None = None
) -> tuple[list[Job], list[tuple[str, str]]]:
    """Every (layout, procedure, language) with its input hashes, sorted by key; and the layouts that
    failed to load. `languages`: each layout's own when None. A procedure with no translation file in a
    language is left out (and listed in `untranslated`): most clinics translate a few handouts, not all."""
    procedures = {code: hashlib.sha256(read_bytes(path)).hexdigest() for code, path in project.procedure_files().items()}
    jobs, failed = [], []
    for name in layouts:
        try:
            layout = project.layout(name)
        except HandoutsError as exc:
            failed.append((f"{name}/*", "; ".join(exc.lines)))
            continue
        for language in languages or [layout.layout.language]:
            translated = _translations(project, language)
            layout_files = [*layout.files, PACKAGE_DATA / "base-layout.yaml", PACKAGE_DATA / "wording" / f"{language}.yaml"]
            shared = {
                "layout": sha256_files(layout_files),
                "fonts": fonts_hash(layout.layout.fonts.family, layout.font_paths),
                "tool": tool_hash(),
            }
            for code, digest in procedures.items():
                if translated is not None and code not in translated:
                    if untranslated is not None and code not in untranslated.setdefault(language, []):
                        untranslated[language].append(code)
                    continue
                inputs = {"procedure": digest, **shared}
                if translated is not None:
                    inputs["translation"] = translated[code]
                jobs.append(Job(name, code, inputs, language))
    return sorted(jobs, key=lambda job: job.key), failed


def _translations(project: Project, language: str) -> dict[str, str] | None:
    """code -> hash of its translation file in `language`; None for English, which needs none."""
    if language == LANGUAGE:
        return None
    from handouts.content.translation import translation_files

    return {code: hashlib.sha256(path.read_bytes()).hexdigest() for code, path in translation_files(project, language).items()}


def shard_of(jobs: list[Job], shard: tuple[int, int]) -> list[Job]:
    """Round-robin over the sorted keys: deterministic, and no shard has more than one job more than another."""
    k, n = shard
    return jobs[k::n]


# ---------------------------------------------------------------- the work in each process


@lru_cache(maxsize=4)
def _project(root: str) -> Project:
    return Project(Path(root))


def render_job(root: str, out_dir: str, layout_name: str, code: str, language: str = LANGUAGE) -> dict[str, Any]:
    """Render one handout and write it; runs in a worker process."""
    from handouts.merge import title_of
    from handouts.output import slug
    from handouts.pipeline import render_in
    from handouts.render import page_count

    started = time.perf_counter()
    project = _project(root)
    try:
        procedure = project.procedure(code)
        layout = project.layout(layout_name)
        pdf = render_in(project, [procedure], layout, (language,))
        english = procedure
        if language != LANGUAGE:
            from handouts.content.translation import localize

            translated = localize(project, procedure, language)
            procedure, approved = translated.procedure, translated.approved
        relative = f"{layout_name}/{code}-{slug(procedure.title)}" + ("" if language == LANGUAGE else f"-{language}") + ".pdf"
        write_atomic(Path(out_dir) / relative, pdf, shown=relative)
    except HandoutsError as exc:
        return {"error": "; ".join(exc.lines)}
    except Exception as exc:  # noqa: BLE001 - one broken handout must not stop the library
        return {"error": f"internal error ({type(exc).__name__}: {exc})"}
    review = procedure.review
    if language == LANGUAGE:
        grade, lint_status = _lint_summary(procedure)
        reading, review_status = None, review.status
    else:
        grade, (reading, lint_status) = None, _translation_summary(project, english, language)
        review_status = "approved" if approved else "draft"
    return {
        "path": relative,
        "code": code,
        "layout": layout_name,
        "language": language,
        "title": title_of(procedure),
        "grade": grade,
        "reading": reading,  # a translation's reading ease, by its language's formula
        "lint": lint_status,
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "bytes": len(pdf),
        "pages": page_count(pdf),
        "review_status": review_status,
        "review_date": review.date.isoformat() if review.date else None,
        "content_version": review.content_version,
        "render_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _status(findings) -> str:
    """The catalog's lint column: draft status is shown in its own column, so it is not counted here."""
    counted = [f for f in findings if f.check != "draft"]
    errors = sum(f.level == "error" for f in counted)
    return "clean" if not counted else f"{errors} errors, {len(counted) - errors} warnings"


_LINTED: dict[tuple[str, str], tuple[float, str]] = {}


def _lint_summary(procedure) -> tuple[float, str]:
    """The reading grade and lint status the catalog shows; once per procedure version per process."""
    from handouts.content.lint import content_hash, lint_procedure

    key = (procedure.code, content_hash(procedure) + procedure.review.status)
    if key not in _LINTED:
        report = lint_procedure(procedure, procedure.code)
        status = _status(report.findings)
        if len(_LINTED) > 4096:
            _LINTED.clear()
        _LINTED[key] = (report.grade, status)
    return _LINTED[key]


_TRANSLATION_LINTED: dict[tuple, tuple[str, str]] = {}


def _translation_summary(project, procedure, language: str) -> tuple[str, str]:
    """A translation's reading ease and lint status for the catalog; once per version per process."""
    from handouts.content.lint import content_hash
    from handouts.content.translation import load, translated_hash
    from handouts.content.translation_lint import lint_translation

    translation = load(project, procedure.code, language)
    key = (procedure.code, language, content_hash(procedure), translated_hash(translation) if translation else "")
    if key not in _TRANSLATION_LINTED:
        report = lint_translation(project, procedure, language)
        status = _status(report.findings)
        if len(_TRANSLATION_LINTED) > 4096:
            _TRANSLATION_LINTED.clear()
        _TRANSLATION_LINTED[key] = (f"Fernández-Huerta {report.ease:.0f}" if report.ease else "", status)
    return _TRANSLATION_LINTED[key]


def _render_chunk(args: tuple[str, str, list[tuple[str, str, str]]]) -> list[dict[str, Any]]:
    root, out_dir, triples = args
    return [render_job(root, out_dir, layout, code, language) for layout, code, language in triples]


# ---------------------------------------------------------------- manifests


MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # ~100,000 handouts


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """A manifest, with its journal (the entries a killed build checkpointed) applied on top. Only the
    well-formed entries are kept; anything else in either file is ignored (a damaged or edited manifest
    only costs a rebuild). Both are untrusted: their paths name files to remove."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            raise ValueError("too big to be a manifest")
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data.get("handouts", {})
    except FileNotFoundError:
        entries = {}
    except (OSError, ValueError, AttributeError, RecursionError):
        entries = {}
    if not isinstance(entries, dict):
        entries = {}
    entries = {key: entry for key, entry in entries.items() if valid_entry(key, entry)}
    entries.update(read_journal(journal_of(path)))
    return entries


def journal_of(manifest: Path) -> Path:
    return manifest.with_name(manifest.name + JOURNAL)


def read_journal(path: Path) -> dict[str, dict[str, Any]]:
    entries: dict[str, dict[str, Any]] = {}
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return entries  # not one a build wrote: it only costs a rebuild
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    key, entry = json.loads(line)
                except (ValueError, TypeError, RecursionError):
                    continue  # the last line of a killed build may be cut short
                if valid_entry(key, entry):
                    entries[key] = entry
    except (OSError, UnicodeDecodeError):
        pass
    return entries


class Journal:
    """Checkpoints that cost what was built since the last one, not the size of the library: new
    entries are appended as JSON lines, and the manifest is written whole once, at the end."""

    def __init__(self, manifest: Path):
        self.path = journal_of(manifest)
        self.pending: list[tuple[str, dict[str, Any]]] = []

    def add(self, key: str, entry: dict[str, Any]) -> None:
        self.pending.append((key, entry))

    def flush(self) -> None:
        if not self.pending:
            return
        lines = "".join(json.dumps([key, entry], sort_keys=True) + "\n" for key, entry in self.pending)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(lines)
        self.pending.clear()

    def remove(self) -> None:
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass


def valid_entry(key: Any, entry: Any) -> bool:
    """An entry as build writes it: `layout/code` keys (`layout/code.es` for another language), and a path
    `layout/code-slug.pdf` (`...-es.pdf`) in the library."""
    if not isinstance(entry, dict) or not isinstance(key, str):
        return False
    layout, code, path = entry.get("layout"), entry.get("code"), entry.get("path")
    language = entry.get("language", LANGUAGE)
    if not all(isinstance(value, str) for value in (layout, code, path, language)):
        return False
    if not _LANGUAGE_CODE.fullmatch(language):
        return False
    suffix = "" if language == LANGUAGE else f".{language}"
    # The path is `layout/code-slug.pdf`: checked with one fixed pattern for the slug, since a pattern
    # made per entry would be compiled per entry (thousands, far past re's cache of 512).
    prefix = f"{layout}/{code}-"
    return (
        bool(LAYOUT_NAME.match(layout)) and bool(CODE_PATTERN.match(code)) and key == f"{layout}/{code}{suffix}"
        and path.startswith(prefix) and path.endswith(".pdf")
        and _SLUG.fullmatch(path[len(prefix):-len(".pdf")]) is not None
        and isinstance(entry.get("bytes"), int) and isinstance(entry.get("pages"), int)
        and isinstance(entry.get("title", ""), str) and len(entry.get("title", "")) <= 1000
    )


_LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")
_SLUG = re.compile(r"[a-z0-9-]{1,80}")


def write_manifest(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    languages = sorted({entry.get("language", LANGUAGE) for entry in entries.values()}) or [LANGUAGE]
    data = {"format": 1, "languages": languages, "handouts": dict(sorted(entries.items()))}
    write_atomic(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def part_name(shard: tuple[int, int]) -> str:
    return f"manifest.part-{shard[0]}-of-{shard[1]}.json"


def known_entries(out_dir: Path) -> dict[str, dict[str, Any]]:
    """What earlier builds recorded: the merged manifest, then every shard part (newest last wins)."""
    entries = read_manifest(out_dir / MANIFEST)
    for part in sorted(out_dir.glob("manifest.part-*-of-*.json"), key=lambda p: p.stat().st_mtime):
        entries.update(read_manifest(part))
    return entries


def is_current(job: Job, entry: dict[str, Any] | None, out_dir: Path) -> bool:
    if not entry or entry.get("inputs") != job.inputs:
        return False
    try:
        # os.path on strings: a no-change rebuild does this for every handout, and pathlib costs 10x.
        return os.stat(os.path.join(out_dir, entry["path"])).st_size == entry["bytes"]
    except (OSError, KeyError, TypeError):
        return False


# ---------------------------------------------------------------- the build


def build(
    project: Project,
    out_dir: Path,
    layouts: list[str] | None = None,
    jobs: int | None = None,
    shard: tuple[int, int] | None = None,
    force: bool = False,
    progress: Callable[[str, str], None] = lambda key, what: None,
    start_progress: Callable[[int], None] = lambda total: None,
    languages: list[str] | None = None,
) -> BuildResult:
    started = time.perf_counter()
    _check_library_folder(project, out_dir)
    _stop["requested"] = 0
    _project.cache_clear()  # files may have changed since an earlier build in this process
    result = BuildResult()
    all_layouts = project.layout_names()
    selected = layouts or all_layouts
    unknown = [name for name in selected if name not in all_layouts]
    if unknown:
        raise HandoutsError(f"unknown layout {unknown[0]!r}; known layouts: {', '.join(all_layouts) or 'none'}")
    _sweep_temporaries(out_dir, older_than=3600 if shard else 0)
    work, failed_layouts = plan(project, selected, languages, result.untranslated)
    result.failed.extend(failed_layouts)
    if shard is not None:
        work = shard_of(work, shard)
    known = known_entries(out_dir)
    entries, todo = _current_and_todo(work, known, out_dir, force, result)
    if shard is None:
        # A layout given by name keeps the records of other layouts; with none given, the records of
        # deleted layouts are in scope too.
        scope = set(selected) | ({entry.get("layout") for entry in known.values()} - set(all_layouts) if not layouts else set())
        _drop_unplanned(out_dir, known, work, scope, languages, entries, result)
    manifest_path = out_dir / (part_name(shard) if shard else MANIFEST)
    start_progress(len(todo))
    _make(project, out_dir, todo, jobs, known, entries, manifest_path, progress, result)
    if shard is None:
        _refresh_catalogs(project, out_dir, known, entries, result)
    result.seconds = time.perf_counter() - started
    return result


def _current_and_todo(work: list[Job], known: dict, out_dir: Path, force: bool, result: BuildResult):
    """(the manifest entries of handouts already current, the jobs to build)."""
    entries: dict[str, dict[str, Any]] = {}
    todo: list[Job] = []
    for job in work:
        key = job.key  # a property: built once here, not per use (thousands of jobs)
        entry = known.get(key)
        if not force and is_current(job, entry, out_dir):
            entries[key] = entry
            result.unchanged.append(key)
        else:
            todo.append(job)
    return entries, todo


def _drop_unplanned(out_dir: Path, known: dict, work: list[Job], scope: set, languages: list[str] | None,
                    entries: dict, result: BuildResult) -> None:
    """Everything recorded for a layout in scope that is no longer planned goes; the rest is kept."""
    planned = {job.key for job in work}
    # A build in some languages leaves the library's other languages alone (as it does other layouts).
    built_languages = {job.language for job in work} | set(languages or [])
    for key, entry in known.items():
        if key in planned:
            continue
        language = entry.get("language", LANGUAGE)
        if entry.get("layout") in scope and (language in built_languages or not work):
            _remove(out_dir, entry)
            result.removed.append(key)
        else:
            entries[key] = entry  # another layout's handout, not part of this build


def _make(project: Project, out_dir: Path, todo: list[Job], jobs: int | None, known: dict, entries: dict,
          manifest_path: Path, progress: Callable[[str, str], None], result: BuildResult) -> None:
    """Build the jobs, journaling each so that an interrupted build resumes; the manifest at the end."""
    last_checkpoint = time.monotonic()
    journal = Journal(manifest_path)
    journaled = journal.path.exists()
    try:
        for job, outcome in _run(project, out_dir, todo, jobs):
            if "error" in outcome:
                result.failed.append((job.key, outcome["error"]))
                progress(job.key, "failed")
                if job.key in known:
                    _remove(out_dir, known[job.key])  # its inputs changed: the old PDF is out of date
                continue
            old = known.get(job.key)
            if old and old.get("path") != outcome["path"]:
                _remove(out_dir, old)  # the title changed, so the file name did
            entries[job.key] = {**outcome, "inputs": job.inputs}
            journal.add(job.key, entries[job.key])
            result.built.append(job.key)
            progress(job.key, "built")
            if _stop["requested"]:
                raise BuildStopped(_stop["requested"])
            if time.monotonic() - last_checkpoint > CHECKPOINT_SECONDS:
                # An interrupted build keeps what it finished: the next one resumes from here.
                journal.flush()
                last_checkpoint = time.monotonic()
    finally:
        if journaled or entries != known or not manifest_path.exists():
            write_manifest(manifest_path, entries)
        journal.remove()


def _refresh_catalogs(project: Project, out_dir: Path, known: dict, entries: dict, result: BuildResult) -> None:
    """Only the catalogs of layouts where something a catalog shows has changed are made again."""
    changed = {key.split("/")[0] for key in result.removed}
    changed |= {
        key.split("/")[0]
        for key in result.built
        if _catalog_view(known.get(key)) != _catalog_view(entries.get(key))
    }
    changed |= {name for name in {e["layout"] for e in entries.values()} if not (out_dir / name / "catalog.pdf").exists()}
    if changed or not (out_dir / "index.html").exists():
        from handouts.catalog import write_catalog

        write_catalog(project, out_dir, entries, changed)


def _check_library_folder(project: Project, out_dir: Path) -> None:
    shown = project.display(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise HandoutsError(f"{shown}: is a file, not a folder; give a folder for the library with -o")
    project.check_output(out_dir, "-o")


def merge_parts(project: Project, out_dir: Path) -> BuildResult:
    """--catalog-only: merge the shards' manifest parts into the manifest and the catalog."""
    started = time.perf_counter()
    _check_library_folder(project, out_dir)
    result = BuildResult()
    known = known_entries(out_dir)
    if not known:
        raise HandoutsError(f"{project.display(out_dir)}: no manifest or manifest parts to merge; run the shards first")
    # Each layout in the languages the shards built it in (its own language at least).
    languages = sorted({entry.get("language", LANGUAGE) for entry in known.values()})
    built_in = {(entry.get("layout"), entry.get("language", LANGUAGE)) for entry in known.values()}
    planned = {
        job.key for job in plan(project, project.layout_names(), languages)[0]
        if (job.layout, job.language) in built_in or job.language == project.layout(job.layout).layout.language
    }
    entries = {}
    for key, entry in known.items():
        if key in planned:
            entries[key] = entry
            result.unchanged.append(key)
        else:
            _remove(out_dir, entry)
            result.removed.append(key)
    missing = sorted(planned - set(entries))
    result.failed.extend((key, "not built by any shard") for key in missing)
    write_manifest(out_dir / MANIFEST, entries)
    from handouts.catalog import write_catalog

    write_catalog(project, out_dir, entries)
    result.seconds = time.perf_counter() - started
    return result


def _sweep_temporaries(out_dir: Path, older_than: float) -> None:
    """Remove temporary files a killed build left (a kill -9 leaves no chance to clean up). Shards may
    share the folder and be writing right now, so they only remove old ones."""
    if not out_dir.is_dir():
        return
    now = time.time()
    # os.walk rather than rglob(".*.tmp"): the same files (".x.tmp", not following links), a third of the time.
    for folder, _, names in os.walk(out_dir):
        for name in names:
            if name.startswith(".") and name.endswith(".tmp") and len(name) >= 5:
                path = os.path.join(folder, name)
                try:
                    if now - os.stat(path).st_mtime >= older_than:
                        os.unlink(path)
                except OSError:
                    pass


def _catalog_view(entry: dict[str, Any] | None) -> tuple | None:
    if entry is None:
        return None
    return tuple(entry.get(name) for name in (
        "path", "title", "pages", "review_status", "review_date", "grade", "reading", "lint", "language"))


def _remove(out_dir: Path, entry: dict[str, Any]) -> None:
    """Remove a handout the library no longer has: only ever a PDF inside the library folder."""
    try:
        library = out_dir.resolve()
        target = out_dir / entry["path"]
        if target.suffix != ".pdf" or not target.parent.resolve().is_relative_to(library) or target.is_symlink():
            return
        target.unlink()
    except (OSError, KeyError, TypeError, ValueError):
        pass


def _run(project: Project, out_dir: Path, todo: list[Job], jobs: int | None) -> Iterator[tuple[Job, dict]]:
    from handouts.parallel import workers as parallel_workers

    if not todo:
        return
    workers = parallel_workers(jobs)
    root, out = str(project.root), str(out_dir)
    if workers == 1 or len(todo) < SMALL_BUILD:
        for job in todo:
            yield job, render_job(root, out, job.layout, job.code, job.language)
        return
    # Chunks of one layout's handouts: each worker loads a layout once and renders several.
    size = max(1, min(16, len(todo) // (workers * 4)))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    from concurrent.futures.process import BrokenProcessPool

    from handouts.parallel import pool as worker_pool  # only a big build needs the pool

    with worker_pool(workers) as pool:
        args = [(root, out, [(job.layout, job.code, job.language) for job in chunk]) for chunk in chunks]
        try:
            for chunk, outcomes in zip(chunks, pool.map(_render_chunk, args)):
                yield from zip(chunk, outcomes)
        except BrokenProcessPool:
            if _stop["requested"]:
                raise BuildStopped(_stop["requested"]) from None
            raise HandoutsError(
                "a worker process died (killed, or out of memory); run the build again: what was finished is kept"
            ) from None
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise

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
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from handouts.errors import HandoutsError
from handouts.output import write_atomic
from handouts.project import PACKAGE_DATA, Project

MANIFEST = "manifest.json"
LANGUAGE = "en"  # one language for now; keys and manifest entries already carry it
SMALL_BUILD = 8  # fewer handouts than this render faster here than in freshly started workers
CHECKPOINT_SECONDS = 0.5  # a manifest write costs a few ms; a kill loses at most this much work


@dataclass(frozen=True)
class Job:
    layout: str
    code: str
    inputs: dict[str, str]

    @property
    def key(self) -> str:
        return f"{self.layout}/{self.code}"

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

    @property
    def rate(self) -> float:
        return len(self.built) / self.seconds if self.seconds and self.built else 0.0


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sha256_files(paths) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.name).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()


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


def plan(project: Project, layouts: list[str]) -> tuple[list[Job], list[tuple[str, str]]]:
    """Every (layout, procedure) with its input hashes, sorted by key; and the layouts that failed to load."""
    procedures = {code: hashlib.sha256(path.read_bytes()).hexdigest() for code, path in project.procedure_files().items()}
    jobs, failed = [], []
    for name in layouts:
        try:
            layout = project.layout(name)
        except HandoutsError as exc:
            failed.append((f"{name}/*", "; ".join(exc.lines)))
            continue
        layout_files = [*layout.files, PACKAGE_DATA / "base-layout.yaml", PACKAGE_DATA / "wording" / f"{layout.layout.language}.yaml"]
        shared = {
            "layout": sha256_files(layout_files),
            "fonts": fonts_hash(layout.layout.fonts.family, layout.font_paths),
            "tool": tool_hash(),
        }
        for code, digest in procedures.items():
            jobs.append(Job(name, code, {"procedure": digest, **shared}))
    return sorted(jobs, key=lambda job: job.key), failed


def shard_of(jobs: list[Job], shard: tuple[int, int]) -> list[Job]:
    """Round-robin over the sorted keys: deterministic, and no shard has more than one job more than another."""
    k, n = shard
    return jobs[k::n]


# ---------------------------------------------------------------- the work in each process


@lru_cache(maxsize=4)
def _project(root: str) -> Project:
    return Project(Path(root))


def render_job(root: str, out_dir: str, layout_name: str, code: str) -> dict[str, Any]:
    """Render one handout and write it; runs in a worker process."""
    from handouts.output import slug
    from handouts.pipeline import render_pdf
    from handouts.render import page_count

    started = time.perf_counter()
    project = _project(root)
    try:
        procedure = project.procedure(code)
        layout = project.layout(layout_name)
        pdf = render_pdf(procedure, layout)
        relative = f"{layout_name}/{code}-{slug(procedure.title)}.pdf"
        write_atomic(Path(out_dir) / relative, pdf, shown=relative)
    except HandoutsError as exc:
        return {"error": "; ".join(exc.lines)}
    except Exception as exc:  # noqa: BLE001 - one broken handout must not stop the library
        return {"error": f"internal error ({type(exc).__name__}: {exc})"}
    review = procedure.review
    return {
        "path": relative,
        "code": code,
        "layout": layout_name,
        "language": LANGUAGE,
        "title": procedure.title,
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "bytes": len(pdf),
        "pages": page_count(pdf),
        "review_status": review.status,
        "review_date": review.date.isoformat() if review.date else None,
        "content_version": review.content_version,
        "render_ms": round((time.perf_counter() - started) * 1000, 1),
    }


def _worker_start(parent: int) -> None:
    """In each worker: die with the build. A forked worker inherits the build's stop handler, which
    only sets a flag, so without this a killed build leaves workers that ignore SIGTERM and block for ever."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # Ctrl-C reaches the whole process group: the build itself decides (finish the handout in hand);
    # a worker killed mid-handout would only break the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG: the kernel kills us when the parent dies
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the build died before prctl took effect
        os._exit(1)


def _render_chunk(args: tuple[str, str, list[tuple[str, str]]]) -> list[dict[str, Any]]:
    root, out_dir, pairs = args
    return [render_job(root, out_dir, layout, code) for layout, code in pairs]


# ---------------------------------------------------------------- manifests


MAX_MANIFEST_BYTES = 64 * 1024 * 1024  # ~100,000 handouts


def read_manifest(path: Path) -> dict[str, dict[str, Any]]:
    """The entries of a manifest that are well formed; anything else in it is ignored (a damaged or
    edited manifest only costs a rebuild). A manifest is untrusted: its paths name files to remove."""
    try:
        if path.stat().st_size > MAX_MANIFEST_BYTES:
            return {}
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data.get("handouts", {})
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, AttributeError, RecursionError):
        return {}
    if not isinstance(entries, dict):
        return {}
    return {key: entry for key, entry in entries.items() if valid_entry(key, entry)}


def valid_entry(key: Any, entry: Any) -> bool:
    """An entry as build writes it: `layout/code` keys, and a path `layout/code-slug.pdf` in the library."""
    from handouts.project import LAYOUT_NAME
    from handouts.schema import CODE_PATTERN

    if not isinstance(entry, dict) or not isinstance(key, str):
        return False
    layout, code, path = entry.get("layout"), entry.get("code"), entry.get("path")
    if not all(isinstance(value, str) for value in (layout, code, path)):
        return False
    return (
        bool(LAYOUT_NAME.match(layout)) and bool(CODE_PATTERN.match(code)) and key == f"{layout}/{code}"
        and re.fullmatch(rf"{re.escape(layout)}/{re.escape(code)}-[a-z0-9-]{{1,64}}\.pdf", path) is not None
        and isinstance(entry.get("bytes"), int) and isinstance(entry.get("pages"), int)
        and isinstance(entry.get("title", ""), str) and len(entry.get("title", "")) <= 1000
    )


def write_manifest(path: Path, entries: dict[str, dict[str, Any]]) -> None:
    data = {"format": 1, "language": LANGUAGE, "handouts": dict(sorted(entries.items()))}
    write_atomic(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def part_name(shard: tuple[int, int]) -> str:
    return f"manifest.part-{shard[0]}-of-{shard[1]}.json"


def known_entries(out_dir: Path) -> dict[str, dict[str, Any]]:
    """What earlier builds recorded: the merged manifest, then every shard part (newest last wins)."""
    entries = read_manifest(out_dir / MANIFEST)
    for part in sorted(out_dir.glob("manifest.part-*.json"), key=lambda p: p.stat().st_mtime):
        entries.update(read_manifest(part))
    return entries


def is_current(job: Job, entry: dict[str, Any] | None, out_dir: Path) -> bool:
    if not entry or entry.get("inputs") != job.inputs:
        return False
    try:
        return (out_dir / entry["path"]).stat().st_size == entry["bytes"]
    except (OSError, KeyError):
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
    work, failed_layouts = plan(project, selected)
    result.failed.extend(failed_layouts)
    if shard is not None:
        work = shard_of(work, shard)
    known = known_entries(out_dir)
    entries: dict[str, dict[str, Any]] = {}
    todo: list[Job] = []
    for job in work:
        entry = known.get(job.key)
        if not force and is_current(job, entry, out_dir):
            entries[job.key] = entry
            result.unchanged.append(job.key)
        else:
            todo.append(job)

    manifest_path = out_dir / (part_name(shard) if shard else MANIFEST)
    if shard is None:
        # Everything recorded for a selected (or since deleted) layout that is no longer planned goes.
        planned = {job.key for job in work}
        in_scope = set(selected) | ({entry.get("layout") for entry in known.values()} - set(all_layouts) if not layouts else set())
        for key, entry in known.items():
            if key in planned:
                continue
            if entry.get("layout") in in_scope:
                _remove(out_dir, entry)
                result.removed.append(key)
            else:
                entries[key] = entry  # another layout's handout, not part of this build

    start_progress(len(todo))
    last_checkpoint = time.monotonic()
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
            result.built.append(job.key)
            progress(job.key, "built")
            if _stop["requested"]:
                raise BuildStopped(_stop["requested"])
            if time.monotonic() - last_checkpoint > CHECKPOINT_SECONDS:
                # An interrupted build keeps what it finished: the next one resumes from here.
                write_manifest(manifest_path, entries)
                last_checkpoint = time.monotonic()
    finally:
        write_manifest(manifest_path, entries)
    if shard is None:
        # Only the catalogs of layouts where something a catalog shows has changed are made again.
        changed = {key.split("/")[0] for key in result.removed}
        changed |= {
            key.split("/")[0]
            for key in result.built
            if _catalog_view(known.get(key)) != _catalog_view(entries.get(key))
        }
        changed |= {e["layout"] for e in entries.values() if not (out_dir / e["layout"] / "catalog.pdf").exists()}
        if changed or not (out_dir / "index.html").exists():
            from handouts.catalog import write_catalog

            write_catalog(project, out_dir, entries, changed)
    result.seconds = time.perf_counter() - started
    return result


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
    planned = {job.key for job in plan(project, project.layout_names())[0]}
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
    for path in out_dir.rglob(".*.tmp"):
        try:
            if now - path.stat().st_mtime >= older_than:
                path.unlink()
        except OSError:
            pass


def _catalog_view(entry: dict[str, Any] | None) -> tuple | None:
    if entry is None:
        return None
    return tuple(entry.get(name) for name in ("path", "title", "pages", "review_status", "review_date"))


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
    if not todo:
        return
    workers = max(1, jobs or os.cpu_count() or 1)
    root, out = str(project.root), str(out_dir)
    if workers == 1 or len(todo) < SMALL_BUILD:
        for job in todo:
            yield job, render_job(root, out, job.layout, job.code)
        return
    # Chunks of one layout's handouts: each worker loads a layout once and renders several.
    size = max(1, min(16, len(todo) // (workers * 4)))
    chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
    import multiprocessing

    context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=_worker_start, initargs=(os.getpid(),)
    ) as pool:
        args = [(root, out, [(job.layout, job.code) for job in chunk]) for chunk in chunks]
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

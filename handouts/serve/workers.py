"""Rendering in worker processes, one per core, so 8 people at once do not queue behind one core and
the server itself stays free to answer.

Why one HTTP process and a pool of renderers, rather than uvicorn's `--workers` (N copies of the whole
app sharing the socket): previews' page images and a day's PDFs live in the HTTP process's memory and
are fetched by later requests, which a browser may send on any of its connections (with N copies they
would land on a copy that never made them, and patient data must not go to disk to be shared); and
uvicorn's workers share out connections, not requests, so 8 kept-alive browsers can end up 6 on one
core and 2 on the other. Here every request goes to the next free renderer. The cost of the hop is
~0.3-0.7 ms (measured: a round trip with a 50 KB result) and ~2 ms of the HTTP process's CPU per
request, all of HTTP included.

Each worker keeps its own warm state (imports, fonts, logo images, loaded content) and checks file
times itself, so edits are picked up in every worker. With `workers=0` everything runs in the server's
own process (tests; one-core machines). Nothing here imports the web framework: workers start fast.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from handouts.errors import HandoutsError
from handouts.serve.content import Content

_contents: dict[tuple[str, str | None], Content] = {}


class RendererRestarted(Exception):
    """A worker died (out of memory, killed); the pool was made again and the request can be retried."""


def content(root: str, preferred: str | None) -> Content:
    """This process's Content for a project (one per process: its caches are what make renders fast)."""
    key = (root, preferred)
    if key not in _contents:
        _contents[key] = Content(Path(root), preferred)
    return _contents[key]


def warm(root: str, preferred: str | None) -> None:
    """A worker's first task: pay imports, font and logo loading before the first patient."""
    import datetime as dt

    from handouts.appointment import Appointment
    from handouts.pipeline import render_pdf

    live = content(root, preferred)
    project = live.fresh()
    codes = list(project.procedure_files())
    try:
        if codes:
            sample = Appointment(date=dt.date.today() + dt.timedelta(days=7), time=dt.time(9, 0), patient="Sample")
            png(render_pdf([project.procedure(codes[0])], project.layout(live.default_layout()), sample), 1)
    except HandoutsError:
        pass  # a broken file is shown on the page, where it is used
    _open_record(project)


def _open_record(project) -> None:
    """Open the education record now (~8 ms: SQLite, WAL, schema check) rather than on the first
    patient's handout; only if it exists, so starting the server never makes one."""
    from handouts import record
    from handouts.record import db

    if db.path_in(project.output_dir).exists():
        try:
            record.connection(project.output_dir, project.display(project.output_dir))
        except HandoutsError:
            pass  # shown when a handout is recorded


def _start_worker(root: str, preferred: str | None) -> None:
    import signal

    # Ctrl-C reaches the whole process group: the server stops its workers itself, quietly.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    warm(root, preferred)


def handout(root: str, preferred: str | None, form, outcome, for_patient: bool = False):
    from handouts.serve.handout import make

    return make(content(root, preferred), form, outcome, for_patient)


def day(root: str, preferred: str | None, data: bytes, shown: str, layout: str, max_rows: int):
    from handouts.serve.day import make_day

    return make_day(content(root, preferred).fresh(), data, shown, layout, max_rows)


def packet(root: str, preferred: str | None, done, layout: str):
    from handouts.schedule import build_packet

    return build_packet(content(root, preferred).fresh(), done, layout)


def png(pdf: bytes, number: int, dpi: int = 60) -> bytes | None:
    """One page as a PNG for the preview (pypdfium2: no system packages); None past the last page."""
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        if not 1 <= number <= len(document):
            return None
        buffer = io.BytesIO()
        # compress_level=1: 11 ms instead of 17 ms a page (PIL's default 6), for a file 13 % larger
        # that only crosses to this computer's (or the clinic's) browser.
        document[number - 1].render(scale=dpi / 72).to_pil().save(buffer, format="PNG", compress_level=1)
        return buffer.getvalue()
    finally:
        document.close()


class Renderer:
    def __init__(self, root: Path, preferred: str | None, workers: int):
        self.args = (str(root), preferred)
        self.workers = workers
        self.pool = self._pool() if workers else None

    def _pool(self) -> ProcessPoolExecutor:
        import multiprocessing

        # spawn, not fork: the server has threads and an event loop a forked child must not inherit.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_start_worker, initargs=self.args)

    def start(self) -> None:
        """Start every worker now (each warms up as it starts), not on the first patient's request."""
        if self.pool is not None:
            for future in [self.pool.submit(abs, 0) for _ in range(self.workers * 2)]:
                future.result()

    async def run(self, function, *args, project: bool = True):
        args = (*self.args, *args) if project else args
        if self.pool is None:
            return function(*args)
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, function, *args)
        except BrokenProcessPool:
            self.pool = self._pool()
            raise RendererRestarted() from None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

"""Shared test helpers: a throw-away copy of the repository's project, the CLI, and PDF reading."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handouts.cli import app

# Validated content is cached per user; tests keep theirs apart (subprocesses inherit it).
if "HANDOUTS_CACHE_DIR" not in os.environ:
    os.environ["HANDOUTS_CACHE_DIR"] = tempfile.mkdtemp(prefix="handouts-test-cache-")
    atexit.register(shutil.rmtree, os.environ["HANDOUTS_CACHE_DIR"], True)

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
SEEDS = {
    "01936": DATA / "seeds" / "000_ea84c046b5350089.txt",
    "77003": DATA / "seeds" / "001_31cf683fb6795644.txt",
    "01992": ROOT / "examples" / "pages" / "01992.txt",  # the README imports it
    "00632": DATA / "seeds" / "003_276240e88cb2b8c1.txt",
    "64634": DATA / "seeds" / "004_a59f6d7c92cd111f.txt",
}
LAYOUTS = ("default", "riverside-spine", "northgate-pain")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the repository's procedures/ and layouts/ that a test may change."""
    root = tmp_path / "project"
    shutil.copytree(ROOT / "procedures", root / "procedures")
    shutil.copytree(ROOT / "layouts", root / "layouts")
    shutil.copytree(ROOT / "examples", root / "examples")
    return root


def run(project: Path, *args: str):
    """Run the CLI in-process, as `handouts --project PROJECT ARGS...` typed in the project folder
    (printed paths are relative to the current folder)."""
    here = os.getcwd()
    os.chdir(project)
    try:
        return CliRunner().invoke(app, ["--project", str(project), *args])
    finally:
        os.chdir(here)


def pdf_text(source) -> str:
    """All the text of a PDF (path or bytes), whitespace folded so wrapped lines compare equal."""
    reader = pdf_reader(source)
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def pdf_reader(source):
    import io

    from pypdf import PdfReader

    return PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)


def folded(text: str) -> str:
    return " ".join(text.split())


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


class TookTooLong(Exception):
    pass


def within(seconds: float):
    """A context that fails (TookTooLong) when its body runs longer than `seconds`: for inputs that
    used to hang. Not a speed target (those live in benchmarks/): a bound ten times above normal."""
    import contextlib
    import signal

    @contextlib.contextmanager
    def limit():
        def stop(*_):
            raise TookTooLong(f"took over {seconds} s")

        previous = signal.signal(signal.SIGALRM, stop)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return limit()


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def fresh_renders(project: Path, tmp_path: Path, probe: str, entry: str = "handouts.cli") -> list[str]:
    """Render 64634 (riverside-spine) twice, each in a fresh process sharing one empty cache folder (the
    first run fills it, the second reads it), and return what `probe` (an expression) gave after each.
    The two PDFs must be byte-identical."""
    import subprocess
    import sys

    env = {**os.environ, "HANDOUTS_CACHE_DIR": str(tmp_path / "cache")}
    script = (
        f"import sys; from {entry} import main; sys.argv[1:] = {{args!r}}\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('probe', {probe}, file=sys.stderr)"
    )
    seen = []
    for n in range(2):
        args = ["--project", str(project), "render", "64634", "-l", "riverside-spine", "-o", str(tmp_path / f"{n}.pdf")]
        done = subprocess.run([sys.executable, "-c", script.format(args=args)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        seen.append(done.stderr.strip().splitlines()[-1].removeprefix("probe "))
    assert (tmp_path / "0.pdf").read_bytes() == (tmp_path / "1.pdf").read_bytes()
    return seen

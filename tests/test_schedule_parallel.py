"""A day's schedule made by worker processes gives the same files, the same packet and the same error
lines, in the same order, as one made in a single process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from handouts import parallel
from handouts.errors import HandoutsError
from test_schedule import BAD, write_schedule


def schedule(project, csv_path, out, jobs: int) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "handouts", "--project", str(project), "schedule", str(csv_path),
         "-l", "riverside-spine", "-o", str(out), "--packet", "--jobs", str(jobs)],
        capture_output=True, text=True, cwd=project,
    )


def test_workers_make_what_one_process_makes(project, tmp_path):
    csv_path = tmp_path / "day.csv"
    names = write_schedule(csv_path, rows=14)
    one = schedule(project, csv_path, tmp_path / "one", 1)
    two = schedule(project, csv_path, tmp_path / "two", 2)
    assert one.returncode == two.returncode == 1  # row 7 is bad
    errors = [[line for line in done.stderr.splitlines() if line.startswith("Error: row")] for done in (one, two)]
    assert errors[0] == errors[1] and [line.split(":")[1] for line in errors[0]] == [
        f" row {n}" for n in sorted(BAD) if n <= 15]
    assert one.stdout.replace("/one", "/two") == two.stdout  # the same rows, in the same order
    files = sorted(p.name for p in (tmp_path / "one").glob("*.pdf"))
    assert files == sorted(p.name for p in (tmp_path / "two").glob("*.pdf")) and len(files) == 14 - 2 + 1
    for name in files:  # every handout and the packet, byte for byte
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes(), name
    for name in names.values():
        assert name not in two.stdout + two.stderr


def square(n: int) -> int:
    return n * n


def test_results_come_back_in_order_with_the_passed_through_items():
    items = [(i, None if i % 4 == 0 else i) for i in range(25)]
    assert list(parallel.in_order(items, square, jobs=2)) == [(i, None if i % 4 == 0 else i * i) for i in range(25)]


def die(n: int) -> int:
    import os

    if n == 3:
        os._exit(9)  # a worker killed (out of memory, say)
    return n


def test_a_worker_that_dies_is_one_clear_error():
    with pytest.raises(HandoutsError, match="a worker process died"):
        list(parallel.in_order(((i, i) for i in range(10)), die, jobs=2))

"""A day's schedule with --packet as a fresh process: time and peak memory, at several sizes.

    python benchmarks/schedule.py [--rows 50 100 200] [--jobs 1 2]

Each size runs with each --jobs value (the tool's default is one worker per core). Peak memory is the
largest sum, sampled every 10 ms, of the proportional set size of the tool's process and its workers
(pages they share counted once).

Invented patients, the codes of the repository's procedures (some rows combine two), layout
riverside-spine. Targets: 200 rows <= 5 s and <= 100 MB at peak, memory flat in the number of rows.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODES = ["01992 77003", "64634", "01936;77003", "00632", "77003"]


def write_schedule(path: Path, rows: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["appointment_id", "patient", "date", "time", "codes", "provider", "location"])
        for i in range(rows):
            minutes = 7 * 60 + (i * 3) % (11 * 60)
            writer.writerow([f"A{1000 + i}", f"Patient {i}", "2027-03-15", f"{minutes // 60:02d}:{minutes % 60:02d}",
                             CODES[i % len(CODES)], "Dr. Chen", "Suite 200"])


def tree_rss_kb(pid: int) -> int:
    """Memory of a process and all its descendants, in kB: the proportional set size (Linux /proc), which
    counts a page shared by forked workers once in all, not once in each."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("Pss:")), 0)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    stack.extend(int(child) for child in children.read().split())
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue
    return total


def run(rows: int, folder: Path, jobs: int | None) -> tuple[float, float, float]:
    """(wall s, CPU s of the tool and its workers, peak MB of them together) of `handouts schedule ... --packet`."""
    schedule = folder / f"day-{rows}.csv"
    write_schedule(schedule, rows)
    command = [sys.executable, "-m", "handouts", "--project", str(ROOT), "schedule", str(schedule),
               "-l", "riverside-spine", "-o", str(folder / f"out-{rows}-{jobs}"), "--packet"]
    command += ["--jobs", str(jobs)] if jobs else []
    before = os.times()
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], tree_rss_kb(process.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, errors = process.communicate()
    wall = time.perf_counter() - start
    sampler.join()
    after = os.times()
    if process.returncode != 0:
        sys.exit(f"schedule of {rows} rows failed:\n{errors[-2000:]}")
    cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    return wall, cpu, peak[0] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--jobs", type=int, nargs="+", default=[0], help="0: the tool's default (one per core)")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            for jobs in args.jobs:
                wall, cpu, peak = run(rows, Path(tmp), jobs or None)
                print(f"schedule of {rows:4d} rows with --packet, jobs {jobs or 'default'}: {wall:6.2f} s wall, "
                      f"{cpu:6.2f} s CPU, peak {peak:5.0f} MB (all processes)   (target at 200: <= 5 s, <= 100 MB, flat)")


if __name__ == "__main__":
    main()

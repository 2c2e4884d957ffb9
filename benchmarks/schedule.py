"""A day's schedule with --packet as a fresh process: time and peak memory, at several sizes.

    python benchmarks/schedule.py [--rows 50 100 200]

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


def run(rows: int, folder: Path) -> tuple[float, float, float]:
    """(wall s, CPU s, peak MB) of `handouts schedule ... --packet`."""
    schedule = folder / f"day-{rows}.csv"
    write_schedule(schedule, rows)
    command = ["/usr/bin/time", "-f", "%e %U %S %M", sys.executable, "-m", "handouts", "--project", str(ROOT),
               "schedule", str(schedule), "-l", "riverside-spine", "-o", str(folder / f"out-{rows}"), "--packet"]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"schedule of {rows} rows failed:\n{done.stderr[-2000:]}")
    _, user, system, peak_kb = done.stderr.strip().splitlines()[-1].split()
    return wall, float(user) + float(system), int(peak_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[50, 100, 200])
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in args.rows:
            wall, cpu, peak = run(rows, Path(tmp))
            print(f"schedule of {rows:4d} rows with --packet: {wall:6.2f} s wall, {cpu:6.2f} s CPU, "
                  f"peak {peak:5.0f} MB   (target at 200: <= 5 s, <= 100 MB, flat)")


if __name__ == "__main__":
    main()

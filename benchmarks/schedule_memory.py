"""Peak memory of `handouts schedule` as the number of rows grows, each run a fresh process.

    python benchmarks/schedule_memory.py [--rows 100 1000 10000] [--layout riverside-spine] [--packet-only]

Writes a synthetic day's schedule (invented patients, the repository's procedures and layouts) in a
temporary folder and runs `handouts schedule ... --packet` on it, measuring the process's peak
resident memory (ru_maxrss of the child, read with resource.getrusage in a fresh measuring process so
no earlier run counts). Target: memory flat in the number of rows, <= 100 MB at 10,000 rows with --packet.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODES = ["01992 77003", "64634", "01936;77003", "00632", "77003"]

# Runs in its own process: RUSAGE_CHILDREN there covers the one schedule run only.
MEASURE = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({"seconds": time.perf_counter() - start, "rc": done.returncode, "stderr": done.stderr[-500:],
                  "peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "stdout": done.stdout[-300:]}))
"""


def write_schedule(path: Path, rows: int) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["appointment_id", "patient", "date", "time", "codes", "provider", "location"])
        for i in range(rows):
            minutes = 7 * 60 + i % (12 * 60)
            writer.writerow([f"A{i:05d}", f"Patient {i}", "2026-12-03", f"{minutes // 60:02d}:{minutes % 60:02d}",
                             CODES[i % len(CODES)], "Dr. Chen", "Suite 200"])


def run(folder: Path, rows: int, layout: str, packet: bool) -> dict:
    schedule = folder / f"day-{rows}.csv"
    write_schedule(schedule, rows)
    out = folder / "output" / f"day-{rows}-{packet}"
    command = [sys.executable, "-m", "handouts", "--project", str(folder), "schedule", str(schedule), "-l", layout,
               "-o", str(out)] + (["--packet"] if packet else [])
    result = json.loads(subprocess.run([sys.executable, "-c", MEASURE, *command], capture_output=True,
                                       text=True, check=True).stdout)
    packet_file = next(out.glob("*-packet.pdf"), None)
    result["packet_mb"] = packet_file.stat().st_size / 1e6 if packet_file else 0.0
    shutil.rmtree(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--layout", default="riverside-spine")
    parser.add_argument("--packet-only", action="store_true", help="Only the runs with --packet.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary)
        shutil.copytree(ROOT / "procedures", folder / "procedures")
        shutil.copytree(ROOT / "layouts", folder / "layouts")
        print(f"{'rows':>6} {'packet':>6} {'peak MB':>8} {'seconds':>8} {'rows/s':>7} {'packet MB':>9}")
        for rows in args.rows:
            for packet in (True,) if args.packet_only else (False, True):
                r = run(folder, rows, args.layout, packet)
                if r["rc"] != 0:
                    print(f"run failed ({r['rc']}): {r['stderr']}", file=sys.stderr)
                print(f"{rows:>6} {str(packet):>6} {r['peak_kb'] / 1024:>8.1f} {r['seconds']:>8.1f} "
                      f"{rows / r['seconds']:>7.1f} {r['packet_mb']:>9.1f}", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark the EHR feeds, their outputs and the education record; print the figures.

    python benchmarks/feeds.py [--appointments 100]

Import costs are measured in fresh processes (median of 5, minus a bare Python's start-up). A day of
N appointments is written as CSV, as a FHIR Bundle and as HL7 SIU messages (the same appointments),
and each is run through `handouts schedule` as a fresh process; then FHIR again with --fhir-out and
--ics. The record's cost per handout and a listing of everything it holds are measured last.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = {
    "fhir.resources R4B (Bundle, Appointment, Patient, DocumentReference)": (
        "from fhir.resources.R4B import bundle, appointment, patient, documentreference"
    ),
    "hl7": "import hl7",
    "icalendar": "import icalendar",
    "sqlite3": "import sqlite3",
    "handouts.cli (for --help)": "import handouts.cli",
}
CODES = ("64634", "77003", "01992 77003", "00632", "01936 77003")


def seconds(args: list[str], repeat: int = 5) -> float:
    """Median CPU seconds (user + system) of a fresh process: steadier than the wall clock on a
    machine that other work shares; on an idle machine the two are within a few percent."""
    times = []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(args, check=False, capture_output=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(times)


def appointments(count: int) -> list[dict]:
    out = []
    for i in range(count):
        minutes = 7 * 60 + (i * 5) % (10 * 60)
        out.append({
            "id": f"B{10000 + i}", "name": ("Ana", f"Person{i}"), "hour": minutes // 60, "minute": minutes % 60,
            "codes": CODES[i % len(CODES)].split(),
        })
    return out


def write_feeds(folder: Path, items: list[dict]) -> dict[str, Path]:
    csv_lines = ["appointment_id,patient,date,time,codes,provider,location"]
    entries, messages = [], []
    for a in items:
        clock = f"{a['hour']:02d}:{a['minute']:02d}"
        csv_lines.append(f"{a['id']},{a['name'][0]} {a['name'][1]},2026-12-03,{clock},{' '.join(a['codes'])},Dr. Chen,Suite 200")
        entries.append({"resource": {"resourceType": "Patient", "id": f"p{a['id']}",
                                     "name": [{"given": [a["name"][0]], "family": a["name"][1]}]}})
        entries.append({"resource": {
            "resourceType": "Appointment", "id": a["id"], "status": "booked",
            "serviceType": [{"coding": [{"system": "http://www.ama-assn.org/go/cpt", "code": c} for c in a["codes"]]}],
            "start": f"2026-12-03T{clock}:00-05:00",
            "participant": [{"actor": {"reference": f"Patient/p{a['id']}"}, "status": "accepted"}],
        }})
        ais = "~".join(f"{c}^^C4" for c in a["codes"])
        messages.append(
            f"\x0bMSH|^~\\&|EHR|X|H|X|20261120||SIU^S12|M{a['id']}|P|2.5.1\r"
            f"SCH||{a['id']}^EHR|||||||30|min|^^30^20261203{a['hour']:02d}{a['minute']:02d}00-0500\r"
            f"PID|1||{a['id']}^^^X^MR||{a['name'][1]}^{a['name'][0]}\rAIS|1|A|{ais}\r\x1c\r"
        )
    paths = {"csv": folder / "day.csv", "fhir": folder / "day.json", "hl7": folder / "day.hl7"}
    paths["csv"].write_text("\n".join(csv_lines) + "\n")
    paths["fhir"].write_text(json.dumps({"resourceType": "Bundle", "type": "collection", "entry": entries}))
    paths["hl7"].write_text("".join(messages))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appointments", type=int, default=100)
    count = parser.parse_args().appointments
    python = sys.executable
    bare = seconds([python, "-c", "pass"])
    print(f"import costs (CPU time of a fresh process, minus {bare * 1000:.0f} ms for a bare Python):")
    for label, code in IMPORTS.items():
        print(f"  {label:<70} {(seconds([python, '-c', code]) - bare) * 1000:6.0f} ms")
    print(f"  {'handouts --help, whole command':<70} {seconds([python, '-m', 'handouts', '--help']) * 1000:6.0f} ms")

    with tempfile.TemporaryDirectory() as temp:
        project = Path(temp) / "project"
        for folder in ("procedures", "layouts"):
            shutil.copytree(ROOT / folder, project / folder)
        paths = write_feeds(Path(temp), appointments(count))
        print(f"\nhandouts schedule, {count} appointments, fresh process (CPU time), layout riverside-spine:")
        base = [python, "-m", "handouts", "--project", str(project), "schedule"]
        runs = {kind: [*base, str(path), "-l", "riverside-spine", "-o", str(project / "output" / kind)]
                for kind, path in paths.items()}
        runs["fhir + --fhir-out + --ics"] = [*runs["fhir"], "--fhir-out", str(project / "output" / "docs"), "--ics"]
        for kind, args in runs.items():
            took = seconds(args, repeat=1)
            print(f"  {kind:<28} {took:6.2f} s  {count / took:6.1f} handouts/s")

        sys.path.insert(0, str(ROOT))
        from handouts import record

        start = time.perf_counter()
        entries = record.entries(project / "output")
        listing = time.perf_counter() - start
        size = (project / "output" / "education-record.sqlite3").stat().st_size
        print(f"\neducation record: {len(entries)} entries, {size / 1024:.0f} KB, listing all of them {listing * 1000:.0f} ms")
        entry = entries[0]
        start, cpu = time.perf_counter(), time.process_time()
        for _ in range(200):
            record.add(project / "output", entry)
        wall, cpu = (time.perf_counter() - start) / 200, (time.process_time() - cpu) / 200
        print(f"  one entry added (own transaction, synchronous=FULL): {wall * 1000:.2f} ms ({cpu * 1000:.2f} ms CPU)")


if __name__ == "__main__":
    main()

"""One handout inside a warm process (what `serve`, `schedule` and `build` pay per handout), against a
bare ReportLab script drawing the same text in the same process, measured in one run.

    python benchmarks/render.py [--runs 60]

The bare drawing is benchmarks/startup.py's: the handout's text ready-made, the same fonts, sizes and
logo, plain paragraphs (no pictures, lists, boxes or two columns), no validation, no templates. The tool
runs its whole pipeline from the loaded project (compose, then render), with a different patient each
time for the personal handout so nothing of a patient's can be reused. Runs alternate; the figures are
medians of CPU time per handout (CPU time moves little with other processes' load).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from startup import BARE, handout_spec  # noqa: E402  (the same bare drawing as the start-up benchmark)


def bare_function(spec_path: Path):
    """BARE's drawing as a function of an output buffer, fonts registered once (as a warm process has them)."""
    source = BARE.replace("spec = json.load(open(sys.argv[1]))", "spec = SPEC")
    head, body = source.split("story = []", 1)
    namespace = {"SPEC": json.loads(spec_path.read_text())}
    exec(compile(head, "bare-setup", "exec"), namespace)
    body = "story = []" + body.replace("sys.argv[2]", "OUT")
    code = compile(body, "bare-draw", "exec")

    def draw() -> bytes:
        out = io.BytesIO()
        exec(code, {**namespace, "OUT": out})
        return out.getvalue()

    return draw


def cpu_ms(function) -> float:
    start = time.process_time()
    function()
    return (time.process_time() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    from handouts.appointment import Appointment
    from handouts.pipeline import make_pdf
    from handouts.project import Project

    project = Project(ROOT)
    with tempfile.TemporaryDirectory() as tmp:
        bare = bare_function(handout_spec(Path(tmp)))
    counter = iter(range(10**9))

    def personal():
        appointment = Appointment(patient=f"Maria Lopez {next(counter)}", date=dt.date(2026, 12, 3),
                                  time=dt.time(7, 45), provider="Dr. Chen", location="Suite 200")
        return make_pdf(project, ["01992", "77003"], "riverside-spine", appointment).pdf

    cases = {
        "handouts 64634 riverside-spine": lambda: make_pdf(project, ["64634"], "riverside-spine").pdf,
        "handouts 64634 default (no logo)": lambda: make_pdf(project, ["64634"], "default").pdf,
        "handouts 01992+77003, personal": personal,
        "bare ReportLab, 64634's text": bare,
    }
    for function in cases.values():  # warm: fonts, logo, validated content, kept parses
        for _ in range(3):
            function()
    times = {name: [] for name in cases}
    for _ in range(args.runs):
        for name, function in cases.items():
            times[name].append(cpu_ms(function))
    base = statistics.median(times["bare ReportLab, 64634's text"])
    print(f"one handout in a warm process, median CPU of {args.runs} alternating runs "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:34s} {median:6.1f} ms   {median / base:4.2f}x bare")


if __name__ == "__main__":
    main()

"""Cost per handout as the library grows, the no-change rebuild, and the logo's cost in one process.

    python benchmarks/scale.py [--small 100] [--large 900]
    python benchmarks/scale.py --nochange-only [--large 900]   # only 2.: one cold build, then 9 no-change runs

1. Builds a synthetic library (benchmarks/library.py's procedures x the 3 layouts) of 300 and of 2,700
   handouts with --jobs 1, each a fresh process, and prints the cost per handout: the cold build's
   time less a no-change run's (start-up, planning, reading the manifest), divided by the handouts.
   Target: 2,700 within 5 % of 300.
2. The no-change rebuild of 2,700 handouts. Target: <= 0.3 s.
3. In one process, the cost per handout of riverside-spine (with its logo) against default.
   Target: within 10 %.
CPU time is printed beside wall time: it barely moves with the load other processes put on the
machine.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from library import make_library  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def handouts(folder: Path, *args: str) -> tuple[float, float, str]:
    """(wall s, CPU s, stdout) of one fresh `handouts` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "handouts", "--project", str(folder), *args],
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"handouts {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime), done.stdout


def library_figures(procedures: int, cold_jobs: int = 1, runs: int = 5) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_library(folder, procedures)
        total = procedures * 3
        cold_wall, cold_cpu, out = handouts(folder, "build", "--jobs", str(cold_jobs))
        assert f"built {total}," in out, out
        nochange = [handouts(folder, "build", "--jobs", "1") for _ in range(runs)]
        assert all("built 0," in run[2] for run in nochange)
        manifest = folder / "output" / "library" / "manifest.json"
        entries = json.loads(manifest.read_text())["handouts"].values()
        fixed_wall = statistics.median(run[0] for run in nochange)
        fixed_cpu = statistics.median(run[1] for run in nochange)
        return {
            "handouts": total,
            "per_wall_ms": (cold_wall - fixed_wall) / total * 1000,
            "per_cpu_ms": (cold_cpu - fixed_cpu) / total * 1000,
            "raw_wall_ms": cold_wall / total * 1000,
            "nochange_wall": fixed_wall,
            "nochange_cpu": fixed_cpu,
            "nochange_best_wall": min(run[0] for run in nochange),
            "nochange_worst_wall": max(run[0] for run in nochange),
            "manifest_mb": manifest.stat().st_size / 1e6,
            # Each handout's own time, as the build recorded it: the median shrugs off load spikes.
            "median_render_ms": statistics.median(entry["render_ms"] for entry in entries),
        }


def in_process(rounds: int = 15, per_round: int = 20) -> dict[str, float]:
    from handouts.pipeline import render_pdf
    from handouts.project import Project

    project = Project(ROOT)
    procedure = project.procedure("64634")
    layouts = {name: project.layout(name) for name in ("default", "riverside-spine")}
    best = {name: float("inf") for name in layouts}
    for name, layout in layouts.items():
        render_pdf(procedure, layout)  # fonts registered, images built: once per process
    for _ in range(rounds):  # interleaved, so both see the same machine load; the best round counts
        for name, layout in layouts.items():
            start = time.process_time()
            for _ in range(per_round):
                render_pdf(procedure, layout)
            best[name] = min(best[name], (time.process_time() - start) / per_round * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=100, help="procedures in the small library (x 3 layouts)")
    parser.add_argument("--large", type=int, default=900, help="procedures in the large library (x 3 layouts)")
    parser.add_argument("--nochange-only", action="store_true",
                        help="only the no-change rebuild (the cold build uses every core, 9 no-change runs)")
    args = parser.parse_args()
    import compileall

    compileall.compile_dir(str(ROOT / "handouts"), quiet=1)  # as pip does for an installed package
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if args.nochange_only:
        large = library_figures(args.large, cold_jobs=os.cpu_count() or 1, runs=9)
        print(f"no-change rebuild of {large['handouts']:.0f}: median {large['nochange_wall']:.3f} s wall "
              f"({large['nochange_best_wall']:.3f} to {large['nochange_worst_wall']:.3f} s over 9 runs), "
              f"{large['nochange_cpu']:.3f} s CPU   (target <= 0.3 s); load average now {os.getloadavg()[0]:.1f}")
        return
    small = library_figures(args.small)
    large = library_figures(args.large)
    for figures in (small, large):
        print(f"library of {figures['handouts']:5.0f}: {figures['per_wall_ms']:5.1f} ms wall, "
              f"{figures['per_cpu_ms']:5.1f} ms CPU per handout (cold build less a no-change run; "
              f"{figures['raw_wall_ms']:.1f} ms wall with start-up); median handout {figures['median_render_ms']:.1f} ms; "
              f"manifest {figures['manifest_mb']:.2f} MB")
    print(f"  {large['handouts']:.0f} vs {small['handouts']:.0f} per handout: {large['per_wall_ms'] / small['per_wall_ms'] - 1:+.1%} wall, "
          f"{large['per_cpu_ms'] / small['per_cpu_ms'] - 1:+.1%} CPU, "
          f"{large['median_render_ms'] / small['median_render_ms'] - 1:+.1%} median handout   (target within 5 %)")
    print(f"no-change rebuild of {large['handouts']:.0f}: {large['nochange_wall']:.3f} s wall, "
          f"{large['nochange_cpu']:.3f} s CPU   (target <= 0.3 s)")
    best = in_process()
    print(f"in one process, per handout (CPU, best round): default {best['default']:.1f} ms, "
          f"riverside-spine {best['riverside-spine']:.1f} ms: "
          f"{best['riverside-spine'] / best['default'] - 1:+.1%}   (target within 10 %)")


if __name__ == "__main__":
    main()

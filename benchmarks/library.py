"""Benchmark the handout library and single renders, each as a fresh process, and print the figures.

    python benchmarks/library.py [--procedures 300]

Makes a synthetic library in a temporary folder from the repository's procedures (varying text length
and sections), with the repository's three layouts: 300 procedures x 3 layouts = 900 handouts.
Targets on a 2-core machine: >= 45 handouts/s with --jobs 1, >= 85 with --jobs 2, a no-change rebuild
of 900 handouts under 1 s, peak memory under 150 MB per worker (flat as the library grows), and one
`handouts render` as a fresh process under 0.3 s.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("summary", "preparation", "procedure_steps", "recovery", "patient_experience", "benefits", "alternatives")


def make_library(folder: Path, count: int) -> None:
    shutil.copytree(ROOT / "layouts", folder / "layouts")
    (folder / "procedures").mkdir()
    seeds = [yaml.safe_load(p.read_text()) for p in sorted((ROOT / "procedures").glob("*.yaml"))]
    for i in range(count):
        data = dict(seeds[i % len(seeds)])
        code = f"{90000 + i}"
        data["code"] = code
        data["title"] = f"{data['title']} (variant {i})"
        # Half, all, or one and a half times each section's real text: about the real length on average.
        share = (0.5, 1.0, 1.5)[i % 3]
        for key in SECTIONS:
            value = data.get(key)
            if isinstance(value, list) and value:
                data[key] = (value * 2)[: max(1, round(len(value) * share))]
            elif isinstance(value, str):
                data[key] = value if share <= 1 else value + "\n\n" + value[: len(value) // 2] + "."
        if i % 4 == 3:
            data["alternatives"] = []  # some procedures lack sections
        (folder / "procedures" / f"{code}.yaml").write_text(
            yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        )


def handouts(folder: Path, *args: str) -> tuple[float, float, str]:
    """(seconds, peak MB of any process it started, stdout) for one fresh `handouts` process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "handouts", "--project", str(folder), *args], capture_output=True, text=True
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"handouts {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024, done.stdout.strip()


def build_figures(count: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_library(folder, count)
        total = count * 3
        figures: dict[str, float] = {"handouts": total}
        seconds, peak, _ = handouts(folder, "build", "--jobs", "1")
        import json

        entries = json.loads((folder / "output/library/manifest.json").read_text())["handouts"].values()
        figures["pages"] = sum(e["pages"] for e in entries) / len(entries)
        figures["jobs1_rate"] = total / seconds
        figures["jobs1_peak_mb"] = peak
        shutil.rmtree(folder / "output")
        seconds, _, _ = handouts(folder, "build", "--jobs", "2")
        figures["jobs2_rate"] = total / seconds
        figures["nochange_s"], _, out = handouts(folder, "build", "--jobs", "2")
        assert "built 0" in out, out
        edited = folder / "procedures" / f"{90000 + count // 2}.yaml"
        edited.write_text(edited.read_text().replace("summary:", "summary: Edited.\n  ", 1))
        figures["edit_one_s"], _, out = handouts(folder, "build", "--jobs", "2")
        assert "built 3," in out, out
        return figures


def render_figures(runs: int = 7) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        times = []
        for _ in range(runs):
            seconds, _, _ = handouts(ROOT, "render", "64634", "-l", "riverside-spine", "-o", f"{tmp}/h.pdf")
            times.append(seconds)
        personal = []
        for _ in range(runs):
            seconds, _, _ = handouts(
                ROOT, "render", "01992", "77003", "-l", "riverside-spine", "--patient", "Test Patient",
                "--date", "2027-03-14", "--time", "07:00", "-o", f"{tmp}/p.pdf",
            )
            personal.append(seconds)
        return {"render_s": statistics.median(times), "personal_s": statistics.median(personal)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=300)
    args = parser.parse_args()
    small = build_figures(max(10, args.procedures // 3))
    full = build_figures(args.procedures)
    single = render_figures()
    print(f"library: {full['handouts']:.0f} handouts ({args.procedures} procedures x 3 layouts, "
          f"{full['pages']:.1f} pages on average), each command a fresh process")
    print(f"  cold build --jobs 1:          {full['jobs1_rate']:6.1f} handouts/s   (target >= 45)")
    print(f"  cold build --jobs 2:          {full['jobs2_rate']:6.1f} handouts/s   (target >= 85)")
    print(f"  no-change rebuild:            {full['nochange_s']:6.2f} s            (target < 1)")
    print(f"  rebuild after editing one:    {full['edit_one_s']:6.2f} s")
    print(f"  peak memory, rendering process: {full['jobs1_peak_mb']:5.0f} MB at {full['handouts']:.0f} handouts, "
          f"{small['jobs1_peak_mb']:.0f} MB at {small['handouts']:.0f} (target < 150, flat)")
    print(f"one handout: handouts render, fresh process (median of 7): {single['render_s']:.3f} s (target < 0.3)")
    print(f"  personal, 2 codes + appointment (median of 7):          {single['personal_s']:.3f} s")


if __name__ == "__main__":
    main()

"""One handout in a fresh process: `handouts render 64634 -l riverside-spine` against a bare ReportLab
script that draws the same handout (same text, font, sizes, logo, page count), measured in one run.

    python benchmarks/startup.py [--runs 15]

The bare script gets the handout's text ready-made in a JSON file (it parses no YAML, validates
nothing, fills no template), registers the same TrueType fonts, draws the same logo, and writes a PDF:
the least any tool built on ReportLab can do. Runs alternate between the two so both see the same
machine load; the figure is the median, and the ratio is taken over the paired runs.
Targets: the tool <= 0.3 s and <= 1.5x the bare script.
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

ROOT = Path(__file__).resolve().parents[1]

BARE = r'''
import json, sys
from reportlab import rl_config
rl_config.invariant = 1
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

spec = json.load(open(sys.argv[1]))
pdfmetrics.registerFont(TTFont("Body", spec["regular"]))
pdfmetrics.registerFont(TTFont("Body-Bold", spec["bold"]))
size = spec["size"]
body = ParagraphStyle("body", fontName="Body", fontSize=size, leading=size * 1.4, spaceAfter=size * 0.5)
heading = ParagraphStyle("h", body, fontName="Body-Bold", fontSize=size * 1.4, leading=size * 1.75, spaceBefore=size)
story = []
for kind, text in spec["blocks"]:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    story.append(Paragraph(text, heading if kind == "heading" else body))

def page(canvas, doc):
    canvas.saveState()
    if doc.page == 1:
        canvas.drawImage(spec["logo"], inch, 10 * inch, 0.85 * inch, 0.85 * inch, mask="auto")
    canvas.setFont("Body", 10)
    canvas.drawString(inch, 0.6 * inch, f"{spec['footer']}  Page {doc.page}")
    canvas.restoreState()

SimpleDocTemplate(sys.argv[2], invariant=1, topMargin=1.6 * inch, title=spec["title"]).build(
    story, onFirstPage=page, onLaterPages=page)
'''


def handout_spec(folder: Path) -> Path:
    """The handout's text, fonts and logo, as the bare script takes them."""
    from handouts.compose import compose
    from handouts.fonts import font_files
    from handouts.project import Project

    project = Project(ROOT)
    layout = project.layout("riverside-spine")
    handout = compose(project.procedure("64634"), layout)
    from handouts.render import all_text

    headings = {section.heading for section in handout.sections}
    # Every text the handout prints (the renderer's own list, as used for the glyph check), in order.
    blocks = [("heading" if text in headings else "body", text) for _, text in all_text(handout) if text.strip()]
    files = font_files(layout.layout.fonts.family)
    spec = {
        "regular": str(files[0]), "bold": str(files[1]), "size": layout.layout.fonts.base_size,
        "logo": str(layout.logo_path), "footer": handout.footer_left, "title": handout.title, "blocks": blocks,
    }
    path = folder / "spec.json"
    path.write_text(json.dumps(spec))
    return path


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one fresh process. CPU time barely moves with the load other
    processes put on the machine; wall time is what a user waits."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return seconds, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def pages(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(path).pages)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = handout_spec(folder)
        script = folder / "bare.py"
        script.write_text(BARE)
        tool_bin = Path(sys.executable).with_name("handouts")
        tool = [str(tool_bin), "render", "64634", "-l", "riverside-spine", "-o", str(folder / "tool.pdf")]
        bare = [sys.executable, str(script), str(spec), str(folder / "bare.pdf")]
        # An installed package has its .pyc files (pip compiles them); a source checkout may not, and
        # PYTHONDONTWRITEBYTECODE stops Python writing them: compile them as pip would.
        import compileall

        compileall.compile_dir(str(ROOT / "handouts"), quiet=1)
        for command in (tool, bare):  # warm: .pyc files written, the validated cache filled
            timed(command, ROOT)
        tool_runs, bare_runs = [], []
        for _ in range(args.runs):
            tool_runs.append(timed(tool, ROOT))
            bare_runs.append(timed(bare, ROOT))
        python = [timed([sys.executable, "-c", "pass"], ROOT) for _ in range(5)]

        def median(runs, i):
            return statistics.median(run[i] for run in runs)

        def ratio(i):
            return statistics.median(t[i] / b[i] for t, b in zip(tool_runs, bare_runs))

        print(f"one handout (64634, riverside-spine), fresh process, median of {args.runs} alternating runs")
        print(f"load average now: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print("                          wall      CPU")
        print(f"  handouts render:       {median(tool_runs, 0):.3f} s   {median(tool_runs, 1):.3f} s"
              f"   ({pages(folder / 'tool.pdf')} pages; target <= 0.3 s)")
        print(f"  bare ReportLab script: {median(bare_runs, 0):.3f} s   {median(bare_runs, 1):.3f} s"
              f"   ({pages(folder / 'bare.pdf')} pages)")
        print(f"  ratio:                 {ratio(0):.2f}x     {ratio(1):.2f}x    (median of paired runs; target <= 1.5)")
        print(f"  bare Python start:     {median(python, 0):.3f} s   {median(python, 1):.3f} s")


if __name__ == "__main__":
    main()

"""The command line: what users type, what they see, and how bad input is reported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import files_under, pdf_reader, pdf_text, run


def test_list_show_layouts(project):
    listed = run(project, "list")
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 5 and lines[0].startswith("00632  draft")
    assert "X-ray guidance for a spine injection  (add-on)" in listed.stdout

    shown = run(project, "show", "64634")
    assert shown.exit_code == 0
    assert "Add-on code; usual primary codes: 64633" in shown.stdout
    assert "- The patient is positioned appropriately, often lying face down." in shown.stdout
    assert "fasting hours: 6" in shown.stdout

    layouts = run(project, "layouts")
    assert [line.split()[0] for line in layouts.stdout.splitlines()] == [
        "default", "northgate-pain", "riverside-spine"]


def test_render_default_path_and_explicit_path(project):
    result = run(project, "render", "64634", "--layout", "riverside-spine")
    assert result.exit_code == 0, result.output
    path = result.stdout.strip()
    assert path == "output/64634-nerve-treatment-for-neck-or-upper-back-joint-riverside-spine.pdf"
    assert "Riverside Spine Center" in pdf_text(project / path)
    explicit = run(project, "render", "64634", "-l", "default", "-o", str(project / "h.pdf"))
    assert explicit.exit_code == 0 and (project / "h.pdf").is_file()


def test_render_by_name(project):
    result = run(project, "render", "lumbar sympathectomy", "-o", str(project / "x.pdf"))
    assert result.exit_code == 0, result.output
    assert "CPT code 00632" in pdf_text(project / "x.pdf")


def test_project_from_environment_and_python_dash_m(project):
    env = {**os.environ, "HANDOUTS_PROJECT": str(project)}
    done = subprocess.run([sys.executable, "-m", "handouts", "list"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "64634" in done.stdout
    helped = subprocess.run([sys.executable, "-m", "handouts", "--help"], capture_output=True, text=True)
    assert helped.returncode == 0 and "render" in helped.stdout


@pytest.mark.parametrize("command", ["list", "show", "render", "import", "layouts"])
def test_every_command_has_help(project, command):
    result = run(project, command, "--help")
    assert result.exit_code == 0 and "Usage" in result.stdout


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


BAD_INPUTS = {
    "malformed YAML": (
        lambda p: replace_in(p / "procedures/64634.yaml", "code_system: CPT", "code_system: [CPT"),
        ["render", "64634"],
        "procedures/64634.yaml: line 3: malformed YAML",
    ),
    "schema violations, all at once": (
        lambda p: replace_in(
            p / "procedures/64634.yaml", "  fasting_hours: 6\n", "  fasting_hours: lots\n  fastng: 2\n"
        ),
        ["render", "64634"],
        "procedures/64634.yaml: handout.fasting_hours (line",
    ),
    "unknown code": (lambda p: None, ["render", "64643"], "unknown procedure '64643'"),
    "unknown layout": (
        lambda p: None,
        ["render", "64634", "-l", "riverside"],
        "unknown layout 'riverside'; did you mean 'riverside-spine'? known layouts: default, northgate-pain, "
        "riverside-spine",
    ),
    "missing logo": (
        lambda p: (p / "layouts/riverside-spine/logo.png").unlink(),
        ["render", "64634", "-l", "riverside-spine"],
        "layouts/riverside-spine/layout.yaml: logo.path: file 'logo.png' not found in layouts/riverside-spine/",
    ),
    "logo outside the layout folder": (
        lambda p: replace_in(p / "layouts/riverside-spine/layout.yaml", "path: logo.png", "path: ../../procedures/64634.yaml"),
        ["render", "64634", "-l", "riverside-spine"],
        "logo.path: '../../procedures/64634.yaml' is outside the layout's folder",
    ),
    "invalid color": (
        lambda p: replace_in(p / "layouts/riverside-spine/layout.yaml", 'primary: "#143D59"', "primary: navyish"),
        ["render", "64634", "-l", "riverside-spine"],
        "layouts/riverside-spine/layout.yaml: colors.primary (line 14): 'navyish' is not a color; write it as #RRGGBB",
    ),
    "unknown wording key": (
        lambda p: replace_in(p / "layouts/northgate-pain/layout.yaml", "heading_before:", "heading_befor:"),
        ["render", "64634", "-l", "northgate-pain"],
        "wording.heading_befor: unknown wording key; did you mean 'heading_before'?",
    ),
    "wording template error": (
        lambda p: replace_in(p / "layouts/northgate-pain/layout.yaml", "Call the pain clinic", "Call {{ clinic.emergancy }}"),
        ["render", "64634", "-l", "northgate-pain"],
        "wording.call_tier_call_now (layout 'northgate-pain'): template problem",
    ),
    "sandbox escape attempt in wording": (
        lambda p: replace_in(
            p / "layouts/northgate-pain/layout.yaml", "Call the pain clinic",
            "{{ clinic.__class__.__mro__[1].__subclasses__() }}",
        ),
        ["render", "64634", "-l", "northgate-pain"],
        "template problem",
    ),
    "unknown time zone": (
        lambda p: replace_in(p / "layouts/northgate-pain/layout.yaml", "Europe/London", "Europe/Londn"),
        ["render", "64634", "-l", "northgate-pain"],
        "timezone (line 24): 'Europe/Londn' is not a known time zone",
    ),
    "extends cycle": (
        lambda p: (
            write(p / "layouts/a/layout.yaml", "extends: b\n") if (p / "layouts/a").mkdir() is None else None,
            write(p / "layouts/b/layout.yaml", "extends: a\n") if (p / "layouts/b").mkdir() is None else None,
        ),
        ["render", "64634", "-l", "a"],
        "'extends' goes round in a circle (a -> b -> a)",
    ),
    "code without quotes": (
        lambda p: replace_in(p / "procedures/00632.yaml", "code: '00632'", "code: 632"),
        ["render", "00632"],
        "procedures/00632.yaml: code (line 1): write the code in quotes (code: '00632')",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_gets_a_clear_line_and_exit_2_and_no_file(project, case):
    breaks, args, message = BAD_INPUTS[case]
    breaks(project)
    before = files_under(project / "output")
    result = run(project, *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr, result.stderr
    assert result.stderr.startswith("Error: ")
    assert "Traceback" not in result.output
    assert files_under(project / "output") == before


def test_all_schema_violations_are_reported_together(project):
    replace_in(project / "procedures/64634.yaml", "  fasting_hours: 6\n", "  fasting_hours: lots\n  fastng: 2\n")
    replace_in(project / "procedures/64634.yaml", "status: draft", "status: final")
    errors = run(project, "render", "64634").stderr.splitlines()
    assert len(errors) == 3
    assert any("handout.fastng" in e and "did you mean 'fasting_hours'" in e for e in errors)
    assert any("review.status" in e and "'final' is not allowed" in e for e in errors)


def test_unknown_code_suggests_the_nearest_codes_with_titles(project):
    result = run(project, "render", "64643")
    assert "did you mean 64634 (Nerve treatment for neck or upper back joint pain (each extra joint))" in result.stderr


def test_unwritable_output_path(project):
    blocker = project / "a-file"
    blocker.write_text("")
    result = run(project, "render", "64634", "-o", str(blocker / "h.pdf"))
    assert result.exit_code == 2 and "cannot write there" in result.stderr
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(project):
    result = run(project, "--debug", "render", "64643")
    assert result.exit_code != 0 and result.exception is not None
    assert type(result.exception).__name__ == "HandoutsError"


def test_not_a_project(tmp_path):
    result = run(tmp_path, "list")
    assert result.exit_code == 2 and "not a handouts project" in result.stderr


def test_no_temporary_files_are_left_next_to_the_output(project):
    assert run(project, "render", "64634", "-o", str(project / "out" / "h.pdf")).exit_code == 0
    assert [p.name for p in (project / "out").iterdir()] == ["h.pdf"]
    assert len(pdf_reader(project / "out" / "h.pdf").pages) >= 2

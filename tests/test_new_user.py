"""The first ten minutes: an installed tool that works in any folder, `init`, the read-only built-in
library, CLI conventions, distinct file names, clinic identity, and readable output."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from contextlib import contextmanager
from pathlib import Path

import click
import pytest
import typer
from typer.testing import CliRunner

from conftest import ROOT, pdf_reader, pdf_text, run
from handouts.cli import app
from handouts.library import library_root



@contextmanager
def inside(folder: Path):
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def here(folder: Path, *args: str):
    """The CLI typed in `folder`, with no --project: what a new user does."""
    folder.mkdir(parents=True, exist_ok=True)
    with inside(folder):
        return CliRunner().invoke(app, list(args))


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


# ---------------------------------------------------------------- installed, in any folder


@pytest.mark.install
def test_pip_install_then_render_in_an_empty_folder(tmp_path):
    """A real wheel build and install into a fresh venv; the dependencies come from this venv's
    site-packages (offline), the package and its built-in library from the build."""
    source = tmp_path / "source"  # a clean copy: the build writes build/ and *.egg-info beside it
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for name in ("handouts", "procedures", "layouts"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next((venv / "lib").glob("python*/site-packages"))
    (site / "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps",
         "--no-build-isolation", "--no-index", str(source)],
        capture_output=True, text=True,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    package = site / "handouts"
    assert sorted(p.name for p in (package / "library" / "procedures").glob("*.yaml")) == sorted(
        p.name for p in (ROOT / "procedures").glob("*.yaml")
    )
    assert (package / "library" / "layouts" / "riverside-spine" / "logo.png").is_file()

    empty = tmp_path / "anywhere"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "HANDOUTS_PROJECT"}
    done = subprocess.run(
        [str(venv / "bin" / "handouts"), "render", "64634"], cwd=empty, capture_output=True, text=True, env=env
    )
    assert done.returncode == 0, done.stderr
    printed = done.stdout.strip()
    assert printed == "output/64634-nerve-treatment-for-neck-or-upper-back-joint-default.pdf"
    assert done.stderr.count("built-in library") == 1
    text = pdf_text(empty / printed)
    assert "64634" in text and "Page 1 of" in text
    assert files_in(empty) == {printed}  # nothing else written, and nothing into the package
    check = subprocess.run([str(python), "-c", "import handouts.library as l; print(l.library_root())"],
                           capture_output=True, text=True, cwd=empty, env=env)
    assert check.stdout.strip() == str(package / "library")


def test_any_folder_uses_the_built_in_library_read_only(tmp_path):
    folder = tmp_path / "desk"
    rendered = here(folder, "render", "64634", "-l", "riverside-spine")
    assert rendered.exit_code == 0, rendered.output
    path = rendered.stdout.strip()
    assert path == "output/64634-nerve-treatment-for-neck-or-upper-back-joint-riverside-spine.pdf"
    assert rendered.stderr.count("Note:") == 1 and "read-only" in rendered.stderr
    assert "Riverside Spine Center" in pdf_text(folder / path)
    listed = here(folder, "list")
    assert listed.exit_code == 0 and len(listed.stdout.splitlines()) == 5
    assert here(folder, "layouts").stdout.count("\n") == 3
    assert files_in(folder) == {path}


@pytest.mark.parametrize(
    "args",
    [
        ("render", "64634", "-o", "{library}/procedures/x.pdf"),
        ("import", str(ROOT / "examples" / "pages" / "01992.txt"), "--code", "01992"),
        ("import", str(ROOT / "examples" / "pages" / "01992.txt"), "--code", "01992", "-o", "{library}/procedures/01992.yaml"),
        ("layout", "new", "lakeside"),
        ("build", "-o", "{library}/layouts/out"),
    ],
    ids=["render -o", "import", "import -o", "layout new", "build -o"],
)
def test_writing_into_the_built_in_library_is_refused_with_advice(tmp_path, args):
    library = library_root()
    before = files_in(library / "procedures") | files_in(library / "layouts")
    result = here(tmp_path / "desk", *(arg.replace("{library}", str(library)) for arg in args))
    assert result.exit_code == 2, result.output
    assert "read-only" in result.stderr and "handouts init" in result.stderr
    assert "Traceback" not in result.output
    assert files_in(library / "procedures") | files_in(library / "layouts") == before


def test_init_makes_a_project_to_edit(tmp_path):
    made = here(tmp_path, "init", "clinic")
    assert made.exit_code == 0, made.output
    assert "5 procedures, 3 layouts" in made.stdout
    project = tmp_path / "clinic"
    assert files_in(project / "procedures") == files_in(library_root() / "procedures")
    assert (project / "layouts" / "riverside-spine" / "logo.png").read_bytes() == (
        library_root() / "layouts" / "riverside-spine" / "logo.png"
    ).read_bytes()
    # Now an ordinary, writable project: no note, output inside it, imports allowed.
    rendered = here(project, "render", "64634")
    assert rendered.exit_code == 0 and "Note:" not in rendered.stderr
    assert (project / rendered.stdout.strip()).is_file()
    imported = here(project, "import", str(ROOT / "examples" / "pages" / "01992.txt"), "--code", "01992", "--force")
    assert imported.exit_code == 0, imported.output
    # Never over an existing project.
    again = here(tmp_path, "init", "clinic")
    assert again.exit_code == 2 and "already a project" in again.stderr
    assert here(project, "init").exit_code == 2


def test_a_project_with_empty_folders_builds_on_the_built_in_layouts(tmp_path):
    project = tmp_path / "p"
    (project / "procedures").mkdir(parents=True)
    (project / "layouts").mkdir()
    made = here(project, "layout", "new", "lakeside", "--from", "riverside-spine", "--name", "Lakeside", "--phone", "608 262 2100")
    assert made.exit_code == 0, made.output
    assert made.stdout.strip() == "layouts/lakeside/layout.yaml"
    checked = here(project, "layout", "check", "lakeside")
    assert checked.exit_code == 0 and "0 errors, 0 warnings" in checked.stdout, checked.output
    listed = here(project, "layouts").stdout.splitlines()
    assert listed[0].startswith("lakeside ") and all("(built-in)" in line for line in listed[1:])
    assert len(listed) == 4


# ---------------------------------------------------------------- command-line conventions


def test_short_help_version_and_completion():
    runner = CliRunner()
    short = runner.invoke(app, ["-h"])
    assert short.exit_code == 0 and "Usage" in short.stdout and "--show-completion" in short.stdout
    assert runner.invoke(app, ["layout", "-h"]).exit_code == 0
    assert runner.invoke(app, ["render", "-h"]).exit_code == 0
    version = runner.invoke(app, ["-V"])
    assert version.exit_code == 0 and version.stdout.startswith("handouts ")


def test_every_argument_and_option_has_help():
    command = typer.main.get_command(app)
    missing = []

    def walk(cmd: click.Command, path: str) -> None:
        for param in cmd.params:
            if not getattr(param, "help", None) and param.name not in ("help",):
                missing.append(f"{path} {param.name}")
        for name, sub in getattr(cmd, "commands", {}).items():
            walk(sub, f"{path} {name}")

    walk(command, "handouts")
    assert missing == []
    schema_help = CliRunner().invoke(app, ["schema", "-h"]).stdout
    assert "layout" in schema_help and "procedure" in schema_help


def test_project_is_accepted_after_the_command_and_paths_are_relative_to_here(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    after = here(elsewhere, "render", "64634", "--project", str(project))
    assert after.exit_code == 0, after.output
    # Outside the current folder: shown in full, so it can be found.
    assert after.stdout.strip() == str(project / "output" / "64634-nerve-treatment-for-neck-or-upper-back-joint-default.pdf")
    with inside(project / "procedures"):
        inner = CliRunner().invoke(app, ["render", "64634", "--project", "..", "-l", "northgate-pain"])
    assert inner.exit_code == 0, inner.output
    assert inner.stdout.strip() == "../output/64634-nerve-treatment-for-neck-or-upper-back-joint-northgate-pain.pdf"


def test_large_print_has_its_own_file_name(project):
    normal = run(project, "render", "64634", "-l", "riverside-spine").stdout.strip()
    large = run(project, "render", "64634", "-l", "riverside-spine", "--large-print").stdout.strip()
    assert large == normal.replace(".pdf", "-large-print.pdf")
    assert (project / normal).is_file() and (project / large).is_file()
    personal = ("--date", "2027-01-05", "--time", "08:00", "--appointment-id", "A1")
    one = run(project, "render", "64634", "-l", "riverside-spine", *personal).stdout.strip()
    two = run(project, "render", "64634", "-l", "riverside-spine", "--large-print", *personal).stdout.strip()
    assert one != two and (project / one).is_file() and (project / two).is_file()


# ---------------------------------------------------------------- clinic identity


def test_a_new_layout_takes_the_look_not_the_identity(project):
    made = run(project, "layout", "new", "lakeside", "--from", "riverside-spine")
    assert made.exit_code == 0, made.output
    rendered = run(project, "render", "64634", "-l", "lakeside", "-o", str(project / "l.pdf"))
    assert rendered.exit_code == 0, rendered.output
    reader = pdf_reader(project / "l.pdf")
    text = pdf_text(project / "l.pdf")
    assert "Riverside" not in text and "555-01" not in text and "riversidespine" not in text
    assert not any("/XObject" in (page.get("/Resources") or {}) for page in reader.pages)  # no logo image
    checked = run(project, "layout", "check", "lakeside")
    assert checked.exit_code == 0
    assert "clinic.phone" in checked.stdout and "blank" in checked.stdout


def test_the_scaffold_takes_the_clinics_own_details_and_logo(project, tmp_path):
    logo = tmp_path / "ours.png"
    from PIL import Image

    Image.new("RGB", (300, 300), "#225588").save(logo)
    made = run(project, "layout", "new", "lakeside", "--from", "riverside-spine", "--name", "Lakeside Ortho",
               "--phone", "(608) 262-2100", "--after-hours", "(608) 262-2199", "--logo", str(logo))
    assert made.exit_code == 0, made.output
    assert made.stdout.split() == ["layouts/lakeside/layout.yaml", "layouts/lakeside/logo.png"]
    checked = run(project, "layout", "check", "lakeside", "--strict")
    assert checked.exit_code == 0 and "0 errors, 0 warnings" in checked.stdout, checked.output
    run(project, "render", "64634", "-l", "lakeside", "-o", str(project / "l.pdf"))
    text = pdf_text(project / "l.pdf")
    assert "Lakeside Ortho" in text and "(608) 262-2199" in text


def test_check_warns_on_placeholder_numbers_and_another_clinics_logo(project):
    copy = project / "layouts" / "copycat"
    shutil.copytree(project / "layouts" / "riverside-spine", copy)
    layout = copy / "layout.yaml"
    layout.write_text(layout.read_text().replace("Riverside Spine Center", "Copycat Clinic"))
    checked = run(project, "layout", "check", "copycat")
    assert checked.exit_code == 0
    assert "logo.path: the logo is layout 'riverside-spine''s logo file" in checked.stdout
    assert "clinic.phone: '(212) 555-0142' is a fictional example number" in checked.stdout
    assert "clinic.after_hours_phone" in checked.stdout
    default = run(project, "layout", "check", "default")
    assert "clinic.phone: '______________________' is a blank" in default.stdout


def test_a_personal_handout_with_placeholder_numbers_warns(project):
    personal = ("--date", "2027-01-05", "--time", "08:00")
    blank = run(project, "render", "64634", "-l", "default", *personal)
    assert blank.exit_code == 0
    assert "Warning: layout 'default': clinic.phone: '______________________' is a blank" in blank.stderr
    generic = run(project, "render", "64634", "-l", "default")  # a sheet to write on: no warning
    assert generic.exit_code == 0 and "clinic.phone" not in generic.stderr


# ---------------------------------------------------------------- readable output


def test_the_packet_cover_lists_the_rows_that_failed(project, tmp_path):
    schedule = tmp_path / "day.csv"
    schedule.write_text(
        "appointment_id,patient,date,time,codes,provider,location\n"
        "A1,Ann Lee,2027-01-05,08:00,64634,Dr. Chen,Suite 2\n"
        "A2,Bo Park,2027-01-05,08:30,99999,Dr. Chen,Suite 2\n"
        "A3,Cy Ono,2027-01-05,09:00,01992,Dr. Chen,Suite 2\n"
        "A4,Di Roy,2027-01-05,25:00,01992,Dr. Chen,Suite 2\n"
    )
    result = run(project, "schedule", str(schedule), "-l", "riverside-spine", "-o", str(tmp_path / "out"), "--packet")
    assert result.exit_code == 1
    cover = pdf_reader(tmp_path / "out" / "2027-01-05-packet.pdf").pages[0].extract_text()
    folded = " ".join(cover.split())
    assert "Not in this packet" in folded
    assert "No handout for row 3 – see the error list." in folded
    assert "No handout for row 5 – see the error list." in folded
    assert "Bo Park" not in folded and "Di Roy" not in folded


def test_show_says_yes_and_no(project):
    shown = run(project, "show", "64634").stdout
    assert "driver required: yes" in shown and "True" not in shown and "False" not in shown


def test_list_reports_every_broken_file(project):
    for code in ("00632", "77003"):
        path = project / "procedures" / f"{code}.yaml"
        path.write_text(path.read_text().replace("title:", "titel:", 1))
    listed = run(project, "list")
    assert listed.exit_code == 2
    assert "procedures/00632.yaml" in listed.stderr and "procedures/77003.yaml" in listed.stderr
    assert len(listed.stdout.splitlines()) == 3  # the good ones are still listed

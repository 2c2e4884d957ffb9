"""The handout library: full, incremental, parallel, sharded, interrupted, and with failures."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import LAYOUTS, files_under, pdf_reader, pdf_text, run
from handouts.build import plan, shard_of
from handouts.project import Project
from handouts.yamlio import dump_yaml, parse_yaml


def library(project: Path) -> Path:
    return project / "output" / "library"


def pdfs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.pdf")) if p.name != "catalog.pdf"}


def manifest(project: Path) -> dict:
    return json.loads((library(project) / "manifest.json").read_text())["handouts"]


def built_keys(output: str) -> list[str]:
    return sorted(line.split()[1] for line in output.splitlines() if line.startswith("built "))


def test_full_build_then_nothing_then_one_edit(project):
    first = run(project, "build", "--jobs", "1")
    assert first.exit_code == 0, first.output
    assert "built 15, unchanged 0" in first.stdout
    files = pdfs(library(project))
    assert len(files) == 15
    entries = manifest(project)
    assert set(entries) == {f"{layout}/{code}" for layout in LAYOUTS for code in
                            ("00632", "01936", "01992", "64634", "77003")}
    for key, entry in entries.items():
        path = library(project) / entry["path"]
        assert entry["pages"] == len(pdf_reader(path).pages)
        assert entry["bytes"] == path.stat().st_size
        assert set(entry["inputs"]) == {"procedure", "layout", "fonts", "tool"}
        assert entry["review_status"] == "draft"

    second = run(project, "build", "--jobs", "1")
    assert "built 0, unchanged 15" in second.stdout and "nothing to do" in second.stdout
    assert pdfs(library(project)) == files

    procedure = project / "procedures" / "77003.yaml"
    data = parse_yaml(procedure.read_text(), "x")
    data["patient"]["risks"][0] = "Some bleeding where the needle went in."
    procedure.write_text(dump_yaml(data))
    third = run(project, "build", "--jobs", "1")
    assert built_keys(third.stderr) == [f"{layout}/77003" for layout in sorted(LAYOUTS)]
    after = pdfs(library(project))
    changed = sorted(k for k in after if after[k] != files.get(k))
    # Only northgate-pain shows the risks section, so only its bytes differ.
    assert changed == ["northgate-pain/77003-x-ray-guidance-for-a-spine-injection.pdf"]
    assert "Some bleeding where the needle went in." in pdf_text(library(project) / changed[0])


def test_editing_a_layout_or_its_logo_rebuilds_only_that_layout(project):
    assert run(project, "build", "-j", "1").exit_code == 0
    logo = project / "layouts" / "riverside-spine" / "logo.png"
    logo.write_bytes(logo.read_bytes())  # same bytes: nothing to do
    assert "built 0" in run(project, "build", "-j", "1").stdout
    from PIL import Image

    Image.new("RGB", (300, 300), "#224466").save(logo)
    result = run(project, "build", "-j", "1")
    assert {key.split("/")[0] for key in built_keys(result.stderr)} == {"riverside-spine"}
    assert len(built_keys(result.stderr)) == 5


def test_removed_procedures_and_layouts_disappear_and_force_rebuilds(project):
    assert run(project, "build", "-j", "1").exit_code == 0
    (project / "procedures" / "01936.yaml").unlink()
    result = run(project, "build", "-j", "1")
    assert "removed 3" in result.stdout
    assert not any(name.startswith("01936") for name in (p.name for p in library(project).rglob("*.pdf")))
    import shutil

    shutil.rmtree(project / "layouts" / "northgate-pain")
    result = run(project, "build", "-j", "1")
    assert "removed 4" in result.stdout and not list((library(project) / "northgate-pain").glob("0*.pdf"))
    assert "built 8" in run(project, "build", "-j", "1", "--force").stdout


def test_a_layout_filter_leaves_the_other_layouts_alone(project):
    assert run(project, "build", "-j", "1").exit_code == 0
    result = run(project, "build", "-l", "riverside-spine", "--force", "-j", "1")
    assert "built 5" in result.stdout and "removed 0" in result.stdout
    assert len(manifest(project)) == 15 and len(pdfs(library(project))) == 15


def test_two_workers_give_the_same_bytes_as_one(project, tmp_path):
    assert run(project, "build", "-j", "1", "-o", str(tmp_path / "one")).exit_code == 0
    assert run(project, "build", "-j", "2", "-o", str(tmp_path / "two")).exit_code == 0
    one, two = pdfs(tmp_path / "one"), pdfs(tmp_path / "two")
    assert len(one) == 15 and one == two


def test_shards_together_build_exactly_the_full_set(project, tmp_path):
    full = tmp_path / "full"
    assert run(project, "build", "-j", "1", "-o", str(full)).exit_code == 0
    sharded = tmp_path / "sharded"
    seen: list[str] = []
    for k in range(4):
        result = run(project, "build", "--shard", f"{k}/4", "-j", "1", "-o", str(sharded))
        assert result.exit_code == 0, result.output
        part = json.loads((sharded / f"manifest.part-{k}-of-4.json").read_text())["handouts"]
        seen += list(part)
        assert 3 <= len(part) <= 4  # balanced: 15 over 4
    assert len(seen) == len(set(seen)) == 15
    assert not (sharded / "manifest.json").exists()
    merged = run(project, "build", "--catalog-only", "-o", str(sharded))
    assert merged.exit_code == 0, merged.output
    assert pdfs(sharded) == pdfs(full)
    assert json.loads((sharded / "manifest.json").read_text())["handouts"].keys() == manifest_keys(full)


def manifest_keys(folder: Path):
    return json.loads((folder / "manifest.json").read_text())["handouts"].keys()


def test_shard_assignment_is_deterministic_and_balanced(project):
    jobs, _ = plan(Project(project), list(LAYOUTS))
    parts = [shard_of(jobs, (k, 16)) for k in range(16)]
    assert sorted(job.key for part in parts for job in part) == sorted(job.key for job in jobs)
    assert max(map(len, parts)) - min(map(len, parts)) <= 1
    assert [job.key for job in shard_of(jobs, (3, 16))] == [job.key for job in shard_of(plan(Project(project), list(LAYOUTS))[0], (3, 16))]


def test_sigterm_stops_a_build_cleanly(project):
    source = (project / "procedures" / "64634.yaml").read_text()
    for n in range(40):
        (project / "procedures" / f"{64700 + n}.yaml").write_text(source.replace("'64634'", f"'{64700 + n}'", 1))
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(project), "build", "-j", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(library(project).rglob("*.pdf"))) < 10:
        time.sleep(0.01)
    process.terminate()
    assert process.wait() == 143
    assert not [p for p in files_under(library(project)) if p.name.endswith(".tmp")]
    assert manifest(project)  # what was finished is recorded


@pytest.mark.parametrize("text", ["16/16", "3", "a/b", "-1/4", "1/0"])
def test_bad_shard_values(project, text):
    result = run(project, "build", "--shard", text)
    assert result.exit_code == 2 and "--shard" in result.stderr


def test_one_failing_handout_does_not_stop_the_others(project):
    procedure = project / "procedures" / "64634.yaml"
    procedure.write_text(procedure.read_text().replace("- Nurses\n", "- Nurses 😀\n"))
    result = run(project, "build", "-j", "1", "-l", "riverside-spine", "-l", "default")
    assert result.exit_code == 0  # personnel is not on the handout: nothing fails
    data = parse_yaml(procedure.read_text(), "x")
    data["patient"]["after"][0] = "😀 " + data["patient"]["after"][0]
    procedure.write_text(dump_yaml(data))
    result = run(project, "build", "-j", "2", "-l", "riverside-spine", "-l", "default")
    assert result.exit_code == 1
    failures = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(failures) == 2 and all("64634" in line and "U+1F600" in line for line in failures)
    assert "unchanged 8" in result.stdout and "failed 2" in result.stdout
    assert "64634" not in json.dumps(sorted(manifest(project)))
    assert not list(library(project).rglob("64634-*.pdf"))  # no out-of-date copy is left behind


def test_catalog_lists_every_handout(project):
    assert run(project, "build", "-j", "1").exit_code == 0
    entries = manifest(project)
    for layout in LAYOUTS:
        page = (library(project) / layout / "index.html").read_text()
        catalog = pdf_text(library(project) / layout / "catalog.pdf")
        for entry in (e for e in entries.values() if e["layout"] == layout):
            assert f'href="{Path(entry["path"]).name}"' in page and entry["title"] in page
            assert entry["code"] in catalog and " ".join(entry["title"].split()) in catalog
        reader = pdf_reader(library(project) / layout / "catalog.pdf")
        links = [a.get_object()["/A"]["/URI"] for a in reader.pages[0].get("/Annots", [])]
        assert set(links) == {Path(e["path"]).name for e in entries.values() if e["layout"] == layout}
    top = (library(project) / "index.html").read_text()
    assert all(f'href="{layout}/index.html"' in top for layout in LAYOUTS)


def test_a_killed_build_leaves_no_partial_file_and_the_next_one_completes(project):
    # A larger library so the build is still running when it is killed.
    source = (project / "procedures" / "64634.yaml").read_text()
    for n in range(60):
        code = f"{64700 + n}"
        (project / "procedures" / f"{code}.yaml").write_text(source.replace("'64634'", f"'{code}'", 1))
    process = subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(project), "build", "-j", "1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    checkpoint = library(project) / "manifest.json"
    while time.monotonic() < deadline and not (checkpoint.exists() and len(manifest(project)) >= 10):
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    written = [p for p in library(project).rglob("*.pdf") if not p.name.startswith(".")]
    assert 0 < len(written) < 195
    for path in written:
        assert len(pdf_reader(path).pages) >= 2  # every PDF under its final name is whole
    result = run(project, "build", "-j", "2")
    assert result.exit_code == 0
    assert len(pdfs(library(project))) == 195
    assert not [p for p in files_under(library(project)) if p.name.endswith(".tmp")]  # leftovers swept
    unchanged = int(result.stdout.split("unchanged ")[1].split(",")[0])
    assert unchanged >= 10  # work finished before the kill was kept (checkpoint) and not done again

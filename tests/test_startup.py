"""What makes a fresh process cheap gives exactly what the slow way gives: the deferred regexes, the
parsed-YAML and logo caches (hit, miss, changed file, damaged cache), and the CLI building only the
command it runs."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, fresh_renders, pdf_reader
from typer.testing import CliRunner

from handouts import imagecache, images, validated
from handouts.pipeline import render_pdf
from handouts.project import Project
from handouts.yamlio import WrittenInt, parse_yaml, parsed_yaml


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of our own for this test; the per-process caches emptied too."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", str(folder))
    validated.cache_dir.cache_clear()
    images._prepared.cache_clear()
    yield folder
    validated.cache_dir.cache_clear()
    images._prepared.cache_clear()


def fresh_process(code: str, env: dict | None = None) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env or dict(os.environ))
    assert done.returncode == 0, done.stderr
    return done.stdout


# ---------------------------------------------------------------- deferred regexes

URL_PARAGRAPH = """
import sys
if {lazy}:
    import handouts.lazyregex
import re
import reportlab.platypus.paragraph as paragraph
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph
kind = type(paragraph.uri_pat).__name__
para = Paragraph("Read https://example.org/handouts/after/your/shot/today.html now, or ftp://x.org/a/b",
                 ParagraphStyle("s", fontName="Helvetica", fontSize=12, uriWasteReduce=0.3))
para.wrap(130, 1000)
lines = [" ".join(words) if isinstance(words, list) else words for _, words in para.blPara.lines]
pairs = paragraph._uri_split_pairs("https://example.org/a/b/c")
again = re.compile(paragraph.uri_pat.pattern, re.I)
print(kind, type(again).__name__, lines, pairs, paragraph.uri_pat.match("not a url"))
"""


def test_the_deferred_url_pattern_behaves_as_reportlabs_own():
    lazy = fresh_process(URL_PARAGRAPH.format(lazy=True)).split(" ", 2)
    eager = fresh_process(URL_PARAGRAPH.format(lazy=False)).split(" ", 2)
    assert lazy[:2] == ["DeferredPattern", "Pattern"]  # the stand-in was handed out, then the real one
    assert eager[:2] == ["Pattern", "Pattern"]
    assert lazy[2] == eager[2]
    assert "'Read https://', 'example.org/handouts/after/your/shot/today.html'" in lazy[2]  # split at the URL


def test_a_deferred_pattern_is_the_real_pattern_once_used():
    import re

    from handouts.lazyregex import DEFERRED, DeferredPattern, defer

    text, flags = "(?P<word>handouts-test-[a-z]+)", re.IGNORECASE
    re.purge()  # room in re's cache (a full cache gets no stand-in: it would push a pattern out)
    assert defer([(text, flags)]) == 1
    assert defer([(text, flags)]) == 0  # only once
    stand_in = re.compile(text, flags)
    assert isinstance(stand_in, DeferredPattern)
    assert stand_in.match("HANDOUTS-TEST-ok").group("word") == "HANDOUTS-TEST-ok"
    assert stand_in.groupindex == {"word": 1} and stand_in.flags & re.IGNORECASE
    assert isinstance(re.compile(text, flags), re.Pattern)  # the cache now holds the real one
    assert re.compile(text) is not stand_in  # other flags: another pattern
    assert all(isinstance(pattern, str) for pattern, _ in DEFERRED)


def test_a_render_imports_no_yaml_and_no_image_decoder_when_the_caches_hold_everything(project, tmp_path):
    seen = fresh_renders(project, tmp_path, "*(name in sys.modules for name in ('yaml', 'PIL.PngImagePlugin'))")
    assert seen == ["True True", "False False"]


def test_the_command_loads_pillow_only_when_an_image_is_opened(project, tmp_path):
    # The first run opens the logo (nothing cached yet), the second does not.
    seen = fresh_renders(project, tmp_path, "type(sys.modules['PIL.Image']).__name__", entry="handouts.entry")
    assert seen == ["module", "_LazyModule"]
    env = {**os.environ, "HANDOUTS_CACHE_DIR": str(tmp_path / "cache")}
    # A command that opens an image itself (the logo's resolution check) gets the whole of Pillow.
    done = subprocess.run([sys.executable, "-m", "handouts", "--project", str(project), "layout", "check", "riverside-spine"],
                          env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "riverside-spine: 0 errors" in done.stdout, done.stderr


def test_pillow_is_deferred_once_and_never_when_loaded():
    code = (
        "import sys; from handouts.entry import defer_pillow\n"
        "print(defer_pillow(), defer_pillow())\n"
        "from PIL import Image\n"
        "print(Image.new('RGB', (2, 3)).size, type(sys.modules['PIL.Image']).__name__)\n"
    )
    assert fresh_process(code).split() == ["True", "False", "(2,", "3)", "module"]


# ---------------------------------------------------------------- parsed YAML


def test_parsed_yaml_gives_what_the_parser_gives(cache):
    text = "a: 1\nb: [x, 2.5, true, null, 2026-12-03]\nc: {d: 'e'}\nf: 00632\n"
    first = parsed_yaml(text, "t.yaml")
    assert first == parse_yaml(text, "t.yaml")
    assert type(first["f"]) is WrittenInt and first["f"].written == "00632"  # not what JSON holds: not kept
    assert not list(cache.glob("*.json"))
    plain = "a: 1\nb: [x, 2.5, true, null, 2026-12-03]\nc: {d: 'e'}\n"
    kept = parsed_yaml(plain, "t.yaml")
    assert len(list(cache.glob("*.json"))) == 1
    kept["c"]["d"] = "changed by a caller"
    again = parsed_yaml(plain, "t.yaml")
    assert again == parse_yaml(plain, "t.yaml")  # from the cache, and not the object a caller changed


def test_a_damaged_parsed_yaml_entry_is_ignored_and_rebuilt(cache):
    text = "clinic: {name: Lakeside}\nextends: default\n"
    parsed_yaml(text, "t.yaml")
    (entry,) = cache.glob("*.json")
    for damage in ('{"$data": {"$d": {"clinic": ', '{"$m": "Layout", "f": {}}', '{"$data": {"$t": [1]}}', "\x00\xff"):
        entry.write_text(damage, encoding="latin-1")
        assert parsed_yaml(text, "t.yaml") == {"clinic": {"name": "Lakeside"}, "extends": "default"}
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600


def test_an_edited_layout_is_read_again(project, cache):
    assert Project(project).layout("riverside-spine").layout.clinic.name == "Riverside Spine Center"
    path = project / "layouts" / "riverside-spine" / "layout.yaml"
    path.write_text(path.read_text().replace("Riverside Spine Center", "Riverbend Spine"))
    assert Project(project).layout("riverside-spine").layout.clinic.name == "Riverbend Spine"


# ---------------------------------------------------------------- logo objects


def logo_pdf(project: Path) -> bytes:
    images._prepared.cache_clear()  # as a fresh process would
    proj = Project(project)
    return render_pdf(proj.procedure("64634"), proj.layout("riverside-spine"))


def test_a_logo_from_the_cache_gives_the_same_bytes(project, cache, monkeypatch):
    miss = logo_pdf(project)
    (entry,) = cache.glob("*.image")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    hit = logo_pdf(project)
    monkeypatch.setattr(images, "_prepare", lambda data: pytest.fail("built again"))
    assert logo_pdf(project) == hit == miss
    monkeypatch.undo()
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", "off")
    validated.cache_dir.cache_clear()
    assert logo_pdf(project) == miss  # no cache at all


def test_logo_objects_are_those_reportlab_builds_from_the_file():
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase.pdfdoc import PDFImageXObject

    path = ROOT / "layouts" / "riverside-spine" / "logo.png"
    built = images._prepare(path.read_bytes())
    own = PDFImageXObject(built.name, ImageReader(str(path)), mask="auto")
    soft = own.__dict__.pop("_smask")
    assert vars(built.image) == vars(own) and vars(built.soft) == vars(soft)
    assert built.size == (600, 600)


def test_a_changed_logo_is_picked_up(project, cache):
    from PIL import Image

    first = logo_pdf(project)
    logo = project / "layouts" / "riverside-spine" / "logo.png"
    Image.new("RGB", (300, 100), "navy").save(logo)
    second = logo_pdf(project)
    assert second != first
    image = pdf_reader(second).pages[0].images[0].image
    assert image.size == (300, 100) and image.getpixel((5, 5)) == (0, 0, 128)
    assert len(list(cache.glob("*.image"))) == 2


def test_a_damaged_logo_cache_is_ignored_and_rebuilt(project, cache):
    good = logo_pdf(project)
    (entry,) = cache.glob("*.image")
    data = entry.read_bytes()
    checksum, _, content = data.partition(b"\n")
    middle = len(content) // 2
    flipped = content[:middle] + bytes([content[middle] ^ 1]) + content[middle + 1:]
    damaged = [
        data[: len(data) // 2],  # cut short
        checksum + b"\n" + flipped,  # one bit of the objects
        checksum + b"\n" + content.replace(b'"width":600', b'"width":"600"'),
        b"0" * 64 + b"\n" + content,
        b"", b"\x89PNG not ours", data + b"more",
    ]
    # Even with a matching checksum, what is not a prepared image is refused.
    for text in (content.replace(b'"width":600', b'"width":"600"'), content.replace(b'"format":"1"', b'"format":"0"'),
                 b'{"format":"1"}\n', b'{"format":"1","size":[1,1],"name":"x","objects":[],"lengths":[]}\n'):
        damaged.append(imagecache.hashlib.sha256(text).hexdigest().encode() + b"\n" + text)
    for bad in damaged:
        entry.write_bytes(bad)
        assert logo_pdf(project) == good
        assert entry.read_bytes() == data  # rebuilt


def test_the_cache_round_trips_an_image_with_and_without_a_mask(tmp_path):
    from PIL import Image

    for mode, colour in (("RGBA", (200, 10, 10, 128)), ("RGB", (1, 2, 3)), ("L", 77)):
        path = tmp_path / f"{mode}.png"
        Image.new(mode, (20, 10), colour).save(path)
        built = images._prepare(path.read_bytes())
        back = imagecache.load(imagecache.dump(built))
        assert back.size == (20, 10) and back.name == built.name
        assert vars(back.image) == vars(built.image)
        assert (back.soft is None) == (built.soft is None) == (mode != "RGBA")
        if built.soft is not None:
            assert vars(back.soft) == vars(built.soft)


# ---------------------------------------------------------------- the CLI builds what it runs


def test_the_cli_builds_only_the_command_it_runs():
    from handouts.cli import app, entry

    lean = entry(["--project", "x", "--debug", "render", "64634"])
    assert lean is not app and [info.callback.__name__ for info in lean.registered_commands] == ["render"]
    assert [info.name for info in entry(["layout", "check", "x"]).registered_groups] == ["layout"]
    assert entry(["--project=x", "record"]).registered_groups[0].name == "record"
    for args in ([], ["--help"], ["-V"], ["rendr"], ["--bogus", "render"], ["--show-completion"], ["--project"]):
        assert entry(args) is app
    assert app.registered_commands and len(app.registered_commands) > 10  # the app itself is untouched


@pytest.mark.parametrize("args", [
    ["render", "--help"], ["render", "99999"], ["render", "64634", "--layot", "x"], ["layout"], ["layout", "--help"],
    ["layout", "check", "riverside-spine"], ["record", "--help"], ["translation", "new", "--help"], ["list"],
    ["show", "64634"], ["schema", "nope"], ["--debug", "layouts"], ["-h"], ["init", "--help"],
])
def test_the_lean_cli_says_what_the_whole_cli_says(args, project):
    from handouts.cli import _state, app, entry

    def invoke(which):
        here = os.getcwd()
        os.chdir(project)
        try:
            _state.update(debug=False, project=None, noticed=False)
            result = CliRunner().invoke(which, ["--project", str(project), *args])
            return result.exit_code, result.stdout, result.stderr
        finally:
            os.chdir(here)

    assert invoke(entry(["--project", str(project), *args])) == invoke(app)


def test_the_installed_command_runs_through_the_lean_cli(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "handouts", "--project", str(ROOT), "render", "64634", "-o", str(tmp_path / "h.pdf")],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    assert len(pdf_reader(tmp_path / "h.pdf").pages) == 2


# ---------------------------------------------------------------- the no-change build


def test_the_code_pattern_without_pydantic_is_the_schemas():
    from handouts import codes, schema

    assert codes.CODE_PATTERN.pattern == schema.CODE_PATTERN.pattern


@pytest.mark.parametrize("path", [
    "default/64634-a-shot.pdf", "default/64634-.pdf", "default/64634-A-shot.pdf", "default/64634-a.shot.pdf",
    "default/64634-a-shot.pdf\n", "default/64634-a-shot.PDF", "other/64634-a-shot.pdf", "default/6463-a.pdf",
    "default/64634-" + "a" * 80 + ".pdf", "default/64634-" + "a" * 81 + ".pdf", "default/64634-a/b.pdf",
    "default/64634a-b.pdf", "default/64634-é.pdf", "default/64634--.pdf", "x/default/64634-a.pdf",
])
def test_a_manifest_entry_is_checked_as_the_per_entry_pattern_did(path):
    import re

    from handouts.build import valid_entry

    entry = {"layout": "default", "code": "64634", "path": path, "bytes": 1, "pages": 2, "title": "t"}
    old = re.fullmatch(rf"{re.escape('default')}/{re.escape('64634')}-[a-z0-9-]{{1,80}}\.pdf", path) is not None
    assert valid_entry("default/64634", entry) == old


def test_procedure_files_are_what_sorted_glob_gives(tmp_path):
    folder = tmp_path / "procedures"
    folder.mkdir()
    for name in ("64634.yaml", "01992.yaml", ".yaml", ".hidden.yaml", "a.b.yaml", "notes.txt", "B.yaml", "x.yml"):
        (folder / name).write_text("code: x\n")
    (folder / "dir.yaml").mkdir()
    globbed = {path.stem: path for path in sorted(folder.glob("*.yaml"))}
    assert list(Project(tmp_path).procedure_files().items()) == list(globbed.items())
    assert Project(tmp_path / "nowhere").procedure_files() == {}


def test_a_build_sweeps_only_temporary_files(tmp_path):
    import time

    from handouts.build import _sweep_temporaries

    library = tmp_path / "library"
    (library / "default" / "deep").mkdir(parents=True)
    temporaries = [library / ".a.tmp", library / "default" / ".64634-x.pdf.tmp", library / "default" / "deep" / ".b.tmp"]
    kept = [library / "x.tmp", library / "default" / "64634-x.pdf", library / ".tmp", library / "default" / ".a.tmp.pdf"]
    for path in temporaries + kept:
        path.write_bytes(b"x")
    _sweep_temporaries(library, older_than=3600)  # a shard: only old ones
    assert all(path.exists() for path in temporaries + kept)
    old = time.time() - 7200
    os.utime(temporaries[0], (old, old))
    _sweep_temporaries(library, older_than=3600)
    assert not temporaries[0].exists() and temporaries[1].exists()
    _sweep_temporaries(library, older_than=0)
    assert not any(path.exists() for path in temporaries) and all(path.exists() for path in kept)


def test_a_no_change_build_imports_neither_pydantic_nor_yaml(project, tmp_path):
    env = {**os.environ, "HANDOUTS_CACHE_DIR": str(tmp_path / "cache")}
    args = ["--project", str(project), "build", "--jobs", "1", "-l", "default"]
    subprocess.run([sys.executable, "-m", "handouts", *args], env=env, capture_output=True, check=True)
    script = (
        f"import sys; from handouts.cli import main; sys.argv[1:] = {args!r}\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('loaded', 'pydantic' in sys.modules, 'yaml' in sys.modules, 'reportlab.platypus' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert "built 0, unchanged 5" in done.stdout and done.stdout.strip().endswith("loaded False False False"), done

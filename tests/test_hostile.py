"""Hostile input and faults (issue 9): every case a clear error, nothing lost, nothing leaked.

One test (or a few) per defect, numbered as in the issue.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import pytest

from conftest import files_under, pdf_reader, replace_in, run, within
from handouts.errors import HandoutsError

PROCEDURE = "procedures/64634.yaml"


def error_lines(result) -> list[str]:
    """stderr without the warnings about the shipped layouts' blank or fictional phone numbers."""
    return [line for line in result.stderr.strip().splitlines() if not line.startswith("Warning: layout")]


def new_layout(project: Path, name: str, text: str, files: dict[str, bytes] | None = None) -> Path:
    folder = project / "layouts" / name
    folder.mkdir(parents=True)
    (folder / "layout.yaml").write_text(text, encoding="utf-8")
    for file_name, data in (files or {}).items():
        (folder / file_name).write_bytes(data)
    return folder


def png(width: int, height: int, rows: bytes | None = None) -> bytes:
    """A grayscale PNG; without `rows`, only its header (enough for a decompression-bomb check)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    body = chunk(b"IDAT", zlib.compress(rows if rows is not None else b"\0" * (width + 1)))
    return b"\x89PNG\r\n\x1a\n" + header + body + chunk(b"IEND", b"")


def solid_png(width: int, height: int) -> bytes:
    return png(width, height, (b"\0" + b"\x40" * width) * height)


def clean_failure(result, *expected: str) -> None:
    """Exit 2, one clear line per problem, no traceback, no 'internal error'."""
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    for text in expected:
        assert text in result.stderr, result.stderr


def csv_file(path: Path, header: str, *rows: str) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


HEADER = "appointment_id,patient,date,time,codes,provider,location"


# ---------------------------------------------------------------- 1. alias bomb


def alias_bomb(levels: int, width: int = 10) -> str:
    lines = ["a0: &a0 [" + ", ".join(["lol"] * width) + "]"]
    for level in range(1, levels + 1):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def test_1_alias_bomb_is_refused_before_it_expands():
    from handouts.yamlio import parse_yaml

    with within(5), pytest.raises(HandoutsError) as caught:
        parse_yaml(alias_bomb(6), "bomb.yaml")
    assert "bomb.yaml" in str(caught.value) and "20,000" in str(caught.value)
    assert parse_yaml(alias_bomb(2), "ok.yaml")["a2"][9][9][9] == "lol"  # a few aliases are fine


def test_1_alias_bomb_in_a_procedure_is_a_clear_error(project):
    lines = ["preparation:", "- &b0 {text: lol}"]
    for level in range(1, 5):
        lines.append(f"- &b{level} {{text: lol, items: [" + ", ".join([f"*b{level - 1}"] * 10) + "]}")
    replace_in(project / PROCEDURE, "preparation:\n", "\n".join(lines) + "\n")
    with within(20):
        result = run(project, "render", "64634", "-o", str(project / "x.pdf"))
    clean_failure(result, "procedures/64634.yaml", "over the limit of 20,000")
    assert not (project / "x.pdf").exists()


# ---------------------------------------------------------------- 2. header shortening


def test_2_header_fitting_measures_a_logarithmic_number_of_times(monkeypatch):
    from handouts.render import page as render

    calls = []
    measure = render.stringWidth
    monkeypatch.setattr(render, "stringWidth", lambda *a: calls.append(1) or measure(*a))
    text = "Quackenbush " * 2000
    fitted = render.fit(text, "Helvetica", 10, 200)
    assert fitted.endswith("…") and measure(fitted, "Helvetica", 10) <= 200
    assert measure(fitted[:-1] + text[len(fitted) - 1] + "…", "Helvetica", 10) > 200 or fitted[-2] == " "
    assert len(calls) <= 40


def test_2_long_strings_are_refused_naming_the_field_and_the_limit(project):
    result = run(project, "render", "64634", "--patient", "Q" * 16000, "--date", "2026-12-03", "--time", "07:00")
    clean_failure(result, "patient", "over the limit of 300")
    assert "QQQ" not in result.output
    replace_in(project / PROCEDURE, "title: ", "title: " + "T" * 8000 + " ")
    with within(10):
        result = run(project, "render", "64634")
    clean_failure(result, "procedures/64634.yaml: title (line", "8,0", "over the limit of 300")


# ---------------------------------------------------------------- 3. a bad language in a schedule row


def test_3_a_bad_language_fails_only_its_row(project, tmp_path):
    schedule = csv_file(
        tmp_path / "day.csv", HEADER + ",language",
        "A1,Ann Lee,2026-12-03,07:00,64634,,,zz",
        "A2,Bo Chan,2026-12-03,07:30,64634,,,de-DE",
        "A3,Cy Dorn,2026-12-03,08:00,64634,,,../en",
        "A4,Di Erl,2026-12-03,08:30,64634,,,en",
        "A5,Ed Fox,2026-12-03,09:00,64634,,,",
    )
    out = tmp_path / "out"
    result = run(project, "schedule", str(schedule), "-o", str(out))
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.output
    errors = error_lines(result)
    assert [e.split(":")[1].strip() for e in errors] == ["row 2", "row 3", "row 4"]
    assert all("language: not a language handouts are written in; use one of en, es" in e for e in errors)
    assert sorted(p.name for p in out.glob("*.pdf")) == ["2026-12-03-A4.pdf", "2026-12-03-A5.pdf"]


# ---------------------------------------------------------------- 4. patient names in errors


def test_4_no_cell_value_is_echoed_in_a_schedule_message(project, tmp_path):
    schedule = csv_file(
        tmp_path / "day.csv", HEADER + ",layout,timezone",
        "A1,2026-12-03,Zephyrine Quackenbush,07:00,64634,,,,",  # shifted: the name is in the date column
        "A2,Tim Row,2026-12-03,25:61,64634,,,,",
        "A3,Ula Vance,2026-12-03,07:00,Wanda Xu,,,,",
        "A4,Yves Zorn,2026-12-03,07:00,99999,,,,",
        "A5,Abe Bond,2026-12-03,07:00,64634,,,Cleo Dunn,",
        "A6,Eve Fry,2026-12-03,07:00,64634,,,,Gus/Hale",
        "A7,Ivy Jett,2026-12-03,08:00,64634,,,,",
        "A7,Jo Kent,2026-12-03,08:00,64634,,,,",
        "Kai Lam!,Kai Lam,2026-12-03,08:00,64634,,,,",
        "A9,Mo Ng,2026-03-08,02:30,64634,,,,America/Chicago",
    )
    result = run(project, "schedule", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    errors = error_lines(result)
    assert errors == [
        "Error: row 2: date: not a real date; write it as YYYY-MM-DD, e.g. 2026-12-03 (a year from 1900 to 2999)",
        "Error: row 3: time: not a real time; write it as HH:MM, e.g. 07:45 or 7:45 PM",
        "Error: row 4: codes: the 1st code is not a CPT or HCPCS code (like 64634); check the column",
        "Error: row 5: codes: the 1st code has no procedure file in procedures/; fix the code or add the procedure",
        "Error: row 6: layout: no such layout; known layouts: default, northgate-pain, riverside-spine",
        "Error: row 7: timezone: not a known time zone; use an IANA name such as America/New_York",
        "Error: row 9: appointment_id: the same id is already used on row 8; ids must be unique (they name the files)",
        "Error: row 10: appointment_id: may use only letters, digits, '-', '_' and '.' (it names the file), "
        "up to 64 characters",
        "Error: row 11: time: does not exist on that day in that time zone (the clocks spring forward then); "
        "choose another time",
    ]
    cells = {cell for row in schedule.read_text().splitlines()[1:] for cell in row.split(",") if len(cell) > 2}
    cells -= {"2026-12-03", "64634"}  # in the good rows' output
    assert [cell for cell in cells if cell in result.output] == []


# ---------------------------------------------------------------- 5. the build trusts its manifest


def test_5_build_never_removes_or_writes_outside_the_library(project, tmp_path):
    assert run(project, "build", "-l", "default", "--jobs", "1").exit_code == 0
    library = project / "output" / "library"
    victims = [tmp_path / "victim.txt", tmp_path / "evil" / "victim.pdf"]
    for victim in victims:
        victim.parent.mkdir(exist_ok=True)
        victim.write_text("keep me")
    data = json.loads((library / "manifest.json").read_text())
    entry = dict(data["handouts"]["default/64634"])
    data["handouts"]["default/99999"] = {**entry, "code": "99999", "path": "../../../victim.txt"}
    data["handouts"]["../../../evil/64634"] = {**entry, "layout": "../../../evil", "path": "../../../evil/victim.pdf"}
    data["handouts"]["default/77003"] = {**entry, "path": "/etc/hostname"}
    (library / "manifest.json").write_text(json.dumps(data))
    before = {p for p in files_under(tmp_path) if library not in p.parents}
    result = run(project, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert all(victim.read_text() == "keep me" for victim in victims)
    assert {p for p in files_under(tmp_path) if library not in p.parents} == before
    assert not any(key.startswith("../") for key in json.loads((library / "manifest.json").read_text())["handouts"])



def test_5_a_build_journal_is_as_untrusted_as_the_manifest(project, tmp_path):
    """The journal a killed build leaves is read back like the manifest: entries naming files outside
    the library are dropped, so the next build never removes them."""
    assert run(project, "build", "-l", "default", "--jobs", "1").exit_code == 0
    library = project / "output" / "library"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    entry = json.loads((library / "manifest.json").read_text())["handouts"]["default/64634"]
    lines = [
        ["default/99999", {**entry, "code": "99999", "path": "../../../victim.txt"}],
        ["default/88888", {**entry, "code": "88888", "path": str(victim)}],
        "not an entry",
    ]
    journal = library / "manifest.json.journal"
    journal.write_text("".join(json.dumps(line) + "\n" for line in lines) + "[" * 100_000 + "\n")
    from handouts.build import read_manifest

    known = read_manifest(library / "manifest.json")
    assert "default/64634" in known and "default/99999" not in known and "default/88888" not in known
    result = run(project, "build", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert victim.read_text() == "keep me"
    assert not journal.exists()
    assert "99999" not in (library / "manifest.json").read_text()


# ---------------------------------------------------------------- 6. render -o


def test_6_render_output_never_replaces_content_or_special_files(project, tmp_path):
    for target in (project / PROCEDURE, project / "layouts" / "default" / "layout.yaml"):
        before = target.read_bytes()
        clean_failure(run(project, "render", "64634", "-o", str(target)), "is inside")
        assert target.read_bytes() == before
    clean_failure(run(project, "render", "64634", "-o", str(project / "procedures" / "new.pdf")), "is inside")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    clean_failure(run(project, "render", "64634", "-o", str(fifo)), "exists and is not a regular file")
    assert fifo.is_fifo()
    clean_failure(run(project, "render", "64634", "-o", str(tmp_path)), "exists and is not a regular file")
    # An ordinary file is replaced as before.
    ordinary = tmp_path / "old.pdf"
    ordinary.write_text("old")
    assert run(project, "render", "64634", "-o", str(ordinary)).exit_code == 0
    assert ordinary.read_bytes().startswith(b"%PDF")


def test_6_render_dash_o_dash_writes_the_pdf_to_standard_output(project, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(project, "render", "64634", "-o", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"%PDF") and result.stdout_bytes.rstrip().endswith(b"%%EOF")
    assert len(pdf_reader(result.stdout_bytes).pages) >= 1
    assert not (tmp_path / "-").exists()


# ---------------------------------------------------------------- 7. kill -9 of build


def children_of(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_7_workers_die_with_a_killed_build(project):
    text = (project / PROCEDURE).read_text()
    for n in range(60):
        code = f"{70000 + n}"
        (project / "procedures" / f"{code}.yaml").write_text(text.replace("code: '64634'", f"code: '{code}'"))
    build = subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(project), "build", "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(list((project / "output").rglob("*.pdf"))) < 6:
            time.sleep(0.05)
        workers = children_of(build.pid)
        assert len(workers) == 2 and build.poll() is None, "the build was not rendering in two workers"
        build.kill()  # kill -9
        build.wait()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(pid) for pid in workers):
            time.sleep(0.05)
        assert [pid for pid in workers if alive(pid)] == []
    finally:
        for pid in [build.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass


# ---------------------------------------------------------------- 8. internal errors that must be clear ones


def _bomb_logo(project):
    new_layout(project, "bomb", "extends: default\nlogo: {path: logo.png}\n", {"logo.png": png(20000, 20000)})
    return ["render", "64634", "-l", "bomb"], "logo.path: the number of pixels of 'logo.png' is 400,000,000, over the limit of 25,000,000"


def _truncated_font(project):
    import fontpkg_atkinson_hyperlegible as package

    font = (Path(package.__file__).parent / "files" / "AtkinsonHyperlegible-Regular.ttf").read_bytes()
    new_layout(project, "cut", "extends: default\nfonts: {files: {regular: cut.ttf}}\n", {"cut.ttf": font[:6000]})
    return ["render", "64634", "-l", "cut"], "'cut.ttf' does not load as a TrueType font"


def _long_qr(project):
    new_layout(project, "qr", "extends: default\nqr: {url: 'https://x.example/" + "a" * 5000 + "'}\n")
    return ["render", "64634", "-l", "qr"], "qr.url (layout 'qr'): the address's length in characters is 5,018"


def _appointment_language(project):
    (project / "appt.yaml").write_text("date: 2026-12-03\ntime: '07:00'\nlanguage: zz\n")
    return ["render", "64634", "--appointment", str(project / "appt.yaml")], "language: 'zz' is not a language handouts knows"


def _deep_items(levels: int, expected: str):
    def make(project):
        nested = "x"
        for _ in range(levels):
            nested = f"{{text: x, items: [{nested}]}}"
        replace_in(project / PROCEDURE, "preparation:\n", f"preparation:\n- {nested}\n")
        return ["render", "64634"], expected

    return make


def _schedule_folder(project):
    return ["schedule", str(project / "procedures")], "procedures: is a folder; give a schedule file"


def _build_to_a_file(project):
    (project / "afile").write_text("x")
    return ["build", "-o", str(project / "afile")], "afile: is a file, not a folder"


CLEAR_ERRORS = {
    "20000x20000 PNG logo": _bomb_logo,
    "truncated TTF": _truncated_font,
    "5000-character QR address": _long_qr,
    "9999-12-31 23:59": lambda p: (["render", "64634", "--date", "9999-12-31", "--time", "23:59"],
                                   "date: the year must be from 1900 to 2999"),
    "0001-01-01 00:30": lambda p: (["render", "64634", "--date", "0001-01-01", "--time", "00:30"],
                                   "date: the year must be from 1900 to 2999"),
    "language zz in an appointment file": _appointment_language,
    "items nested 24 levels": _deep_items(24, "lists and mappings inside each other is 41, over the limit of 40"),
    "items nested 8 levels": _deep_items(8, "the depth of items inside items is 7, over the limit of 6"),
    "schedule DIR": _schedule_folder,
    "build -o FILE": _build_to_a_file,
}


@pytest.mark.parametrize("case", CLEAR_ERRORS, ids=list(CLEAR_ERRORS))
def test_8_clear_error_instead_of_internal_error(project, case):
    args, expected = CLEAR_ERRORS[case](project)
    with within(20):
        result = run(project, *args)
    clean_failure(result, expected)


# ---------------------------------------------------------------- 9. the importer on long prose


def page(body: str) -> str:
    return f"Search all medical codes\nSome procedure\nCPT4 code\nName of the Procedure:\nSome procedure\n\nSummary\n{body}"


def test_9_importer_is_linear_on_long_unpunctuated_prose():
    from handouts.importer import import_page

    body = "\n".join("and the words go on without a full stop for a long while here" for _ in range(8200))
    assert len(body) > 500_000
    with within(5):
        result = import_page(page(body), "64634")
    assert len(result.data["summary"]) == len(" ".join(body.split("\n")))


def test_9_importer_bounds_its_input(project, tmp_path):
    big = tmp_path / "big.txt"
    big.write_text(page("words " * 200_000 + "."))
    clean_failure(run(project, "import", str(big), "--code", "64634", "-o", "-"),
                  "big.txt: the file's size in bytes is 1,2", "over the limit of 1,048,576")
    prose = tmp_path / "prose.txt"
    prose.write_text(page("words " * 5_000 + "."))
    clean_failure(run(project, "import", str(prose), "--code", "64634", "-o", "-"),
                  "summary: the text's length in characters is 30,001, over the limit of 10,000")


# ---------------------------------------------------------------- 10. huge text


def test_10_huge_text_is_refused_naming_the_field(project):
    path = project / PROCEDURE
    data = path.read_text()
    start = data.index("summary:")
    end = data.index("\n", data.index("\n", start) + 1)
    path.write_text(data[:start] + "summary: " + "word " * 4000 + data[end:])
    with within(10):
        result = run(project, "render", "64634")
    clean_failure(result, "procedures/64634.yaml: summary (line", "is 20,0", "over the limit of 10,000",
                  "shorten it")


# ---------------------------------------------------------------- 11. SVG logos


SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="100" height="50">'
    '<rect width="100" height="50" fill="#123456"/><image x="0" y="0" width="50" height="50" {ref}/></svg>'
)


@pytest.mark.parametrize("ref", [
    'xlink:href="../../secret.png"', 'href="../../secret.png"', 'xlink:href="/etc/secret.png"',
    'xlink:href="file:///tmp/secret.png"',
])
def test_11_an_svg_logo_cannot_reach_outside_its_folder(project, ref):
    (project / "secret.png").write_bytes(solid_png(8, 8))
    new_layout(project, "svg", "extends: default\nlogo: {path: logo.svg}\n", {"logo.svg": SVG.format(ref=ref).encode()})
    result = run(project, "render", "64634", "-l", "svg", "-o", str(project / "x.pdf"))
    clean_failure(result, "logo.path: 'logo.svg' refers to a file outside the layout's folder")
    assert not (project / "x.pdf").exists()


def test_11_an_svg_logo_may_use_an_image_in_its_folder(project):
    new_layout(project, "svg", "extends: default\nlogo: {path: logo.svg}\n",
               {"logo.svg": SVG.format(ref='xlink:href="inner.png"').encode(), "inner.png": solid_png(8, 8)})
    result = run(project, "render", "64634", "-l", "svg", "-o", str(project / "x.pdf"))
    assert result.exit_code == 0, result.output


# ---------------------------------------------------------------- 12. wording templates


TEMPLATE_BOMBS = {
    "nested range loops": "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
    "string multiplication": "{{ 'x' * 100000000 }}",
    "huge power": "{{ 9 ** 9 ** 7 }}",
    "lipsum": "{{ lipsum(n=100000) }}",
    "percent width": "{{ '%99999999s' % 1 }}",
    "center": "{{ 'x'.center(100000000) }}",
    "center filter": "{{ 'x'|center(100000000) }}",
    "doubling": "{% set ns = namespace(s='x') %}{% for i in range(27) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}"
                "{{ ns.s|length }}",
    "recursion": "{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "loop over a long string": "{% for a in 'x' * 20000 %}{% for b in 'y' * 20000 %}{% endfor %}{% endfor %}",
}


@pytest.mark.parametrize("case", TEMPLATE_BOMBS, ids=list(TEMPLATE_BOMBS))
def test_12_wording_templates_are_bounded(case):
    from handouts.templating import fill

    with within(10), pytest.raises(HandoutsError) as caught:
        fill(TEMPLATE_BOMBS[case], {}, "wording.x (layout 'y')")
    assert str(caught.value).startswith("wording.x (layout 'y'): template problem: ")


def test_12_ordinary_templates_still_work():
    from handouts.templating import fill

    context = {"rules": {"fasting_hours": 8}, "codes": ["1", "2"]}
    assert fill("{{ rules.fasting_hours | hours }}; {{ codes | join(', ') }}", context, "w") == "8 hours; 1, 2"
    assert fill("{% for i in range(3) %}{{ i }}{% endfor %}{{ 'ab' * 2 }}{{ 2 ** 3 }}", {}, "w") == "012abab8"


# ---------------------------------------------------------------- 13. messages


def test_13_an_unquoted_code_hint_shows_the_digits_typed(project):
    replace_in(project / "procedures/00632.yaml", "code: '00632'", "code: 00632")
    result = run(project, "render", "00632")
    clean_failure(result, "(code: '00632')")
    assert "00410" not in result.output


def test_13_a_semicolon_csv_is_read(project, tmp_path):
    schedule = csv_file(tmp_path / "day.csv", HEADER.replace(",", ";"), "A1;Ann Lee;2026-12-03;07:00;64634;;")
    result = run(project, "schedule", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert [p.name for p in (tmp_path / "out").glob("*.pdf")] == ["2026-12-03-A1.pdf"]


def test_13_an_unterminated_quote_is_reported_not_swallowed(project, tmp_path):
    schedule = csv_file(
        tmp_path / "day.csv", HEADER,
        'A1,"Ann Lee,2026-12-03,07:00,64634,,',
        "A2,Bo Chan,2026-12-03,08:00,64634,,",
        "A3,Cy Dorn,2026-12-03,09:00,64634,,",
    )
    result = run(project, "schedule", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert ("row 2: a value runs over 3 lines: a quote (\") is not closed, or a value holds a line break; the 2 "
            "line(s) after it were read into this row and not rendered; close the quote or put the value on one "
            "line") in result.stderr
    assert "Ann" not in result.output and "Bo Chan" not in result.output


# ---------------------------------------------------------------- 14. terminal escapes


def test_14_control_characters_never_reach_the_terminal(project):
    replace_in(project / PROCEDURE, "title: ", 'title: "\\e[31mRed\\e]0;owned\\a "\ntitle_was: ')
    replace_in(project / PROCEDURE, "title_was: ", "name_was: ")
    text = (project / PROCEDURE).read_text().replace("name_was: ", "# ")
    (project / PROCEDURE).write_text(text)
    for args in (["list"], ["show", "64634"]):
        result = run(project, *args)
        assert result.exit_code == 0, result.output
        assert "Red" in result.stdout and "\x1b" not in result.output and "\a" not in result.output
    result = run(project, "render", "\x1b[2J\x9b")
    assert result.exit_code == 2 and "\x1b" not in result.output and "\x9b" not in result.output


# ---------------------------------------------------------------- 15. silently accepted input


def test_15_a_duplicate_yaml_key_is_an_error_naming_both_lines(project):
    path = project / PROCEDURE
    lines = path.read_text().splitlines()
    title = next(i for i, line in enumerate(lines) if line.startswith("title:"))
    path.write_text("\n".join(lines + ["title: Another title"]) + "\n")
    clean_failure(run(project, "render", "64634"),
                  f"procedures/64634.yaml: line {len(lines) + 1}: the key 'title' is written twice "
                  f"(lines {title + 1} and {len(lines) + 1}); keep one")


def test_15_the_patient_must_be_text(project):
    (project / "appt.yaml").write_text("date: 2026-12-03\ntime: '07:00'\npatient: {first: Ann, last: Lee}\n")
    result = run(project, "render", "64634", "--appointment", str(project / "appt.yaml"))
    clean_failure(result, "patient: give it as text, not a mapping")
    assert "Ann" not in result.output


def test_15_a_tall_logo_is_bounded_and_linted(project):
    new_layout(project, "tall", "extends: default\nlogo: {path: logo.png, width_in: 1}\n", {"logo.png": solid_png(150, 6000)})
    result = run(project, "render", "64634", "-l", "tall", "-o", str(project / "x.pdf"))
    assert result.exit_code == 0, result.output
    import pdfplumber

    with pdfplumber.open(project / "x.pdf") as pdf:
        first = pdf.pages[0]
        (image,) = first.images
        assert image["height"] <= 1.5 * 72 + 0.5
        footer_top = first.height - 0.8 * 72
        words_in_body = [w for w in first.extract_words() if w["bottom"] < footer_top]
        assert max(w["bottom"] for w in words_in_body) < footer_top
    check = run(project, "layout", "check", "tall")
    assert "logo" in check.stdout and "tall" in check.stdout and "1.5 in" in check.stdout


# ---------------------------------------------------------------- 16. patient data in PDF metadata


def test_16_metadata_templates_never_see_patient_data(project):
    new_layout(project, "leaky", 'extends: default\nwording: {subject: "{{ appointment.patient }}"}\n')
    result = run(project, "render", "64634", "-l", "leaky", "--patient", "Quincy Adams", "--date", "2026-12-03",
                 "--time", "07:00", "-o", str(project / "x.pdf"))
    clean_failure(result, "wording.subject", "'appointment' is undefined")
    assert not (project / "x.pdf").exists()
    result = run(project, "render", "64634", "--patient", "Quincy Adams", "--date", "2026-12-03", "--time", "07:00",
                 "-o", str(project / "y.pdf"))
    assert result.exit_code == 0
    assert "Quincy" not in json.dumps({k: str(v) for k, v in pdf_reader(project / "y.pdf").metadata.items()})


# ---------------------------------------------------------------- 17. schedule memory


def _peak_schedule_memory(project: Path, folder: Path, rows: int) -> int:
    import tracemalloc

    from handouts.project import Project
    from handouts.schedule import run_schedule

    schedule = csv_file(folder / f"day{rows}.csv", HEADER,
                        *(f"A{i},Pat {i},2026-12-03,07:{i % 60:02d},64634,," for i in range(rows)))
    proj = Project(project)
    warm = csv_file(folder / "warm.csv", HEADER, "A1,Pat,2026-12-03,07:00,64634,,")  # caches filled, fonts loaded
    run_schedule(proj, warm, "default", folder / "warm", True, say=lambda _: None, warn=lambda _: None)
    tracemalloc.start()
    run_schedule(proj, schedule, "default", folder / f"out{rows}", True, say=lambda _: None, warn=lambda _: None)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def test_17_schedule_memory_does_not_grow_with_rows(project, tmp_path):
    small = _peak_schedule_memory(project, tmp_path, 2)
    large = _peak_schedule_memory(project, tmp_path, 14)
    # Keeping each handout (and a packet in memory) grew by ~250 kB a row: 3 MB here. What is left
    # is garbage waiting for the cyclic collector; benchmarks/schedule_memory.py measures real RSS.
    assert large - small < 1_500_000, (small, large)


# ---------------------------------------------------------------- 18. broken pipe


def test_18_a_closed_pipe_ends_quietly(project):
    import fcntl

    text = (project / PROCEDURE).read_text()
    for n in range(150):
        code = f"{70000 + n}"
        (project / "procedures" / f"{code}.yaml").write_text(text.replace("code: '64634'", f"code: '{code}'"))
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, 1031, 4096)  # F_SETPIPE_SZ: a small pipe fills after a few lines
    process = subprocess.Popen([sys.executable, "-m", "handouts", "--project", str(project), "list"],
                               stdout=write_end, stderr=subprocess.PIPE)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as reader:
        assert reader.readline().startswith(b"00632")  # `| head -1`
    _, errors = process.communicate(timeout=60)
    assert errors == b""
    assert process.returncode in (0, 1, 141, -signal.SIGPIPE)


def test_4_a_character_the_font_lacks_in_a_patient_name_is_not_echoed(project, tmp_path):
    schedule = csv_file(tmp_path / "day.csv", HEADER, "A1,Zoë 王小明,2026-12-03,07:00,64634,,")
    result = run(project, "schedule", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "row 2: the box 'Your appointment': the font Atkinson Hyperlegible cannot print 3 character(s)" \
        in result.stderr
    assert "王" not in result.output and "U+738B" not in result.output


def test_3_optional_columns_may_be_left_off_a_row(project, tmp_path):
    schedule = csv_file(tmp_path / "day.csv", HEADER + ",layout,language", "A1,Ann Lee,2026-12-03,07:00,64634,,")
    result = run(project, "schedule", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output

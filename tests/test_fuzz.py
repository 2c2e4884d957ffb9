"""Property-based fuzzing: any input gives a valid PDF (or YAML) or a clear error, in bounded time and memory.

"A clear error" is a HandoutsError (the CLI prints its lines and exits 2); anything else is a bug. The
suite runs a few examples of each (profile "suite"); `python benchmarks/fuzz.py` runs many more.
"""

from __future__ import annotations

import csv
import io
import os
import resource
import shutil
import tempfile
import time
from collections import Counter
from functools import lru_cache
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from handouts.errors import HandoutsError

settings.register_profile(
    "suite", max_examples=12, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "fuzz", max_examples=int(os.environ.get("HANDOUTS_FUZZ_EXAMPLES", "100")), deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HANDOUTS_FUZZ_PROFILE", "suite"))

MAX_SECONDS = 10.0  # for one example; a normal one takes well under 0.5 s
MAX_RSS_KB = 1_000_000  # the whole test process never passes 1 GB
COUNTS: Counter = Counter()  # examples run and outcomes, for benchmarks/fuzz.py


@lru_cache(maxsize=1)
def project_root() -> Path:
    root = Path(tempfile.mkdtemp(prefix="handouts-fuzz-")) / "project"
    shutil.copytree(ROOT / "procedures", root / "procedures")
    shutil.copytree(ROOT / "layouts", root / "layouts")
    return root


def bounded(target: str, action):
    """Run `action`; it must return or raise HandoutsError, within MAX_SECONDS and MAX_RSS_KB."""
    started = time.monotonic()
    try:
        result = action()
        COUNTS[f"{target}: ok"] += 1
    except HandoutsError as exc:
        assert exc.lines and all(line.strip() and "\n" not in line for line in exc.lines)
        assert "Traceback" not in str(exc)
        COUNTS[f"{target}: clear error"] += 1
        result = None
    finally:
        COUNTS[target] += 1
    assert time.monotonic() - started < MAX_SECONDS
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < MAX_RSS_KB
    return result


def assert_pdf(pdf: bytes) -> None:
    from pypdf import PdfReader

    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) >= 1
    reader.pages[0].extract_text()


# ---------------------------------------------------------------- strategies

# Text as people paste it: words, punctuation, bullets, markup and template syntax, control characters,
# characters the font lacks, very long words.
WORDS = st.sampled_from([
    "pain", "the", "needle", "Rare:", "Common:", "•", "-", "1.", "<b>", "</font>", "&amp;", "{{ 7*7 }}", "{%",
    "%}", "\\", '"', "'", ":", "\t", "\x1b[31m", "\x00", "é", "王", "😀", "‮", "x" * 300, "Summary", "Risks",
    "Preparation", "Name of the Procedure:", "CPT4 code", "HCPCS code", "\n", "\n\n", "  ", "*a", "&a", "---",
])
PROSE = st.lists(st.one_of(WORDS, st.text(max_size=20)), max_size=60).map(" ".join)
LINES = st.lists(st.one_of(PROSE, WORDS), max_size=40).map("\n".join)
HEADINGS = ["Summary", "Purpose", "Preparation", "Procedure Description", "Risks and Complications",
            "Recovery", "Alternatives", "Patient Experience", "Benefits", "Odd Heading"]


@st.composite
def pages(draw) -> str:
    """A procedure page: mostly the right shape, with hostile content in every part."""
    head = draw(st.sampled_from(["Search all medical codes\n", "", "\n\n"]))
    descriptor = draw(st.one_of(PROSE, st.just("Destruction of nerve (List separately in addition to code for "
                                                 "primary procedure)")))
    system = draw(st.sampled_from(["CPT4 code", "HCPCS code", "cpt code", "Code"]))
    body = []
    for heading in draw(st.lists(st.sampled_from(HEADINGS), max_size=8)):
        body.append(heading + draw(st.sampled_from(["", ":"])))
        body.append(draw(LINES))
    return f"{head}{descriptor}\n{system}\nName of the Procedure: {draw(PROSE)}\n" + "\n".join(body)


# Values that go into a procedure or a layout: every YAML type, nested, hostile strings.
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=True), PROSE,
                    st.dates(), st.text(max_size=30))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=6), st.dictionaries(st.sampled_from(["text", "label", "items", "paragraph", "x"]),
                                                 inner, max_size=4)), max_leaves=30)
PROCEDURE_KEYS = ["title", "name", "descriptor", "summary", "preparation", "procedure_steps", "recovery",
                  "risks", "benefits", "alternatives", "patient_experience", "handout", "review", "add_on",
                  "primary_codes", "other_sections", "code_system", "unknown_key"]


# ---------------------------------------------------------------- the importer


def check_import(text: str) -> None:
    from handouts.importer import import_page
    from handouts.limits import check_data
    from handouts.schema import Procedure, validate
    from handouts.yamlio import dump_yaml, parse_yaml

    def action():
        result = import_page(text, "64634", "page.txt")
        check_data(result.data, "page.txt")
        procedure = validate(Procedure, result.data, "page.txt")
        written = dump_yaml(procedure.to_data())
        assert validate(Procedure, parse_yaml(written, "x"), "x") == procedure  # what it writes reads back

    bounded("importer", action)


@given(pages())
def test_importer_gives_a_procedure_or_a_clear_error(text):
    check_import(text)


@given(st.text(max_size=2000))
def test_importer_on_any_text(text):
    check_import(text)


# ---------------------------------------------------------------- procedure loader + renderer


def check_procedure(data_or_text, layout: str = "default") -> None:
    import yaml

    from handouts.pipeline import render_pdf
    from handouts.project import Project

    root = project_root()
    path = root / "procedures" / "99990.yaml"
    if isinstance(data_or_text, str):
        text = data_or_text
    else:
        text = yaml.safe_dump(data_or_text, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    project = Project(root)

    def action():
        procedure = project.load_procedure_file(path)
        assert_pdf(render_pdf(procedure, project.layout(layout)))

    try:
        bounded("procedure + render", action)
    finally:
        path.unlink()


BASE = {"code": "99990", "descriptor": "A procedure", "name": "A procedure", "title": "A procedure"}


# Mostly well-shaped content with hostile text, sometimes anything at all.
BLOCKS = st.recursive(PROSE, lambda inner: st.one_of(
    st.fixed_dictionaries({"text": PROSE}, optional={"label": PROSE, "items": st.lists(inner, max_size=4)}),
    st.fixed_dictionaries({"paragraph": PROSE})), max_leaves=12)
SECTION = st.one_of(PROSE, st.lists(BLOCKS, max_size=8))
SHAPED = st.fixed_dictionaries({}, optional={
    "title": PROSE, "name": PROSE, "summary": SECTION, "preparation": SECTION, "procedure_steps": SECTION,
    "recovery": SECTION, "risks": st.fixed_dictionaries({}, optional={"common": SECTION, "rare": SECTION}),
    "handout": st.fixed_dictionaries({}, optional={
        "fasting_hours": st.one_of(st.integers(-5, 60), st.floats(0, 48)), "clear_liquids_hours": st.integers(0, 4),
        "driver_required": st.booleans(), "warning_signs": st.lists(PROSE, max_size=5)}),
    "other_sections": st.lists(st.fixed_dictionaries({"heading": PROSE, "content": SECTION}), max_size=3),
})


@given(st.one_of(SHAPED, SHAPED, st.dictionaries(st.sampled_from(PROCEDURE_KEYS), VALUES, max_size=6)),
       st.sampled_from(["default", "riverside-spine", "northgate-pain"]))
def test_a_procedure_renders_or_gives_a_clear_error(changes, layout):
    check_procedure({**BASE, **changes}, layout)


@given(st.lists(st.one_of(WORDS, st.sampled_from(["code: '99990'\n", "title: ", "summary: ", "- ", "  ", ": ",
                                                   "&x ", "*x ", "[", "{", "!!python/object", "<<: *x"])),
                max_size=40).map("".join))
def test_any_yaml_text_loads_and_renders_or_gives_a_clear_error(text):
    check_procedure(text)


# ---------------------------------------------------------------- appointments


APPOINTMENT_VALUES = st.one_of(
    SCALARS, st.sampled_from(["2026-12-03", "9999-12-31", "0001-01-01", "2026-02-30", "07:45", "7:45 PM", "24:00",
                              "12:00 AM", "America/New_York", "Mars/Base", "../etc", "en", "zz", "de-DE",
                              "64634", "01992 77003", "A1", "../x"]),
    st.lists(st.sampled_from(["64634", "01992", 64634, None, "x"]), max_size=4), st.times(),
)
APPOINTMENT_KEYS = ["date", "time", "patient", "provider", "location", "codes", "appointment_id", "timezone",
                    "language", "layout", "other"]


@given(st.dictionaries(st.sampled_from(APPOINTMENT_KEYS), APPOINTMENT_VALUES, max_size=8))
def test_an_appointment_renders_or_gives_a_clear_error(data):
    from handouts.appointment import from_mapping
    from handouts.pipeline import render_pdf
    from handouts.project import Project

    project = Project(project_root())

    def action():
        appointment = from_mapping({"date": "2026-12-03", "time": "07:00", **data}, "appt.yaml")
        procedures = [project.procedure(code) for code in appointment.codes or ("64634",)]
        assert_pdf(render_pdf(procedures, project.layout("riverside-spine"), appointment))

    bounded("appointment + render", action)


# ---------------------------------------------------------------- schedules

# Patient names from letters rare in English, so a message quoting one can be spotted.
NAMES = st.from_regex(r"[QXZ][qxzj]{2,8} [QXZ][qxzj]{2,8}", fullmatch=True)
CELLS = st.one_of(NAMES, st.sampled_from(["A1", "A2", "2026-12-03", "07:00", "64634", "01992;77003", "99999",
                                          "default", "nowhere", "zz", "en", "Europe/London", "", '"', "25:61",
                                          "2026-03-08", "02:30", "America/Chicago"]), st.text(max_size=12))
HEADER = ["appointment_id", "patient", "date", "time", "codes", "provider", "location"]


GOOD = {
    "appointment_id": st.from_regex(r"A[0-9]{1,4}", fullmatch=True), "patient": NAMES, "date": st.just("2026-12-03"),
    "time": st.sampled_from(["07:00", "7:45 PM", "12:00 AM", "23:59"]),
    "codes": st.sampled_from(["64634", "01992 77003", "01936;77003", "00632"]),
    "provider": st.one_of(NAMES, st.just("")), "location": st.sampled_from(["Suite 200", "", "王"]),
}
ROWS = st.lists(st.one_of(
    st.tuples(*(st.one_of(GOOD[column], GOOD[column], GOOD[column], CELLS) for column in HEADER)).map(list),
    st.lists(CELLS, max_size=9)), max_size=6)


@given(ROWS,
       st.sampled_from([",", ";"]), st.lists(st.sampled_from(["layout", "language", "timezone"]), max_size=3,
                                             unique=True))
def test_a_schedule_renders_its_good_rows_and_never_echoes_a_name(rows, delimiter, optional):
    from handouts.project import Project
    from handouts.schedule import run_schedule

    root = project_root()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(HEADER + optional)
    writer.writerows(rows)
    schedule = root / "day.csv"
    schedule.write_text(buffer.getvalue(), encoding="utf-8")
    out = root / "output" / "day"
    shutil.rmtree(out, ignore_errors=True)
    printed: list[str] = []

    def action():
        result = run_schedule(Project(root), schedule, "default", out, True, say=printed.append, warn=printed.append)
        assert len(result.done) + len(result.failed) <= len(rows)
        for done in result.done:
            assert_pdf(done.path.read_bytes())
        if result.packet:
            assert_pdf(result.packet.read_bytes())
        return result

    result = bounded("schedule", action)
    if result is not None:
        COUNTS["schedule rows: rendered"] += len(result.done)
        COUNTS["schedule rows: clear error"] += len(result.failed)
    names = {cell for row in rows for cell in row if isinstance(cell, str) and cell[:1] in "QXZ" and " " in cell}
    text = "\n".join(printed)
    assert [name for name in names if name in text or name.split()[0] in text] == []

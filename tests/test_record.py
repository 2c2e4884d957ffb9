"""The education record: every personal handout made, what it contained, and `record verify`.

Includes the two ways a real clinic would break a careless database: a schedule killed with
SIGKILL half-way, and two schedules recording at the same moment.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time

import pytest

from conftest import DATA, pdf_reader, run

RECORD = "education-record.sqlite3"


def write_schedule(path, rows: int, prefix: str = "A") -> dict[str, str]:
    names = {}
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["appointment_id", "patient", "date", "time", "codes", "provider", "location"])
        for i in range(rows):
            appointment_id = f"{prefix}{1000 + i}"
            names[appointment_id] = f"Pat{prefix} Person{i}"
            time_of_day = f"{7 + (i * 10) // 60:02d}:{(i * 10) % 60:02d}"
            codes = ("64634", "77003", "01992 77003")[i % 3]
            writer.writerow([appointment_id, names[appointment_id], "2026-12-03", time_of_day, codes, "Dr. Chen", "Suite 200"])
    return names


def listed(project, *args) -> list[dict]:
    result = run(project, "record", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_record_lists_every_handout_of_a_schedule(project):
    out = project / "output" / "fhir"
    result = run(project, "schedule", str(DATA / "feeds" / "day.fhir.json"), "-l", "riverside-spine", "-o", str(out))
    assert result.exit_code == 1  # the test Bundle has bad resources: they make no handout and no record
    entries = listed(project)
    pdfs = {p.name: p.read_bytes() for p in out.glob("*.pdf")}
    assert len(entries) == len(pdfs) == 4
    by_id = {e["appointment_id"]: e for e in entries}
    assert sorted(by_id) == ["apt-1001", "apt-1002", "apt-1003", "apt-1005"]
    for entry in entries:
        pdf = pdfs[os.path.basename(entry["file"])]
        assert entry["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
        assert entry["pages"] == len(pdf_reader(pdf).pages) and entry["bytes"] == len(pdf)
        assert entry["program"] == "schedule" and entry["source_format"] == "fhir"
        assert entry["layout"] == "riverside-spine"
        assert entry["language"] == ("es" if entry["appointment_id"] == "apt-1002" else "en")
        assert entry["patient_name"] is None
        assert entry["tool_version"] == "0.1.0" and entry["made_at"].endswith("Z")
        for procedure in entry["procedures"]:
            assert procedure["content_version"] == "1" and procedure["review_status"] == "draft"
            assert len(procedure["content_sha256"]) == 64
    first = by_id["apt-1001"]
    assert first["codes"] == ["01992", "77003"] and [p["code"] for p in first["procedures"]] == ["01992", "77003"]
    assert first["patient_ref"] == "Patient/p1" and first["appointment_ref"] == "Appointment/apt-1001"
    assert first["appointment_start"] == "2026-12-03T07:45:00-05:00"
    assert by_id["apt-1005"]["appointment_start"] == "2026-03-08T07:00:00-04:00"
    # Owner-only, with its write-ahead log; no name anywhere in it.
    for path in (project / "output").glob(RECORD + "*"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    raw = b"".join(p.read_bytes() for p in (project / "output").glob(RECORD + "*"))
    assert b"Maria" not in raw and b"Lopez" not in raw and b"Becker" not in raw


def test_listing_filters_and_formats(project, tmp_path):
    write_schedule(tmp_path / "day.csv", 3)
    assert run(project, "schedule", str(tmp_path / "day.csv"), "-o", str(tmp_path / "out")).exit_code == 0
    assert [e["appointment_id"] for e in listed(project, "--appointment", "A1001")] == ["A1001"]
    assert len(listed(project, "--since", "2000-01-01")) == 3
    assert listed(project, "--since", "2999-01-01") == []
    table = run(project, "record")
    assert table.exit_code == 0 and table.stdout.splitlines()[0].startswith("made (UTC)")
    assert len(table.stdout.splitlines()) == 4 and "A1002" in table.stdout
    rows = list(csv.DictReader(run(project, "record", "--format", "csv").stdout.splitlines()))
    assert [r["appointment_id"] for r in rows] == ["A1000", "A1001", "A1002"]
    assert rows[2]["procedures"] == "01992 v1 draft; 77003 v1 draft" and rows[0]["source_format"] == "csv"
    bad = run(project, "record", "--since", "2026-13-01")
    assert bad.exit_code == 2 and "--since: '2026-13-01' is not a real date" in bad.stderr
    bad = run(project, "record", "--format", "xml")
    assert bad.exit_code == 2 and "--format: 'xml' is not known" in bad.stderr


def test_an_empty_project_has_an_empty_record_and_no_file(project):
    assert run(project, "record").stdout == "no handouts on record\n"
    assert not (project / "output" / RECORD).exists()


def test_render_with_an_appointment_is_recorded_and_a_plain_one_is_not(project):
    assert run(project, "render", "64634", "-l", "riverside-spine").exit_code == 0
    assert not (project / "output" / RECORD).exists()
    result = run(project, "render", "64634", "-l", "riverside-spine", "--appointment", "examples/appointment.yaml")
    assert result.exit_code == 0, result.output
    (entry,) = listed(project)
    assert entry["program"] == "render" and entry["appointment_id"] == "A1002" and entry["patient_name"] is None
    assert entry["file"] == "output/appointments/2026-12-03-A1002-64634-riverside-spine.pdf"


def test_a_clinic_may_keep_names_in_its_record(project):
    layout = project / "layouts" / "riverside-spine" / "layout.yaml"
    layout.write_text(layout.read_text() + "\nrecord: {patient_name: true}\n")
    run(project, "render", "64634", "-l", "riverside-spine", "--appointment", "examples/appointment.yaml")
    assert listed(project)[0]["patient_name"] == "James Okafor"


def test_verify_recognizes_a_given_pdf_and_rejects_a_changed_one(project, tmp_path):
    out = project / "output" / "hl7"
    run(project, "schedule", str(DATA / "feeds" / "day.hl7"), "-l", "riverside-spine", "-o", str(out))
    given = out / "2026-03-08-H2007.pdf"
    result = run(project, "record", "verify", str(given))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"{given}: recognized: a handout on record, made 1 time(s) (sha256 {hashlib.sha256(given.read_bytes()).hexdigest()})"
    assert "appointment H2007 (SCH-2 H2007), patient MRN2007^^^RIVERSIDE^MR, starting 2026-03-08T07:00:00-04:00" in result.stdout
    assert "codes 01936 77003, layout riverside-spine, language en" in result.stdout
    assert "01936 " in result.stdout and "content version 1, draft, content sha256 " in result.stdout

    changed = tmp_path / "changed.pdf"
    data = bytearray(given.read_bytes())
    at = data.index(b"/Producer")
    data[at + 12] ^= 1  # one byte of metadata: the PDF still opens and looks the same
    changed.write_bytes(bytes(data))
    assert len(pdf_reader(changed).pages) == len(pdf_reader(given).pages)
    result = run(project, "record", "verify", str(changed))
    assert result.exit_code == 1 and "not recognized: no handout on record has these bytes" in result.stderr
    missing = run(project, "record", "verify", str(tmp_path / "nothing.pdf"))
    assert missing.exit_code == 2 and "nothing.pdf: file not found" in missing.stderr


# ---------------------------------------------------------------- the database itself


def test_migrations_run_once_and_a_newer_file_is_refused(tmp_path):
    from handouts.errors import HandoutsError
    from handouts.record import db

    path = tmp_path / RECORD
    connection = db.connect(path)
    assert db.version(connection) == len(db.MIGRATIONS)
    connection.execute("INSERT INTO handouts (made_at, program, source_format, codes, layout, language, "
                       "pdf_sha256, pages, bytes, tool_version) VALUES ('t', 'render', 'cli', '64634', 'x', 'en', "
                       "'abc', 1, 1, '0')")
    # A later version adds a column: the rows are kept and the version moves on, once.
    later = [*db.MIGRATIONS, ["ALTER TABLE handouts ADD COLUMN printed_by TEXT"]]
    db.migrate(connection, "record", later)
    db.migrate(connection, "record", later)
    assert db.version(connection) == len(later)
    assert connection.execute("SELECT pdf_sha256, printed_by FROM handouts").fetchall() == [("abc", None)]
    connection.close()
    with pytest.raises(HandoutsError, match=r"made by a newer handouts \(schema version 2, this one knows 1\)"):
        db.connect(path)


def test_a_file_that_is_not_a_database_is_one_line(project):
    (project / "output").mkdir()
    (project / "output" / RECORD).write_bytes(b"this is not sqlite" * 100)
    result = run(project, "record")
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: output/{RECORD}: not a readable education record (file is not a database); "
        "restore it from a backup or move it aside\n"
    )
    # No personal handout is given without its record.
    result = run(project, "render", "64634", "--date", "2026-12-03", "--time", "07:00")
    assert result.exit_code == 2 and not (project / "output" / "appointments").exists()


def cli(project, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-m", "handouts", "--project", str(project), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs,
    )


def check(project) -> tuple[str, list[str]]:
    connection = sqlite3.connect(project / "output" / RECORD)
    try:
        integrity = connection.execute("PRAGMA integrity_check").fetchone()[0]
        hashes = [row[0] for row in connection.execute("SELECT pdf_sha256 FROM handouts")]
    finally:
        connection.close()
    return integrity, hashes


def test_the_record_survives_a_kill_in_the_middle_of_a_schedule(project, tmp_path):
    write_schedule(tmp_path / "day.csv", 150)
    out = tmp_path / "out"
    process = cli(project, "schedule", str(tmp_path / "day.csv"), "-o", str(out))
    deadline = time.monotonic() + 60
    while len(list(out.glob("*.pdf"))) < 8 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the schedule finished before it could be killed"
    integrity, hashes = check(project)
    assert integrity == "ok"
    pdfs = list(out.glob("*.pdf"))
    assert 8 <= len(pdfs) < 150
    # Recorded before written: every handout on disk is on record (at most one record has no file yet).
    assert {hashlib.sha256(p.read_bytes()).hexdigest() for p in pdfs} <= set(hashes)
    assert len(hashes) - len(pdfs) in (0, 1)
    # And the record goes on working.
    write_schedule(tmp_path / "next.csv", 2, prefix="B")
    assert run(project, "schedule", str(tmp_path / "next.csv"), "-o", str(tmp_path / "next")).exit_code == 0
    assert check(project)[0] == "ok" and len(check(project)[1]) == len(hashes) + 2


def test_two_schedules_at_once_both_record(project, tmp_path):
    from handouts.record import db

    # A third writer holds the lock while both start: each must wait its turn, not fail.
    holder = db.connect(project / "output" / RECORD)
    holder.execute("BEGIN IMMEDIATE")
    processes = []
    for prefix in ("C", "D"):
        write_schedule(tmp_path / f"{prefix}.csv", 8, prefix=prefix)
        processes.append(cli(project, "schedule", str(tmp_path / f"{prefix}.csv"), "-o", str(tmp_path / prefix)))
    time.sleep(2.5)  # both start and render their first handout (~1 s here), then wait for the lock
    assert not list((tmp_path / "C").glob("*.pdf")) and not list((tmp_path / "D").glob("*.pdf"))
    holder.execute("COMMIT")
    holder.close()
    for process in processes:
        _, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    integrity, hashes = check(project)
    assert integrity == "ok" and len(hashes) == 16
    ids = sorted(e["appointment_id"] for e in listed(project))
    assert ids == sorted([f"C{1000 + i}" for i in range(8)] + [f"D{1000 + i}" for i in range(8)])

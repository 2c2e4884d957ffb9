"""Schedules from the EHR: FHIR R4 Bundles and HL7 SIU messages in; DocumentReference and calendar out.

The feeds in tests/data/feeds/ were written for these tests (invented patients): several patients
and languages, a cancelled appointment, a daylight-saving date, a malformed resource or message and
a missing code. Every handout is read back from its PDF.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import stat
from zoneinfo import ZoneInfo

import pytest

from conftest import DATA, ROOT, pdf_text, run

FEEDS = DATA / "feeds"
NEW_YORK = ZoneInfo("America/New_York")
UTC = dt.timezone.utc
# Names of patients whose rows fail: none may appear in anything the tool prints.
HIDDEN = ("José", "Ramírez", "Grace", "Kim", "Tunde", "Adeyemi", "Lucía", "Ken ", "Nakamura")


def errors(result) -> dict[int, str]:
    found = {}
    for line in result.stderr.strip().splitlines():
        if line.startswith("Warning: layout"):
            continue  # the shipped layouts' blank or fictional phone numbers are warned about
        match = re.match(r"Error: row (\d+): (.*)", line)
        assert match, line
        found[int(match.group(1))] = match.group(2)
    return found


def appointment_box(pdf) -> str:
    text = pdf_text(pdf)
    return text[text.index("Your appointment") : text.index("Your appointment") + 400]


# ---------------------------------------------------------------- FHIR in


@pytest.fixture(scope="module")
def fhir_day(tmp_path_factory):
    """One run of the test Bundle, shared by the tests that read its results (they only read)."""
    import shutil

    project = tmp_path_factory.mktemp("fhir") / "project"
    for folder in ("procedures", "layouts"):
        shutil.copytree(ROOT / folder, project / folder)
    out = project / "output" / "fhir-day"
    result = run(
        project, "schedule", str(FEEDS / "day.fhir.json"), "-l", "riverside-spine", "-o", str(out),
        "--fhir-out", str(project / "output" / "docs"), "--ics",
    )
    return project, out, result


def test_fhir_bundle_makes_the_right_handouts(fhir_day):
    project, out, result = fhir_day
    assert result.exit_code == 1, result.output
    assert "4 handouts written" in result.stdout and "4 rows failed" in result.stdout
    assert "1 skipped (Appointment/apt-1004 (cancelled))" in result.stdout
    assert sorted(p.name for p in out.glob("*.pdf")) == [
        "2026-03-08-apt-1005.pdf", "2026-12-03-apt-1001.pdf", "2026-12-03-apt-1002.pdf", "2026-12-03-apt-1003.pdf",
    ]
    # Patient in the Bundle; practitioner with a prefix and location resolved; two codes in one handout.
    box = appointment_box(out / "2026-12-03-apt-1001.pdf")
    assert "Name Maria Lopez" in box and "Appointment time 7:45 AM" in box
    assert "Stop eating 11:45 PM on Wednesday, December 2" in box  # 8 hours (01992)
    assert "Provider Dr. Chen" in box and "Location Suite 200" in box
    assert "CPT codes 01992, 77003" in pdf_text(out / "2026-12-03-apt-1001.pdf")
    # Patient only referenced (outside the Bundle): its display; a UTC start stated in the clinic's zone.
    box = appointment_box(out / "2026-12-03-apt-1003.pdf")
    assert "Name Priya Raman" in box and "Appointment time 9:15 AM" in box
    assert "Provider Dr. Alvarez" in box and "Location Procedure Room 2" in box
    # Patient by urn:uuid fullUrl; the spring-forward day: 8 real hours before 7:00 AM EDT is 10 PM EST.
    box = appointment_box(out / "2026-03-08-apt-1005.pdf")
    assert "Name Tom Becker" in box and "Sunday, March 8, 2026" in box
    assert "Arrive by 5:30 AM on Sunday, March 8" in box
    assert "Stop eating 10:00 PM on Saturday, March 7" in box
    assert "Stop clear liquids 5:00 AM on Sunday, March 8" in box
    for pdf in out.glob("*.pdf"):
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600


def test_fhir_bad_resources_fail_alone_by_id_without_names(fhir_day):
    project, out, result = fhir_day
    found = errors(result)
    assert found[11] == (
        "Appointment/apt-1006: the resource is malformed: start: not a valid FHIR instant "
        "(a time with its offset, e.g. 2026-12-03T07:45:00-05:00)"
    )
    assert found[12].startswith("Appointment/apt-1007: no CPT or HCPCS code (a coding of serviceType, appointmentType")
    assert found[13] == "Appointment/apt-1008: no start time (Appointment.start); add it in the EHR and export again"
    assert found[15] == "Appointment/apt-1009: its patient Patient/p7 is malformed: birthDate: not a valid FHIR date (e.g. 2026-12-03)"
    for name in HIDDEN:
        assert name not in result.output
    assert not list(out.glob("*apt-1006*")) and not list(out.glob("*apt-1004*"))


def test_a_spanish_speaking_patient_is_read_as_spanish(fhir_day):
    from handouts.feeds import read_schedule

    rows = dict(read_schedule(FEEDS / "day.fhir.json", None, lambda: "America/New_York"))
    assert rows[5]["language"] == "es"  # the preferred of two communications, coded es-MX
    assert rows[4]["language"] == "en"  # en-US
    project, out, result = fhir_day
    text = pdf_text(out / "2026-12-03-apt-1002.pdf")
    assert "José Ramírez" in text and "diciembre" in text
    assert "Before your procedure" not in text  # not English sentences around Spanish dates


# ---------------------------------------------------------------- FHIR out


def test_document_references_validate_and_carry_the_pdf(fhir_day):
    from fhir.resources.R4B.documentreference import DocumentReference

    from handouts.record import content_sha256
    from handouts.project import Project

    project, out, result = fhir_day
    docs = project / "output" / "docs"
    assert "4 DocumentReferences written to output/docs" in result.stdout
    subjects = {
        "apt-1001": "Patient/p1",
        "apt-1003": "https://ehr.example.org/fhir/Patient/p9",
        "apt-1005": "urn:uuid:6f1c2b1e-3c1d-4d8e-9b55-0a6f4f0c1a05",
    }
    proj = Project(project)
    for path in sorted(docs.glob("*.json")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        appointment_id = re.match(r"\d{4}-\d{2}-\d{2}-(apt-\d+)\.json", path.name).group(1)
        document = DocumentReference.model_validate_json(path.read_bytes())
        pdf = (out / path.name.replace(".json", ".pdf")).read_bytes()
        attachment = document.content[0].attachment
        assert attachment.data == pdf  # the model decodes base64
        assert json.loads(path.read_text())["content"][0]["attachment"]["data"] == base64.b64encode(pdf).decode()
        assert attachment.hash == hashlib.sha1(pdf).digest()
        assert attachment.contentType == "application/pdf"
        assert attachment.language == ("es" if appointment_id == "apt-1002" else "en")
        assert attachment.title and attachment.creation is not None
        if appointment_id in subjects:
            assert document.subject.reference == subjects[appointment_id]
        else:  # a contained Patient with no identifier: nothing outside the Bundle can name it
            assert document.subject is None
        assert document.context.related[0].reference == f"Appointment/{appointment_id}"
        contents = {
            {e.url: e for e in ext.extension}["code"].valueCode: {e.url: e for e in ext.extension}
            for ext in document.extension
        }
        for code, parts in contents.items():
            procedure = proj.procedure(code)
            assert parts["contentVersion"].valueString == procedure.review.content_version
            assert parts["reviewStatus"].valueCode == procedure.review.status
            assert parts["contentSha256"].valueString == content_sha256(procedure)
    assert sorted(p.stem.split("-", 3)[-1] for p in docs.glob("*.json")) == sorted([*subjects, "apt-1002"])


# ---------------------------------------------------------------- calendar out


def parse_calendar(path):
    from icalendar import Calendar

    calendar = Calendar.from_ical(path.read_bytes())
    events = {}
    for event in calendar.walk("VEVENT"):
        kind = str(event["uid"]).split("@")[0].rsplit("-", 1)[-1]
        alarms = [a.decoded("trigger") for a in event.walk("VALARM")]
        events[kind] = (event.decoded("dtstart"), alarms)
    return calendar, events


def test_calendars_have_alarms_at_the_computed_times(fhir_day):
    project, out, result = fhir_day
    assert sorted(p.name for p in out.glob("*.ics")) == [
        "2026-03-08-apt-1005.ics", "2026-12-03-apt-1001.ics", "2026-12-03-apt-1002.ics", "2026-12-03-apt-1003.ics",
    ]
    for path in out.glob("*.ics"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        for name in ("Maria", "Lopez", "Tom", "Becker", "Priya", "Raman"):
            assert name not in path.read_text()  # an alarm may show on a locked phone
    calendar, events = parse_calendar(out / "2026-03-08-apt-1005.ics")
    assert calendar.walk("VTIMEZONE")[0]["tzid"] == "America/New_York"
    start = dt.datetime(2026, 3, 8, 7, 0, tzinfo=NEW_YORK).astimezone(UTC)  # real hours: count in UTC
    expected = {  # 00632: no food 8 h, clear liquids until 2 h, arrive 90 min early; leave 60 min before that
        "eating": start - dt.timedelta(hours=8),
        "liquids": start - dt.timedelta(hours=2),
        "appointment": start - dt.timedelta(minutes=90 + 60),
    }
    assert expected["eating"].astimezone(NEW_YORK).hour == 22  # real hours across the clock change
    for kind, moment in expected.items():
        event_start, alarms = events[kind]
        assert alarms == [moment.astimezone(UTC)], kind
    assert events["eating"][0] == dt.datetime(2026, 3, 7, 22, 0, tzinfo=NEW_YORK)
    assert events["appointment"][0] == start and events["appointment"][0].tzinfo.key == "America/New_York"
    # The handout states the same moment the alarm rings at.
    assert "Stop eating 10:00 PM on Saturday, March 7" in appointment_box(out / "2026-03-08-apt-1005.pdf")


def test_one_calendar_per_patient(project, tmp_path):
    bundle = json.loads((FEEDS / "day.fhir.json").read_text())
    second = json.loads(json.dumps(next(e for e in bundle["entry"] if e["resource"].get("id") == "apt-1001")))
    second["resource"]["id"] = "apt-1010"
    second["resource"]["start"] = "2026-12-10T09:00:00-05:00"
    bundle["entry"].append(second)
    path = tmp_path / "two.json"
    path.write_text(json.dumps(bundle))
    out = project / "output" / "two"
    result = run(project, "schedule", str(path), "-l", "riverside-spine", "-o", str(out), "--ics", "--leave-minutes", "30")
    assert "5 handouts written" in result.stdout
    assert not (out / "2026-12-10-apt-1010.ics").exists()
    _, events = parse_calendar(out / "2026-12-03-apt-1001.ics")
    calendar, _ = parse_calendar(out / "2026-12-03-apt-1001.ics")
    uids = sorted(str(e["uid"]) for e in calendar.walk("VEVENT"))
    assert uids == sorted(
        f"{day}-{kind}@handouts" for day in ("2026-12-03-apt-1001", "2026-12-10-apt-1010")
        for kind in ("stop-eating", "stop-liquids", "appointment")
    )
    leave = [e for e in calendar.walk("VEVENT") if str(e["uid"]) == "2026-12-10-apt-1010-appointment@handouts"][0]
    # 9:00 AM, arrive 60 minutes early (01992), leave 30 minutes before that.
    assert leave.walk("VALARM")[0].decoded("trigger") == dt.datetime(2026, 12, 10, 7, 30, tzinfo=NEW_YORK).astimezone(UTC)


# ---------------------------------------------------------------- HL7 in


def test_hl7_siu_messages_make_the_right_handouts(project):
    out = project / "output" / "hl7-day"
    result = run(project, "schedule", str(FEEDS / "day.hl7"), "-l", "riverside-spine", "-o", str(out))
    assert result.exit_code == 1
    assert "4 handouts written" in result.stdout and "2 rows failed" in result.stdout
    assert "2 skipped (message MSG1003 (cancelled), message MSG1004 (cancelled))" in result.stdout
    found = errors(result)
    assert found[5] == "message MSG1005: SCH-11.4: not a date and time as HL7 writes it (YYYYMMDDHHMM[SS][+ZZZZ])"
    assert found[6] == "message MSG1006: no CPT or HCPCS code (AIS-3, coding system C4 or HCPCS); add it in the EHR and send again"
    assert 2 not in found  # the Spanish-speaking patient gets a Spanish handout
    for name in HIDDEN:
        assert name not in result.output
    box = appointment_box(out / "2026-12-03-H2001.pdf")
    assert "Name James A Okafor" in box and "Appointment time 8:30 AM" in box
    assert "Provider Dr. Chen" in box and "Location Suite 200" in box
    # No offset: the clinic's wall clock, on the spring-forward day; two AIS codes in one handout.
    box = appointment_box(out / "2026-03-08-H2007.pdf")
    assert "Name Priya Raman" in box and "Appointment time 7:00 AM" in box
    assert "Stop eating 10:00 PM on Saturday, March 7" in box
    assert "CPT codes 01936, 77003" in pdf_text(out / "2026-03-08-H2007.pdf")
    assert "Provider Dr. Alvarez" in box and "Location Procedure Room 2" in box
    # A UTC start (15:00Z) in New York's December: 10:00 AM.
    box = appointment_box(out / "2026-12-03-H2008.pdf")
    assert "Name Siobhan O'Neil" in box and "Appointment time 10:00 AM" in box


def test_hl7_framing_plain_or_mllp_reads_the_same(tmp_path):
    from handouts.feeds import detect, read_schedule

    framed = (FEEDS / "day.hl7").read_text(encoding="utf-8")
    plain = tmp_path / "plain.hl7"
    plain.write_text(framed.replace("\x0b", "").replace("\x1c\r", "").replace("\r", "\n"), encoding="utf-8")
    assert detect(FEEDS / "day.hl7") == "hl7" and detect(plain) == "hl7"

    def rows(path):
        result = read_schedule(path, None, lambda: "America/New_York")
        return [(n, dict(r), r.source, getattr(r, "error", None)) for n, r in result], result.skipped

    assert rows(plain) == rows(FEEDS / "day.hl7")
    found, skipped = rows(plain)
    by_number = {n: (values, source) for n, values, source, _ in found}
    first, source = by_number[1]
    assert first["language"] == "en" and first["patient"] == "James A Okafor"
    assert source.patient_ref == "MRN2001^^^RIVERSIDE^MR" and source.patient_identifier == ("MRN2001", None, "RIVERSIDE")
    spanish, _ = by_number[2]
    assert spanish["language"] == "es" and spanish["patient"] == "Lucía Ramírez"
    assert skipped == ["message MSG1003 (cancelled)", "message MSG1004 (cancelled)"]


def test_hl7_escapes_batches_and_strays(tmp_path):
    from handouts.feeds import read_schedule

    path = tmp_path / "batch.hl7"
    path.write_text(
        "FHS|^~\\&\nBHS|^~\\&\nPID|stray\n"
        "MSH|^~\\&|A|B|C|D|2026||SIU^S12|M1|P|2.5\nSCH||X1|||||||30|min|^^30^202612030745-0500\n"
        "PID|1||9^^^H||Smith\\T\\Jones^Ann||||||||||es\nAIS|1|A|64634^^CPT\n"
        "MSH|^~\\&|A|B|C|D|2026||ADT^A01|M2|P|2.5\nPID|1\n"
        "MSH|^~\\&|A|B|C|D|2026||SIU^S12^SIU_S12|M3|P|2.6\nSCH||X3\nTQ1|1||||||202612031000-0500\n"
        "PID|1||10\nAIS|1|A|77003^^C4\nBTS|3\nFTS|1\n"
    )
    rows = read_schedule(path, None, lambda: "America/New_York")
    (n0, stray), (n1, good), (n2, adt), (n3, timed) = list(rows)
    assert timed.error is None and timed["time"] == "10:00" and timed["appointment_id"] == "X3"
    assert stray.error == "message number 1: segments before the first MSH header belong to no message; remove them"
    assert good["patient"] == "Ann Smith&Jones" and good["language"] == "es" and good["time"] == "07:45"
    assert adt.error == "message M2: MSH-9 says 'ADT^A01', not a scheduling message (SIU^S12)"


# ---------------------------------------------------------------- formats and bounds


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"\xef\xbb\xbf{\"resourceType\": \"Bundle\"}", "fhir"),
        (b"\n  {", "fhir"),
        (b"\x0bMSH|^~\\&|", "hl7"),
        (b"MSH|^~\\&|", "hl7"),
        (b"FHS|^~\\&|", "hl7"),
        (b"appointment_id,patient,date\n", "csv"),
        (b"\xef\xbb\xbfappointment_id,patient\n", "csv"),
    ],
)
def test_the_format_is_detected_from_the_content(tmp_path, head, kind):
    from handouts.feeds import detect

    path = tmp_path / "schedule.txt"
    path.write_bytes(head)
    assert detect(path) == kind


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON (line 1, column 2"),
        ('{"resourceType": "Patient"}', "not a FHIR Bundle (resourceType must be Bundle, or one Appointment)"),
        ('{"resourceType": "Bundle", "type": "searchset", "entry": []}', "the Bundle holds no Appointment resources"),
        ('{"resourceType": "Bundle", "type": 7, "entry": []}', "Bundle: type:"),
        ("[" * 100000 + "]" * 100000, "JSON nested too deeply to be a FHIR Bundle"),
        ("\x0b\x1c\r", "no HL7 message"),
    ],
)
def test_unreadable_files_are_one_line_and_exit_2(project, tmp_path, text, message):
    path = tmp_path / "feed.json"
    path.write_text(text)
    result = run(project, "schedule", str(path), "-o", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_huge_feed_is_refused_before_it_is_read(project, tmp_path, monkeypatch):
    from handouts.feeds import rows

    monkeypatch.setattr(rows, "MAX_FEED_BYTES", 1024)
    path = tmp_path / "big.json"
    path.write_text('{"resourceType": "Bundle", "entry": [' + ",".join(["{}"] * 2000) + "]}")
    result = run(project, "schedule", str(path))
    assert result.exit_code == 2 and "too large for a FHIR Bundle" in result.stderr


def test_a_start_in_the_repeated_hour_is_refused(project, tmp_path):
    bundle = json.loads((FEEDS / "day.fhir.json").read_text())
    entry = next(e for e in bundle["entry"] if e["resource"].get("id") == "apt-1001")
    entry["resource"]["start"] = "2026-11-01T01:30:00-05:00"  # the second 1:30 AM in New York
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Appointment"] + [entry]
    path = tmp_path / "fallback.json"
    path.write_text(json.dumps(bundle))
    result = run(project, "schedule", str(path), "-l", "riverside-spine", "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "Appointment/apt-1001: the start 01:30 on 2026-11-01 falls in the hour the clocks repeat" in result.stderr


def test_a_spanish_csv_row_is_printed_in_spanish(project, tmp_path):
    path = tmp_path / "day.csv"
    path.write_text(
        "appointment_id,patient,date,time,codes,provider,location,language\n"
        "A1,Ana Ortiz,2026-12-03,07:45,64634,,,es\nA2,Bo Li,2026-12-03,08:45,64634,,,en\n"
    )
    result = run(project, "schedule", str(path), "-l", "riverside-spine", "-o", str(tmp_path / "out"))
    assert result.exit_code == 0, result.output
    assert "diciembre" in pdf_text(tmp_path / "out" / "2026-12-03-A1.pdf")
    assert "December" in pdf_text(tmp_path / "out" / "2026-12-03-A2.pdf")


@pytest.mark.parametrize(
    "value, tag",
    [("es", "es"), ("es-MX", "es"), ("en_US", "en"), ("SPA", "es"), ("spa", "es"), ("eng", "en"),
     ("Spanish", "es"), ("vietnamese", "vi"), ("zz-top", "zz"), ("Klingonese", None), ("", None), (None, None)],
)
def test_language_tags(value, tag):
    from handouts.feeds.rows import language_tag

    assert language_tag(value) == tag


def test_importing_the_cli_does_not_import_the_feed_libraries():
    import subprocess
    import sys

    code = (
        "import sys, handouts.cli; "
        "print([m for m in ('fhir', 'fhir.resources', 'hl7', 'icalendar', 'sqlite3') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_layout_in_another_zone_than_the_feed_is_refused(project, tmp_path):
    """The default layout's zone is UTC: a -05:00 start would be printed five hours off. A UTC start is fine."""
    out = tmp_path / "out"
    result = run(project, "schedule", str(FEEDS / "day.fhir.json"), "-o", str(out))  # layout: default
    found = errors(result)
    assert found[4] == (
        "Appointment/apt-1001: the start is at offset -05:00, but the layout's time zone UTC is at +00:00 then, "
        "so the handout would state another clock time; set the layout's timezone: to the clinic's zone "
        "(e.g. America/New_York)"
    )
    assert [p.name for p in out.glob("*.pdf")] == ["2026-12-03-apt-1003.pdf"]  # 14:15Z
    assert "Appointment time 2:15 PM" in appointment_box(out / "2026-12-03-apt-1003.pdf")


def test_a_contained_patient_is_the_subject_by_identifier(project, tmp_path):
    from fhir.resources.R4B.documentreference import DocumentReference

    bundle = json.loads((FEEDS / "day.fhir.json").read_text())
    entry = next(e for e in bundle["entry"] if e["resource"].get("id") == "apt-1002")
    patient = entry["resource"]["contained"][0]
    patient["communication"] = [{"language": {"text": "English"}}]
    patient["identifier"] = [{"system": "urn:oid:2.16.840.1.113883.19.5", "value": "MRN-77"}]
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Appointment"] + [entry]
    path = tmp_path / "contained.json"
    path.write_text(json.dumps(bundle))
    result = run(project, "schedule", str(path), "-l", "riverside-spine", "-o", str(tmp_path / "out"),
                 "--fhir-out", str(tmp_path / "docs"))
    assert result.exit_code == 0, result.output
    assert "Name José Ramírez" in appointment_box(tmp_path / "out" / "2026-12-03-apt-1002.pdf")
    document = DocumentReference.model_validate_json((tmp_path / "docs" / "2026-12-03-apt-1002.json").read_bytes())
    assert document.subject.reference is None
    assert (document.subject.identifier.system, document.subject.identifier.value) == ("urn:oid:2.16.840.1.113883.19.5", "MRN-77")
    entries = json.loads(run(project, "record", "--format", "json").stdout)
    assert entries[0]["patient_ref"] == "Appointment/apt-1002#pat"


def test_render_with_an_appointment_writes_the_same_outputs(project):
    result = run(project, "render", "64634", "-l", "riverside-spine", "--appointment", "examples/appointment.yaml",
                 "--fhir-out", str(project / "output" / "docs"), "--ics")
    assert result.exit_code == 0, result.output
    folder = project / "output" / "appointments"
    assert result.stdout.splitlines() == [
        "output/appointments/2026-12-03-A1002-64634-riverside-spine.pdf", "output/docs/2026-12-03-A1002.json",
        "output/appointments/2026-12-03-A1002.ics",
    ]
    pdf = (folder / "2026-12-03-A1002-64634-riverside-spine.pdf").read_bytes()
    document = json.loads((project / "output" / "docs" / "2026-12-03-A1002.json").read_text())
    assert base64.b64decode(document["content"][0]["attachment"]["data"]) == pdf and "subject" not in document
    _, events = parse_calendar(folder / "2026-12-03-A1002.ics")
    start = dt.datetime(2026, 12, 3, 8, 30, tzinfo=NEW_YORK).astimezone(UTC)
    assert events["eating"][1] == [start - dt.timedelta(hours=6)]  # 64634: no food for 6 hours
    assert "Stop eating 2:30 AM on Thursday, December 3" in appointment_box(pdf)
    bad = run(project, "render", "64634", "--ics")
    assert bad.exit_code == 2 and "--fhir-out and --ics need an appointment" in bad.stderr

"""Personal handouts: every computed time right, read back from the PDF; combined codes; patient data."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import stat
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT, folded, pdf_reader, pdf_text, run
from handouts.appointment import Appointment, before, local_start, parse_time
from handouts.compose import appointment_values, compose
from handouts.document import ItemList
from handouts.errors import HandoutsError
from handouts.merge import normalized
from handouts.pipeline import render_pdf
from handouts.project import Project
from handouts.schema import HandoutParams


def personal(project, *args, name="Test Patient"):
    out = project / "h.pdf"
    result = run(project, "render", *args, "--patient", name, "-o", str(out))
    assert result.exit_code == 0, result.output
    return pdf_text(out)


@pytest.mark.parametrize(
    "date, time, expected",
    [
        # 00:30 with 8 hours of fasting (01992): everything happens the evening before.
        ("2026-12-03", "00:30", {
            "Stop eating at 4:30 PM on Wednesday, December 2",
            "until 10:30 PM on Wednesday, December 2",
            "Arrive at 11:30 PM on Wednesday, December 2",
        }),
        # Spring forward in New York (2 AM -> 3 AM): 8 real hours before 7:00 AM is 10:00 PM.
        ("2027-03-14", "07:00", {
            "Stop eating at 10:00 PM on Saturday, March 13",
            "until 5:00 AM on Sunday, March 14",
            "Arrive at 6:00 AM on Sunday, March 14",
        }),
        # Fall back (2 AM -> 1 AM): 8 real hours before 7:00 AM is midnight.
        ("2027-11-07", "07:00", {
            "Stop eating at midnight, the night between Saturday, November 6 and Sunday, November 7",
            "until 5:00 AM on Sunday, November 7",
            "Arrive at 6:00 AM on Sunday, November 7",
        }),
        # New Year.
        ("2027-01-01", "06:00", {
            "Stop eating at 10:00 PM on Thursday, December 31",
            "until 4:00 AM on Friday, January 1",
            "Arrive at 5:00 AM on Friday, January 1",
        }),
    ],
)
def test_tricky_times_are_right_in_the_pdf(project, date, time, expected):
    text = personal(project, "01992", "-l", "riverside-spine", "--date", date, "--time", time)
    for phrase in expected:
        assert phrase in text


def test_appointment_box_values(project):
    text = personal(
        project, "01992", "77003", "-l", "riverside-spine", "--date", "2026-12-03", "--time", "07:45",
        "--provider", "Dr. Chen", "--location", "Suite 200", name="Maria Lopez",
    )
    for row in (
        "Name Maria Lopez", "Date Thursday, December 3, 2026", "Appointment time 7:45 AM",
        "Arrive by 6:45 AM on Thursday, December 3", "Stop eating 11:45 PM on Wednesday, December 2",
        "Stop clear liquids 5:45 AM on Thursday, December 3", "Provider Dr. Chen", "Location Suite 200",
    ):
        assert row in text


def test_without_a_name_there_is_a_line_to_write_on(project):
    out = project / "h.pdf"
    assert run(project, "render", "01992", "--date", "2026-12-03", "--time", "9:00 AM", "-o", str(out)).exit_code == 0
    assert "Name ________________________________" in pdf_text(out)


def test_the_clinic_rule_replaces_the_procedure_rule(project):
    layout = project / "layouts/riverside-spine/layout.yaml"
    layout.write_text(layout.read_text() + "rules:\n  fasting_hours: 12\n  arrive_early_minutes: 45\n")
    text = personal(project, "64634", "-l", "riverside-spine", "--date", "2026-12-03", "--time", "10:00")
    assert "Stop eating at 10:00 PM on Wednesday, December 2" in text  # 12 h, not the procedure's 6 h
    assert "Arrive at 9:15 AM on Thursday, December 3" in text
    generic = run(project, "render", "64634", "-l", "riverside-spine", "-o", str(project / "g.pdf"))
    assert generic.exit_code == 0 and "Do not eat any food for 12 hours" in pdf_text(project / "g.pdf")


def test_appointment_file_yaml_and_json(project):
    yaml_file = project / "appt.yaml"
    yaml_file.write_text("patient: Ana Ruiz\ndate: 2026-12-03\ntime: 07:45\ncodes: 64634\nappointment_id: A-17\n")
    result = run(project, "render", "--layout", "riverside-spine", "--appointment", str(yaml_file))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "output/appointments/2026-12-03-A-17-64634-riverside-spine.pdf"
    assert "Stop eating at 1:45 AM on Thursday, December 3" in pdf_text(project / result.stdout.strip())

    json_file = project / "appt.json"
    json_file.write_text(json.dumps({"patient": "Ana Ruiz", "date": "2026-12-03", "time": "07:45"}))
    result = run(project, "render", "64634", "-l", "riverside-spine", "--appointment", str(json_file))
    assert result.exit_code == 0 and "Ana Ruiz" in pdf_text(project / result.stdout.strip())


def test_personal_files_are_owner_only_and_never_named_after_the_patient(project):
    result = run(project, "render", "01992", "--patient", "Maria Lopez", "--date", "2026-12-03", "--time", "07:45")
    path = project / result.stdout.strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "maria" not in path.name.lower() and "lopez" not in path.name.lower()
    meta = pdf_reader(path).metadata
    assert not any("Maria" in str(value) for value in meta.values())


@pytest.mark.parametrize(
    "args, message",
    [
        (["--date", "2026-02-30", "--time", "07:00"], "'2026-02-30' is not a real date; write it as YYYY-MM-DD"),
        (["--date", "12/03/2026", "--time", "07:00"], "'12/03/2026' is not a real date"),
        (["--date", "2026-12-03", "--time", "25:00"], "'25:00' is not a real time"),
        (["--date", "2026-12-03", "--time", "13:00 PM"], "'13:00 PM' is not a real time"),
        (["--date", "2026-12-03"], "a personal handout needs --time"),
        (["--date", "2027-03-14", "--time", "02:30", "-l", "riverside-spine"],
         "02:30 does not exist on 2027-03-14 in America/New_York"),
    ],
)
def test_impossible_dates_and_times_are_refused(project, args, message):
    result = run(project, "render", "01992", "--patient", "Maria Lopez", *args)
    assert result.exit_code == 2 and message in result.stderr, result.output
    assert "Maria" not in result.output
    assert not (project / "output").exists()


def test_unknown_time_zone_in_an_appointment_file(project):
    appt = project / "appt.yaml"
    appt.write_text("date: 2026-12-03\ntime: '07:45'\ntimezone: Mars/Olympus\n")
    result = run(project, "render", "01992", "--appointment", str(appt))
    assert result.exit_code == 2 and "'Mars/Olympus' is not a known time zone" in result.stderr


def test_a_past_date_warns_but_renders(project):
    result = run(project, "render", "01992", "--date", "2020-01-02", "--time", "08:00", "-o", str(project / "p.pdf"))
    assert result.exit_code == 0
    assert "in the past; is it a typo?" in result.stderr and (project / "p.pdf").exists()


def test_a_name_with_markup_or_template_syntax_appears_literally(project):
    name = "<b>Bo</b> {{ 7*7 }} & {% raw %}Jo"
    text = personal(project, "01992", "--date", "2026-12-03", "--time", "07:45", name=name)
    assert folded(name) in text and "49" not in text


# ---------------------------------------------------------------- several codes


@pytest.fixture(scope="module")
def repo():
    return Project(ROOT)


def test_combined_handout_has_each_line_once_and_the_strictest_rules(repo):
    layout = repo.layout("riverside-spine")
    procedures = [repo.procedure(code) for code in ("01992", "77003", "01936")]
    handout = compose(procedures, layout)
    lines = [
        normalized(f"{item.label or ''} {item.text}")
        for section in handout.sections
        for block in section.blocks
        if isinstance(block, ItemList)
        for item in block.items
    ]
    assert len(lines) == len(set(lines))
    before_items = [i.text for b in handout.sections[1].blocks if isinstance(b, ItemList) for i in b.items]
    assert "Do not eat any food for 8 hours before your procedure." in before_items
    assert any(text.startswith("Plan for an adult to drive you home") for text in before_items)
    day_of = [i.text for b in handout.sections[2].blocks if isinstance(b, ItemList) for i in b.items]
    longest = max(p.handout.arrive_early_minutes for p in procedures)
    assert any(text.startswith(f"Arrive {longest // 60} hour") or f"{longest} minutes" in text for text in day_of)
    from handouts.merge import title_of

    assert handout.title == title_of(repo.procedure("01936"))  # an anesthesia code leads; guidance adds
    assert handout.code_line == "CPT codes 01936, 01992, 77003"


def test_code_order_does_not_matter(repo):
    layout = repo.layout("northgate-pain")
    appointment = Appointment(date=dt.date(2026, 12, 3), time=dt.time(7, 45), patient="Maria Lopez")
    codes = ("01992", "77003", "01936")
    pdfs = {
        render_pdf([repo.procedure(c) for c in order], layout, appointment)
        for order in itertools.permutations(codes)
    }
    assert len(pdfs) == 1


# ---------------------------------------------------------------- property: times against an independent computation

ZONES = ["America/New_York", "Europe/London", "Australia/Sydney", "Asia/Kolkata", "America/St_Johns", "UTC"]


@settings(max_examples=300, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2032, 12, 31)),
    minute_of_day=st.integers(0, 24 * 60 - 1),
    zone_name=st.sampled_from(ZONES),
    half_hours=st.integers(0, 36),
)
def test_before_matches_epoch_arithmetic(day, minute_of_day, zone_name, half_hours):
    tz = ZoneInfo(zone_name)
    clock = dt.time(minute_of_day // 60, minute_of_day % 60)
    naive = dt.datetime.combine(day, clock)
    exists = dt.datetime.fromtimestamp(naive.replace(tzinfo=tz).timestamp(), tz).replace(tzinfo=None) == naive
    if not exists:
        with pytest.raises(HandoutsError):
            local_start(day, clock, tz, "x")
        return
    start = local_start(day, clock, tz, "x")
    hours = half_hours / 2
    expected = dt.datetime.fromtimestamp(start.timestamp() - hours * 3600, tz)
    got = before(start, hours=hours)
    assert got.timestamp() == expected.timestamp()
    assert got.replace(tzinfo=None) == expected.replace(tzinfo=None)


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2030, 12, 31)),
    minute_of_day=st.integers(0, 24 * 60 - 1),
    fasting=st.integers(0, 16),
)
def test_the_wording_says_the_same_moment(repo, day, minute_of_day, fasting):
    layout = repo.layout("riverside-spine")
    clock = dt.time(minute_of_day // 60, minute_of_day % 60)
    tz = ZoneInfo("America/New_York")
    try:
        start = local_start(day, clock, tz, "x")
    except HandoutsError:
        return
    rules = HandoutParams(fasting_hours=fasting, arrive_early_minutes=45)
    from handouts.compose import Words

    values = appointment_values(Appointment(date=day, time=clock), layout, rules, Words(layout, {}))
    moment = dt.datetime.fromtimestamp(start.timestamp() - fasting * 3600, tz)
    hour12 = moment.hour % 12 or 12
    if (moment.hour, moment.minute) == (0, 0):
        previous = moment - dt.timedelta(hours=12)
        expected = (f"midnight, the night between {previous:%A, %B} {previous.day} and "
                    f"{moment:%A, %B} {moment.day}")
    elif (moment.hour, moment.minute) == (12, 0):
        expected = f"noon on {moment:%A, %B} {moment.day}"
    else:
        expected = f"{hour12}:{moment.minute:02d}\u00a0{'AM' if moment.hour < 12 else 'PM'} on {moment:%A, %B} {moment.day}"
    assert values["fasting_start"] == expected


@pytest.mark.parametrize("text, hour, minute", [("07:45", 7, 45), ("7:45 PM", 19, 45), ("12:05 am", 0, 5),
                                                ("12 pm", 12, 0), (465, 7, 45)])
def test_time_formats(text, hour, minute):
    assert parse_time(text, "x") == dt.time(hour, minute)

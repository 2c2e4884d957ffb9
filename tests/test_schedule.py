"""A day's schedule: one handout per row, bad rows reported by number, and a print packet."""

from __future__ import annotations

import csv
import re
import stat

from conftest import ROOT, folded, pdf_reader, pdf_text, run

CODES = ["01992 77003", "64634", "01936;77003", "00632", "77003"]
FIRST = ["Maria", "James", "Priya", "Tom", "Grace", "Ana", "Luis", "Mei", "Omar", "Eva"]
LAST = ["Lopez", "Okafor", "Raman", "Becker", "Kim"]
BAD = {7: ("codes", "99999"), 15: ("time", "25:61"), 21: ("date", "")}  # spreadsheet row numbers


def write_schedule(path, rows=25):
    names = {}
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["appointment_id", "patient", "date", "time", "codes", "provider", "location"])
        for i in range(rows):
            number = i + 2
            name = f"{FIRST[i % 10]} {LAST[i % 5]}{i}"
            record = {
                "appointment_id": f"A{1000 + i}", "patient": name, "date": "2026-12-03",
                "time": f"{7 + (i * 20) // 60:02d}:{(i * 20) % 60:02d}", "codes": CODES[i % 5],
                "provider": "Dr. Chen", "location": "Suite 200",
            }
            if number in BAD:
                key, value = BAD[number]
                record[key] = value
            writer.writerow(record.values())
            names[record["appointment_id"]] = name
    return names


def test_25_rows_with_3_bad_ones(project, tmp_path):
    schedule = tmp_path / "day.csv"
    names = write_schedule(schedule)
    out = project / "output" / "day"
    result = run(project, "schedule", str(schedule), "-l", "riverside-spine", "-o", str(out))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.strip().splitlines() if line.startswith("Error:")]
    assert [int(re.match(r"Error: row (\d+):", e).group(1)) for e in errors] == sorted(BAD)
    assert "codes: the 1st code has no procedure file" in errors[0] and "time: not a real time" in errors[1]
    assert "no value for date" in errors[2]
    for name in names.values():  # no patient name anywhere in what the tool printed
        assert name not in result.output
    assert "22 handouts written" in result.stdout and "3 rows failed" in result.stdout

    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 22
    for pdf in pdfs:
        assert stat.S_IMODE(pdf.stat().st_mode) == 0o600
        appointment_id = pdf.stem.split("-")[-1]
        assert pdf.name == f"2026-12-03-{appointment_id}.pdf"
        text = pdf_text(pdf)
        own = names[appointment_id]
        assert own in text
        assert [n for n in names.values() if n != own and re.search(rf"\b{re.escape(n)}\b", text)] == []


def test_packet_starts_every_handout_on_an_odd_page_and_lists_them(project):
    example = ROOT / "examples" / "schedule-2026-12-03.csv"
    out = project / "output" / "2026-12-03"
    result = run(project, "schedule", str(example), "-l", "riverside-spine", "-o", str(out), "--packet")
    assert result.exit_code == 0, result.output
    packet = out / "2026-12-03-packet.pdf"
    assert stat.S_IMODE(packet.stat().st_mode) == 0o600
    reader = pdf_reader(packet)
    cover = folded(reader.pages[0].extract_text())
    assert "Handouts for Thursday, December 3, 2026" in cover
    assert "Maria" not in cover
    rows = re.findall(r"(\d{1,2}:\d{2} [AP]M) (A\d{4}) [\d; ]+? (\d+)–(\d+)", cover)
    assert [r[1] for r in rows] == ["A1001", "A1002", "A1003", "A1004", "A1005"]  # in time order
    for time, appointment_id, first, last in rows:
        first, last = int(first), int(last)
        assert first % 2 == 1  # a fresh sheet when printed double-sided
        single = pdf_reader(out / f"2026-12-03-{appointment_id}.pdf")
        assert last - first + 1 == len(single.pages)
        assert folded(reader.pages[first - 1].extract_text()) == folded(single.pages[0].extract_text())
        assert f"Page {len(single.pages)} of {len(single.pages)}" in folded(reader.pages[last - 1].extract_text())
    assert len(reader.pages) % 2 == 0


def test_missing_column_and_unknown_layout(project, tmp_path):
    schedule = tmp_path / "day.csv"
    schedule.write_text("appointment_id,patient,date,time,codes\nA1,X Y,2026-12-03,07:00,64634\n")
    result = run(project, "schedule", str(schedule))
    assert result.exit_code == 2 and "lacks the column(s) provider, location" in result.stderr

    schedule.write_text(
        "appointment_id,patient,date,time,codes,provider,location,layout\n"
        "A1,Xavier Young,2026-12-03,07:00,64634,,,northgate-pain\n"
        "A2,Yara Zed,2026-12-03,07:30,64634,,,nowhere\n"
        "A1,Zoe Quinn,2026-12-03,08:00,64634,,,\n"
    )
    result = run(project, "schedule", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert "row 3: layout: no such layout" in result.stderr
    assert "row 4: appointment_id: the same id is already used on row 2" in result.stderr
    assert "Yara" not in result.output and "Zoe" not in result.output
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["2026-12-03-A1.pdf"]
    assert pdf_reader(tmp_path / "out" / "2026-12-03-A1.pdf").pages[0].mediabox.width < 600  # A4


def test_a_patient_name_in_the_wrong_column_is_not_echoed(project, tmp_path):
    schedule = tmp_path / "day.csv"
    schedule.write_text(
        "appointment_id,patient,date,time,codes,provider,location\nA1,Quincy Adams,2026-12-03,07:00,Quincy Adams,,\n"
    )
    result = run(project, "schedule", str(schedule), "-o", str(tmp_path / "out"))
    assert result.exit_code == 1 and "row 2: codes: the 1st code is not a CPT or HCPCS code" in result.stderr
    assert "Quincy" not in result.output and "Adams" not in result.output


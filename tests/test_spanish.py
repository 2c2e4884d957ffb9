"""Spanish handouts (issue 11): dates, no English left, reading ease, drift, numbers, bilingual copies,
schedules with mixed languages, the library in two languages, choosing a language. Everything is read
back from the PDF."""

from __future__ import annotations

import json
import re

import pytest
import yaml

from conftest import ROOT, pdf_reader, pdf_text, run
from handouts.content.readability_es import measure, syllables

CODES = ("00632", "01936", "01992", "64634", "77003")


def text(path) -> str:
    return pdf_text(path).replace("\xa0", " ")


def render(project, *args) -> tuple[str, object]:
    out = project / "out.pdf"
    result = run(project, "render", *args, "-o", str(out))
    assert result.exit_code == 0, result.output
    return text(out), out


# ---------------------------------------------------------------- dates and times, in Spanish


@pytest.mark.parametrize(
    "date, time, expected",
    [
        # The example: 8 hours of fasting before 7:45 AM.
        ("2026-12-03", "07:45", [
            "Deje de comer a las 11:45 p. m. del miércoles 2 de diciembre",
            "hasta las 5:45 a. m. del jueves 3 de diciembre",
            "Llegue a las 6:45 a. m. del jueves 3 de diciembre",
            "jueves 3 de diciembre de 2026",
        ]),
        # Fall back in New York: 8 real hours before 7:00 AM is midnight, said in words, with its night.
        ("2027-11-07", "07:00", [
            "Deje de comer a las 12 de la medianoche, la noche del sábado 6 al domingo 7 de noviembre",
            "hasta las 5:00 a. m. del domingo 7 de noviembre",
        ]),
        # Spring forward: the clock skips an hour, so 8 real hours before 7:00 AM is 10:00 PM.
        ("2027-03-14", "07:00", [
            "Deje de comer a las 10:00 p. m. del sábado 13 de marzo",
            "Llegue a las 6:00 a. m. del domingo 14 de marzo",
        ]),
        # Midnight across a month: the night before keeps its month.
        ("2026-12-01", "08:00", [
            "Deje de comer a las 12 de la medianoche, la noche del lunes 30 de noviembre al martes 1 de diciembre",
        ]),
        # Noon, and "a la 1" (one o'clock takes the singular article).
        ("2026-12-03", "20:00", ["Deje de comer a las 12 del mediodía del jueves 3 de diciembre"]),
        ("2026-12-03", "09:30", ["Deje de comer a la 1:30 a. m. del jueves 3 de diciembre"]),
        # A midnight appointment: the time itself in words.
        ("2026-12-04", "00:00", ["medianoche (12:00 a. m.)"]),
    ],
)
def test_spanish_dates_and_times_read_back_from_the_pdf(project, date, time, expected):
    got, _ = render(project, "01992", "-l", "riverside-spine", "--language", "es",
                    "--patient", "Ana Ruiz", "--date", date, "--time", time)
    for phrase in expected:
        assert phrase in got


@pytest.mark.parametrize("layout, large", [("riverside-spine", False), ("riverside-spine", True), ("northgate-pain", False)])
def test_a_spanish_time_never_breaks_before_its_a_m(project, layout, large):
    """"hasta las 5:45" at the end of a line and "a. m. del jueves" on the next reads as a different time:
    the time and its a. m./p. m. stay together on one line, wherever the line wraps."""
    out = project / "out.pdf"
    args = ["render", "01992", "77003", "-l", layout, "--language", "es", "--patient", "Ana Ruiz",
            "--date", "2026-12-03", "--time", "07:45", "-o", str(out)] + (["--large-print"] if large else [])
    assert run(project, *args).exit_code == 0
    lines = [line.strip() for page in pdf_reader(out).pages
             for line in (page.extract_text() or "").replace("\xa0", " ").splitlines()]
    assert sum("a. m." in line or "p. m." in line for line in lines) >= 6  # the box and the checklist
    for line in lines:
        assert not re.match(r"[ap]\. ?m\.", line), line
        assert not re.search(r"\d:\d\d$", line), line
        assert not re.search(r"\b[ap]\.$", line), line


# ---------------------------------------------------------------- everything the patient reads is Spanish


def _english_sentences(project, english_pdf_text: str) -> list[str]:
    """The English handout's standard sentences and headings: en.yaml's values, filled as printed."""
    wording = yaml.safe_load((ROOT / "handouts" / "data" / "wording" / "en.yaml").read_text())
    found = []
    for value in wording.values():
        for part in re.split(r"\{\{.*?\}\}|\{%.*?%\}|(?<=[.:?])\s+", str(value)):
            part = " ".join(part.split()).strip(" .,:")
            if len(part.split()) >= 2 and part in english_pdf_text:
                found.append(part)
    return found


@pytest.mark.parametrize("layout", ["riverside-spine", "northgate-pain", "default"])
def test_no_english_is_left_in_a_spanish_handout(project, layout):
    args = ("01992", "77003", "-l", layout, "--patient", "Ana Ruiz", "--date", "2026-12-03", "--time", "07:45")
    english, _ = render(project, *args)
    english_phrases = _english_sentences(project, english)
    assert len(english_phrases) > 25  # the check has teeth: these are all in the English copy
    spanish, path = render(project, *args, "--language", "es")
    left = [phrase for phrase in english_phrases if phrase in spanish]
    assert not left
    pages = len(pdf_reader(path).pages)
    for page in range(1, pages + 1):
        assert f"Página {page} de {pages}" in spanish
    assert "Page " not in spanish and "Phone " not in spanish
    for heading in ("Antes de su procedimiento", "Cuándo llamarnos", "Su cita", "Avísenos antes de su visita"):
        assert heading in spanish or layout == "northgate-pain"
    assert pdf_reader(path).trailer["/Root"]["/Lang"] == "es"


def test_northgate_prints_its_own_spanish_wording_and_emergency_number(project):
    got, _ = render(project, "01992", "-l", "northgate-pain", "--language", "es")
    assert "Cómo prepararse" in got and "Llame al 999 ahora si tiene:" in got
    assert "pregunte por el médico de guardia" in got
    assert "911" not in got


def _reading_text(path) -> list[str]:
    """The PDF's lines, a wrapped line joined back to its sentence, without the repeated page furniture."""
    lines: list[str] = []
    for page in pdf_reader(path).pages:
        for line in (page.extract_text() or "").replace("\xa0", " ").splitlines():
            line = line.strip()
            if not line or re.search(r"Página \d+ de \d+|Versión \d|Riverside Spine Center|Ana Ruiz", line):
                continue
            if lines and line[:1].islower() and not lines[-1].endswith((".", ":", "?")):
                lines[-1] += " " + line
            else:
                lines.append(line)
    return lines


@pytest.mark.parametrize("code", CODES)
def test_spanish_reads_easily_measured_on_the_pdf(project, code):
    _, path = render(project, code, "-l", "riverside-spine", "--language", "es")
    ease = measure(_reading_text(path))
    assert ease.words > 300
    assert ease.fernandez_huerta >= 70, ease
    assert ease.inflesz >= 65, ease


def test_spanish_syllables_by_rule():
    counted = {word: syllables(word) for word in (
        "día", "ciudad", "leer", "guía", "queso", "pingüino", "muy", "anestesia", "radiofrecuencia", "miércoles")}
    assert counted == {"día": 2, "ciudad": 2, "leer": 2, "guía": 2, "queso": 2, "pingüino": 3, "muy": 1,
                       "anestesia": 4, "radiofrecuencia": 5, "miércoles": 3}


def test_every_english_wording_key_has_spanish():
    folder = ROOT / "handouts" / "data" / "wording"
    english = yaml.safe_load((folder / "en.yaml").read_text())
    spanish = yaml.safe_load((folder / "es.yaml").read_text())
    assert set(english) == set(spanish)


# ---------------------------------------------------------------- translations cannot drift


def test_a_changed_english_section_makes_its_spanish_out_of_date(project):
    result = run(project, "lint", "01992", "--language", "es", "-l", "riverside-spine", "--strict", "--allow-draft")
    assert "out-of-date" not in result.output and "numbers" not in result.output, result.output
    path = project / "procedures" / "01992.yaml"
    data = yaml.safe_load(path.read_text())
    data["patient"]["after"].append("Walk a little each hour today.")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    result = run(project, "lint", "01992", "--language", "es", "-l", "riverside-spine")
    assert result.exit_code == 0
    assert "procedures/es/01992.yaml: after: out of date: the English changed since it was translated" in result.output
    assert "relief: out of date" not in result.output  # only the changed section
    shown = run(project, "show", "01992", "--language", "es")
    assert "Out of date (the English changed since translation): after" in shown.output
    # The translator updates the section and records it; then it is current again.
    es = project / "procedures" / "es" / "01992.yaml"
    es_data = yaml.safe_load(es.read_text())
    es_data["patient"]["after"].append("Camine un poco cada hora hoy.")
    es.write_text(yaml.safe_dump(es_data, allow_unicode=True, sort_keys=False))
    stamped = run(project, "translation", "stamp", "01992", "--language", "es", "--section", "after")
    assert stamped.exit_code == 0 and stamped.output.strip().endswith(": after")
    result = run(project, "lint", "01992", "--language", "es", "-l", "riverside-spine")
    assert "out of date" not in result.output


def test_an_approved_translation_of_outdated_english_does_not_print_as_approved(project):
    from handouts.content.lint import content_hash
    from handouts.project import Project

    path = project / "procedures" / "77003.yaml"
    data = yaml.safe_load(path.read_text())

    def approve_english():
        procedure = Project(project).procedure("77003", enforce_approval=False)
        data["review"] = {"status": "approved", "reviewer": "Dr. A. Reviewer", "date": "2026-11-20",
                          "content_version": "2", "content_hash": content_hash(procedure)}
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))

    approve_english()
    # English approved, Spanish draft: the mark says exactly that.
    got, _ = render(project, "77003", "-l", "riverside-spine", "--language", "es")
    assert "BORRADOR – traducción sin revisar" in got
    approved = run(project, "translation", "approve", "77003", "--language", "es", "--reviewer", "Lic. M. Reyes")
    assert approved.exit_code == 0, approved.output
    got, _ = render(project, "77003", "-l", "riverside-spine", "--language", "es")
    assert "BORRADOR" not in got and "revisada el 2026-11-20" in got
    # The English changes (and is approved again): the Spanish is now a translation of old English.
    data["patient"]["relief"][0] = "Your pain may ease for a few hours."
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    approve_english()
    result = run(project, "render", "77003", "-l", "riverside-spine", "--language", "es", "-o", str(project / "x.pdf"))
    assert result.exit_code == 0, result.output
    assert "out of date with the English (relief); printed as a draft" in result.output
    assert "BORRADOR – traducción sin revisar" in text(project / "x.pdf")
    lint = run(project, "lint", "77003", "--language", "es", "-l", "riverside-spine")
    assert "approved, but the English changed since" in lint.output


def test_a_changed_number_in_a_translation_is_flagged(project):
    es = project / "procedures" / "es" / "01992.yaml"
    es.write_text(es.read_text(encoding="utf-8").replace("20 minutos cada vez", "15 minutos cada vez")
                  .replace("Fiebre de 100.4 °F (38 °C)", "Fiebre de 101 °F (38 °C)"), encoding="utf-8")
    result = run(project, "lint", "01992", "--language", "es", "-l", "riverside-spine", "--strict")
    assert result.exit_code == 1
    assert "after[2]:" in result.output and "the English has 20, the translation 15" in result.output
    assert "warning_signs.call_now[0]:" in result.output and "the English has 38, 100.4, the translation 38, 101" in result.output
    refused = run(project, "translation", "approve", "01992", "--language", "es", "--reviewer", "X")
    assert refused.exit_code == 2 and "not approved" in refused.output


def test_number_words_count_as_numbers():
    from handouts.content.translation_lint import numbers

    assert numbers("It may even be worse for a day or two.", "en") == numbers("Hasta puede ser peor por un día o dos.", "es")
    assert numbers("Fiebre de 100,4 °F", "es") == numbers("A fever of 100.4 °F", "en")
    assert numbers("por 3 días", "es") != numbers("for 2 days", "en")


def test_glossary_terms_are_checked(project):
    es = project / "procedures" / "es" / "01992.yaml"
    es.write_text(es.read_text(encoding="utf-8").replace("quitarse la curita", "quitarse la tirita"),
                  encoding="utf-8")
    result = run(project, "lint", "01992", "--language", "es", "-l", "riverside-spine")
    assert "glossary" in result.output and '"tirita": the glossary says "curita"' in result.output


def test_the_bundled_translations_are_current_and_their_numbers_match(project):
    result = run(project, "lint", "--language", "es", "-l", "riverside-spine", "--format", "json")
    reports = json.loads(result.output)["reports"]
    assert {r["code"] for r in reports} == set(CODES)
    for report in reports:
        errors = [f for f in report["findings"] if f["level"] == "error"]
        assert not errors, errors
        assert report["ease"] >= 70
        # Only the draft notice (a reviewer has not signed yet): every section uses the glossary's one word
        # for each term, as the other handouts do, and reads at 70 or more.
        others = [f for f in report["findings"] if f["check"] != "draft"]
        assert not others, others


# ---------------------------------------------------------------- bilingual copies


def test_a_bilingual_handout_holds_both_languages_patients_first(project):
    args = ("64634", "-l", "riverside-spine", "--language", "es+en")
    got, path = render(project, *args)
    reader = pdf_reader(path)
    pages = [" ".join((page.extract_text() or "").split()) for page in reader.pages]
    spanish_pages = [i for i, page in enumerate(pages) if "Página" in page]
    english_pages = [i for i, page in enumerate(pages) if re.search(r"Page \d+ of", page)]
    assert spanish_pages and english_pages and max(spanish_pages) < min(english_pages)
    assert min(english_pages) % 2 == 0  # the English starts on a new sheet (an odd page, counted from 1)
    assert "Español: páginas 1–" in pages[0] and "English: pages" in pages[0]
    assert "Cuándo llamarnos" in got and "When to call us" in got
    assert reader.trailer["/Root"]["/Lang"] == "es"
    first = path.read_bytes()
    _, again = render(project, *args)
    assert again.read_bytes() == first  # deterministic


# ---------------------------------------------------------------- choosing a language


@pytest.mark.parametrize("bad", ["zz", "de-DE", "../en", "es+es", "es+en+es", "ES"])
def test_an_unknown_or_malformed_language_is_one_clear_error(project, bad):
    out = project / "bad.pdf"
    result = run(project, "render", "64634", "--language", bad, "-o", str(out))
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: --language:") and "Traceback" not in result.output
    assert not out.exists()


def test_the_layout_default_and_the_appointment_file_choose_the_language(project):
    layout = project / "layouts" / "default" / "layout.yaml"
    layout.write_text(layout.read_text() + "language: es\n")
    got, _ = render(project, "64634")
    assert "Cuándo llamarnos" in got and "Clínica: ___" in got
    got, _ = render(project, "64634", "--language", "en")
    assert "When to call us" in got
    appointment = project / "appt.yaml"
    appointment.write_text("date: 2026-12-03\ntime: '07:45'\ncodes: ['64634']\nlanguage: en\n")
    got, _ = render(project, "--appointment", str(appointment))
    assert "When to call us" in got
    # A layout whose own wording is English cannot simply be switched to Spanish: its words would be wrong.
    riverside = project / "layouts" / "riverside-spine" / "layout.yaml"
    riverside.write_text(riverside.read_text() + "language: es\n")
    result = run(project, "render", "64634", "-l", "riverside-spine", "--language", "en", "-o", str(project / "y.pdf"))
    assert result.exit_code == 2 and "no English for the clinic's own wording.heading_what_is_it" in result.output


def test_a_missing_translation_is_named_and_english_is_only_a_choice(project):
    (project / "procedures" / "es" / "77003.yaml").unlink()
    out = project / "x.pdf"
    result = run(project, "render", "01992", "77003", "-l", "riverside-spine", "--language", "es", "-o", str(out))
    assert result.exit_code == 2 and not out.exists()
    assert "77003: no Spanish translation: procedures/es/77003.yaml does not exist" in result.output
    assert "--fallback-english" in result.output
    result = run(project, "render", "01992", "77003", "-l", "riverside-spine", "--language", "es",
                 "--fallback-english", "-o", str(out))
    assert result.exit_code == 0 and "Warning:" in result.output
    got = text(out)
    assert got.index("Esta hoja está en inglés") < got.index("When to call us")
    assert "Pídanos un intérprete. Es gratis." in got


def test_a_schedule_with_mixed_languages_and_one_bad_language(project):
    csv = project / "day.csv"
    csv.write_text(
        "appointment_id,patient,date,time,codes,provider,location,language\n"
        "A1,Ana Ruiz,2026-12-03,07:45,01992 77003,Dr. Chen,Suite 200,es\n"
        "A2,Bob Smith,2026-12-03,09:00,64634,Dr. Chen,Suite 200,\n"
        "A3,Carla Zapata,2026-12-03,10:00,77003,Dr. Chen,Suite 200,zz\n"
        "A4,Dora Ruiz,2026-12-03,11:00,64634,Dr. Chen,Suite 200,es+en\n"
    )
    out = project / "day"
    result = run(project, "schedule", str(csv), "-l", "riverside-spine", "-o", str(out), "--packet")
    assert result.exit_code == 1
    assert "3 handouts written" in result.output and "1 rows failed" in result.output
    assert "row 4: language: not a language handouts are written in" in result.output
    assert "Carla" not in result.output and "Zapata" not in result.output
    assert "Deje de comer a las 11:45 p. m. del miércoles 2 de diciembre" in text(out / "2026-12-03-A1.pdf")
    assert "When to call us" in text(out / "2026-12-03-A2.pdf")
    both = text(out / "2026-12-03-A4.pdf")
    assert "Cuándo llamarnos" in both and "When to call us" in both
    assert not (out / "2026-12-03-A3.pdf").exists()
    assert (out / "2026-12-03-packet.pdf").exists()


# ---------------------------------------------------------------- layouts


def test_layout_check_finds_clinic_wording_missing_in_a_declared_language(project):
    layout = project / "layouts" / "northgate-pain" / "layout.yaml"
    layout.write_text(layout.read_text().replace('      heading_after: "De vuelta en casa"\n', ""))
    result = run(project, "layout", "check", "northgate-pain")
    assert result.exit_code == 2
    assert "translations.es: no Spanish for the clinic's own wording.heading_after" in result.output
    out = project / "x.pdf"
    refused = run(project, "render", "64634", "-l", "northgate-pain", "--language", "es", "-o", str(out))
    assert refused.exit_code == 2 and "wording.heading_after" in refused.output and not out.exists()
    for name in ("default", "riverside-spine"):
        assert run(project, "layout", "check", name).exit_code == 0


def test_layout_check_finds_a_font_that_cannot_print_a_declared_language(project, monkeypatch):
    from handouts import languages

    real = languages.languages()
    fake = dict(real)
    fake["es"] = languages.Language(**{**real["es"].__dict__, "characters": real["es"].characters + "ẫ"})
    monkeypatch.setattr(languages, "languages", lambda: fake)
    result = run(project, "layout", "check", "riverside-spine")
    assert result.exit_code == 2 and "cannot print Spanish: it lacks ẫ" in result.output


# ---------------------------------------------------------------- the library


def test_the_library_builds_in_two_languages(project):
    out = project / "lib"
    result = run(project, "build", "--language", "en", "--language", "es", "-l", "riverside-spine", "-j", "1", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "built 10" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["languages"] == ["en", "es"]
    entries = manifest["handouts"]
    spanish = {key: entry for key, entry in entries.items() if entry["language"] == "es"}
    assert set(spanish) == {f"riverside-spine/{code}.es" for code in CODES}
    for entry in spanish.values():
        assert entry["path"].endswith("-es.pdf") and (out / entry["path"]).exists()
        assert entry["review_status"] == "draft"
        assert "Cuándo llamarnos" in text(out / entry["path"])
    assert all(not entry["path"].endswith("-es.pdf") for entry in entries.values() if entry["language"] == "en")
    index = (out / "riverside-spine" / "index.html").read_text()
    assert "Español" in index and 'lang="es"' in index
    again = run(project, "build", "--language", "en", "--language", "es", "-l", "riverside-spine", "-o", str(out))
    assert "built 0, unchanged 10" in again.output
    # Editing a translation rebuilds only that handout.
    es = project / "procedures" / "es" / "64634.yaml"
    es.write_text(es.read_text(encoding="utf-8").replace("Descanse hoy.", "Descanse hoy, por favor."), encoding="utf-8")
    again = run(project, "build", "--language", "en", "--language", "es", "-l", "riverside-spine", "-o", str(out))
    assert "built 1, unchanged 9" in again.output

"""Importing procedure pages: the seeds become exactly procedures/, and nothing on a page is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import ROOT, SEEDS, run
from handouts.importer import import_page
from handouts.schema import Procedure, validate
from handouts.yamlio import parse_yaml

# Added by hand after import (see README: curating a procedure).
HAND_CURATED = {"title", "handout", "review", "primary_codes", "patient", "role"}
HEADINGS = {
    "Summary": "summary", "Purpose": "purpose", "Indications": "indications", "Preparation": "preparation",
    "Procedure Description": "procedure_steps", "Duration": "duration", "Setting": "setting",
    "Personnel": "personnel", "Risks and Complications": "risks", "Benefits": "benefits",
    "Recovery": "recovery", "Alternatives": "alternatives", "Patient Experience": "patient_experience",
    "Similar Codes": "similar_codes",
}


def imported(code: str) -> Procedure:
    result = import_page(SEEDS[code].read_text(encoding="utf-8"), code, SEEDS[code].name)
    return validate(Procedure, result.data, SEEDS[code].name)


def without_curation(data: dict) -> dict:
    return {key: value for key, value in data.items() if key not in HAND_CURATED}


@pytest.mark.parametrize("code", sorted(SEEDS))
def test_each_seed_imports_to_what_procedures_holds(code):
    stored = parse_yaml((ROOT / "procedures" / f"{code}.yaml").read_text(encoding="utf-8"), code)
    stored = validate(Procedure, stored, code)
    assert without_curation(imported(code).to_data()) == without_curation(stored.to_data())


def page_units(text: str) -> dict[str, list[str]]:
    """An independent reading of a seed page: each non-blank line of a section is one unit
    (a bullet, a numbered step, a paragraph, or a line continuing a list)."""
    units: dict[str, list[str]] = {}
    current = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped in HEADINGS:
            current = HEADINGS[stripped]
            units[current] = []
        elif current and stripped:
            units[current].append(re.sub(r"^(?:[-•]|\d+\.)\s+", "", stripped))
    return units


def flattened(procedure: Procedure, field: str) -> list[str]:
    if field == "risks":
        blocks = procedure.risks.common + procedure.risks.rare + procedure.risks.general
    else:
        blocks = getattr(procedure, field)

    def walk(items):
        for block in items:
            yield (f"{block.label}: " if block.label else "") + block.text
            yield from walk(block.items)

    return list(walk(blocks))


@pytest.mark.parametrize("code", sorted(SEEDS))
def test_every_bullet_step_and_paragraph_is_kept_in_order(code):
    procedure = imported(code)
    units = page_units(SEEDS[code].read_text(encoding="utf-8"))
    assert set(HEADINGS.values()) - set(units) <= {"similar_codes"}
    for field, page in units.items():
        kept = flattened(procedure, field)
        assert len(kept) == len(page), field
        for on_page, in_yaml in zip(page, kept):
            # Risk labels ("Common risks:") become the common/rare grouping instead of text.
            assert on_page == in_yaml or on_page.endswith(": " + in_yaml), (field, on_page, in_yaml)


def test_add_on_codes_are_marked_and_anesthesia_codes_are_not():
    assert imported("77003").add_on and imported("64634").add_on
    assert not any(imported(code).add_on for code in ("01936", "01992", "00632"))
    assert "List separately" not in imported("64634").descriptor


def test_common_and_rare_risks_are_told_apart():
    risks = imported("01936").risks  # "Rare: ..." is a line without a bullet continuing the list
    assert [b.text for b in risks.common] == ["Soreness at the injection site, mild allergic reactions."]
    assert [b.text for b in risks.rare] == ["Infection, bleeding, nerve damage, adverse reactions to anesthesia."]
    assert len(imported("00632").risks.common) == 1 and len(imported("00632").risks.rare) == 1


VARIANT = """\

Injection, tendon sheath, ligament; single; test descriptor
HCPCS code

Name of the Procedure: Example Injection

Summary

First paragraph of the summary that is wrapped
onto a second line.

Second paragraph.

Preparation

Before the procedure:
  • Stop eating at midnight.
  • Medicines:
      • Take your heart pills.
      • Skip your water pill.
After the procedure:
  • Rest.

Procedure Description

  1. Positioning: You lie on your back.
  2. The skin is cleaned.

Parking Information

Park in garage B.
- Level 2 is closest.

Recovery
- Rest for a day.
Most people feel better in a week
"""


def test_page_variants_are_all_understood():
    result = import_page(VARIANT, "J1234", "variant.txt")
    procedure = validate(Procedure, result.data, "variant.txt")
    assert procedure.code_system == "HCPCS"
    assert procedure.name == "Example Injection"
    assert [b.text for b in procedure.summary] == [
        "First paragraph of the summary that is wrapped onto a second line.",
        "Second paragraph.",
    ]
    before, after = procedure.preparation
    assert before.text == "Before the procedure:" and after.text == "After the procedure:"
    assert [b.text for b in before.items] == ["Stop eating at midnight.", "Medicines:"]
    assert [b.text for b in before.items[1].items] == ["Take your heart pills.", "Skip your water pill."]
    assert [b.text for b in after.items] == ["Rest."]
    assert procedure.procedure_steps[0].label == "Positioning"
    (parking,) = procedure.other_sections
    assert parking.heading == "Parking Information"
    assert [b.text for b in parking.content] == ["Park in garage B.", "Level 2 is closest."]
    # The page is cut off: imported anyway, and the missing parts are named.
    assert procedure.recovery[-1].text == "Most people feel better in a week"
    assert any("cut off" in w for w in result.warnings)
    assert any("missing" in w and "benefits" in w for w in result.warnings)
    assert procedure.review.notes  # the curator sees the same warnings in the file


def test_a_page_that_is_not_a_procedure_page_is_refused(tmp_path, project):
    page = tmp_path / "page.txt"
    page.write_text("Hello\nThis is a recipe\n")
    result = run(project, "import", str(page), "--code", "12345")
    assert result.exit_code == 2
    assert "page.txt: line 2: expected 'CPT4 code' or 'HCPCS code'" in result.stderr


def test_import_cli_writes_refuses_to_overwrite_and_prints(project):
    seed = str(SEEDS["01992"])
    target = project / "procedures" / "01992.yaml"
    target.unlink()
    first = run(project, "import", seed, "--code", "01992")
    assert first.exit_code == 0 and first.stdout.strip() == "procedures/01992.yaml"
    assert validate(Procedure, parse_yaml(target.read_text(), "x"), "x").code == "01992"
    again = run(project, "import", seed, "--code", "01992")
    assert again.exit_code == 2 and "--force" in again.stderr
    assert run(project, "import", seed, "--code", "01992", "--force").exit_code == 0
    printed = run(project, "import", seed, "--code", "01992", "-o", "-")
    assert printed.exit_code == 0 and printed.stdout.startswith("code: '01992'")
    assert run(project, "import", seed, "--code", "1992").exit_code == 2


def test_imported_codes_keep_leading_zeros(tmp_path: Path, project):
    out = tmp_path / "x.yaml"
    assert run(project, "import", str(SEEDS["00632"]), "--code", "00632", "-o", str(out)).exit_code == 0
    assert parse_yaml(out.read_text(), "x")["code"] == "00632"

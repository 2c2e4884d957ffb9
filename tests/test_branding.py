"""The clinic branding kit: make, check and preview a layout; large print; fonts, logos, QR codes."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import reportlab

from conftest import pdf_reader, pdf_text, run
from handouts.compose import compose
from handouts.project import Project

VERA = Path(reportlab.__file__).parent / "fonts"


def layout_file(project: Path, name: str) -> Path:
    return project / "layouts" / name / "layout.yaml"


def add(project: Path, name: str, text: str) -> None:
    """Merge `text` into a layout's file (a key written twice is an error, so not appended)."""
    import yaml

    from handouts.project import deep_merge

    path = layout_file(project, name)
    data = deep_merge(yaml.safe_load(path.read_text()) or {}, yaml.safe_load(text))
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


def test_a_scaffolded_layout_passes_check_and_renders(project):
    made = run(
        project, "layout", "new", "lakeside-ortho", "--from", "riverside-spine",
        "--name", "Lakeside Ortho", "--phone", "(608) 262-2100",
    )
    assert made.exit_code == 0 and made.stdout.strip() == "layouts/lakeside-ortho/layout.yaml"
    text = layout_file(project, "lakeside-ortho").read_text()
    assert "extends: riverside-spine" in text and "# colors:" in text
    checked = run(project, "layout", "check", "lakeside-ortho", "--strict")
    assert checked.exit_code == 0 and "0 errors, 0 warnings" in checked.stdout, checked.output
    rendered = run(project, "render", "64634", "-l", "lakeside-ortho", "-o", str(project / "l.pdf"))
    assert rendered.exit_code == 0
    text = pdf_text(project / "l.pdf")
    assert "Lakeside Ortho" in text and "(212) 555-0199" not in text  # no other clinic's number
    assert run(project, "layout", "new", "lakeside-ortho").exit_code == 2  # already there
    assert run(project, "layout", "new", "Bad Name").exit_code == 2


def test_a_child_that_changes_one_color_differs_only_there(project):
    (project / "layouts" / "teal").mkdir()
    layout_file(project, "teal").write_text('extends: riverside-spine\ncolors:\n  heading: "#0E5E5A"\n')
    repo = Project(project)
    parent = compose(repo.procedure("64634"), repo.layout("riverside-spine"))
    child = compose(repo.procedure("64634"), repo.layout("teal"))
    assert child.style.heading == "#0E5E5A" and parent.style.heading != "#0E5E5A"
    assert replace(child, style=replace(child.style, heading=parent.style.heading)) == parent


def check(project, name, *extra):
    result = run(project, "layout", "check", name, *extra)
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize(
    "breaks, message",
    [
        (lambda p: add(p, "northgate-pain", "colours: {}\nfonts: {base_size: big}\n"),
         ["colours (line", "unknown key; did you mean 'colors'?", "fonts.base_size"]),
        (lambda p: (p / "layouts/riverside-spine/logo.png").unlink(),
         ["logo.path: file 'logo.png' not found in layouts/riverside-spine/"]),
        (lambda p: (p / "layouts/riverside-spine/logo.png").write_bytes(b"not really a png"),
         ["logo.path: 'logo.png' does not open as an image"]),
        (lambda p: add(p, "northgate-pain", "fonts:\n  files: {regular: broken.ttf}\n")
         or (p / "layouts/northgate-pain/broken.ttf").write_bytes(b"\0\1\0\0 nonsense"),
         ["fonts.files.regular: 'broken.ttf' does not load as a TrueType font"]),
        (lambda p: add(p, "northgate-pain", "logo: {path: ../riverside-spine/logo.png}\n"),
         ["logo.path: '../riverside-spine/logo.png' is outside the layout's folder"]),
        (lambda p: add(p, "default", "extends: northgate-pain\n") or add(p, "northgate-pain", "extends: default\n"),
         ["'extends' goes round in a circle (default -> northgate-pain -> default)"]),
        (lambda p: add(p, "default", "extends: northgate\n"),
         ["unknown layout 'northgate' (extended by 'default'); did you mean 'northgate-pain'?"]),
    ],
    ids=["schema", "missing asset", "broken image", "broken font", "outside folder", "cycle", "unknown parent"],
)
def test_layout_errors_are_caught(project, breaks, message):
    name = "riverside-spine"
    breaks(project)
    for candidate in ("northgate-pain", "default"):
        if candidate in str(message) or "font" in str(message) and candidate == "northgate-pain":
            name = candidate
    if "colours" in message[0] or "outside" in message[0]:
        name = "northgate-pain"
    if "circle" in message[0] or "unknown layout" in message[0]:
        name = "default"
    code, output = check(project, name)
    assert code == 2, output
    for part in message:
        assert part in output
    assert "Traceback" not in output


def test_a_pale_color_is_flagged_with_a_passing_shade_and_strict_makes_it_an_error(project):
    add(project, "riverside-spine", 'colors:\n  heading: "#8FC1E3"\n  text: "#8866AA"\n')
    code, output = check(project, "riverside-spine")
    assert code == 0
    heading = next(line for line in output.splitlines() if "colors.heading" in line)
    assert "1.9:1 in color, under 3:1 for large headings" in heading
    shade = heading.split("a darker shade that passes: ")[1]
    from handouts.colors import contrast, grayscale

    assert contrast(shade, "#FFFFFF") >= 3 and contrast(grayscale(shade), "#FFFFFF") >= 3
    # #8866AA passes in color (4.6:1) but not once a printer turns it gray (4.4:1).
    text = next(line for line in output.splitlines() if "colors.text: #8866AA on white" in line)
    assert "when printed in gray" in text
    code, output = check(project, "riverside-spine", "--strict")
    assert code == 2 and output.count("error: ") >= 3


def test_blurry_logo_small_text_narrow_margins_and_missing_glyphs_warn(project):
    from PIL import Image

    Image.new("RGB", (90, 90), "#224466").save(project / "layouts/riverside-spine/logo.png")
    add(project, "riverside-spine", "fonts:\n  family: Helvetica\n  base_size: 11\npage:\n  margins_in: {left: 0.3}\n")
    code, output = check(project, "riverside-spine")
    assert code == 0
    assert "the logo is 90 px wide, 106 dpi at 0.85 in" in output and "at least 128 px wide" in output
    assert "11 pt body text is under 12 pt" in output
    assert "page.margins_in.left: 0.3 in is under 0.5 in" in output
    assert "has no '–' (U+2013)" not in output  # cp1252 has the en dash
    procedure = project / "procedures/64634.yaml"
    procedure.write_text(procedure.read_text().replace("- Nurses\n", "- Nurses → ward\n"))
    assert "has no '→' (U+2192), used in procedure 64634" in check(project, "riverside-spine")[1]


def test_large_print_is_18_pt_or_more_and_nothing_overflows(project):
    import pdfplumber

    out = project / "large.pdf"
    result = run(project, "render", "01992", "77003", "-l", "riverside-spine", "--large-print",
                 "--patient", "Maria Lopez", "--date", "2026-12-03", "--time", "07:45", "-o", str(out))
    assert result.exit_code == 0, result.output
    normal = len(pdf_reader(project / run(project, "render", "01992", "-l", "riverside-spine").stdout.strip()).pages)
    large_words = set()
    with pdfplumber.open(out) as pdf:
        assert len(pdf.pages) > normal  # re-flowed, not scaled
        for page in pdf.pages:
            # 1-inch margins; the running header and footer sit in the top and bottom margins.
            for char in page.chars:
                assert 72 - 0.5 <= char["x0"] and char["x1"] <= page.width - 72 + 0.5, char["text"]
            # The body: below the running header (page 1: from the title down, under the clinic header,
            # whose long lines may shrink to fit), above the footer.
            top = min((c["top"] for c in page.chars if c["size"] >= 26), default=90)
            body = [c for c in page.chars if top <= c["top"] < page.height - 80 and c["text"].strip()]
            assert body and min(c["size"] for c in body) >= 18 - 1e-6
            large_words |= {w["text"] for w in page.extract_words(extra_attrs=["size"]) if w["size"] >= 22}
    # Section headings and subheadings, 22 pt or more.
    assert {"About", "Before", "After", "When", "happens"} <= large_words


def test_large_print_from_the_layout(project):
    add(project, "default", "large_print: true\n")
    handout = compose(Project(project).procedure("64634"), Project(project).layout("default"))
    assert handout.style.base_size == 18 and min(handout.page.margins_in) >= 1


def test_a_custom_ttf_font_is_embedded(project):
    for name in ("Vera.ttf", "VeraBd.ttf"):
        shutil.copy(VERA / name, project / "layouts/northgate-pain" / name)
    add(project, "northgate-pain", "fonts:\n  family: Vera Sans\n  files: {regular: Vera.ttf, bold: VeraBd.ttf}\n")
    assert check(project, "northgate-pain")[0] == 0
    out = project / "vera.pdf"
    assert run(project, "render", "64634", "-l", "northgate-pain", "-o", str(out)).exit_code == 0
    fonts = pdf_reader(out).pages[0]["/Resources"]["/Font"]
    names = [f.get_object()["/BaseFont"] for f in fonts.values()]
    assert any("VeraSans" in n for n in names) and not any("Atkinson" in n for n in names)
    for ref in fonts.values():
        font = ref.get_object()
        assert "/FontFile2" in font["/FontDescriptor"]  # the TrueType program, subset, is in the file


@pytest.mark.parametrize("kind", ["png", "jpg", "svg"])
def test_png_jpeg_and_svg_logos_render(project, kind):
    folder = project / "layouts/riverside-spine"
    if kind == "svg":
        (folder / "logo.svg").write_text(
            '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60" viewBox="0 0 120 60">'
            '<rect width="120" height="60" rx="8" fill="#143D59"/><circle cx="30" cy="30" r="18" fill="#fff"/></svg>'
        )
    elif kind == "jpg":
        from PIL import Image

        Image.new("RGB", (400, 200), "#143D59").save(folder / "logo.jpg", quality=90)
    if kind != "png":
        path = layout_file(project, "riverside-spine")
        path.write_text(path.read_text().replace("path: logo.png", f"path: logo.{kind}"))
    out = project / f"{kind}.pdf"
    result = run(project, "render", "64634", "-l", "riverside-spine", "-o", str(out))
    assert result.exit_code == 0, result.output
    page = pdf_reader(out).pages[0]
    content = page.get_contents().get_data()
    if kind == "svg":
        assert b" re" in content or b" c\n" in content or b" l\n" in content  # drawn as vector paths
    else:
        assert "/XObject" in page["/Resources"] and b" Do" in content


def test_the_qr_code_decodes_to_the_configured_address(project):
    import zxingcpp

    from handouts.preview import page_images

    add(project, "riverside-spine", 'qr:\n  url: "https://riversidespine.example/p/{{ procedure.code }}"\n'
        "  label: Watch a short video\n")
    out = project / "qr.pdf"
    assert run(project, "render", "64634", "-l", "riverside-spine", "-o", str(out)).exit_code == 0
    assert "https://riversidespine.example/p/64634" in pdf_text(out)  # printed beside it too
    import io

    from PIL import Image

    decoded = []
    for png in page_images(out.read_bytes(), dpi=150):
        decoded += [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert decoded == ["https://riversidespine.example/p/64634"]


def test_clinic_sections_are_placed_where_the_layout_says(project):
    add(project, "riverside-spine", "extra_sections:\n"
        "  - {heading: Parking, text: Park in garage B., after: day_of}\n"
        "  - {heading: What to bring, items: [Your photo ID], before: day_of}\n")
    handout = compose(Project(project).procedure("64634"), Project(project).layout("riverside-spine"))
    headings = [s.heading for s in handout.sections]
    day_of = headings.index("The day of your procedure")
    assert headings[day_of - 1] == "What to bring" and headings[day_of + 1] == "Parking"


def test_show_with_a_layout_displays_the_clinic_rules(project):
    add(project, "riverside-spine", "rules:\n  fasting_hours: 8\n")
    result = run(project, "show", "64634", "-l", "riverside-spine")
    assert "fasting hours: 8 (clinic rule; the procedure says 6)" in result.stdout


def test_preview_writes_the_pdf_pngs_and_style_sheet(project):
    result = run(project, "preview", "northgate-pain", "64634", "-o", str(project / "pv"))
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (project / "pv").iterdir())
    pages = len(pdf_reader(project / "pv/northgate-pain-64634.pdf").pages)
    assert names == sorted(
        ["northgate-pain-64634.pdf", "northgate-pain-style-sheet.pdf", "northgate-pain-style-sheet.png"]
        + [f"northgate-pain-64634-page-{n}.png" for n in range(1, pages + 1)]
    )
    assert (project / "pv/northgate-pain-64634-page-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    sheet = pdf_text(project / "pv/northgate-pain-style-sheet.pdf")
    assert "heading #0B5D3B" in sheet and "7.9:1" in sheet and "Call us straight away if" in sheet
    # The sample time names a real weekday: 2 December 2026 is a Wednesday.
    assert "11:45 PM on Wednesday, December 2" in sheet and "Tuesday" not in sheet


@pytest.mark.parametrize("kind, key", [("layout", "clinic"), ("procedure", "handout")])
def test_json_schema_for_editors(project, kind, key):
    result = run(project, "schema", kind)
    assert result.exit_code == 0
    assert key in json.loads(result.stdout)["properties"]
    assert run(project, "schema", "nonsense").exit_code == 2

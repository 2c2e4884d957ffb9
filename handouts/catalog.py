"""The library's catalog: a browsable index.html (no server needed) and a catalog.pdf per layout."""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path
from typing import Any

from handouts.output import write_atomic
from handouts.project import Project

_STYLE = """
body { font-family: "Atkinson Hyperlegible", Verdana, sans-serif; font-size: 18px; line-height: 1.5;
       max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
h1 { font-size: 1.8rem; } table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #999; vertical-align: top; }
th { border-bottom: 2px solid #1a1a1a; } a { color: #0b3d91; }
.draft { font-weight: bold; } @media print { a { color: #000; text-decoration: none; } }
"""


def _page(title: str, body: str) -> bytes:
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    ).encode()


def _review(entry: dict[str, Any]) -> str:
    if entry.get("review_status") == "approved":
        return f"approved {entry.get('review_date') or ''}".strip()
    return '<span class="draft">draft, not yet reviewed</span>'


def _language_name(entry: dict[str, Any]) -> str:
    from handouts.languages import languages

    code = entry.get("language", "en")
    found = languages().get(code)
    return found.native_name if found else code


def _grade(entry: dict[str, Any]) -> str:
    """The English reading grade, or a translation's reading ease in its own language's measure."""
    if isinstance(entry.get("grade"), (int, float)):
        return f"{entry['grade']:.1f}"
    return str(entry.get("reading") or "")


def write_catalog(
    project: Project, out_dir: Path, entries: dict[str, dict[str, Any]], layouts: set[str] | None = None
) -> None:
    """The top index, and each layout's index.html and catalog.pdf (only `layouts`' when given)."""
    by_layout: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries.values():
        by_layout[entry["layout"]].append(entry)
    links = []
    for layout_name, items in sorted(by_layout.items()):
        items.sort(key=lambda e: (e["code"], e.get("language", "en") != "en", e.get("language", "en")))
        try:
            clinic = project.layout(layout_name).layout.clinic.name
        except Exception:  # noqa: BLE001 - a broken layout still gets an index of what was built
            clinic = layout_name
        rows = "\n".join(
            f"<tr><td>{html.escape(e['code'])}</td>"
            f"<td><a href=\"{html.escape(Path(e['path']).name)}\" hreflang=\"{html.escape(e.get('language', 'en'))}\" "
            f"lang=\"{html.escape(e.get('language', 'en'))}\">{html.escape(e['title'])}</a></td>"
            f"<td>{html.escape(_language_name(e))}</td>"
            f"<td>{e['pages']}</td><td>{html.escape(_grade(e))}</td><td>{html.escape(str(e.get('lint', '')))}</td>"
            f"<td>{_review(e)}</td></tr>"
            for e in items
        )
        table = (
            "<p><a href=\"../index.html\">All layouts</a> · <a href=\"catalog.pdf\">Printable catalog (PDF)</a></p>\n"
            "<table><thead><tr><th>Code</th><th>Handout</th><th>Language</th><th>Pages</th><th>Reading grade</th>"
            "<th>Lint</th><th>Review</th></tr></thead>\n"
            f"<tbody>\n{rows}\n</tbody></table>"
        )
        title = f"{clinic}: patient handouts"
        if layouts is None or layout_name in layouts:
            write_atomic(out_dir / layout_name / "index.html", _page(title, table))
            write_atomic(out_dir / layout_name / "catalog.pdf", catalog_pdf(project, layout_name, title, items))
        links.append(
            f"<li><a href=\"{html.escape(layout_name)}/index.html\">{html.escape(clinic)}</a> "
            f"({len(items)} handouts)</li>"
        )
    write_atomic(out_dir / "index.html", _page("Handout library", "<ul>\n" + "\n".join(links) + "\n</ul>"))


def catalog_pdf(project: Project, layout_name: str, title: str, items: list[dict[str, Any]]) -> bytes:
    """A short list for a binder's front page: code and title, each linking to its PDF."""
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, Table, TableStyle

    from handouts.compose import style_of
    from handouts.fonts import font_family
    from handouts.render import frame_width, markup, simple_pdf

    layout = project.layout(layout_name)
    spec = layout.layout
    _, page = style_of(layout)
    fonts = font_family(spec.fonts.family, layout.font_paths)
    size = max(12.0, spec.fonts.base_size - 1)
    body = ParagraphStyle("catalog", fontName=fonts.regular, fontSize=size, leading=size * 1.35)
    heading = ParagraphStyle("catalog-title", body, fontName=fonts.bold, fontSize=size * 1.6, leading=size * 2,
                             spaceAfter=size)
    rows = [[Paragraph("<b>Code</b>", body), Paragraph("<b>Handout</b>", body), Paragraph("<b>Language</b>", body),
             Paragraph("<b>Pages</b>", body), Paragraph("<b>Grade</b>", body)]]
    for entry in items:
        link = markup(Path(entry["path"]).name).replace('"', "&quot;")
        rows.append([
            Paragraph(markup(entry["code"]), body),
            Paragraph(f'<a href="{link}" color="#0B3D91">{markup(entry["title"])}</a>', body),
            Paragraph(markup(_language_name(entry)), body),
            Paragraph(str(entry["pages"]), body),
            Paragraph(markup(_grade(entry)), body),
        ])
    width = frame_width(page)
    table = Table(rows, colWidths=[width * 0.11, width * 0.47, width * 0.16, width * 0.11, width * 0.15], repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, -1), fonts.regular),
        ("LINEBELOW", (0, 0), (-1, 0), 1.2, colors.black),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, colors.grey),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    story = [Paragraph(markup(title), heading), table]
    return simple_pdf(page, fonts, title, spec.clinic.name, spec.language, story)

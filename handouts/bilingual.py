"""A bilingual copy: two complete handouts in one PDF, the patient's language first.

One after the other rather than side by side: each language keeps the full type size and line length
(two columns would halve the line to ~35 characters, and Spanish runs ~20 % longer than English, so
the columns would drift apart within a page). The second language starts on a new sheet (a blank page
follows an odd page count), so a family can hand the English sheets to the relative who reads English,
and each part has its own header, warning box and "Page N of M". A note at the top of each part says
where each language is. The PDF's /Lang is the first language.
"""

from __future__ import annotations

import dataclasses
import io

from handouts import document as doc

ROUNDS = 3  # the note can change a part's length once; a third round never happened in practice


def _note(languages: tuple[str, ...], counts: list[int]) -> str:
    from handouts.project import _wording_for
    from handouts.templating import fill

    lines, first = [], 1
    for code, pages in zip(languages, counts):
        last = first + pages - 1
        span = str(first) if pages == 1 else f"{first}–{last}"
        lines.append(fill(_wording_for(code)["copy_pages"], {"pages": span, "single": pages == 1}, f"copy_pages ({code})"))
        first = last + 1 + pages % 2  # the next part starts on a new sheet
    return "  ·  ".join(lines)


def join(parts: list[doc.Handout], languages: tuple[str, ...], layout, render) -> bytes:
    from handouts.render import page_count

    pdfs = [render(part) for part in parts]
    for _ in range(ROUNDS):
        counts = [page_count(pdf) for pdf in pdfs]
        note = doc.Notice(_note(languages, counts))
        pdfs = [render(dataclasses.replace(part, intro=(note, *part.intro))) for part in parts]
        if [page_count(pdf) for pdf in pdfs] == counts:
            break
    return _concatenate(pdfs, parts, languages)


def _concatenate(pdfs: list[bytes], parts: list[doc.Handout], languages: tuple[str, ...]) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject, TextStringObject

    writer = PdfWriter()
    for index, pdf in enumerate(pdfs):
        reader = PdfReader(io.BytesIO(pdf))
        start = len(writer.pages)
        for page in reader.pages:
            writer.add_page(page)
        if index < len(pdfs) - 1 and len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            writer.add_blank_page(box.width, box.height)
        writer.add_outline_item(title=f"{parts[index].title} ({languages[index]})", page_number=start)
    first = parts[0].metadata
    writer._root_object[NameObject("/Lang")] = TextStringObject(languages[0])
    writer.add_metadata({
        "/Title": first.title, "/Author": first.author, "/Subject": first.subject,
        "/Keywords": " ".join(first.keywords), "/Creator": "handouts", "/Producer": "handouts",
    })
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()

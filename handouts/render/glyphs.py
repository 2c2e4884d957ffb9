"""Every text a handout prints, to check that its font can draw it (and to find the patient's details)."""

from __future__ import annotations

from handouts import document as doc
from handouts.errors import HandoutsError
from handouts.fonts import FontFamily, missing_characters
from handouts.render.text import markup

PRIVATE = "\0private:"  # marks text from an appointment in all_text


def all_text(handout: doc.Handout):
    """(where, text) for every text the handout prints, for the glyph check."""
    yield "the title", f"{handout.title} {handout.subtitle}"
    yield "the code line", handout.code_line
    yield "the header", " ".join((handout.header.clinic_name, *handout.header.contact_lines))
    yield "the footer", " ".join((handout.footer_left, handout.footer_center, handout.page_label))
    if handout.draft_mark:
        yield "the draft mark", handout.draft_mark

    def items(entries):
        for item in entries:
            yield f"{item.label or ''} {item.text}"
            yield from items(item.children)

    blocks = [("the top of the page", b) for b in handout.intro]
    blocks += [(f"section '{s.heading}'", b) for s in handout.sections for b in s.blocks]
    blocks += [(f"section '{s.heading}'", doc.Subheading(s.heading)) for s in handout.sections]
    for where, block in blocks:
        if isinstance(block, (doc.Paragraph, doc.Subheading)):
            yield where, f"{getattr(block, 'label', None) or ''} {block.text}"
        elif isinstance(block, doc.ItemList):
            yield from ((where, t) for t in items(block.items))
        elif isinstance(block, doc.Callout):
            yield where, " ".join((block.title, *(heading for heading, _ in block.groups), *block.contacts))
            yield from ((where, t) for _, group in block.groups for t in items(group))
        elif isinstance(block, doc.Notice):
            yield where, block.text
        elif isinstance(block, doc.KeyValues):
            # The appointment box: the patient's details, never repeated in a message.
            yield PRIVATE + block.title, " ".join((block.title, *(f"{k} {v}" for k, v in block.rows)))
        elif isinstance(block, doc.QRCode):
            yield where, f"{block.label} {block.url}"


def private_values(handout: doc.Handout) -> tuple[str, ...]:
    """The appointment's details as printed (patient, provider, place, id), escaped as in the markup."""
    values = [handout.running_label]
    for block in (*handout.intro, *(b for s in handout.sections for b in s.blocks)):
        if isinstance(block, doc.KeyValues):
            values += [value for _, value in block.rows]
    return tuple(markup(v) for v in values if v and v.strip())


def check_glyphs(handout: doc.Handout, fonts: FontFamily) -> None:
    """Refuse text the font cannot print: a patient would see blank boxes instead of words."""
    problems = []
    for where, text in all_text(handout):
        missing = missing_characters(text, fonts)
        if missing and where.startswith(PRIVATE):
            problems.append(
                f"the box '{where[len(PRIVATE):]}': the font {fonts.display_name} cannot print {len(missing)} "
                "character(s) of the details there (not shown: they may identify a patient); "
                "check the appointment's details or choose a font that has them"
            )
        elif missing:
            shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in missing[:5])
            problems.append(
                f"{where}: the font {fonts.display_name} cannot print {shown}; "
                "remove those characters or choose a font that has them"
            )
    if problems:
        raise HandoutsError(*dict.fromkeys(problems))

"""Page text (a copy of a public procedure page) -> procedure data.

The pages come in two formats seen in the seeds: "- " bullets with no blank lines, and "  • " bullets
and "  1. " steps separated by blank lines. Anything else common on such pages is handled too: a missing
first line, "HCPCS code", "Label: text" items, a line without a bullet continuing a list, prose where
other pages have bullets, lead-in lines ending with ":", nested bullets, empty sections, unknown
sections (kept under other_sections) and pages cut off mid-sentence (imported, with a warning).
Nothing on the page is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from handouts.errors import HandoutsError
from handouts.schema import Block, content_to_data

KNOWN_HEADINGS = {
    "summary": "summary",
    "overview": "summary",
    "purpose": "purpose",
    "indications": "indications",
    "preparation": "preparation",
    "procedure description": "procedure_steps",
    "procedure steps": "procedure_steps",
    "description": "procedure_steps",
    "duration": "duration",
    "setting": "setting",
    "personnel": "personnel",
    "risks and complications": "risks",
    "risks": "risks",
    "complications": "risks",
    "benefits": "benefits",
    "recovery": "recovery",
    "alternatives": "alternatives",
    "patient experience": "patient_experience",
    "similar codes": "similar_codes",
}
EXPECTED = tuple(dict.fromkeys(KNOWN_HEADINGS.values()))
# Sections a page may legitimately leave empty or out without being cut off.
OPTIONAL = {"similar_codes"}

_BULLET = re.compile(r"^(?P<indent>\s*)(?:[-*•◦▪‣–]|\d{1,2}[.)])\s+(?P<text>\S.*)$")
_CODE_SYSTEM = re.compile(r"^(?P<system>CPT|HCPCS)\s*\d?\s+code$", re.IGNORECASE)
_NAME_LINE = re.compile(r"^name of the procedure:?\s*(?P<rest>.*)$", re.IGNORECASE)
# "Label: text" where the label is a short phrase (not a sentence, not a clock time like 10:30).
_LABEL = re.compile(r"^(?P<label>[A-Z][^:.!?]{0,48}?):\s+(?P<text>\S.*)$")
_ADD_ON = re.compile(r"\(\s*list separately in addition to code for primary procedure\s*\)", re.IGNORECASE)
_TERMINAL_CHARACTERS = ".!?:)\"'”’"


@dataclass
class ImportResult:
    data: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Node:
    kind: str  # "item" or "paragraph"
    text: str
    label: str | None = None
    items: list[_Node] = field(default_factory=list)
    indent: int = 0
    more: list[str] = field(default_factory=list)  # wrapped lines, joined once at the end (linear time)

    def add_line(self, text: str) -> None:
        self.more.append(text)

    @property
    def ends_sentence(self) -> bool:
        return _ends_sentence(self.more[-1] if self.more else self.text)

    def block(self) -> Block:
        text = " ".join([self.text, *self.more])
        return Block(text=text, label=self.label, kind=self.kind, items=[item.block() for item in self.items])


def _ends_sentence(text: str) -> bool:
    """Whether a line ends a sentence (or a lead-in); only the last character is looked at."""
    return bool(text) and text[-1] in _TERMINAL_CHARACTERS


def heading_key(line: str) -> str | None:
    """The section a heading line starts: a known field name, "other" for an unknown heading, or None."""
    if line != line.lstrip() or not line.strip():
        return None
    text = line.strip().rstrip(":").strip()
    known = KNOWN_HEADINGS.get(text.lower())
    if known:
        return known
    words = text.split()
    if (
        1 <= len(words) <= 5
        and text[0].isupper()
        and not _ends_sentence(text)
        and not any(c in text for c in ",;")
        and all(w[0].isupper() or len(w) <= 3 for w in words)
        and not _BULLET.match(line)
    ):
        return "other"
    return None


def split_label(text: str) -> tuple[str | None, str]:
    match = _LABEL.match(text)
    if match and len(match.group("label").split()) <= 5:
        return match.group("label").strip(), match.group("text").strip()
    return None, text


def parse_blocks(lines: list[str]) -> list[_Node]:
    """Turn a section's lines into items and paragraphs, keeping nesting, labels and every word."""
    blocks: list[_Node] = []
    stack: list[_Node] = []  # open items, outermost first, for nesting by indentation
    lead_in: _Node | None = None  # a "Before the procedure:" line collecting the items after it
    last: _Node | None = None
    after_blank = False

    def add_item(node: _Node) -> None:
        while stack and stack[-1].indent >= node.indent:
            stack.pop()
        if stack:
            stack[-1].items.append(node)
        elif lead_in is not None:
            lead_in.items.append(node)
        else:
            blocks.append(node)
        stack.append(node)

    for raw in lines:
        if not raw.strip():
            after_blank = True
            continue
        indent = len(raw) - len(raw.lstrip())
        bullet = _BULLET.match(raw)
        text = bullet.group("text").strip() if bullet else raw.strip()
        if bullet:
            label, body = split_label(text)
            last = _Node("item", body, label, indent=indent)
            add_item(last)
        elif text.endswith(":") and len(text) < 80:
            # A lead-in: the items that follow belong to it.
            stack.clear()
            last = lead_in = _Node("item", text, indent=indent)
            blocks.append(lead_in)
        elif last is not None and not after_blank and last.kind == "item" and indent > last.indent:
            last.add_line(text)  # a wrapped line of the item above
        elif last is not None and not after_blank and last.kind == "item":
            # A line without a bullet right after an item continues the list (seed 000's "Rare: ...").
            label, body = split_label(text)
            last = _Node("item", body, label, indent=last.indent)
            add_item(last)
        elif last is not None and not after_blank and last.kind == "paragraph" and not last.ends_sentence:
            last.add_line(text)  # a paragraph wrapped over several lines
        else:
            stack.clear()
            lead_in = None
            last = _Node("paragraph", text, indent=indent)
            blocks.append(last)
        after_blank = False
    return blocks


def _split_risks(blocks: list[_Node]) -> dict[str, Any]:
    groups: dict[str, list[_Node]] = {"common": [], "rare": [], "general": []}
    for block in blocks:
        label = (block.label or "").lower()
        group = "common" if label.startswith("common") else "rare" if label.startswith("rare") else "general"
        if group != "general":
            block.label = None  # the group says it now
        groups[group].append(block)
    return {key: _content(value) for key, value in groups.items() if value}


def _content(blocks: list[_Node]) -> Any:
    return content_to_data([block.block() for block in blocks])


def import_page(text: str, code: str, source: str = "page") -> ImportResult:
    """Parse the page text; raise HandoutsError if it is not a procedure page at all."""
    lines = text.replace("\ufeff", "").replace("\u00a0", " ").replace("\t", "    ").splitlines()
    lines = [line.rstrip() for line in lines]
    position = 0

    def next_text(what: str) -> tuple[int, str]:
        nonlocal position
        while position < len(lines) and not lines[position].strip():
            position += 1
        if position >= len(lines):
            raise HandoutsError(f"{source}: the page ends before {what}; is this a procedure page?")
        position += 1
        return position, lines[position - 1].strip()

    number, first = next_text("the code descriptor")
    if first.lower() == "search all medical codes":
        number, first = next_text("the code descriptor")
    descriptor = first
    number, system_line = next_text("the code system line")
    system = _CODE_SYSTEM.match(system_line)
    if not system:
        raise HandoutsError(
            f"{source}: line {number}: expected 'CPT4 code' or 'HCPCS code' after the descriptor, "
            f"found {system_line[:60]!r}"
        )
    number, name_line = next_text("'Name of the Procedure:'")
    name_match = _NAME_LINE.match(name_line)
    if not name_match:
        raise HandoutsError(f"{source}: line {number}: expected 'Name of the Procedure:', found {name_line[:60]!r}")
    name = name_match.group("rest").strip() or next_text("the procedure name")[1]

    # Split the rest into sections by heading lines.
    sections: list[tuple[str, str, list[str]]] = []  # (key, heading, lines)
    preamble: list[str] = []
    for line in lines[position:]:
        key = heading_key(line)
        if key is not None:
            sections.append((key, line.strip().rstrip(":").strip(), []))
        elif sections:
            sections[-1][2].append(line)
        else:
            preamble.append(line)

    warnings: list[str] = []
    data: dict[str, Any] = {
        "code": code,
        "code_system": system.group("system").upper(),
        "descriptor": _ADD_ON.sub("", descriptor).strip(),
        "name": name,
        "title": name,
    }
    if _ADD_ON.search(descriptor):
        data["add_on"] = True
        data["primary_codes"] = []

    seen: set[str] = set()
    other: list[dict[str, Any]] = []
    if any(line.strip() for line in preamble):
        other.append({"heading": "Introduction", "content": _content(parse_blocks(preamble))})
    for key, heading, body in sections:
        blocks = parse_blocks(body)
        if key == "other" or key in seen:
            # Unknown, or a second section mapping to the same field: keep it whole under its heading.
            other.append({"heading": heading, "content": _content(blocks)})
            continue
        seen.add(key)
        data[key] = _split_risks(blocks) if key == "risks" else _content(blocks)
    if other:
        data["other_sections"] = other

    missing = [key for key in EXPECTED if key not in seen and key not in OPTIONAL]
    if missing:
        warnings.append("sections missing from the page: " + ", ".join(missing))
    last_text = next((line.strip() for line in reversed(lines) if line.strip()), "")
    if last_text and heading_key(last_text) is None and not _ends_sentence(last_text):
        where = sections[-1][1] if sections else "the page"
        warnings.append(f"the page seems cut off mid-sentence at the end of '{where}': ...{last_text[-40:]!r}")
    data["review"] = {"status": "draft", "content_version": "1", "notes": [f"imported: {w}" for w in warnings]}
    return ImportResult(data=data, warnings=warnings)


# What a person curates by hand; a re-import never touches it.
CURATED = ("title", "role", "primary_codes", "handout", "patient", "review")


def refresh(existing, imported):
    """The existing procedure with the imported page parts replaced: (procedure, changed, unreviewed).

    `changed` names the page sections this import changed; `unreviewed` those that differ from the page as
    it was when the patient text was last reviewed (review.page_hashes), which need another look."""
    from handouts.content.lint import page_hashes
    from handouts.schema import SECTION_FIELDS

    page_fields = ("descriptor", "name", "add_on", *SECTION_FIELDS, "other_sections")
    updated = existing.model_copy(update={name: getattr(imported, name) for name in page_fields})
    if imported.primary_codes and not existing.primary_codes:
        updated = updated.model_copy(update={"primary_codes": imported.primary_codes})
    before, after = page_hashes(existing), page_hashes(updated)
    changed = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    reviewed = existing.review.page_hashes
    unreviewed = sorted(name for name in set(reviewed) | set(after) if reviewed and reviewed.get(name) != after.get(name))
    return updated, changed, unreviewed

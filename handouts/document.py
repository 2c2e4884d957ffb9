"""The document model: plain data between composing (words) and rendering (PDF).

All text here is final and plain (no markup, no templates); the renderer escapes it. Tests check this
model first, without making a PDF.
"""

from __future__ import annotations

# Every class has a docstring: a dataclass without one gets it built from inspect.signature, ~0.15 ms
# each at import, on every run.
from dataclasses import dataclass, field
from typing import Literal, Union


@dataclass(frozen=True)
class Item:
    """One line of a list, with an optional bold label, sub-items and picture."""

    text: str
    label: str | None = None  # shown in bold before the text
    children: tuple[Item, ...] = ()
    icon: str | None = None  # a small picture beside the text (see handouts/render/icons.py)


@dataclass(frozen=True)
class Paragraph:
    """A paragraph of plain text, with an optional bold label."""

    text: str
    label: str | None = None
    strong: bool = False


@dataclass(frozen=True)
class ItemList:
    """Bullets, checkboxes to tick, or numbered steps."""

    style: Literal["bullet", "check", "number"]
    items: tuple[Item, ...]
    columns: int = 1  # short items may sit side by side


@dataclass(frozen=True)
class Subheading:
    """A heading inside a section."""

    text: str


@dataclass(frozen=True)
class Callout:
    """A boxed, high-contrast block: the warning signs in tiers, most urgent first, and whom to call."""

    title: str
    groups: tuple[tuple[str, tuple[Item, ...]], ...]  # (tier heading, its items)
    contacts: tuple[str, ...]  # lines shown large and bold: phone numbers, emergency number
    columns: int = 1


@dataclass(frozen=True)
class Notice:
    """A framed note, e.g. that a part has not yet been written for patients."""

    text: str


@dataclass(frozen=True)
class KeyValues:
    """Label/value rows, e.g. the appointment box."""

    title: str
    rows: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class QRCode:
    """A QR code with its address printed beside it, for readers without a phone."""

    url: str
    label: str


Block = Union[Paragraph, ItemList, Subheading, Callout, KeyValues, QRCode, Notice]


@dataclass(frozen=True)
class Section:
    """A titled part of the handout, in the order a patient lives it."""

    id: str
    heading: str
    blocks: tuple[Block, ...]
    heading_in_box: bool = False  # the heading is drawn as the title of the section's boxed callout


@dataclass(frozen=True)
class Header:
    """The clinic's name, contact lines and logo at the top of page 1."""

    clinic_name: str
    contact_lines: tuple[str, ...]
    logo_path: str | None = None  # absolute path, already checked to be inside the layout folder
    logo_width_in: float = 1.4
    style: Literal["rule", "band"] = "rule"


@dataclass(frozen=True)
class Style:
    """The layout's type and colors."""

    font_family: str
    base_size: float
    font_files: tuple[tuple[str, str], ...]  # (role, path) of a clinic's own font; empty for built-in ones
    primary: str
    accent: str
    heading: str
    text: str
    muted: str
    on_primary: str
    warning_border: str
    warning_background: str


@dataclass(frozen=True)
class PageSetup:
    """Paper size and margins."""

    size: Literal["Letter", "A4"]
    margins_in: tuple[float, float, float, float]  # top, right, bottom, left


@dataclass(frozen=True)
class Metadata:
    """The PDF's document information."""

    title: str
    author: str
    subject: str
    language: str
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Handout:
    """A whole handout, ready to render."""

    title: str
    code_line: str
    header: Header
    sections: tuple[Section, ...]
    footer_left: str
    footer_center: str
    page_label: str  # contains {page} and {pages}, filled in per page when drawing
    style: Style
    page: PageSetup
    metadata: Metadata
    draft_mark: str | None = None  # shown on every page when the content is not clinically reviewed
    intro: tuple[Block, ...] = field(default=())  # blocks under the title, before the first section
    running_label: str = ""  # on the top of pages 2+, e.g. the patient's name so pages are not mixed up
    personal: bool = False  # holds patient details: written owner-only
    subtitle: str = ""  # what the other codes add ("With a live X-ray to guide the needle")
    large_print: bool = False

    def text_blocks(self):
        """Every block, in reading order (for checks over all the text, like glyph coverage)."""
        yield from self.intro
        for section in self.sections:
            yield from section.blocks

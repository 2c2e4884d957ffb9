"""Text as ReportLab paragraphs: markup made from plain text, and paragraphs whose parsing and line
breaking are kept per process for text without a patient's details (the same sentences come back on every
handout of a procedure)."""

from __future__ import annotations

from collections import OrderedDict
from contextvars import ContextVar
from functools import lru_cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph
from reportlab.platypus.paragraph import cleanBlockQuotedText

_CONTROL = {c: None for c in range(32) if chr(c) not in "\n\t"}


def escape(text: str) -> str:
    """&, < and > as entities (xml.sax.saxutils.escape, without its ~20 ms of urllib/http/ssl imports)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markup(text: str) -> str:
    """Plain text -> ReportLab paragraph markup that shows exactly that text (no tags, no entities)."""
    return escape(text.translate(_CONTROL)).replace("\n", "<br/>")


def labelled(item_text: str, label: str | None) -> str:
    return (f"<b>{markup(label)}:</b> " if label else "") + markup(item_text)


class Para(Paragraph):
    """A paragraph that remembers how it was broken into lines. Tables, frames and the list markers ask a
    paragraph its height several times at the same width; and the same sentence at the same width breaks
    the same way on every handout, so for text without a patient's details that is kept per process."""

    _wrapped: tuple | None = None
    _kept: tuple | None = None  # (markup, style) when the line breaks may be kept

    def wrap(self, available_width, available_height):
        # (split() may drop the broken lines, and then the paragraph must be measured again)
        if self._wrapped is not None and self._wrapped[0] == available_width and "blPara" in self.__dict__:
            return self._wrapped[1]
        key = (self._kept, available_width) if self._kept is not None else None
        state = _BROKEN.get(key) if key is not None else None
        if state is not None:
            self.__dict__.update(state)  # the lines are only read when drawn or split: they can be shared
        else:
            super().wrap(available_width, available_height)
            if key is not None:
                _keep(_BROKEN, key, {name: self.__dict__[name] for name in _WRAP_STATE if name in self.__dict__})
        self._wrapped = (available_width, (self.width, self.height))
        return self._wrapped[1]


# What Paragraph.wrap sets on the paragraph (ReportLab 4): the widths, the broken lines, the height.
_WRAP_STATE = ("width", "_wrapWidths", "blPara", "height", "_width_max", "_splitLongWordCount", "_hyphenations")
_KEPT_MAX = 4096
_PARSED: OrderedDict = OrderedDict()  # (markup, style) -> ReportLab's parsed fragments
_BROKEN: OrderedDict = OrderedDict()  # ((markup, style), width) -> the paragraph's state after wrap
# The appointment's details in the handout being drawn: a text holding one is never kept.
PRIVATE_VALUES: ContextVar[tuple[str, ...]] = ContextVar("private", default=())


def _keep(cache: OrderedDict, key, value) -> None:
    cache[key] = value
    if len(cache) > _KEPT_MAX:
        cache.popitem(last=False)


def para(text: str, style: ParagraphStyle) -> Para:
    """A paragraph, its markup parsed once per process and style: the same sentences come back on every
    handout of a procedure (parsing was a sixth of a render, breaking lines a fifth). Text with a
    patient's details is not kept."""
    private = any(value in text for value in PRIVATE_VALUES.get())
    if "<" not in text and "&" not in text:
        # Plain text: one fragment in the style's font and color, without the markup parser.
        plain = cleanBlockQuotedText(text)
        paragraph = Para(plain, style, frags=[_plain_fragment(style).clone(text=plain)] if plain else [])
    else:
        frags = _PARSED.get((text, style))
        paragraph = Para(text, style, frags=frags)  # parsed here when not kept
        if frags is None and not private:
            _keep(_PARSED, (text, style), paragraph.frags)
    if not private:
        paragraph._kept = (text, style)
    return paragraph


@lru_cache(maxsize=64)
def _plain_fragment(style: ParagraphStyle):
    """The fragment ReportLab's parser makes for a word in `style`, to copy for any plain text."""
    return Paragraph("x", style).frags[0]

"""Regular expressions our libraries compile when imported and we never use, compiled only if used.

ReportLab's `platypus.paragraph` compiles, as it is imported, a URL pattern (`uri_pat`, for
hyphenating URLs: handouts never hyphenate) with a `[\\xa1-\\uffff]` class under re.IGNORECASE; that
one compile costs ~45 ms, a tenth of a one-handout run. A few others cost ~5 ms each (ReportLab's
CJK wrapping pattern, the non-printable check of PyYAML's pure-Python reader, which libyaml's loader
does not use).

`re.compile` first looks a pattern up in `re`'s own cache, keyed by (type, pattern text, flags).
Before those modules are imported we put a stand-in under each exact key; `re.compile` returns it
without compiling, and the stand-in compiles the real pattern the first time anything uses it (and
puts the real one in the cache), so every behaviour is the real pattern's. Guarded: if `re` has no
such cache (another Python), nothing is done; if a library version writes its pattern differently,
the key does not match, the stand-in is never handed out, and the library compiles its own as before.
Import this module before ReportLab and PyYAML; importing it twice does nothing more.
"""

from __future__ import annotations

import re

# (pattern text, flags) exactly as the libraries write them; the module that compiles each, and why
# it is never needed on our path.
DEFERRED: tuple[tuple[str, int], ...] = (
    # reportlab/platypus/paragraph.py: uri_pat, used only to hyphenate URLs (~45 ms).
    ('(^(?:[a-z0-9\\.\\-\\+]*)://)(?:\\S+(?::\\S*)?@)?(?:(?:25[0-5]|2[0-4]\\d|[0-1]?\\d?\\d)'
     '(?:\\.(?:25[0-5]|2[0-4]\\d|[0-1]?\\d?\\d)){3}|\\[[0-9a-f:\\.]+\\]|([a-z\xa1-\uffff0-9]'
     '(?:[a-z\xa1-\uffff0-9-]{0,61}[a-z\xa1-\uffff0-9])?(?:\\.(?!-)[a-z\xa1-\uffff0-9-]{1,63}(?<!-))*'
     '\\.(?!-)(?:[a-z\xa1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})(?<!-)\\.?|localhost))(?::\\d{2,5})?'
     '(?:[/?#][^\\s]*)?\\Z', re.IGNORECASE),
    # reportlab/lib/textsplit.py: rx, used only by cjkwrap() (~5 ms).
    ("([\u2e80-\uffff])", re.UNICODE),
    # yaml/reader.py: Reader.NON_PRINTABLE, used only by the pure-Python loader (~5 ms).
    ("[^\x09\x0A\x0D\x20-\x7E\x85\xA0-\uD7FF\uE000-\uFFFD\U00010000-\U0010ffff]", 0),
)


class DeferredPattern:
    """Stands for `re.compile(pattern, flags)` and becomes it on first use."""

    __slots__ = ("_text", "_flags", "_real")

    def __init__(self, text: str, flags: int):
        self._text = text
        self._flags = flags
        self._real = None

    def compiled(self) -> re.Pattern:
        real = self._real
        if real is None:
            compiler = getattr(re, "_compiler", None) or re.sre_compile  # Python 3.11+ / 3.10
            real = self._real = compiler.compile(self._text, self._flags)
            key = (str, self._text, self._flags)
            for name in ("_cache", "_cache2"):  # Python 3.12+ keeps two
                cache = getattr(re, name, None)
                if isinstance(cache, dict) and cache.get(key) is self:
                    cache[key] = real  # from now on re.compile hands out the real pattern itself
        return real

    def __getattr__(self, name: str):  # match, search, sub, pattern, flags, groupindex...
        return getattr(self.compiled(), name)

    def __repr__(self) -> str:
        return repr(self.compiled())


def defer(patterns=DEFERRED) -> int:
    """Put the stand-ins in re's cache; the number put there (0 when re has no such cache)."""
    cache = getattr(re, "_cache", None)
    limit = getattr(re, "_MAXCACHE", 0)
    if not isinstance(cache, dict) or not (getattr(re, "_compiler", None) or getattr(re, "sre_compile", None)):
        return 0
    added = 0
    for text, flags in patterns:
        flags = int(flags)
        key = (str, text, flags)
        if key not in cache and len(cache) < limit - 1:  # never make re drop a pattern to make room
            cache[key] = DeferredPattern(text, flags)
            added += 1
    return added


defer()

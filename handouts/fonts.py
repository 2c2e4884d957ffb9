"""Font families for rendering: registered with ReportLab once per process (it costs ~18 ms each)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from handouts.errors import HandoutsError


@dataclass(frozen=True)
class FontFamily:
    """A registered family's face names. No italics: handouts set none (slanted text is harder to read)."""

    regular: str
    bold: str
    charset: frozenset[str] | None  # characters the font can draw; None = not known (assume all)
    display_name: str


# The Type 1 standard fonts need no files; they draw only the WinAnsi (cp1252) characters.
_STANDARD = {
    "helvetica": ("Helvetica", "Helvetica-Bold"),
    "times": ("Times-Roman", "Times-Bold"),
}


def _winansi() -> frozenset[str]:
    chars = set()
    for code in range(32, 256):
        try:
            chars.add(bytes([code]).decode("cp1252"))
        except UnicodeDecodeError:
            pass
    return frozenset(chars)


def _atkinson_files() -> dict[str, Path]:
    try:
        import fontpkg_atkinson_hyperlegible as package
    except ImportError:
        raise HandoutsError(
            "the font Atkinson Hyperlegible is not installed; run: pip install fontpkg-atkinson-hyperlegible"
        ) from None
    folder = Path(package.__file__).parent / "files"
    names = {"regular": "Regular", "bold": "Bold"}  # handouts set no italics (see _register_ttf_family)
    return {key: folder / f"AtkinsonHyperlegible-{suffix}.ttf" for key, suffix in names.items()}


def _register_ttf_family(family: str, files: dict[str, Path], display: str | None = None) -> FontFamily:
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    base = "".join(c for c in family if c.isalnum())
    names = {key: base if key == "regular" else f"{base}-{key}" for key in files}
    charset: frozenset[str] | None = None
    from handouts import limits

    for key, path in files.items():
        try:
            size = path.stat().st_size
            if size > limits.MAX_FONT_BYTES:
                raise HandoutsError(limits.too_big(f"fonts.files.{key}", f"the size of {path.name!r} in bytes", size,
                                                   limits.MAX_FONT_BYTES, "use a smaller .ttf file"))
            font = TTFont(names[key], str(path))
        except HandoutsError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged file breaks the parser in many ways (struct.error...)
            reason = str(exc) if isinstance(exc, TTFError) else "damaged or cut short"
            raise HandoutsError(
                f"fonts.files.{key}: {path.name!r} does not load as a TrueType font ({reason}); "
                "use a .ttf file that allows embedding"
            ) from None
        pdfmetrics.registerFont(font)
        if key == "regular":
            charset = frozenset(chr(c) for c in font.face.charToGlyph)
    # Handouts set no italics (slanted text is harder to read, and the markup never makes any), so only
    # the regular and bold faces are loaded (~5 ms each per process) and italics map onto them.
    addMapping(base, 0, 0, names["regular"])
    addMapping(base, 1, 0, names["bold"])
    addMapping(base, 0, 1, names["regular"])
    addMapping(base, 1, 1, names["bold"])
    return FontFamily(names["regular"], names["bold"], charset, display or family)


def _key(name: str) -> str:
    return name.lower().replace("-", " ").strip()


def font_files(name: str, files: tuple[tuple[str, str], ...] = ()) -> list[Path]:
    """The files a font family is drawn from (none for the standard fonts), for build hashes."""
    if files:
        return [Path(path) for _, path in files]
    if _key(name) in ("atkinson hyperlegible", "atkinson"):
        return list(_atkinson_files().values())
    return []


@lru_cache(maxsize=None)
def font_family(name: str, files: tuple[tuple[str, str], ...] = ()) -> FontFamily:
    """A registered family: a clinic's own TrueType files when given, else a known family by name."""
    if files:
        paths = dict(files)
        own = {"regular": Path(paths["regular"]), "bold": Path(paths.get("bold") or paths["regular"])}
        # Named after the files' paths, so two clinics' fonts of the same family name never clash.
        import hashlib

        digest = hashlib.sha256("".join(sorted(str(p) for p in own.values())).encode()).hexdigest()[:8]
        return _register_ttf_family(f"{name} {digest}", own, display=name)
    key = _key(name)
    if key in ("atkinson hyperlegible", "atkinson"):
        return _register_ttf_family("Atkinson Hyperlegible", _atkinson_files())
    standard = _STANDARD.get(key.split()[0] if key else "")
    if standard:
        return FontFamily(*standard, charset=_winansi(), display_name=standard[0])
    raise HandoutsError(
        f"fonts.family: unknown font {name!r}; use 'Atkinson Hyperlegible' (recommended), 'Helvetica', "
        "'Times', or your own TrueType files under fonts.files"
    )


def missing_characters(text: str, family: FontFamily) -> list[str]:
    """Characters of `text` the font cannot draw (control characters are dropped when drawing)."""
    if family.charset is None:
        return []
    return sorted({c for c in text if c not in family.charset and c != " " and ord(c) >= 32})

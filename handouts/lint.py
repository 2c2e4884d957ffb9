"""`handouts layout check`: a layout's errors and warnings, each naming the key and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

from handouts.colors import contrast, darker_passing, grayscale
from handouts.errors import HandoutsError
from handouts.project import LoadedLayout, Project

BODY = 4.5  # WCAG 2 AA, normal text
LARGE = 3.0  # WCAG 2 AA, large text (18 pt, or 14 pt bold) and graphics
MIN_DPI = 150
WHITE = "#FFFFFF"


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    where: str  # file: key
    message: str

    def __str__(self) -> str:
        return f"{self.level}: {self.where}: {self.message}"


def check_layout(project: Project, name: str) -> list[Finding]:
    try:
        loaded = project.layout(name)
    except HandoutsError as exc:
        # Loading reports every schema problem at once, or the first broken reference (parent, asset).
        return [Finding("error", *_split(line)) for line in exc.lines]
    file = project.display(loaded.folder / "layout.yaml")
    findings: list[Finding] = []
    findings += _font_findings(project, loaded, file)
    findings += _contrast_findings(loaded, file)
    findings += _logo_findings(loaded, file)
    findings += _identity_findings(project, loaded, file)
    from handouts.localize import language_findings

    findings += [Finding(*finding) for finding in language_findings(project, loaded, file)]
    spec = loaded.layout
    if spec.fonts.base_size < 12 and not spec.large_print:
        findings.append(Finding("warning", f"{file}: fonts.base_size",
                                f"{spec.fonts.base_size:g} pt body text is under 12 pt; use 12 or more (14 is better)"))
    margins = spec.page.margins_in
    for side in ("top", "bottom", "left", "right"):
        if getattr(margins, side) < 0.5:
            findings.append(Finding("warning", f"{file}: page.margins_in.{side}",
                                    f"{getattr(margins, side):g} in is under 0.5 in; printers may cut the text off"))
    return findings


def _split(line: str) -> tuple[str, str]:
    """'file: key (line 3): message' -> ('file: key (line 3)', 'message')."""
    parts = line.split(": ")
    if len(parts) >= 3:
        return ": ".join(parts[:2]), ": ".join(parts[2:])
    return "layout", line


def _pairs(loaded: LoadedLayout) -> list[tuple[str, str, str, str, float]]:
    """(what, key of the foreground, foreground, background, minimum) for every text the layout prints."""
    c = loaded.layout.colors
    pairs = [
        ("body text", "colors.text", c.text, WHITE, BODY),
        ("the footer and code line", "colors.muted", c.muted, WHITE, BODY),
        ("section headings", "colors.heading", c.heading, WHITE, LARGE),
        ("the title", "colors.primary", c.primary, WHITE, LARGE),
        ("list numbers and check boxes", "colors.accent", c.accent, WHITE, LARGE),
        ("text in the warning box", "colors.text", c.text, c.warning_background, BODY),
        ("the warning box border", "colors.warning_border", c.warning_border, c.warning_background, LARGE),
    ]
    if loaded.layout.header.style == "band":
        pairs.append(("the clinic's contact line on the header band", "colors.on_primary", c.on_primary, c.primary, BODY))
    return pairs


def _contrast_findings(loaded: LoadedLayout, file: str) -> list[Finding]:
    findings = []
    for what, key, foreground, background, minimum in _pairs(loaded):
        in_color = contrast(foreground, background)
        in_gray = contrast(grayscale(foreground), grayscale(background))
        if in_color >= minimum and in_gray >= minimum:
            continue
        kind = "large headings" if minimum == LARGE else "body text"
        where = f"on {background}" if background != WHITE else "on white"
        found = f"{in_color:.1f}:1 in color" if in_color < minimum else f"{in_gray:.1f}:1 when printed in gray"
        fix = darker_passing(foreground, background, minimum)
        advice = f"a darker shade that passes: {fix}" if fix else "choose a darker color or a lighter background"
        findings.append(Finding(
            "warning", f"{file}: {key}",
            f"{foreground} {where} ({what}) has contrast {found}, under {minimum:g}:1 for {kind} (WCAG 2 AA); {advice}",
        ))
    return findings


def _logo_findings(loaded: LoadedLayout, file: str) -> list[Finding]:
    if loaded.logo_path is None:
        return []
    from handouts.images import Logo
    from handouts.limits import MAX_LOGO_HEIGHT_IN

    width_in = loaded.layout.logo.width_in
    shown = Logo(str(loaded.logo_path), width_in, MAX_LOGO_HEIGHT_IN)
    findings = []
    if shown.width < width_in:
        findings.append(Finding(
            "warning", f"{file}: logo",
            f"the logo is too tall for its width: at {width_in:g} in wide it would be "
            f"{width_in * shown.height / shown.width:.1f} in tall, so it prints at most {MAX_LOGO_HEIGHT_IN:g} in "
            f"tall and only {shown.width:.2f} in wide; use a wider logo",
        ))
    if loaded.logo_path.suffix.lower() == ".svg":
        return findings  # an SVG is sharp at any size
    from PIL import Image

    with Image.open(loaded.logo_path) as image:
        width_px = image.size[0]
    dpi = width_px / width_in
    if dpi >= MIN_DPI:
        return findings
    return findings + [Finding(
        "warning", f"{file}: logo.width_in",
        f"the logo is {width_px} px wide, {dpi:.0f} dpi at {width_in:g} in: it will print blurry; "
        f"use an image at least {round(width_in * MIN_DPI)} px wide, or print it at most "
        f"{width_px / MIN_DPI:.2f} in wide",
    )]


def _identity_findings(project: Project, loaded: LoadedLayout, file: str) -> list[Finding]:
    """Placeholder numbers and another clinic's logo: a patient would call a blank or see a stranger's name."""
    from handouts.identity import borrowed_logo, placeholder_numbers

    findings = [
        Finding("warning", f"{file}: {key}", f"{problem}; write your clinic's own number")
        for key, problem in placeholder_numbers(loaded.layout.clinic)
    ]
    if "___" in loaded.layout.clinic.name:
        findings.append(Finding("warning", f"{file}: clinic.name", "the clinic's name is a blank; write your clinic's name"))
    if loaded.logo_path is not None:
        other = borrowed_logo(project, loaded.name, loaded.logo_path)
        if other is not None:
            findings.append(Finding(
                "warning", f"{file}: logo.path",
                f"the logo is layout '{other}''s logo file; use your clinic's own logo, or 'logo: null' for none",
            ))
    return findings


def _font_findings(project: Project, loaded: LoadedLayout, file: str) -> list[Finding]:
    from handouts.fonts import font_family

    try:
        family = font_family(loaded.layout.fonts.family, loaded.font_paths)
    except HandoutsError as exc:
        return [Finding("error", f"{file}: fonts", line) for line in exc.lines]
    if family.charset is None:
        return []
    missing: dict[str, set[str]] = {}
    texts = [(f"wording.{key}", value) for key, value in loaded.wording.items()]
    texts.append(("clinic", " ".join(str(v) for v in loaded.layout.clinic.model_dump().values() if v)))
    for code, path in project.procedure_files().items():
        try:
            texts.append((f"procedure {code}", path.read_text(encoding="utf-8")))
        except OSError:
            continue
    for where, text in texts:
        for char in {c for c in text if c not in family.charset and ord(c) >= 32 and c != " "}:
            missing.setdefault(char, set()).add(where)
    return [
        Finding(
            "warning", f"{file}: fonts.family",
            f"the font {family.display_name} has no {char!r} (U+{ord(char):04X}), used in "
            f"{', '.join(sorted(wheres)[:3])}{' and more' if len(wheres) > 3 else ''}; choose a font that has it",
        )
        for char, wheres in sorted(missing.items())
    ]

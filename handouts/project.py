"""A handouts project folder (procedures/, layouts/, output/) and loading what is in it."""

from __future__ import annotations

import difflib
import os
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from handouts.errors import HandoutsError
from handouts.limits import check_data
from handouts.yamlio import parse_yaml, read_text, read_yaml

PACKAGE_DATA = Path(__file__).parent / "data"
PROCEDURE_CACHE = 64
LAYOUT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class LoadedLayout:
    name: str
    folder: Path
    layout: Any  # schema.Layout
    wording: dict[str, str]
    logo_path: Path | None
    files: tuple[Path, ...]
    font_paths: tuple[tuple[str, str], ...] = ()  # (role, absolute path) of a clinic's own font  # every file this layout is made of: its chain of layout.yaml files and assets


@dataclass
class Project:
    root: Path
    _procedures: dict[tuple, Any] = field(default_factory=dict, repr=False)
    _layouts: dict[str, LoadedLayout] = field(default_factory=dict, repr=False)
    _layout_stamps: dict[str, tuple] = field(default_factory=dict, repr=False)

    @classmethod
    def locate(cls, given: Path | None = None) -> Project:
        """--project DIR, else $HANDOUTS_PROJECT, else the current folder."""
        root = given or (Path(os.environ["HANDOUTS_PROJECT"]) if os.environ.get("HANDOUTS_PROJECT") else Path.cwd())
        if not root.is_dir():
            raise HandoutsError(f"{root}: no such folder; pass --project DIR with a handouts project")
        if not (root / "procedures").is_dir() and not (root / "layouts").is_dir():
            raise HandoutsError(
                f"{root}: not a handouts project (no procedures/ or layouts/ folder); "
                "run inside one or pass --project DIR"
            )
        return cls(root)

    @property
    def procedures_dir(self) -> Path:
        return self.root / "procedures"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def output_dir(self) -> Path:
        return self.root / "output"

    def check_output(self, path: Path, option: str = "-o") -> None:
        """Output never goes into procedures/ or layouts/: they hold what people write and curate."""
        resolved = path.resolve()
        for folder in (self.procedures_dir, self.layouts_dir):
            if resolved.is_relative_to(folder.resolve()):
                raise HandoutsError(
                    f"{option} {path}: is inside {self.display(folder)}/, which holds the project's content; "
                    "write the output elsewhere, e.g. in output/"
                )

    def display(self, path: Path) -> str:
        """A path as the user should see it: relative to the project where possible."""
        try:
            return str(path.relative_to(self.root))
        except ValueError:
            return str(path)

    # ------------------------------------------------------------ procedures

    def procedure_files(self) -> dict[str, Path]:
        if not self.procedures_dir.is_dir():
            return {}
        return {path.stem: path for path in sorted(self.procedures_dir.glob("*.yaml"))}

    def load_procedure_file(self, path: Path, enforce_approval: bool = True):
        try:
            stat = path.stat()
            identity = (str(path), stat.st_mtime_ns, stat.st_size)
        except OSError:
            identity = (str(path), 0, 0)
        cached = self._procedures.get(identity)
        if cached is not None:
            return cached
        from handouts.schema import Procedure, validate

        shown = self.display(path)
        text = read_text(path, shown)
        data = parse_yaml(text, shown)
        if not isinstance(data, dict):
            raise HandoutsError(f"{shown}: expected a procedure (keys like code:, title:), found {type(data).__name__}")
        check_data(data, shown, text)
        procedure = validate(Procedure, data, shown, text)
        if procedure.code != path.stem:
            raise HandoutsError(
                f"{shown}: code: {procedure.code!r} does not match the file name; "
                f"rename the file to {procedure.code}.yaml or fix the code"
            )
        if procedure.review.status == "approved":
            # An approved procedure prints as approved: it must be complete and pass lint's checks.
            from handouts.content.lint import approval_problems

            problems = approval_problems(procedure, shown)
            if problems and enforce_approval:
                raise HandoutsError(*problems)
            if problems:
                return procedure  # lint reports them; never cache a procedure that must not load
        if len(self._procedures) >= PROCEDURE_CACHE:
            self._procedures.pop(next(iter(self._procedures)))  # keep memory flat in big libraries
        self._procedures[identity] = procedure
        return procedure

    def procedure(self, query: str, enforce_approval: bool = True):
        """A procedure by its code, or by a unique part of its title or name."""
        files = self.procedure_files()
        query = query.strip()
        if query in files:
            return self.load_procedure_file(files[query], enforce_approval)
        lowered = query.lower()
        matches = []
        for code, path in files.items():
            procedure = self.load_procedure_file(path)
            if lowered and (lowered in procedure.title.lower() or lowered in procedure.name.lower()):
                matches.append(procedure)
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            listed = "; ".join(f"{p.code} {p.title}" for p in matches[:6])
            raise HandoutsError(f"{query!r} matches several procedures: {listed}; give the code")
        close = difflib.get_close_matches(query, list(files), n=3, cutoff=0.6)
        hint = ""
        if close:
            titled = [f"{code} ({self.load_procedure_file(files[code]).title})" for code in close]
            hint = f"; did you mean {', '.join(titled)}?"
        elif files:
            hint = f"; known codes: {', '.join(files)}"
        raise HandoutsError(
            f"unknown procedure {query!r}: no {self.display(self.procedures_dir)}/{query}.yaml "
            f"and no title matches{hint} ('handouts list' shows them all)"
        )

    # ------------------------------------------------------------ layouts

    def layout_names(self) -> list[str]:
        if not self.layouts_dir.is_dir():
            return []
        return sorted(p.parent.name for p in self.layouts_dir.glob("*/layout.yaml"))

    def layout(self, name: str) -> LoadedLayout:
        """A layout with everything it extends, validated; loaded once per Project."""
        if name not in self._layouts:
            self._layouts[name] = self._load_layout(name)
            self._layout_stamps[name] = _stamps(self._layouts[name].files)
        return self._layouts[name]

    def forget_changed_layouts(self) -> list[str]:
        """Drop the layouts whose files changed since they were loaded, so a long-running program
        (serve) picks up edits; a few stat calls per layout."""
        changed = [name for name, stamps in self._layout_stamps.items() if _stamps(self._layouts[name].files) != stamps]
        for name in changed:
            del self._layouts[name], self._layout_stamps[name]
        return changed

    def _load_layout(self, name: str) -> LoadedLayout:
        from handouts.schema import Layout, validate

        chain = self._layout_chain(name)
        merged: dict[str, Any] = dict(_base_layout())
        for _, data in reversed(chain):
            merged = deep_merge(merged, data)
        merged.pop("extends", None)
        own_path = chain[0][0]
        shown = self.display(own_path)
        layout = validate(Layout, merged, shown + _chain_note(chain, self), read_text(own_path, shown))
        wording = self._wording(layout, chain)
        files = [path for path, _ in chain]
        logo_path = None
        if layout.logo is not None:
            defined_in = _defined_in(chain, ("logo", "path"))
            logo_path = self._asset(defined_in, "logo.path", layout.logo.path)
            _check_image(logo_path, self.display(defined_in))
            files.append(logo_path)
        font_paths = []
        if layout.fonts.files is not None:
            for role, relative in layout.fonts.files.model_dump(exclude_none=True).items():
                path = self._asset(_defined_in(chain, ("fonts", "files", role)), f"fonts.files.{role}", relative)
                font_paths.append((role, str(path)))
                files.append(path)
        return LoadedLayout(name, own_path.parent, layout, wording, logo_path, tuple(files), tuple(font_paths))

    def _layout_chain(self, name: str) -> list[tuple[Path, dict[str, Any]]]:
        """The layout and the ones it extends, child first."""
        chain: list[tuple[Path, dict[str, Any]]] = []
        seen: list[str] = []
        current: str | None = name
        while current is not None:
            if current in seen:
                raise HandoutsError(
                    f"layouts: 'extends' goes round in a circle ({' -> '.join(seen + [current])}); "
                    "remove one of the extends lines"
                )
            seen.append(current)
            path = self.layouts_dir / current / "layout.yaml"
            if not LAYOUT_NAME.match(current) or not path.is_file():
                known = self.layout_names()
                close = difflib.get_close_matches(current, known, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                whose = f" (extended by '{seen[-2]}')" if len(seen) > 1 else ""
                raise HandoutsError(
                    f"unknown layout {current!r}{whose}; {hint}known layouts: {', '.join(known) or 'none'}"
                )
            text = read_text(path, self.display(path))
            data = parse_yaml(text, self.display(path)) or {}
            if not isinstance(data, dict):
                raise HandoutsError(f"{self.display(path)}: expected a layout (keys like clinic:, colors:)")
            check_data(data, self.display(path), text)
            chain.append((path, data))
            current = data.get("extends")
            if current is not None and not isinstance(current, str):
                raise HandoutsError(f"{self.display(path)}: extends: give the name of another layout")
        return chain

    def _asset(self, layout_file: Path, key: str, relative: str) -> Path:
        folder = layout_file.parent.resolve()
        shown = self.display(layout_file)
        candidate = (folder / relative).resolve()
        if not candidate.is_relative_to(folder):
            raise HandoutsError(
                f"{shown}: {key}: {relative!r} is outside the layout's folder; "
                f"put the file in {self.display(layout_file.parent)}/ and give its name"
            )
        if not candidate.is_file():
            raise HandoutsError(
                f"{shown}: {key}: file {relative!r} not found in {self.display(layout_file.parent)}/; "
                "add the file or fix the name"
            )
        return candidate

    def _wording(self, layout, chain) -> dict[str, str]:
        base = _wording_for(layout.language)
        if base is None:
            raise HandoutsError(
                f"{self.display(chain[0][0])}: language: no wording for {layout.language!r} yet; "
                f"available: {', '.join(_languages())}"
            )
        unknown = [key for key in layout.wording if key not in base]
        if unknown:
            lines = []
            for key in unknown:
                close = difflib.get_close_matches(key, list(base), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "see handouts/data/wording/en.yaml for the keys"
                lines.append(f"{self.display(chain[0][0])}: wording.{key}: unknown wording key; {hint}")
            raise HandoutsError(*lines)
        return {**base, **layout.wording}


def _stamps(paths) -> tuple:
    def stamp(path: Path):
        try:
            stat = path.stat()
            return (stat.st_mtime_ns, stat.st_size)
        except OSError:
            return None

    return tuple(stamp(path) for path in paths)


def _defined_in(chain: list[tuple[Path, dict[str, Any]]], keys: tuple[str, ...]) -> Path:
    """The file of the chain (child first) that sets the key path: its folder holds that asset."""
    for path, data in chain:
        node: Any = data
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return path
    return chain[0][0]


IMAGE_TYPES = (".png", ".jpg", ".jpeg", ".svg")


def _check_image(path: Path, shown: str) -> None:
    """A logo must open as an image: a patient should never get a handout with a broken header."""
    if path.suffix.lower() not in IMAGE_TYPES:
        raise HandoutsError(f"{shown}: logo.path: {path.name!r} is not a PNG, JPEG or SVG file; export the logo as one")
    if path.suffix.lower() == ".svg":
        from handouts.images import load_svg

        load_svg(path, shown)
        return
    from PIL import Image, UnidentifiedImageError

    from handouts import limits

    size = path.stat().st_size
    if size > limits.MAX_LOGO_BYTES:
        raise HandoutsError(limits.too_big(f"{shown}: logo.path", f"the size of {path.name!r} in bytes", size,
                                           limits.MAX_LOGO_BYTES, "export the logo smaller"))
    too_many = f"{shown}: logo.path", f"the number of pixels of {path.name!r}"
    fix = "export the logo smaller (1,500 pixels wide is plenty for print)"
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > limits.MAX_LOGO_PIXELS:
                raise HandoutsError(limits.too_big(*too_many, width * height, limits.MAX_LOGO_PIXELS, fix))
            image.verify()
    except Image.DecompressionBombError as exc:  # Pillow refuses before reading a single pixel
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found.group(1)) if found else limits.MAX_LOGO_PIXELS + 1
        raise HandoutsError(limits.too_big(*too_many, pixels, limits.MAX_LOGO_PIXELS, fix)) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, struct.error):
        raise HandoutsError(
            f"{shown}: logo.path: {path.name!r} does not open as an image; export it again as PNG, JPEG or SVG"
        ) from None


# Set as a whole, never key by key: a clinic that names itself must not inherit another clinic's
# after-hours number or address.
WHOLE_KEYS = {"clinic"}


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key at any depth (but WHOLE_KEYS); anything else (lists too) is replaced."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key not in WHOLE_KEYS:
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _chain_note(chain, project: Project) -> str:
    if len(chain) == 1:
        return ""
    return " (with " + ", ".join(project.display(path) for path, _ in chain[1:]) + ")"


@lru_cache(maxsize=1)
def _base_layout() -> dict[str, Any]:
    return read_yaml(PACKAGE_DATA / "base-layout.yaml")


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """The languages with standard wording (handouts/data/wording/<language>.yaml)."""
    return tuple(sorted(p.stem for p in (PACKAGE_DATA / "wording").glob("*.yaml")))


_languages = available_languages


@lru_cache(maxsize=None)
def _wording_for(language: str) -> dict[str, str] | None:
    path = PACKAGE_DATA / "wording" / f"{language}.yaml"
    if not re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", language) or not path.is_file():
        return None
    return {key: str(value) for key, value in read_yaml(path).items()}

"""A handouts project folder (procedures/, layouts/, output/) and loading what is in it."""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from handouts.errors import HandoutsError
from handouts.limits import check_data
from handouts.yamlio import parse_yaml, parsed_yaml, read_text, read_yaml

PACKAGE_DATA = Path(__file__).parent / "data"
PROCEDURE_CACHE = 64
LAYOUT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
CODE_NAME = re.compile(r"^[A-Za-z0-9]{1,16}$")  # a file name, never a path


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
    # The built-in library, used when there is no project folder: read-only, output in the current folder.
    read_only: bool = False
    output_root: Path | None = None
    # A folder whose layouts/ fill in the names this project lacks (the built-in ones), so a new project
    # can extend 'default' without a copy of it.
    fallback: Path | None = None
    notice: str | None = None  # said once on stderr by the command line
    # Paths are shown relative to the current folder (the command line); a server shows them relative
    # to the project instead, since its current folder means nothing to the person reading them.
    shown_from: Path | None = None
    _procedures: dict[tuple, Any] = field(default_factory=dict, repr=False)
    _layouts: dict[str, LoadedLayout] = field(default_factory=dict, repr=False)
    _layout_stamps: dict[str, tuple] = field(default_factory=dict, repr=False)

    @classmethod
    def locate(cls, given: Path | None = None) -> Project:
        """--project DIR, else $HANDOUTS_PROJECT, else the current folder if it is a project, else the
        built-in library (read-only, output in ./output)."""
        explicit = given or (Path(os.environ["HANDOUTS_PROJECT"]) if os.environ.get("HANDOUTS_PROJECT") else None)
        if explicit is not None:
            if not explicit.is_dir():
                raise HandoutsError(f"{explicit}: no such folder; pass --project DIR with a handouts project")
            if not is_project(explicit):
                raise HandoutsError(
                    f"{explicit}: not a handouts project (no procedures/ or layouts/ folder); "
                    f"run 'handouts init {explicit}' to make one there"
                )
            return cls.folder(explicit)
        here = Path.cwd()
        return cls.folder(here) if is_project(here) else cls.builtin(here)

    @classmethod
    def folder(cls, root: Path) -> Project:
        """A project folder, with the built-in layouts behind its own."""
        from handouts.library import library_root

        root = root.absolute()
        try:
            library = library_root()
        except HandoutsError:
            return cls(root)
        if _same(library, root):
            from handouts.library import PACKAGE

            if _same(library, PACKAGE / "library"):
                return cls.builtin(Path.cwd())  # the installed copy: read-only, whichever way it is named
            return cls(root)  # working in the repository itself: its folders are the library's source
        _protect_library(library)
        return cls(root, fallback=library)

    @classmethod
    def builtin(cls, output_root: Path) -> Project:
        from handouts.library import library_root

        library = library_root()
        _protect_library(library)
        notice = (
            "no project folder here: using the built-in library (read-only); output goes to "
            "./output; 'handouts init' makes a project folder to edit"
        )
        return cls(library, read_only=True, output_root=output_root.absolute(), notice=notice)

    @property
    def procedures_dir(self) -> Path:
        return self.root / "procedures"

    @property
    def layouts_dir(self) -> Path:
        return self.root / "layouts"

    @property
    def output_dir(self) -> Path:
        return (self.output_root or self.root) / "output"

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
        """A path as the user should see it: relative to the current folder when it is under it."""
        path = Path(path)
        if path.is_absolute():
            try:
                return str(path.relative_to(self.shown_from or Path.cwd()))
            except (ValueError, OSError):
                pass
        return str(path)

    def check_writable(self, path: Path) -> None:
        """Refuse, with advice, anything that would write into the built-in library."""
        from handouts.output import check_writable

        check_writable(path, self.display(path))

    # ------------------------------------------------------------ procedures

    def procedure_files(self) -> dict[str, Path]:
        """code -> file, sorted: what sorted(glob("*.yaml")) gives, from one os.scandir (a build lists
        thousands; pathlib's glob and sort cost ~10 ms per 900 files)."""
        folder = self.procedures_dir
        try:
            names = sorted(entry.name for entry in os.scandir(folder) if entry.name.endswith(".yaml"))
        except OSError:  # no folder (or not one we may read): no procedures, as glob gave
            return {}
        return {(name[:-5] if len(name) > 5 else name): folder / name for name in names}

    def load_procedure_file(self, path: Path, enforce_approval: bool = True):
        try:
            stat = path.stat()
            identity = (str(path), stat.st_mtime_ns, stat.st_size)
        except OSError:
            identity = (str(path), 0, 0)
        cached = self._procedures.get(identity)
        if cached is not None:
            return cached
        from handouts import validated

        shown = self.display(path)
        text = read_text(path, shown)
        key = validated.key("Procedure", path.stem, text)
        procedure = validated.load("Procedure", key)  # this text passed validation before
        if procedure is None:
            procedure = validated.store(key, self._validate_procedure(path, text, shown))
        if procedure.review.status == "approved":
            # An approved procedure prints as approved: it must be complete and pass lint's checks.
            problems = _approval_problems(procedure, text, shown)
            if problems and enforce_approval:
                raise HandoutsError(*problems)
            if problems:
                return procedure  # lint reports them; never cache a procedure that must not load
        if len(self._procedures) >= PROCEDURE_CACHE:
            self._procedures.pop(next(iter(self._procedures)))  # keep memory flat in big libraries
        self._procedures[identity] = procedure
        return procedure

    def _validate_procedure(self, path: Path, text: str, shown: str):
        from handouts.schema import Procedure, validate

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
        return procedure

    def procedure(self, query: str, enforce_approval: bool = True):
        """A procedure by its code (one file look-up, whatever the library's size), or by a unique part
        of its title or name."""
        query = query.strip()
        if CODE_NAME.match(query):
            path = self.procedures_dir / f"{query}.yaml"
            if path.is_file():
                return self.load_procedure_file(path, enforce_approval)
        files = self.procedure_files()
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
        close = _close(query, list(files), n=3, cutoff=0.6)
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
        """This project's own layouts."""
        return _layout_names(self.layouts_dir)

    def builtin_layout_names(self) -> list[str]:
        """The built-in layouts this project does not have a layout of the same name for."""
        if self.fallback is None:
            return []
        own = set(self.layout_names())
        return [name for name in _layout_names(self.fallback / "layouts") if name not in own]

    def layout_file(self, name: str) -> Path | None:
        """A layout's layout.yaml: the project's own, else the built-in one of that name."""
        if not LAYOUT_NAME.match(name):
            return None
        for folder in (self.layouts_dir, self.fallback / "layouts" if self.fallback else None):
            if folder is not None and (folder / name / "layout.yaml").is_file():
                return folder / name / "layout.yaml"
        return None

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
        from handouts import validated

        chain = self._layout_chain(name)
        merged: dict[str, Any] = dict(_base_layout())
        for _, data in reversed(chain):
            merged = deep_merge(merged, data)
        merged.pop("extends", None)
        own_path = chain[0][0]
        shown = self.display(own_path)
        texts = [read_text(path, self.display(path)) for path, _ in chain]
        key = validated.key("Layout", read_text(PACKAGE_DATA / "base-layout.yaml"), *texts)
        layout = validated.load("Layout", key)  # this chain of files passed validation before
        if layout is None:
            from handouts.schema import Layout, validate

            layout = validated.store(key, validate(Layout, merged, shown + _chain_note(chain, self), texts[0]))
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
            path = self.layout_file(current)
            if path is None:
                known = self.layout_names() + self.builtin_layout_names()
                close = _close(current, known, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                whose = f" (extended by '{seen[-2]}')" if len(seen) > 1 else ""
                raise HandoutsError(
                    f"unknown layout {current!r}{whose}; {hint}known layouts: {', '.join(known) or 'none'}"
                )
            text = read_text(path, self.display(path))
            data = parsed_yaml(text, self.display(path)) or {}  # a layout holds no patient details
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
                close = _close(key, list(base), n=1)
                hint = f"did you mean '{close[0]}'?" if close else "see handouts/data/wording/en.yaml for the keys"
                lines.append(f"{self.display(chain[0][0])}: wording.{key}: unknown wording key; {hint}")
            raise HandoutsError(*lines)
        return {**base, **layout.wording}


def _approval_problems(procedure, text: str, shown: str) -> list[str]:
    """Lint's errors for an approved procedure; a pass is remembered for this text, this lint and
    today (lint's checks may depend on the date), so loading it again costs no lint run."""
    import datetime as dt

    from handouts import validated

    key = validated.key("Approval", dt.date.today().isoformat(), validated.content_stamp(), text)
    if validated.load("Approval", key) is not None:
        return []
    from handouts.content.lint import approval_problems

    problems = approval_problems(procedure, shown)
    if not problems:
        validated.mark("Approval", key)
    return problems


def _close(word: str, choices: list[str], n: int = 1, cutoff: float = 0.6) -> list[str]:
    import difflib  # only when something is misspelled

    return difflib.get_close_matches(word, choices, n=n, cutoff=cutoff)


def is_project(folder: Path) -> bool:
    return (folder / "procedures").is_dir() or (folder / "layouts").is_dir()


def _layout_names(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob("*/layout.yaml"))


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def _protect_library(library: Path) -> None:
    from handouts.library import FOLDERS, read_only_advice
    from handouts.output import protect

    for name in FOLDERS:
        protect(library / name, read_only_advice())


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
    from handouts import validated

    try:
        import hashlib

        key = validated.key("Image", path.suffix.lower(), hashlib.sha256(path.read_bytes()).hexdigest())
    except OSError:
        key = None
    if key is not None and validated.load("Image", key) is not None:
        return  # these very bytes opened as an image before (and PIL costs ~30 ms to start)
    _open_image(path, shown)
    if key is not None:
        validated.mark("Image", key)


def _open_image(path: Path, shown: str) -> None:
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

"""Safe YAML reading and writing, with errors that name the file and line.

Bounded: a file's size, its values after aliases are expanded (an "alias bomb" of a few kB expands to
millions) and its nesting are limited before anything else looks at it; a key written twice is an error.
"""

from __future__ import annotations

import os
import re
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

from handouts import lazyregex  # noqa: F401 - before PyYAML: defers a regex its C loader never uses
from handouts import limits
from handouts.errors import HandoutsError

PACKAGE_DATA = (Path(__file__).resolve().parent / "data")


class WrittenInt(int):
    """An integer written with leading zeros (YAML 1.1 reads 00632 as octal 410): keeps the digits as
    typed, so a hint can show them."""

    written: str


# PyYAML costs ~20 ms to import; a run whose files all come from the caches (validated.py and
# parsed_yaml below) never needs it, so it is imported on first use.
def _yaml():
    import yaml

    return yaml


@lru_cache(maxsize=1)
def _base_loader():
    """libyaml's loader is ~9x faster; fall back to the pure-Python one where it is missing."""
    yaml = _yaml()
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@lru_cache(maxsize=1)
def _loader_class():
    yaml = _yaml()

    class _Loader(_base_loader()):  # type: ignore[misc, valid-type]
        source = "the file"

        def construct_document(self, node):
            _check_expansion(node, self.source)
            return super().construct_document(node)

        def construct_mapping(self, node, deep=False):
            if isinstance(node, yaml.MappingNode):
                _check_duplicates(node, self.source)
            return super().construct_mapping(node, deep=deep)

        def construct_yaml_int(self, node):
            value = super().construct_yaml_int(node)
            digits = str(node.value)
            if re.fullmatch(r"0[0-9_]+", digits):
                value = WrittenInt(value)
                value.written = digits
            return value

    _Loader.add_constructor("tag:yaml.org,2002:int", _Loader.construct_yaml_int)
    return _Loader


def _check_expansion(root, source: str) -> None:
    """Count the values the document holds once aliases are expanded, and its depth, without
    expanding anything: an alias is the same node object, so each node's expanded size is computed
    once (iteratively, so deep nesting cannot exhaust the stack)."""
    size: dict[int, int] = {}
    stack: list[tuple[Any, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, children_done = stack.pop()
        if id(node) in size:
            continue
        if depth > limits.MAX_YAML_DEPTH:
            raise HandoutsError(limits.too_big(
                f"{source}: line {node.start_mark.line + 1}", "the depth of lists and mappings inside each other",
                depth, limits.MAX_YAML_DEPTH, "flatten the structure"))
        children = _children(node)
        if children_done:
            total = 1 + sum(size[id(child)] for child in children)
            if total > limits.MAX_YAML_NODES:
                raise HandoutsError(limits.too_big(
                    source, "the number of values (with aliases such as *name expanded)", total,
                    limits.MAX_YAML_NODES, "write the values out instead of repeating them with aliases"))
            size[id(node)] = total
            continue
        stack.append((node, depth, True))
        stack.extend((child, depth + 1, False) for child in children if id(child) not in size)


def _children(node) -> list:
    yaml = _yaml()
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _check_duplicates(node, source: str) -> None:
    yaml = _yaml()
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = (key_node.tag, key_node.value)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise HandoutsError(
                f"{source}: line {line}: the key {key_node.value!r} is written twice (lines {seen[key]} and {line}); "
                "keep one"
            )
        seen[key] = line


def read_text(path: Path, shown: str | None = None, limit: int = limits.MAX_YAML_BYTES) -> str:
    """A UTF-8 text file of at most `limit` bytes, or one clear error naming it (as `shown`, e.g.
    relative to the project). Only regular files: a FIFO or a device would block or never end."""
    shown = shown or str(path)
    try:
        with open(path, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if stat.S_ISDIR(mode):
                raise HandoutsError(f"{shown}: is a folder, not a file; give a file")
            if not stat.S_ISREG(mode):
                raise HandoutsError(f"{shown}: is not a regular file; give a file")
            data = handle.read(limit + 1)
    except FileNotFoundError:
        raise HandoutsError(f"{shown}: file not found") from None
    except IsADirectoryError:
        raise HandoutsError(f"{shown}: is a folder, not a file; give a file") from None
    except OSError as exc:
        raise HandoutsError(f"{shown}: cannot read ({exc.strerror})") from None
    if len(data) > limit:
        size = os.path.getsize(path)
        raise HandoutsError(limits.too_big(shown, "the file's size in bytes", size, limit, "make the file smaller"))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HandoutsError(f"{shown}: not UTF-8 text; save it as UTF-8") from None


def read_yaml(path: Path, shown: str | None = None) -> Any:
    """Load a YAML file safely (no Python objects, ever). The package's own data files (wording,
    languages, base layout) go through the parsed cache: a render needs them all."""
    text = read_text(path, shown)
    if Path(path).resolve().is_relative_to(PACKAGE_DATA):
        return parsed_yaml(text, shown or path)
    return parse_yaml(text, shown or path)


def parsed_yaml(text: str, source: Path | str) -> Any:
    """parse_yaml(text, source), remembered per text in the per-user cache (validated.py) as JSON.

    For files that hold no patient details (layouts, the package's data): a run whose files have not
    changed reads the JSON back and never imports PyYAML. Only what JSON holds exactly is kept (str,
    int, float, bool, None, lists, mappings with string keys, dates): a file with anything else (an
    integer written with leading zeros, a timestamp) is parsed every time. Errors are never kept: a
    file that does not parse is parsed, and reported, every time."""
    from handouts import validated

    if len(text) > limits.MAX_YAML_BYTES:
        return parse_yaml(text, source)  # says it is too big
    key = validated.key("YAML", _parser_stamp(), text)
    found = validated.load_data(key)
    if found is not validated.MISSING:
        return found
    data = parse_yaml(text, source)
    return validated.store_data(key, data)


@lru_cache(maxsize=1)
def _parser_stamp() -> str:
    """What parsing depends on besides the text: this module and PyYAML's version, found without
    importing PyYAML."""
    import hashlib
    import importlib.util

    digest = hashlib.sha256(Path(__file__).read_bytes())
    spec = importlib.util.find_spec("yaml")
    if spec is not None and spec.origin:
        try:
            digest.update(Path(spec.origin).read_bytes())  # yaml/__init__.py holds __version__
        except OSError:
            pass
    return digest.hexdigest()


def parse_yaml(text: str, source: Path | str) -> Any:
    if len(text) > limits.MAX_YAML_BYTES:
        raise HandoutsError(limits.too_big(str(source), "the text's length in characters", len(text),
                                           limits.MAX_YAML_BYTES, "make the file smaller"))
    yaml = _yaml()
    loader = _loader_class()(text)
    loader.source = str(source)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        problem = exc.problem or "invalid YAML"
        raise HandoutsError(
            f"{source}: {where}: malformed YAML ({problem}); check the indentation and quotes there"
        ) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else "?"
        which = f" (#x{exc.character:04x})" if isinstance(exc.character, int) else ""
        message = f"{source}: line {line}: a control character{which} YAML does not allow; remove it"
        raise HandoutsError(message) from None
    except yaml.YAMLError as exc:
        problem = " ".join(str(exc).replace('in "<unicode string>"', "").split())[:200]
        raise HandoutsError(f"{source}: malformed YAML ({problem})") from None
    except RecursionError:
        raise HandoutsError(limits.too_big(str(source), "the depth of nesting", limits.MAX_YAML_DEPTH + 1,
                                           limits.MAX_YAML_DEPTH, "flatten the structure")) from None
    finally:
        loader.dispose()


def format_loc(loc: tuple[Any, ...]) -> str:
    """('handout', 'warning_signs', 2) -> 'handout.warning_signs[2]'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line where the key path `loc` is written in YAML `text`, or None.

    Only used on the error path, so parsing the text again costs nothing in normal runs.
    """
    yaml = _yaml()
    try:
        node = yaml.compose(text, Loader=_base_loader())
    except yaml.YAMLError:
        return None
    line = None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(key):
                    line, node = key_node.start_mark.line + 1, value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
            line = node.start_mark.line + 1
        else:
            return line
    return line


class _Quoted(str):
    """A string always written in quotes (codes like 01992 must never be read back as numbers)."""


class _Literal(str):
    """A multi-line string written as a YAML literal block."""


@lru_cache(maxsize=1)
def _dumper_class():
    class _HandoutsDumper(_yaml().SafeDumper):
        pass

    _HandoutsDumper.add_representer(
        _Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
    )
    _HandoutsDumper.add_representer(
        _Literal, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    )
    return _HandoutsDumper


def quoted(value: str) -> str:
    return _Quoted(value)


def dump_yaml(data: Any) -> str:
    """Readable YAML: keys in the given order, block style, unicode kept, multi-line text as blocks."""

    def prepare(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: prepare(item) for key, item in value.items()}
        if isinstance(value, list):
            return [prepare(item) for item in value]
        if isinstance(value, str) and not isinstance(value, _Quoted) and "\n" in value:
            return _Literal(value)
        return value

    return _yaml().dump(
        prepare(data),
        Dumper=_dumper_class(),
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=96,
    )

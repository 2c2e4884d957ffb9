"""Safe YAML reading and writing, with errors that name the file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from handouts.errors import HandoutsError

# libyaml's loader is ~9x faster; fall back to the pure-Python one where it is missing.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_text(path: Path, shown: str | None = None) -> str:
    """A UTF-8 text file, or one clear error naming it (as `shown`, e.g. relative to the project)."""
    shown = shown or str(path)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise HandoutsError(f"{shown}: file not found") from None
    except UnicodeDecodeError:
        raise HandoutsError(f"{shown}: not UTF-8 text; save it as UTF-8") from None
    except OSError as exc:
        raise HandoutsError(f"{shown}: cannot read ({exc.strerror})") from None


def read_yaml(path: Path, shown: str | None = None) -> Any:
    """Load a YAML file safely (no Python objects, ever)."""
    return parse_yaml(read_text(path, shown), shown or path)


def parse_yaml(text: str, source: Path | str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark is not None else "somewhere"
        problem = exc.problem or "invalid YAML"
        raise HandoutsError(
            f"{source}: {where}: malformed YAML ({problem}); check the indentation and quotes there"
        ) from None
    except yaml.YAMLError as exc:
        raise HandoutsError(f"{source}: malformed YAML ({exc})") from None


def line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The 1-based line where the key path `loc` is written in YAML `text`, or None.

    Only used on the error path, so parsing the text again costs nothing in normal runs.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
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


class _HandoutsDumper(yaml.SafeDumper):
    pass


_HandoutsDumper.add_representer(
    _Quoted, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="'")
)
_HandoutsDumper.add_representer(
    _Literal, lambda dumper, data: dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
)


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

    return yaml.dump(
        prepare(data),
        Dumper=_HandoutsDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=96,
    )

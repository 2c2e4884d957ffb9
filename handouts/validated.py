"""Validated content, kept so that pydantic runs only when a file has changed.

Validating a procedure or layout needs pydantic and the schema's models, which cost ~85 ms to import
and build: most of a one-handout run. Once a file's text has passed validation, the validated values
are kept in a per-user cache as JSON (never pickle: the cache is data, not code), keyed by a hash of
the file's text, of schema.py and of pydantic's version. A later run with the same text reads them
back without importing pydantic.

Either way, callers get `Record`s: read-only objects with the models' fields and the
`model_dump()`/`model_copy()` the pipeline uses. The public properties and argument-free methods the
schema's models define (`kind`, `tiers()`, …) and their truth value (`__bool__`) are evaluated once,
when the model is validated, and kept with the fields: they are functions of the fields, which cannot
change. Anything else (a method that takes arguments, a result JSON cannot hold exactly) is served by the
real model, rebuilt on first use. So a Record never behaves differently from its model; it is only
cheaper.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
from functools import lru_cache
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
CACHE_ENV = "HANDOUTS_CACHE_DIR"  # a folder, or "off"
CACHE_LIMIT = 4096  # files; past this, the older half is dropped (once per process at most)
FORMAT = "1"


class Unsupported(Exception):
    """A value the JSON form cannot hold exactly: such a file is simply not cached."""


class Record:
    """A validated model's values, read-only, without pydantic."""

    __slots__ = ("_kind", "_fields", "_real", "_derived", "_truth")

    def __init__(self, kind: str, fields: dict[str, Any], derived: dict[str, Any] | None = None, truth: bool | None = None):
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_fields", fields)
        object.__setattr__(self, "_real", None)
        object.__setattr__(self, "_derived", derived or {})  # name -> ["p" or "m", JSON form of the result]
        object.__setattr__(self, "_truth", truth)

    def __getattr__(self, name: str) -> Any:
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        if name.startswith("_"):
            raise AttributeError(name)
        derived = object.__getattribute__(self, "_derived").get(name)
        if derived is not None:
            how, stored = derived
            # Decoded on each use: a caller may change the list it gets without changing the next one.
            return decode(stored) if how == "p" else (lambda: decode(stored))
        return getattr(as_model(self), name)  # anything else the model has: ask the model

    def __reduce__(self):
        # Pickled to hand work to another process (the server's workers); rebuilt through __init__,
        # since the attributes cannot be set one by one.
        return (Record, (self._kind, self._fields, object.__getattribute__(self, "_derived"),
                         object.__getattribute__(self, "_truth")))

    def __bool__(self) -> bool:
        truth = object.__getattribute__(self, "_truth")
        return True if truth is None else truth

    def __iter__(self):
        return iter(self._fields.items())  # as a model iterates: (name, value) pairs

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{self._kind} is read-only")

    def __eq__(self, other: Any) -> bool:
        if isinstance(other, Record):
            return self._kind == other._kind and self._fields == other._fields
        return NotImplemented

    __hash__ = None  # like the models, whose list fields make them unhashable

    def __repr__(self) -> str:
        return f"{self._kind}({', '.join(f'{k}={v!r}' for k, v in self._fields.items())})"

    def model_dump(self, *, exclude: set[str] | None = None, exclude_none: bool = False, **options: Any) -> dict:
        if options:
            return as_model(self).model_dump(exclude=exclude, exclude_none=exclude_none, **options)
        return {
            name: _plain(value, exclude_none)
            for name, value in self._fields.items()
            if not (exclude and name in exclude) and not (exclude_none and value is None)
        }

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        if deep or update:
            return as_model(self).model_copy(update=update, deep=deep)  # derived values would be stale
        return self


def _plain(value: Any, exclude_none: bool) -> Any:
    if isinstance(value, Record):
        return value.model_dump(exclude_none=exclude_none)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item, exclude_none) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item, exclude_none) for key, item in value.items()}
    return value


def as_model(value: Any) -> Any:
    """The pydantic model a Record stands for (built once); anything else unchanged."""
    if not isinstance(value, Record):
        return value
    real = object.__getattribute__(value, "_real")
    if real is None:
        from pydantic import BaseModel

        from handouts import schema

        model = getattr(schema, value._kind, None)
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            raise TypeError(f"{value._kind} is not a model of handouts.schema")
        real = model.model_validate(value.model_dump())
        object.__setattr__(value, "_real", real)
    return real


# ---------------------------------------------------------------- JSON form


def encode(value: Any) -> Any:
    """The JSON form. Types are matched exactly: a str subclass (say, one a YAML writer quotes) is
    not a str here, so it is never cached as one."""
    kind = type(value)
    model_fields = getattr(kind, "model_fields", None)
    if model_fields is not None:
        entry = {"$m": kind.__name__, "f": {name: encode(getattr(value, name)) for name in model_fields}}
        entry.update(_derived(value))
        return entry
    if kind is Record:
        raise Unsupported("Record")  # only validated models are encoded
    if value is None or kind in (str, bool, int, float):
        return value
    if kind is list:
        return [encode(item) for item in value]
    if kind is tuple:
        return {"$t": [encode(item) for item in value]}
    if kind is dict and all(type(key) is str for key in value):
        return {"$d": {key: encode(item) for key, item in value.items()}}
    if kind is dt.date:
        return {"$date": value.isoformat()}
    raise Unsupported(kind.__name__)


def _derived(model: Any) -> dict[str, Any]:
    """{"d": {name: ["p"|"m", result]}, "b": truth} for the model's own public properties, argument-free
    methods and __bool__, evaluated now. One that fails or gives what JSON cannot hold is left to the model."""
    import inspect

    from pydantic import BaseModel

    derived: dict[str, Any] = {}
    truth = None
    for klass in type(model).__mro__:
        if not (isinstance(klass, type) and issubclass(klass, BaseModel)) or klass is BaseModel:
            continue
        for name, member in vars(klass).items():
            if name == "__bool__" and truth is None:
                truth = bool(model)
            if name.startswith(("_", "model_")) or name in derived:
                continue
            if isinstance(member, property):
                how = "p"
            elif inspect.isfunction(member) and len(inspect.signature(member).parameters) == 1:
                how = "m"
            else:
                continue
            try:
                result = getattr(model, name)
                derived[name] = [how, encode(result() if how == "m" else result)]
            except Exception:  # noqa: BLE001 - served by the model when asked for
                continue
    out: dict[str, Any] = {"d": derived} if derived else {}
    if truth is not None:
        out["b"] = truth
    return out


def decode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if "$m" in value and set(value) <= {"$m", "f", "d", "b"} and isinstance(value["$m"], str):
            fields, derived, truth = value.get("f"), value.get("d", {}), value.get("b")
            if not (isinstance(fields, dict) and isinstance(derived, dict) and truth in (None, True, False)):
                raise Unsupported("not a cache entry")
            for entry in derived.values():
                if not (isinstance(entry, list) and len(entry) == 2 and entry[0] in ("p", "m")):
                    raise Unsupported("not a cache entry")
            return Record(value["$m"], {str(k): decode(v) for k, v in fields.items()}, derived, truth)
        if set(value) == {"$t"} and isinstance(value["$t"], list):
            return tuple(decode(item) for item in value["$t"])
        if set(value) == {"$d"} and isinstance(value["$d"], dict):
            return {str(k): decode(v) for k, v in value["$d"].items()}
        if set(value) == {"$date"} and isinstance(value["$date"], str):
            return dt.date.fromisoformat(value["$date"])
    raise Unsupported("not a cache entry")


def to_record(model: Any) -> Any:
    """A validated model as a Record (the model itself if it holds something JSON cannot)."""
    try:
        return decode(encode(model))
    except Unsupported:
        return model


# ---------------------------------------------------------------- the cache


@lru_cache(maxsize=1)
def _stamp() -> bytes:
    """What validation depends on besides the text: our schema code and pydantic's version."""
    import importlib.util

    digest = hashlib.sha256(FORMAT.encode())
    digest.update((PACKAGE / "schema.py").read_bytes())
    spec = importlib.util.find_spec("pydantic")
    if spec is not None and spec.origin:
        try:
            digest.update((Path(spec.origin).parent / "version.py").read_bytes())
        except OSError:
            pass
    return digest.digest()


@lru_cache(maxsize=1)
def content_stamp() -> str:
    """What content checks (lint) depend on: their code and the package's data (word lists, wording)."""
    digest = hashlib.sha256()
    for path in sorted([*(PACKAGE / "content").glob("*.py"), *(PACKAGE / "data").rglob("*.yaml")]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def key(kind: str, *texts: str) -> str:
    digest = hashlib.sha256(_stamp() + kind.encode())
    for text in texts:
        digest.update(b"\0" + text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


@lru_cache(maxsize=1)
def cache_dir() -> Path | None:
    """The cache folder, owner-only; None (no caching) when it cannot be made safe."""
    setting = os.environ.get(CACHE_ENV)
    if setting == "off":
        return None
    if setting:
        folder = Path(setting)
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        folder = Path(base) / "handouts" / "validated"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        info = folder.stat()
    except OSError:
        return None
    # Another user able to write here could change what a handout says: use it only if it is ours alone.
    if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return folder


def load(kind: str, cache_key: str) -> Any | None:
    folder = cache_dir()
    if folder is None:
        return None
    try:
        data = json.loads((folder / f"{cache_key}.json").read_text(encoding="utf-8"))
        record = decode(data)
    except (OSError, ValueError, Unsupported, RecursionError):
        return None
    return record if isinstance(record, Record) and record._kind == kind else None


def store(cache_key: str, model: Any) -> Any:
    """Keep a validated model's values; return them as a Record (or the model, if not encodable)."""
    try:
        data = encode(model)
    except Unsupported:
        return model
    folder = cache_dir()
    if folder is not None:
        _write(folder, f"{cache_key}.json", json.dumps(data, ensure_ascii=False, separators=(",", ":")))
    return decode(data)


MISSING = object()  # load_data's answer when nothing is kept (None is a value a file may hold)


def load_data(cache_key: str) -> Any:
    """Plain data kept by store_data (fresh objects each time), or MISSING."""
    folder = cache_dir()
    if folder is None:
        return MISSING
    try:
        entry = json.loads((folder / f"{cache_key}.json").read_text(encoding="utf-8"))
        if not (isinstance(entry, dict) and set(entry) == {"$data"}):
            return MISSING
        return _plain_data(decode(entry["$data"]))
    except (OSError, ValueError, Unsupported, RecursionError):
        return MISSING


def _plain_data(value: Any) -> Any:
    """Only what a parser gives: a Record here means the file was not written by store_data."""
    if isinstance(value, Record) or type(value) is tuple:
        raise Unsupported("not plain data")
    if isinstance(value, list):
        for item in value:
            _plain_data(item)
    elif isinstance(value, dict):
        for item in value.values():
            _plain_data(item)
    return value


def store_data(cache_key: str, data: Any) -> Any:
    """Keep plain data (a parsed file: no models, no tuples); return it unchanged. Data JSON cannot
    hold exactly is not kept."""
    try:
        encoded = encode(data)
        _plain_data(data)
    except (Unsupported, RecursionError):
        return data
    folder = cache_dir()
    if folder is not None:
        _write(folder, f"{cache_key}.json", json.dumps({"$data": encoded}, ensure_ascii=False, separators=(",", ":")))
    return data


def mark(kind: str, cache_key: str) -> None:
    """Remember that something of `kind` passed a check (an image that opened, say)."""
    folder = cache_dir()
    if folder is not None:
        _write(folder, f"{cache_key}.json", json.dumps({"$m": kind, "f": {}}))


_pruned = {"done": False}


def _write(folder: Path, name: str, text: str) -> None:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not kept
        return
    write_bytes(folder, name, data)


def write_bytes(folder: Path, name: str, data: bytes) -> None:
    """Write a cache file whole (a temporary name, then renamed), or not at all."""
    import tempfile

    temporary = None
    try:
        if not _pruned["done"]:
            _pruned["done"] = True
            _prune(folder)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, folder / name)
    except OSError:  # a cache that cannot be written only costs speed
        if temporary is not None:
            try:
                os.unlink(temporary)
            except OSError:
                pass


def _prune(folder: Path) -> None:
    """Keep the cache bounded: past CACHE_LIMIT files, drop the older half."""
    entries = list(os.scandir(folder))
    if len(entries) <= CACHE_LIMIT:
        return
    entries.sort(key=lambda entry: entry.stat().st_mtime)
    for entry in entries[: len(entries) // 2]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass

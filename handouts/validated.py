"""Validated content, kept so that pydantic runs only when a file has changed.

Validating a procedure or layout needs pydantic and the schema's models, which cost ~85 ms to import
and build: most of a one-handout run. Once a file's text has passed validation, the validated values
are kept in a per-user cache as JSON (never pickle: the cache is data, not code), keyed by a hash of
the file's text, of schema.py and of pydantic's version. A later run with the same text reads them
back without importing pydantic.

Either way, callers get `Record`s: read-only objects with the models' attributes and the
`model_dump()`/`model_copy()` the pipeline uses. Anything else a model offers (a method added to
schema.py later, say) is served by the real model, rebuilt on first use, so a Record never behaves
differently from its model; it is only cheaper when nothing more is asked of it.
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

    __slots__ = ("_kind", "_fields", "_real")

    def __init__(self, kind: str, fields: dict[str, Any]):
        object.__setattr__(self, "_kind", kind)
        object.__setattr__(self, "_fields", fields)
        object.__setattr__(self, "_real", None)

    def __getattr__(self, name: str) -> Any:
        fields = object.__getattribute__(self, "_fields")
        if name in fields:
            return fields[name]
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(as_model(self), name)  # anything else the model has: ask the model

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

    def model_copy(self, *, update: dict[str, Any] | None = None, deep: bool = False) -> Record:
        if deep:
            return as_model(self).model_copy(update=update, deep=True)
        return Record(self._kind, {**self._fields, **(update or {})})


def _plain(value: Any, exclude_none: bool) -> Any:
    if isinstance(value, Record):
        return value.model_dump(exclude_none=exclude_none)
    if hasattr(value, "model_dump"):  # a real model placed in a copy
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
    model_fields = getattr(type(value), "model_fields", None)
    if model_fields is not None:
        return {"$m": type(value).__name__, "f": {name: encode(getattr(value, name)) for name in model_fields}}
    if isinstance(value, Record):
        return {"$m": value._kind, "f": {name: encode(item) for name, item in value._fields.items()}}
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, tuple):
        return {"$t": [encode(item) for item in value]}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"$d": {key: encode(item) for key, item in value.items()}}
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return {"$date": value.isoformat()}
    raise Unsupported(type(value).__name__)


def decode(value: Any) -> Any:
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [decode(item) for item in value]
    if isinstance(value, dict):
        if set(value) == {"$m", "f"} and isinstance(value["$m"], str) and isinstance(value["f"], dict):
            return Record(value["$m"], {str(k): decode(v) for k, v in value["f"].items()})
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


_pruned = {"done": False}


def _write(folder: Path, name: str, text: str) -> None:
    import tempfile

    try:
        if not _pruned["done"]:
            _pruned["done"] = True
            _prune(folder)
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, folder / name)
    except OSError:
        pass  # a cache that cannot be written only costs speed


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

"""Writing files safely: to a temporary name in the same folder, then renamed into place.

An interrupted run never leaves a truncated file behind, and readers never see a half-written one.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Iterator

from handouts.errors import HandoutsError


# Folders nothing may be written into (the built-in library), with the advice to give instead.
_PROTECTED: dict[Path, str] = {}


def protect(folder: Path, advice: str) -> None:
    _PROTECTED[folder.resolve()] = advice


def check_writable(path: Path, shown: str | None = None) -> None:
    """Refuse a path inside a protected folder, with that folder's advice."""
    if not _PROTECTED:
        return
    resolved = Path(path).resolve()
    for folder, advice in _PROTECTED.items():
        if resolved == folder or resolved.is_relative_to(folder):
            raise HandoutsError(f"{shown or path}: that is in the built-in library, which is read-only; {advice}")


def write_atomic(path: Path, data: bytes, *, private: bool = False, shown: str | None = None) -> None:
    """Write `data` to `path` atomically; `private` files (patient data) are readable by the owner only."""
    with atomic_file(path, private=private, shown=shown) as handle:
        handle.write(data)


@contextlib.contextmanager
def atomic_file(path: Path, *, private: bool = False, shown: str | None = None) -> Iterator[IO[bytes]]:
    """A binary file to write `path` through (for output too big to hold in memory): written to a
    temporary name, renamed into place when the block ends, removed if it fails."""
    shown = shown or str(path)
    check_writable(path, shown)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise HandoutsError(f"{shown}: cannot write there ({exc.strerror}); choose another output path") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        # mkstemp creates the file 0600; ordinary handouts get the usual permissions.
        os.chmod(temporary, 0o600 if private else 0o666 & ~_umask())
        os.replace(temporary, path)
    except OSError as exc:
        _remove(temporary)
        raise HandoutsError(f"{shown}: cannot write there ({exc.strerror}); choose another output path") from None
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def slug(text: str, limit: int = 48) -> str:
    """A short, safe file-name part: 'Anesthesia for a nerve block' -> 'anesthesia-for-a-nerve-block'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > limit:
            break
        out = candidate
    return out or "handout"

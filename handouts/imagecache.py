"""A logo's prepared PDF image objects, kept on disk so a fresh process needs no Pillow.

Drawing a PNG logo means decoding it with Pillow (its plugins cost ~20 ms to import in a fresh
process), then compressing the pixels: ~25 ms of a one-handout run. The result is a pair of ReportLab
image objects (the picture and its soft mask) that are pure data: numbers, names and a compressed
stream. They are kept in the per-user cache folder of validated.py (owner-only, or not used at all),
keyed by a hash of the image file's bytes and of everything that shapes the objects (ReportLab's,
Pillow's and zlib's versions, this format), so the same file gives the same objects, byte for byte,
whether they come from the cache or not. A logo is a clinic's, never a patient's.

One file per image: a checksum line, a line of JSON (the objects' attributes; byte streams are
given by their length) and the byte streams after it. A file that is cut short, changed or written by anything else is ignored (and
rebuilt), since its checksum, lengths or attribute types do not match.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from typing import Any, NamedTuple

FORMAT = "1"
MAX_CACHED_BYTES = 64 * 1024 * 1024  # a prepared logo is a few hundred kB; anything this big is not ours
SCALARS = (str, int, float, bool, type(None))
# What every image object has; a file lacking any of them is not a prepared image.
REQUIRED = {"name": (str,), "width": (int,), "height": (int,), "bitsPerComponent": (int,), "colorSpace": (str,),
            "_filters": (tuple,), "streamContent": (str, bytes)}  # text when ReportLab writes ASCII85 (its default)


class Prepared(NamedTuple):
    """A raster logo ready to draw: its pixel size, the name ReportLab's drawImage gives it, the image
    object and its soft mask (None when it has none). Objects are templates: each PDF uses a copy."""

    size: tuple[int, int]
    name: str
    image: Any  # reportlab.pdfbase.pdfdoc.PDFImageXObject
    soft: Any


@lru_cache(maxsize=1)
def _stamp() -> str:
    """What the objects depend on besides the image's bytes."""
    import zlib

    import PIL  # already imported by ReportLab, which needs Pillow anyway
    from reportlab import Version, rl_config

    parts = (FORMAT, Version, getattr(PIL, "__version__", "?"), zlib.ZLIB_RUNTIME_VERSION,
             str(rl_config.useA85), str(rl_config.invariant))
    return "\0".join(parts)


def key(data: bytes) -> str:
    digest = hashlib.sha256(_stamp().encode())
    digest.update(b"\0" + hashlib.sha256(data).digest())
    return digest.hexdigest()


# ---------------------------------------------------------------- objects <-> one file


def _encode(value: Any, blobs: list[bytes]) -> Any:
    kind = type(value)
    if kind is bytes:
        blobs.append(value)
        return {"$b": len(value)}
    if kind is tuple:
        return {"$t": [_encode(item, blobs) for item in value]}
    if kind is list:
        return [_encode(item, blobs) for item in value]
    if kind in SCALARS:
        return value
    raise TypeError(kind.__name__)  # anything else (a str stream, an object): not kept


def _decode(value: Any, blobs: list[bytes]) -> Any:
    if isinstance(value, dict):
        if set(value) == {"$b"} and type(value["$b"]) is int and blobs:
            blob = blobs.pop(0)
            if len(blob) != value["$b"]:
                raise ValueError("stream length")
            return blob
        if set(value) == {"$t"} and isinstance(value["$t"], list):
            return tuple(_decode(item, blobs) for item in value["$t"])
        raise ValueError("unknown entry")
    if isinstance(value, list):
        return [_decode(item, blobs) for item in value]
    if type(value) in SCALARS:
        return value
    raise ValueError("unknown value")


def dump(prepared: Prepared) -> bytes:
    """The file's bytes; TypeError if the objects hold anything this format does not keep."""
    blobs: list[bytes] = []
    objects = [{name: _encode(value, blobs) for name, value in vars(obj).items()}
               for obj in (prepared.image, prepared.soft) if obj is not None]
    lengths = [len(blob) for blob in blobs]
    body = b"".join(blobs)
    header = {"format": FORMAT, "size": list(prepared.size), "name": prepared.name, "objects": objects,
              "lengths": lengths}
    content = json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n" + body
    return hashlib.sha256(content).hexdigest().encode("ascii") + b"\n" + content


def load(data: bytes) -> Prepared:
    """The objects back from a file's bytes; ValueError if it is not exactly what dump wrote."""
    from reportlab.pdfbase.pdfdoc import PDFImageXObject

    checksum, _, content = data.partition(b"\n")
    if hashlib.sha256(content).hexdigest().encode("ascii") != checksum:
        raise ValueError("checksum")
    line, _, body = content.partition(b"\n")
    header = json.loads(line)
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ValueError("format")
    lengths, objects = header.get("lengths"), header.get("objects")
    if not (isinstance(lengths, list) and all(type(n) is int and n >= 0 for n in lengths) and sum(lengths) == len(body)):
        raise ValueError("lengths")
    blobs, start = [], 0
    for length in lengths:
        blobs.append(body[start:start + length])
        start += length
    if not (isinstance(objects, list) and 1 <= len(objects) <= 2 and all(isinstance(o, dict) for o in objects)):
        raise ValueError("objects")
    built = []
    for attributes in objects:
        values = {str(name): _decode(value, blobs) for name, value in attributes.items()}
        for name, kind in REQUIRED.items():
            if type(values.get(name)) not in kind:
                raise ValueError(f"attribute {name}")
        obj = PDFImageXObject.__new__(PDFImageXObject)
        obj.__dict__.update(values)
        built.append(obj)
    size, name = header.get("size"), header.get("name")
    if not (isinstance(size, list) and len(size) == 2 and all(type(n) is int and n > 0 for n in size)
            and isinstance(name, str) and not blobs):
        raise ValueError("size or name")
    return Prepared((size[0], size[1]), name, built[0], built[1] if len(built) == 2 else None)


# ---------------------------------------------------------------- the cache folder


def fetch(cache_key: str) -> Prepared | None:
    from handouts import validated

    folder = validated.cache_dir()
    if folder is None:
        return None
    try:
        with open(folder / f"{cache_key}.image", "rb") as handle:
            data = handle.read(MAX_CACHED_BYTES + 1)
        if len(data) > MAX_CACHED_BYTES:
            return None
        return load(data)
    except (OSError, ValueError, TypeError, RecursionError):  # json's errors are ValueErrors
        return None


def keep(cache_key: str, prepared: Prepared) -> None:
    from handouts import validated

    folder = validated.cache_dir()
    if folder is None:
        return
    try:
        data = dump(prepared)
    except TypeError:
        return  # an attribute this format does not keep (another ReportLab?): built each time instead
    if len(data) <= MAX_CACHED_BYTES:
        validated.write_bytes(folder, f"{cache_key}.image", data)

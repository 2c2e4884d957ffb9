"""Logos: PNG and JPEG through ReportLab's ImageReader, SVG through svglib (vector, any size)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from handouts.errors import HandoutsError


class OutsideReference(Exception):
    """An SVG refers to a file outside its folder, or to a network address."""


@lru_cache(maxsize=32)
def _svg(path: str):
    from svglib.svglib import svg2rlg

    _check_references(Path(path))
    return svg2rlg(path)


def _check_references(path: Path) -> None:
    """An SVG's images (`href`, `xlink:href`) may be embedded data, parts of the SVG itself (#id) or
    files in the SVG's own folder: never a path outside it, an absolute path or an address (file:,
    http:). External entities are refused too: they are how XML reads other files."""
    from lxml import etree

    from handouts.limits import MAX_LOGO_BYTES

    data = path.read_bytes()
    if len(data) > MAX_LOGO_BYTES or b"<!ENTITY" in data:
        raise OutsideReference("entity declarations or too large")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
    root = etree.fromstring(data, parser=parser)
    folder = path.parent.resolve()
    for element in root.iter() if root is not None else ():
        for name, value in element.attrib.items():
            if name.rsplit("}", 1)[-1] != "href":
                continue
            ref = value.strip()
            if ref.startswith("#") or ref.lower().startswith("data:"):
                continue
            if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", ref) or ref.startswith(("/", "\\")):
                raise OutsideReference(ref)
            if not (folder / ref.split("#", 1)[0]).resolve().is_relative_to(folder):
                raise OutsideReference(ref)


def load_svg(path: Path, shown: str):
    """The SVG as a ReportLab drawing; svglib is imported only for SVG logos (it takes ~130 ms)."""
    try:
        drawing = _svg(str(path))
    except ImportError:
        raise HandoutsError(f"{shown}: logo.path: SVG logos need svglib; run: pip install svglib") from None
    except OutsideReference:
        raise HandoutsError(
            f"{shown}: logo.path: {path.name!r} refers to a file outside the layout's folder (or an address); "
            "put the images it uses in the folder, or embed them"
        ) from None
    except Exception:  # noqa: BLE001 - svglib raises many kinds for a broken file
        drawing = None
    if drawing is None or not drawing.width or not drawing.height:
        raise HandoutsError(f"{shown}: logo.path: {path.name!r} does not open as an SVG image; export it again")
    return drawing


@lru_cache(maxsize=32)
def _raster(path: str):
    """ReportLab's reader of a PNG or JPEG file (kept so the server can clear it when a logo changes)."""
    from reportlab.lib.utils import ImageReader

    return ImageReader(path)


@lru_cache(maxsize=32)
def _prepared(path: str, stamp: tuple[int, int]):
    """A raster logo's image objects (imagecache.Prepared): once per process and file version, and
    from the disk cache when these very bytes were prepared before (no Pillow needed then)."""
    from handouts import imagecache
    from handouts.limits import MAX_LOGO_BYTES

    with open(path, "rb") as handle:
        data = handle.read(MAX_LOGO_BYTES + 1)  # the layout's loader has checked the size already
    key = imagecache.key(data)
    prepared = imagecache.fetch(key)
    if prepared is None:
        prepared = _prepare(data)
        imagecache.keep(key, prepared)
    return prepared


def _prepare(data: bytes):
    """Build the image objects from the file's bytes (those the cache key was made from).

    ReportLab's drawImage reads, hashes and compresses the pixels for every new PDF (~8 ms for a
    600x600 RGBA logo); these objects hold the compressed stream, and each PDF registers a copy."""
    import io

    from reportlab.lib.utils import ImageReader, _digester
    from reportlab.pdfbase.pdfdoc import PDFImageXObject

    from handouts.imagecache import Prepared

    image = ImageReader(io.BytesIO(data))
    size = image.getSize()
    pixels = image.getRGBData()  # also reads the alpha channel into _dataA
    alpha = image._dataA
    # The same name drawImage(image, mask="auto") gives, so the PDF is the same byte for byte.
    name = _digester(pixels + (alpha.getRGBData() if alpha else b"auto"))
    template = PDFImageXObject(name, image, mask="auto")
    template.name = name
    soft = getattr(template, "_smask", None)
    if soft is not None:
        del template._smask
    return Prepared(tuple(size), name, template, soft)


def prepared(path: str):
    import os

    stat = os.stat(path)
    return _prepared(path, (stat.st_mtime_ns, stat.st_size))


def draw_raster(canvas, path: str, x: float, y: float, width: float, height: float) -> None:
    """canvas.drawImage(path, ..., mask="auto") with the image objects built once per process."""
    import copy

    from reportlab.pdfbase.pdfdoc import PDFObjectReference

    ready = prepared(path)
    name, template, soft = ready.name, ready.image, ready.soft
    document = canvas._doc
    registered = document.getXObjectName(name)
    if document.idToObject.get(registered) is None:
        image = copy.copy(template)  # a document names the objects it holds: never share one
        canvas._setXObjects(image)
        document.Reference(image, registered)
        document.addForm(name, image)
        if soft is not None:
            mask_name = document.getXObjectName(soft.name)
            if document.idToObject.get(mask_name) is None:
                mask = copy.copy(soft)
                canvas._setXObjects(mask)
                image.smask = document.Reference(mask, mask_name)
            else:
                image.smask = PDFObjectReference(mask_name)
    canvas._currentPageHasImages = 1
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(width, height)
    canvas._code.append(f"/{registered} Do")
    canvas.restoreState()
    canvas._formsinuse.append(name)


class Logo:
    """A logo scaled to a width, drawable on a canvas."""

    def __init__(self, path: str, width: float, max_height: float | None = None):
        self.path = path
        if path.lower().endswith(".svg"):
            self.drawing = load_svg(Path(path), path)
            ratio = self.drawing.height / self.drawing.width
        else:
            self.drawing = None
            image_width, image_height = prepared(path).size
            ratio = image_height / image_width
        # A tall, narrow logo at the layout's width would push page 1's text over the footer.
        if max_height is not None and width * ratio > max_height:
            width = max_height / ratio
        self.width = width
        self.height = width * ratio

    def draw(self, canvas, x: float, y: float) -> None:
        if self.drawing is not None:
            from reportlab.graphics import renderPDF

            scale = self.width / self.drawing.width
            canvas.saveState()
            canvas.translate(x, y)
            canvas.scale(scale, scale)
            renderPDF.draw(self.drawing, canvas, 0, 0)
            canvas.restoreState()
        else:
            draw_raster(canvas, self.path, x, y, self.width, self.height)

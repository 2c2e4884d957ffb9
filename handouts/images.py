"""Logos: PNG and JPEG through ReportLab's ImageReader, SVG through svglib (vector, any size)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from handouts.errors import HandoutsError


@lru_cache(maxsize=32)
def _svg(path: str):
    from svglib.svglib import svg2rlg

    return svg2rlg(path)


def load_svg(path: Path, shown: str):
    """The SVG as a ReportLab drawing; svglib is imported only for SVG logos (it takes ~130 ms)."""
    try:
        drawing = _svg(str(path))
    except ImportError:
        raise HandoutsError(f"{shown}: logo.path: SVG logos need svglib; run: pip install svglib") from None
    except Exception:  # noqa: BLE001 - svglib raises many kinds for a broken file
        drawing = None
    if drawing is None or not drawing.width or not drawing.height:
        raise HandoutsError(f"{shown}: logo.path: {path.name!r} does not open as an SVG image; export it again")
    return drawing


@lru_cache(maxsize=32)
def _raster(path: str):
    from reportlab.lib.utils import ImageReader

    return ImageReader(path)


class Logo:
    """A logo scaled to a width, drawable on a canvas."""

    def __init__(self, path: str, width: float, max_height: float | None = None):
        self.path = path
        if path.lower().endswith(".svg"):
            self.drawing = load_svg(Path(path), path)
            ratio = self.drawing.height / self.drawing.width
        else:
            self.drawing = None
            self.image = _raster(path)
            image_width, image_height = self.image.getSize()
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
            canvas.drawImage(self.image, x, y, self.width, self.height, mask="auto")

"""Small pictures beside key actions (no food, clear liquids, ride home, medicines, arrival time).

The Health Icons (MIT; see data/icons/LICENSE.md) are stored as ready PDF path operators in a unit square
(scripts/icons.py makes them from the SVGs), so drawing one needs no SVG library and no formatting.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

ICONS = Path(__file__).parents[1] / "data" / "icons" / "icons.json"
NO = {"no_food"}  # drawn smaller, inside a circle with a slash: "do not"


@lru_cache(maxsize=1)
def _icons() -> dict[str, str]:
    """Each icon's name and its PDF operators (fill included)."""
    return json.loads(ICONS.read_text(encoding="utf-8"))


def known(name: str) -> bool:
    return name in _icons()


def draw_icon(canvas, name: str, x: float, y: float, size: float, color) -> None:
    """The icon with its lower-left corner at (x, y), `size` points square, in one color."""
    canvas.saveState()
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    scale = size * (0.62 if name in NO else 1.0)
    offset = (size - scale) / 2
    canvas.saveState()
    canvas.transform(scale, 0, 0, scale, x + offset, y + offset)
    canvas.addLiteral(_icons()[name])
    canvas.restoreState()
    if name in NO:
        width = size / 16
        canvas.setLineWidth(width)
        radius = size / 2 - width / 2
        canvas.circle(x + size / 2, y + size / 2, radius, stroke=1, fill=0)
        d = radius * 0.7071
        canvas.line(x + size / 2 - d, y + size / 2 + d, x + size / 2 + d, y + size / 2 - d)
    canvas.restoreState()

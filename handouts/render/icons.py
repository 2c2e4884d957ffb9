"""Small pictures beside key actions (no food, clear liquids, ride home, medicines, arrival time).

The Health Icons (MIT; see data/icons/LICENSE.md) are stored as plain path operations in a unit square
(scripts/icons.py makes them from the SVGs), so drawing one needs no SVG library at run time.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

ICONS = Path(__file__).parents[1] / "data" / "icons" / "icons.json"
NO = {"no_food"}  # drawn smaller, inside a circle with a slash: "do not"
_PDF_OPS = {"M": "m", "L": "l", "C": "c"}


@lru_cache(maxsize=1)
def _icons() -> dict:
    return json.loads(ICONS.read_text(encoding="utf-8"))


def known(name: str) -> bool:
    return name in _icons()


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


@lru_cache(maxsize=None)
def _unit_operators(name: str) -> str:
    """The icon's paths as PDF operators in its unit square, made once per process: building the paths
    point by point through ReportLab's path objects cost ~1 ms a picture, on every handout."""
    lines = []
    for path in _icons()[name]:
        for op in path["ops"]:
            if op[0] == "Z":
                lines.append("h")
            else:
                lines.append(" ".join(_number(v) for v in op[1:]) + " " + _PDF_OPS[op[0]])
        lines.append("f*" if path["even_odd"] else "f")
    return "\n".join(lines)


def draw_icon(canvas, name: str, x: float, y: float, size: float, color) -> None:
    """The icon with its lower-left corner at (x, y), `size` points square, in one color."""
    canvas.saveState()
    canvas.setFillColor(color)
    canvas.setStrokeColor(color)
    scale = size * (0.62 if name in NO else 1.0)
    offset = (size - scale) / 2
    canvas.saveState()
    canvas.transform(scale, 0, 0, scale, x + offset, y + offset)
    canvas.addLiteral(_unit_operators(name))
    canvas.restoreState()
    if name in NO:
        width = size / 16
        canvas.setLineWidth(width)
        radius = size / 2 - width / 2
        canvas.circle(x + size / 2, y + size / 2, radius, stroke=1, fill=0)
        d = radius * 0.7071
        canvas.line(x + size / 2 - d, y + size / 2 + d, x + size / 2 + d, y + size / 2 - d)
    canvas.restoreState()

"""Turn the vendored Health Icons SVGs (handouts/data/icons/*.svg) into handouts/data/icons/icons.json:
each icon's paths as ready PDF operators in a unit square, drawn by the renderer without svglib (which
costs ~130 ms to import on every render) and without formatting ~2,000 numbers in every fresh process.
Run it after adding or changing an icon: python scripts/icons.py"""

from __future__ import annotations

import json
from pathlib import Path

from reportlab.graphics.shapes import Group, Path as RLPath, mmult
from svglib.svglib import svg2rlg

FOLDER = Path(__file__).resolve().parents[1] / "handouts" / "data" / "icons"


def _apply(m, x, y):
    return (m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5])


def _paths(node, matrix, out):
    for child in node.getContents():
        transform = getattr(child, "transform", None) or (1, 0, 0, 1, 0, 0)
        if isinstance(child, Group):
            _paths(child, mmult(matrix, transform), out)
        elif isinstance(child, RLPath):
            points = list(zip(child.points[::2], child.points[1::2]))
            ops, i = [], 0
            for op in child.operators:
                if op in (0, 1):  # moveTo, lineTo
                    x, y = _apply(matrix, *points[i])
                    ops.append(["M" if op == 0 else "L", round(x, 3), round(y, 3)])
                    i += 1
                elif op == 2:  # curveTo
                    flat = [c for p in points[i:i + 3] for c in _apply(matrix, *p)]
                    ops.append(["C", *(round(c, 3) for c in flat)])
                    i += 3
                else:
                    ops.append(["Z"])
            out.append({"even_odd": getattr(child, "fillMode", 1) == 0, "ops": ops})


_PDF_OPS = {"M": "m", "L": "l", "C": "c"}


def _number(value: float) -> str:
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


def pdf_operators(paths: list) -> str:
    """The paths as PDF path operators, each filled (even-odd where the SVG says so)."""
    lines = []
    for path in paths:
        for op in path["ops"]:
            if op[0] == "Z":
                lines.append("h")
            else:
                lines.append(" ".join(_number(v) for v in op[1:]) + " " + _PDF_OPS[op[0]])
        lines.append("f*" if path["even_odd"] else "f")
    return "\n".join(lines)


def main() -> None:
    icons = {}
    for svg in sorted(FOLDER.glob("*.svg")):
        drawing = svg2rlg(str(svg))
        scale = 1 / drawing.width
        paths: list = []
        _paths(drawing, (scale, 0, 0, scale, 0, 0), paths)
        icons[svg.stem] = pdf_operators(paths)
    (FOLDER / "icons.json").write_text(json.dumps(icons, separators=(",", ":")) + "\n")
    print(f"{len(icons)} icons -> {FOLDER / 'icons.json'}")


if __name__ == "__main__":
    main()

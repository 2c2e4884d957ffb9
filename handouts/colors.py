"""Color contrast (WCAG 2) in color and as printed in black and white."""

from __future__ import annotations


def rgb(hex_color: str) -> tuple[int, int, int]:
    value = hex_color.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def hex_of(color: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02X}" for c in color)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_color: str) -> float:
    """WCAG relative luminance."""
    r, g, b = (_linear(c) for c in rgb(hex_color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def grayscale(hex_color: str) -> str:
    """As an office printer or driver converts it: Rec. 601 luma of the gamma-encoded values. This is not
    luminance-preserving, which is why a pair that passes in color can fail on paper."""
    r, g, b = rgb(hex_color)
    y = 0.299 * r + 0.587 * g + 0.114 * b
    return hex_of((y, y, y))


def darker_passing(foreground: str, background: str, minimum: float) -> str | None:
    """The nearest darker shade of `foreground` that passes against `background` in color and in gray."""
    r, g, b = rgb(foreground)
    for step in range(1, 101):
        factor = 1 - step / 100
        candidate = hex_of((r * factor, g * factor, b * factor))
        if (
            contrast(candidate, background) >= minimum
            and contrast(grayscale(candidate), grayscale(background)) >= minimum
        ):
            return candidate
    return None

"""Fill wording templates in Jinja2's sandbox, where an unknown variable is an error.

Only the standard wording (package data and a layout's `wording:`) is a template. Procedure content and
anything a patient's appointment carries are values passed in, never templates, so `{{ 7*7 }}` written
in a procedure stays literal text.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from handouts.errors import HandoutsError


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _hours(value: float) -> str:
    return f"{_number(value)} hour" + ("" if value == 1 else "s")


def _minutes(value: float) -> str:
    if value >= 60 and value % 60 == 0:
        return _hours(value / 60)
    if value > 60:
        return f"{_hours(value // 60)} and {_minutes(value % 60)}"
    return f"{_number(value)} minute" + ("" if value == 1 else "s")


def _span(value) -> str:
    """(30, 60) -> "30 to 60 minutes"; (60, 120) -> "1 to 2 hours"; (45, 45) -> "45 minutes"."""
    low, high = value
    if low == high:
        return _minutes(low)
    if low % 60 == 0 and high % 60 == 0:
        return f"{_number(low / 60)} to {_hours(high / 60)}"
    if high <= 60 and high != 60:
        return f"{_number(low)} to {_minutes(high)}"
    if high == 60 and low < 60:
        return f"{_number(low)} to 60 minutes"
    return f"{_minutes(low)} to {_minutes(high)}"


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters.update(hours=_hours, minutes=_minutes, span=_span)
    return env


@lru_cache(maxsize=1024)
def _compile(source: str):
    return _environment().from_string(source)


def fill(source: str, context: dict[str, Any], where: str) -> str:
    """Render one wording template; `where` names it in errors (e.g. "wording.fasting in layout x")."""
    if "{{" not in source and "{%" not in source:
        return source  # plain text: no need to start Jinja2 at all
    from jinja2 import TemplateError

    try:
        return _compile(source).render(context).strip()
    except TemplateError as exc:
        raise HandoutsError(f"{where}: template problem: {exc.message or exc}; fix the wording there") from None

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


ENGLISH = {"hour": "hour", "hours": "hours", "minute": "minute", "minutes": "minutes", "and": "and", "to": "to"}


def _hours(value: float, units: dict[str, str] = ENGLISH) -> str:
    return f"{_number(value)} " + units["hour" if value == 1 else "hours"]


def _minutes(value: float, units: dict[str, str] = ENGLISH) -> str:
    if value >= 60 and value % 60 == 0:
        return _hours(value / 60, units)
    if value > 60:
        return f"{_hours(value // 60, units)} {units['and']} {_minutes(value % 60, units)}"
    return f"{_number(value)} " + units["minute" if value == 1 else "minutes"]


def _span(value, units: dict[str, str] = ENGLISH) -> str:
    """(30, 60) -> "30 to 60 minutes"; (60, 120) -> "1 to 2 hours"; (45, 45) -> "45 minutes"."""
    low, high = value
    to = units["to"]
    if low == high:
        return _minutes(low, units)
    if low % 60 == 0 and high % 60 == 0:
        return f"{_number(low / 60)} {to} {_hours(high / 60, units)}"
    if high <= 60 and high != 60:
        return f"{_number(low)} {to} {_minutes(high, units)}"
    if high == 60 and low < 60:
        return f"{_number(low)} {to} 60 {units['minutes']}"
    return f"{_minutes(low, units)} {to} {_minutes(high, units)}"


def _units(context) -> dict[str, str]:
    language = context.get("language")
    return language.get("units", ENGLISH) if isinstance(language, dict) else ENGLISH


def _in_language(function):
    """The filter in the handout's language: its units come from `language.units` in the context
    (handouts/data/languages.yaml), English where a context has none."""
    from jinja2 import pass_context

    @pass_context
    def filtered(context, value):
        return function(value, _units(context))

    return filtered



# The same filters for the quick path (handouts/quicktemplate.py), given the context the same way.
QUICK_FILTERS = tuple(
    (name, lambda context, value, f=f: f(value, _units(context)))
    for name, f in (("hours", _hours), ("minutes", _minutes), ("span", _span))
)


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters.update(hours=_in_language(_hours), minutes=_in_language(_minutes), span=_in_language(_span))
    return env


@lru_cache(maxsize=1024)
def _compile(source: str):
    return _environment().from_string(source)


def fill(source: str, context: dict[str, Any], where: str) -> str:
    """Render one wording template; `where` names it in errors (e.g. "wording.fasting in layout x")."""
    if "{{" not in source and "{%" not in source:
        return source  # plain text: no need to start Jinja2 at all
    from handouts.quicktemplate import Fallback, compile_template

    quick = compile_template(source, QUICK_FILTERS)
    if quick is not None:
        try:
            return quick(context).strip()
        except Fallback:
            pass  # Jinja2 gives the real result, or the real error
    from jinja2 import TemplateError

    try:
        return _compile(source).render(context).strip()
    except TemplateError as exc:
        raise HandoutsError(f"{where}: template problem: {exc.message or exc}; fix the wording there") from None

"""Fill wording templates in Jinja2's sandbox, where an unknown variable is an error.

Only the standard wording (package data and a layout's `wording:`) is a template. Procedure content and
anything a patient's appointment carries are values passed in, never templates, so `{{ 7*7 }}` written
in a procedure stays literal text.

The sandbox is also bounded, so a layout's wording cannot hang the tool or eat its memory: every loop
counts its steps, strings and lists made by `*`, `+`, `~` and filters are limited in length, numbers
given to functions and powers are limited, only a list of harmless filters and string methods is
available, and the whole output and running time of a template are limited (handouts/limits.py).
"""

from __future__ import annotations

import contextvars
import re
import time
from functools import lru_cache
from typing import Any

from handouts import limits
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


class TemplateLimit(Exception):
    """A template went over one of the sandbox's bounds."""


class _Budget:
    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.monotonic() + limits.MAX_TEMPLATE_SECONDS

    def tick(self) -> None:
        self.steps += 1
        if self.steps > limits.MAX_TEMPLATE_STEPS:
            raise TemplateLimit(f"more than {limits.MAX_TEMPLATE_STEPS:,} loop steps and calls")
        if self.steps % 256 == 0 and time.monotonic() > self.deadline:
            raise TemplateLimit(f"it runs longer than {limits.MAX_TEMPLATE_SECONDS:g} s")


_budget: contextvars.ContextVar[_Budget] = contextvars.ContextVar("template_budget")


def _tick() -> None:
    budget = _budget.get(None)
    if budget is not None:
        budget.tick()


def _sized(value: Any) -> Any:
    """`value`, refused when it is a string or list longer than a template may make."""
    if isinstance(value, (str, list, tuple)) and len(value) > limits.MAX_TEMPLATE_STRING:
        raise TemplateLimit(f"it makes a text or list longer than {limits.MAX_TEMPLATE_STRING:,}")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 10**30:
        raise TemplateLimit("it makes a number over 10**30")
    return value


def _number_arg(value: Any) -> None:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > limits.MAX_TEMPLATE_NUMBER:
        raise TemplateLimit(f"a number over {limits.MAX_TEMPLATE_NUMBER:,} is given to a function")


def _loop(iterable: Any):
    """Wraps every `{% for %}`'s iterable: each step counts, so nested loops cannot run for ever."""
    for item in iterable:
        _tick()
        yield item


def _range(*args: int) -> range:
    for arg in args:
        _number_arg(arg)
    return range(*args)


def _join(value: Any, separator: str = "", attribute: Any = None) -> str:
    items = [str(item if attribute is None else getattr(item, str(attribute), "")) for item in value]
    if sum(map(len, items)) + len(separator) * max(0, len(items) - 1) > limits.MAX_TEMPLATE_STRING:
        raise TemplateLimit(f"it makes a text longer than {limits.MAX_TEMPLATE_STRING:,}")
    return separator.join(items)


def _replace(value: Any, old: str, new: str, count: int | None = None) -> str:
    text = str(value)
    times = text.count(old) if old else len(text) + 1
    if count is not None:
        times = min(times, count)
    if len(text) + times * (len(new) - len(old)) > limits.MAX_TEMPLATE_STRING:
        raise TemplateLimit(f"it makes a text longer than {limits.MAX_TEMPLATE_STRING:,}")
    return text.replace(old, new, -1 if count is None else count)


# Filters that cannot make big values or run long (and no random: handouts are deterministic).
_SAFE_FILTERS = (
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first", "float",
    "int", "items", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr", "reverse",
    "round", "select", "selectattr", "sort", "string", "striptags", "sum", "title", "trim", "truncate",
    "unique", "upper", "wordcount",
)
_STRING_METHODS = frozenset({
    "upper", "lower", "title", "capitalize", "strip", "lstrip", "rstrip", "startswith", "endswith", "split",
    "isdigit", "isalpha", "count", "find",
})
_PERCENT_WIDTH = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _percent_format_is_small(text: str) -> bool:
    for width, precision in _PERCENT_WIDTH.findall(text):
        for number in (width, precision):
            if number == "*" or (number and int(number) > 100):
                return False
    return True


def _check_binop(operator: str, left: Any, right: Any) -> None:
    sequence = (str, list, tuple)
    if operator == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, sequence) and isinstance(times, int) and len(seq) * times > limits.MAX_TEMPLATE_STRING:
                raise TemplateLimit(f"it makes a text or list longer than {limits.MAX_TEMPLATE_STRING:,}")
    elif operator == "**":
        if isinstance(right, (int, float)) and (right > 100 or abs(left) > limits.MAX_TEMPLATE_NUMBER):
            raise TemplateLimit(f"a power over 100, or of a number over {limits.MAX_TEMPLATE_NUMBER:,}")
    elif operator == "%" and isinstance(left, str) and not _percent_format_is_small(left):
        raise TemplateLimit("a % format with a width over 100")


@lru_cache(maxsize=1)
def _environment():
    from jinja2 import StrictUndefined, nodes
    from jinja2.sandbox import ImmutableSandboxedEnvironment
    from jinja2.visitor import NodeTransformer

    class Bound(NodeTransformer):
        """Rewrites a parsed template: every loop's iterable and every `~` goes through a bound."""

        def visit_For(self, node):  # noqa: N802 - the visitor's naming
            node = self.generic_visit(node)
            node.iter = nodes.Call(nodes.Name("__handouts_loop", "load"), [node.iter], [], None, None)
            return node

        def visit_Concat(self, node):  # noqa: N802
            node = self.generic_visit(node)
            return nodes.Call(nodes.Name("__handouts_sized", "load"), [node], [], None, None)

    class BoundedSandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "+", "%", "//", "/"})

        def _generate(self, source, name, filename, defer_init=False):
            return super()._generate(Bound().visit(source), name, filename, defer_init=defer_init)

        def call_binop(self, context, operator, left, right):
            _tick()
            _check_binop(operator, left, right)
            return _sized(super().call_binop(context, operator, left, right))

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja2's signature
            _tick()
            for value in (*args, *kwargs.values()):
                _number_arg(value)
            return _sized(super().call(__context, __obj, *args, **kwargs))

        def is_safe_attribute(self, obj, attr, value):
            if isinstance(obj, str) and callable(value) and attr not in _STRING_METHODS:
                return False  # center(), ljust(), format()... can make huge strings
            return super().is_safe_attribute(obj, attr, value)

    env = BoundedSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.filters = {name: env.filters[name] for name in _SAFE_FILTERS}
    env.filters.update(
        hours=_in_language(_hours), minutes=_in_language(_minutes), span=_in_language(_span), join=_join, replace=_replace
    )
    # No lipsum, cycler, joiner or namespace: nothing that makes text or carries state between loop steps.
    env.globals = {"range": _range, "dict": dict, "__handouts_loop": _loop, "__handouts_sized": _sized}
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
            text = quick(context)
            if len(text) <= limits.MAX_TEMPLATE_OUTPUT:
                return text.strip()
            # Too long: the bounded sandbox below gives the real error.
        except Fallback:
            pass  # Jinja2 gives the real result, or the real error
    from jinja2 import TemplateError

    token = _budget.set(_Budget())
    try:
        parts, size = [], 0
        for part in _compile(source).generate(context):
            size += len(part)
            if size > limits.MAX_TEMPLATE_OUTPUT:
                raise TemplateLimit(f"it writes more than {limits.MAX_TEMPLATE_OUTPUT:,} characters")
            parts.append(part)
        return "".join(parts).strip()
    except TemplateLimit as exc:
        problem = f"{exc}, over the sandbox's limits {limits.README_HINT}"
    except TemplateError as exc:
        problem = exc.message or str(exc)
    except RecursionError:
        problem = "it calls itself without end"
    except (ArithmeticError, ValueError, TypeError, LookupError, AttributeError) as exc:
        problem = f"{type(exc).__name__}: {exc}"[:200]
    finally:
        _budget.reset(token)
    raise HandoutsError(f"{where}: template problem: {problem}; fix the wording there")

"""A fast path for the simple wording templates, so a one-handout run need not start Jinja2.

Importing Jinja2 and compiling a handout's ~20 wording templates costs ~30 ms, a tenth of a fresh
`handouts render`. Most templates are `{{ clinic.phone }}`, `{{ rules.fasting_hours | hours }}`, or an
`if` around a few words. This module evaluates that small subset directly: names and dotted keys of
the plain dicts the composer passes, string and number literals, `and`/`or`/`not`, one comparison,
`a if b else c`, the filters length and join and the wording's own (hours, minutes…), and `{% if %}…{% elif %}…{% else %}…
{% endif %}` with `-` whitespace control. Anything else (another filter, a loop, a missing name, a
dict method name, a value of an unexpected type) is not guessed at: the template goes to Jinja2's
sandbox, which gives the real result or the real error. Nothing here can call a function or reach an
attribute of an object; only dict keys are read.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Callable

from handouts import limits

_TAG = re.compile(r"\{\{(-?)(.*?)(-?)\}\}|\{%(-?)(.*?)(-?)%\}", re.S)
_TOKEN = re.compile(
    r"\s*(?:(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<number>\d+(?:\.\d+)?(?![\w.]))"
    r"|(?P<string>'[^'\\]*'|\"[^\"\\]*\")|(?P<op>==|!=|>=|<=|[.|(),<>]))"
)
_COMPARE = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, ">": lambda a, b: a > b,
    "<": lambda a, b: a < b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
}
_LITERALS = {"true": True, "True": True, "false": False, "False": False, "none": None, "None": None}
_KEYWORDS = {"if", "else", "elif", "endif", "and", "or", "not", "in", "is", "for", "endfor", "set"}


class Unsupported(Exception):
    """Outside the subset: use Jinja2."""


class Fallback(Exception):
    """Not decidable here at render time (a missing name, an odd type): use Jinja2."""


Node = Callable[[dict], Any]


def _tokens(text: str) -> list[tuple[str, str]]:
    out, position = [], 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise Unsupported(text[position:])
        kind = match.lastgroup
        out.append((kind, match.group(kind)))
        position = match.end()
    return out


class _Parser:
    def __init__(self, text: str, filters: dict[str, Callable]):
        self.tokens = _tokens(text)
        self.at = 0
        self.filters = filters

    def peek(self, value: str | None = None) -> bool:
        return self.at < len(self.tokens) and (value is None or self.tokens[self.at][1] == value)

    def take(self, value: str | None = None) -> tuple[str, str]:
        if not self.peek(value):
            raise Unsupported(value or "end")
        self.at += 1
        return self.tokens[self.at - 1]

    def done(self) -> None:
        if self.at != len(self.tokens):
            raise Unsupported(self.tokens[self.at][1])

    def expression(self) -> Node:
        value = self.either("or", self.both)
        if self.peek("if"):
            self.take("if")
            test = self.either("or", self.both)
            self.take("else")  # without else the result may be undefined: Jinja2's business
            other = self.expression()
            return lambda c: value(c) if test(c) else other(c)
        return value

    def either(self, word: str, part: Callable[[], Node]) -> Node:
        node = part()
        while self.peek(word):
            self.take(word)
            left, right = node, part()
            node = (lambda a, b: lambda c: a(c) or b(c))(left, right)
        return node

    def both(self) -> Node:
        node = self.negation()
        while self.peek("and"):
            self.take("and")
            left, right = node, self.negation()
            node = (lambda a, b: lambda c: a(c) and b(c))(left, right)
        return node

    def negation(self) -> Node:
        if self.peek("not"):
            self.take("not")
            inner = self.negation()
            return lambda c: not inner(c)
        return self.comparison()

    def comparison(self) -> Node:
        left = self.filtered()
        if self.at < len(self.tokens) and self.tokens[self.at][1] in _COMPARE:
            compare = _COMPARE[self.take()[1]]
            right = self.filtered()
            if self.at < len(self.tokens) and self.tokens[self.at][1] in _COMPARE:
                raise Unsupported("chained comparison")
            return lambda c: _safe(compare, left(c), right(c))
        return left

    def filtered(self) -> Node:
        node = self.dotted()
        while self.peek("|"):
            self.take("|")
            kind, name = self.take()
            if kind != "name" or name not in self.filters:
                raise Unsupported(name)
            args: list[Node] = []
            if self.peek("("):
                self.take("(")
                while not self.peek(")"):
                    args.append(self.expression())
                    if not self.peek(")"):
                        self.take(",")
                self.take(")")
            node = (lambda f, inner, a: lambda c: f(c, inner(c), *(x(c) for x in a)))(self.filters[name], node, args)
        return node

    def dotted(self) -> Node:
        node = self.primary()
        while self.peek("."):
            self.take(".")
            kind, name = self.take()
            if kind != "name":
                raise Unsupported(name)
            node = (lambda inner, key: lambda c: _key(inner(c), key))(node, name)
        return node

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "string":
            return lambda c: value[1:-1]
        if kind == "number":
            number = float(value) if "." in value else int(value)
            return lambda c: number
        if value == "(":
            inner = self.expression()
            self.take(")")
            return inner
        if kind == "name" and value in _LITERALS:
            literal = _LITERALS[value]
            return lambda c: literal
        if kind == "name" and value not in _KEYWORDS:
            return lambda c: _key(c, value)
        raise Unsupported(value)


def _key(value: Any, key: str) -> Any:
    """Jinja2 tries an attribute first, then the key: on a dict only a key that is not a method name
    means the same in both."""
    if type(value) is not dict or key not in value or hasattr(dict, key):
        raise Fallback(key)
    return value[key]


def _safe(compare, left: Any, right: Any) -> Any:
    try:
        return compare(left, right)
    except TypeError:
        raise Fallback("comparison") from None


def _length(value: Any) -> int:
    if type(value) not in (list, tuple, str, dict):
        raise Fallback("length")
    return len(value)


def _join(value: Any, separator: Any = "") -> str:
    if type(value) not in (list, tuple) or type(separator) is not str:
        raise Fallback("join")
    items = [str(item) for item in value]
    if sum(map(len, items)) + len(separator) * len(items) > limits.MAX_TEMPLATE_STRING:
        raise Fallback("join")  # the bounded sandbox reports it
    return separator.join(items)


def _plain_values(value: Any) -> bool:
    if type(value) in (tuple, list):
        return all(_plain_values(item) for item in value)
    return type(value) in (int, float, str, bool) or value is None


def _own_filter(function: Callable) -> Callable:
    """One of the wording's own filters (hours, minutes, span…), given the context as Jinja2 gives a
    context filter its context, on plain values only; if it raises, Jinja2 raises the same, so it decides."""

    def checked(context: dict, value: Any, *args: Any) -> Any:
        if not _plain_values(value) or not _plain_values(args):
            raise Fallback("filter")
        try:
            return function(context, value, *args)
        except Exception:  # noqa: BLE001 - whatever it is, Jinja2 reports it
            raise Fallback("filter") from None

    return checked


def _output(value: Any) -> str:
    if type(value) not in (str, int, float, bool) and value is not None:
        raise Fallback("output")
    return str(value)


@lru_cache(maxsize=1024)
def compile_template(source: str, own_filters: tuple[tuple[str, Callable], ...] = ()) -> Callable[[dict], str] | None:
    """A function of the context giving the template's text, or None when it is outside the subset.
    `own_filters`: (name, function(context, value, *args)) of the filters the wording's Jinja2
    environment adds."""
    filters = {
        "length": lambda c, value: _length(value),
        "join": lambda c, value, *args: _join(value, *args),
        **{name: _own_filter(f) for name, f in own_filters},
    }
    if "{#" in source or "{%+" in source or "{{+" in source:
        return None
    try:
        parts = _split(source)
        body, rest = _block(parts, 0, filters)
        if rest != len(parts):
            raise Unsupported("endif")
    except Unsupported:
        return None
    return lambda context: "".join(piece(context) for piece in body)


def _split(source: str) -> list[tuple[str, str]]:
    """[("text", …), ("out", expr), ("tag", statement)] with - whitespace control applied."""
    parts: list[tuple[str, str]] = []
    position, strip_next = 0, False
    for match in _TAG.finditer(source):
        text = source[position:match.start()]
        if strip_next:
            text = text.lstrip()
        strip_before = match.group(1) == "-" or match.group(4) == "-"
        if strip_before:
            text = text.rstrip()
        parts.append(("text", text))
        if match.group(2) is not None:
            parts.append(("out", match.group(2)))
            strip_next = match.group(3) == "-"
        else:
            parts.append(("tag", match.group(5)))
            strip_next = match.group(6) == "-"
        position = match.end()
    tail = source[position:]
    if "{{" in tail or "{%" in tail or "}}" in tail or "%}" in tail:
        raise Unsupported("tag")
    parts.append(("text", tail.lstrip() if strip_next else tail))
    return parts


def _block(parts, at: int, filters) -> tuple[list[Node], int]:
    """Pieces up to an elif/else/endif (not consumed)."""
    body: list[Node] = []
    while at < len(parts):
        kind, value = parts[at]
        if kind == "text":
            body.append(lambda c, text=value: text)
        elif kind == "out":
            parser = _Parser(value, filters)
            node = parser.expression()
            parser.done()
            body.append(lambda c, node=node: _output(node(c)))
        else:
            words = value.split(None, 1)
            if not words or words[0] != "if":
                return body, at  # elif / else / endif end this block; anything else fails below
            branch, at = _if(parts, at, filters)
            body.append(branch)
            continue
        at += 1
    return body, at


def _if(parts, at: int, filters) -> tuple[Node, int]:
    branches: list[tuple[Node | None, list[Node]]] = []
    while True:
        words = parts[at][1].split(None, 1)
        keyword = words[0] if words else ""
        if branches and branches[-1][0] is None and keyword != "endif":
            raise Unsupported("after else")
        if keyword in ("if", "elif"):
            parser = _Parser(words[1] if len(words) > 1 else "", filters)
            test: Node | None = parser.expression()
            parser.done()
        elif keyword == "else" and len(words) == 1 and (not branches or branches[-1][0] is not None):
            test = None
        elif keyword == "endif" and len(words) == 1 and branches:
            break
        else:
            raise Unsupported(keyword)
        body, at = _block(parts, at + 1, filters)
        branches.append((test, body))
        if at >= len(parts):
            raise Unsupported("no endif")

    def run(context: dict) -> str:
        for test, body in branches:
            if test is None or test(context):
                return "".join(piece(context) for piece in body)
        return ""

    return run, at + 1

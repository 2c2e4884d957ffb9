"""Every size the tool accepts, in one place (README "Limits" lists them for users).

A handout is one to a few printed pages: these bounds are far above any real procedure, layout or
schedule, and low enough that no input can make the tool hang or eat memory. An error names the file,
the field, the limit and what to do (see `too_big`).
"""

from __future__ import annotations

from typing import Any

# Files
MAX_YAML_BYTES = 512 * 1024  # a procedure, layout or appointment file
MAX_PAGE_BYTES = 1024 * 1024  # a page's text for `handouts import`
MAX_LOGO_BYTES = 10 * 1024 * 1024
MAX_FONT_BYTES = 30 * 1024 * 1024

# YAML structure
MAX_YAML_NODES = 20_000  # values after aliases are expanded (an "alias bomb" expands to millions)
MAX_YAML_DEPTH = 40  # mappings and lists inside each other

# Content
MAX_SHORT_TEXT = 300  # one-line fields: titles, names, labels, headings, a patient's name
MAX_TEXT = 10_000  # any other single text: a paragraph, an item, a section written as prose
MAX_TOTAL_TEXT = 100_000  # all the text of one procedure file (a handout of ~25 pages)
MAX_LIST = 300  # entries in one list (items, codes, warning signs)
MAX_NESTING = 6  # items inside items

# Keys whose values print on one line (the running header, the appointment box, the footer).
SHORT_KEYS = frozenset({
    "title", "name", "label", "heading", "reviewer", "content_version", "code", "code_system",
    "phone", "after_hours_phone", "emergency_number", "website", "address", "description", "family",
    "patient", "provider", "location", "appointment_id", "timezone", "language", "layout", "extends",
    "path", "regular", "bold", "status", "date", "time",
})

# Logos
MAX_LOGO_PIXELS = 25_000_000  # e.g. 5000 x 5000; a logo prints at most 4 inches wide
MAX_LOGO_HEIGHT_IN = 1.5  # a taller logo is scaled down to this height (it would push page 1 over)

# A QR code of a longer address is too dense to scan when printed 1.25 in wide.
MAX_QR_URL = 300

# Wording templates (Jinja2 sandbox)
MAX_TEMPLATE_OUTPUT = 20_000  # characters one template may produce
MAX_TEMPLATE_STEPS = 100_000  # loop iterations in one template, all loops together
MAX_TEMPLATE_STRING = 20_000  # a string or list made inside a template (by *, +, ~)
MAX_TEMPLATE_NUMBER = 10_000  # a number given to a function or a range, and the largest power
MAX_TEMPLATE_SECONDS = 1.0

# Schedules
MAX_SCHEDULE_ROWS = 10_000
MAX_CELL = MAX_SHORT_TEXT  # one value in a schedule row

# Appointment years: far enough either way for any real appointment, and no date arithmetic overflow.
MIN_YEAR, MAX_YEAR = 1900, 2999

README_HINT = "(see 'Limits' in the README)"


def too_big(where: str, what: str, size: int, limit: int, fix: str) -> str:
    """One error line: where (file: field), what was too big, the limit and what to do."""
    return f"{where}: {what} is {size:,}, over the limit of {limit:,}; {fix} {README_HINT}"


def check_data(data: Any, source: str, text: str | None = None) -> None:
    """Bound a loaded file's strings, lists and item nesting; raise one line per problem (at most 5).

    Runs on the raw YAML data before validation, so it names the key path (and line) as written.
    """
    from handouts.errors import HandoutsError

    problems: list[str] = []
    total = 0
    # Iterative: a deeply nested file must not exhaust the Python stack.
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(data, (), 0)]
    while stack and len(problems) < 5:
        value, loc, nesting = stack.pop()
        if isinstance(value, str):
            total += len(value)
            key = next((part for part in reversed(loc) if isinstance(part, str)), "")
            limit = MAX_SHORT_TEXT if key in SHORT_KEYS else MAX_TEXT
            if len(value) > limit:
                problems.append(too_big(_where(source, loc, text), "the text's length in characters", len(value),
                                        limit, "shorten it or split it into several items"))
        elif isinstance(value, (list, dict)):
            if len(value) > MAX_LIST:
                problems.append(too_big(_where(source, loc, text), "the number of entries", len(value), MAX_LIST,
                                        "split the list"))
                continue
            pairs = value.items() if isinstance(value, dict) else enumerate(value)
            for key, child in pairs:
                deeper = nesting + (key == "items" and isinstance(value, dict))
                if deeper > MAX_NESTING:
                    problems.append(too_big(_where(source, loc + (key,), text), "the depth of items inside items",
                                            deeper, MAX_NESTING, "flatten the list"))
                    continue
                stack.append((child, loc + (key,), deeper))
    if total > MAX_TOTAL_TEXT and not problems:
        problems.append(too_big(source, "the text in the file, in characters", total, MAX_TOTAL_TEXT,
                                "a handout should fit on a few pages: shorten the content"))
    if problems:
        raise HandoutsError(*problems)


def _where(source: str, loc: tuple[Any, ...], text: str | None) -> str:
    from handouts.yamlio import format_loc, line_of

    line = line_of(text, loc) if text is not None and loc else None
    return f"{source}: {format_loc(loc)}" + (f" (line {line})" if line else "")

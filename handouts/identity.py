"""A clinic's identity in a layout (name, numbers, logo): what must never be left as a placeholder
or borrowed from another clinic, since a patient calls the number printed on the handout."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

PHONE_KEYS = ("phone", "after_hours_phone")
# Ranges set aside for fiction: 555-0100 to 555-0199 (North America), 020 7946 0000 to 0999 (London).
_FICTIONAL = (re.compile(r"555\D{0,3}01\d\d\b"), re.compile(r"\b0?20\D{0,3}7946\D{0,3}0\d{3}\b"))


def placeholder_numbers(clinic) -> list[tuple[str, str]]:
    """(key, problem) for each phone number of the clinic that is a blank to fill in or a fictional one."""
    problems = []
    for key in PHONE_KEYS:
        value = getattr(clinic, key, None)
        if value is None:
            continue
        if not re.search(r"\d", value):
            problems.append((f"clinic.{key}", f"{value!r} is a blank, not a phone number"))
        elif any(pattern.search(value) for pattern in _FICTIONAL):
            problems.append((f"clinic.{key}", f"{value!r} is a fictional example number"))
    return problems


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def borrowed_logo(project, name: str, logo_path: Path) -> str | None:
    """The name of another layout whose own logo file is this logo (the same bytes), if any."""
    digest = file_digest(logo_path)
    for other in sorted(set(project.layout_names()) | set(project.builtin_layout_names())):
        if other == name:
            continue
        folder = project.layout_file(other).parent
        for candidate in folder.iterdir():
            if candidate.suffix.lower() in (".png", ".jpg", ".jpeg", ".svg") and candidate.resolve() != logo_path.resolve():
                try:
                    if candidate.stat().st_size == logo_path.stat().st_size and file_digest(candidate) == digest:
                        return other
                except OSError:
                    continue
            elif candidate.resolve() == logo_path.resolve():
                return other  # inherited through extends: the file is in the other layout's folder
    return None

"""The built-in starter library: the procedures and layouts that ship with the tool.

An installed package carries a copy of the repository's procedures/ and layouts/ under
handouts/library/ (setup.py copies them into the wheel). A source checkout or an editable install
reads the repository's folders in place, so they stay the one source of truth.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from handouts.errors import HandoutsError

PACKAGE = Path(__file__).resolve().parent
FOLDERS = ("procedures", "layouts")


def _is_library(folder: Path) -> bool:
    return all((folder / name).is_dir() for name in FOLDERS)


@lru_cache(maxsize=1)
def library_root() -> Path:
    """The folder holding the built-in procedures/ and layouts/."""
    packaged = PACKAGE / "library"
    if _is_library(packaged):
        return packaged
    checkout = PACKAGE.parent
    if _is_library(checkout) and (checkout / "pyproject.toml").is_file():
        return checkout
    raise HandoutsError(
        "this installation of handouts lacks its built-in library; reinstall it (pip install handouts), "
        "or pass --project DIR with a project folder"
    )


def read_only_advice() -> str:
    return "run 'handouts init DIR' to make a project folder of your own to edit, then work in it"

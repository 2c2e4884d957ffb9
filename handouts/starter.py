"""`handouts init`: a new project folder holding a copy of the built-in library, to edit."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from handouts.errors import HandoutsError
from handouts.library import FOLDERS
from handouts.output import check_writable


def copy_library(library: Path, folder: Path) -> tuple[int, int]:
    """Copy the library's procedures/ and layouts/ into `folder`; (procedures, layouts) copied.

    Nothing is overwritten: a folder that already holds procedures or layouts is refused as a whole,
    before anything is copied."""
    check_writable(folder / FOLDERS[0], str(folder))
    if folder.exists() and not folder.is_dir():
        raise HandoutsError(f"{folder}: exists and is not a folder; choose another name")
    for name in FOLDERS:
        target = folder / name
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise HandoutsError(
                f"{target}: already exists and is not empty, so {folder} is already a project; "
                "work in it, or give 'handouts init' a new folder"
            )
    # Copied beside the final place first, then renamed in: a failure leaves no half-copied project.
    staging = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=folder, prefix=".handouts-init-"))
        for name in FOLDERS:
            shutil.copytree(library / name, staging / name, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.tmp"))
        for name in FOLDERS:
            os.replace(staging / name, folder / name)  # an empty folder of that name is replaced
    except OSError as exc:
        raise HandoutsError(f"{folder}: cannot copy the library there ({exc.strerror}); choose another folder") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    procedures = len(list((folder / "procedures").glob("*.yaml")))
    layouts = len(list((folder / "layouts").glob("*/layout.yaml")))
    return procedures, layouts

"""Build hook: the installed package carries the repository's procedures/ and layouts/ as its
built-in starter library (handouts/library/), so `pip install .` gives a tool that works in any
folder. The repository's folders stay the one source of truth; an editable install reads them in
place (see handouts/library.py)."""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
LIBRARY = ("procedures", "layouts")


class build_py_with_library(build_py):
    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        target = Path(self.build_lib) / "handouts" / "library"
        shutil.rmtree(target, ignore_errors=True)  # never ship a procedure since removed
        for folder in LIBRARY:
            shutil.copytree(
                ROOT / folder, target / folder, ignore=shutil.ignore_patterns(".*", "__pycache__", "*.tmp")
            )


setup(cmdclass={"build_py": build_py_with_library})

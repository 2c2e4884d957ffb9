"""The project as the server sees it: loaded once per process, and reloaded where its files change.

Procedures are cached by file time and size already (Project); layouts are dropped when any file they
are made of changes (their chain of layout.yaml files, logo, fonts). A broken file is an error shown
on the page, never a reason for the server to stop.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from handouts.errors import HandoutsError
from handouts.project import Project

MAX_QUERY = 100


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    error: str | None = None


class Content:
    def __init__(self, root: Path, default_layout: str | None = None):
        self.project = Project.locate(root)
        self.project.shown_from = self.project.root  # error messages name files as the project has them
        self.preferred = default_layout

    def fresh(self) -> Project:
        """The project, with any layout whose files changed since it was loaded forgotten."""
        if self.project.forget_changed_layouts():
            from handouts import images

            images._raster.cache_clear()  # the logo may be a new image under the same name
            images._svg.cache_clear()
        return self.project

    def layouts(self) -> list[Choice]:
        project = self.fresh()
        choices = []
        for name in project.layout_names():
            try:
                spec = project.layout(name).layout
                choices.append(Choice(name, f"{name}: {spec.description or spec.clinic.name}"))
            except HandoutsError as exc:
                choices.append(Choice(name, f"{name} (has an error)", "; ".join(exc.lines)))
        return choices

    def default_layout(self) -> str:
        names = self.project.layout_names()
        for name in (self.preferred, "default"):
            if name and name in names:
                return name
        return names[0] if names else "default"

    def languages(self) -> list[str]:
        from handouts.project import _languages

        return _languages()

    def search(self, query: str, limit: int = 8) -> list[Choice]:
        """Procedures whose code starts with the query or whose title or name holds all its words."""
        project = self.fresh()
        query = query.strip()[:MAX_QUERY].lower()
        words = query.split()
        if not words:
            return []
        by_code, by_words = [], []
        for code, path in project.procedure_files().items():
            try:
                procedure = project.load_procedure_file(path)
            except HandoutsError as exc:
                if code.lower().startswith(query):
                    by_code.append(Choice(code, f"{code} (cannot be used)", "; ".join(exc.lines)))
                continue
            choice = Choice(code, f"{code} {procedure.title}")
            text = f"{procedure.title} {procedure.name}".lower()
            if code.lower().startswith(query):
                by_code.append(choice)
            elif all(word in text for word in words):
                by_words.append(choice)
        return (by_code + by_words)[:limit]

    def title(self, code: str) -> str:
        """A picked code's label for its chip; the code alone if it cannot be read."""
        try:
            return f"{code} {self.project.procedure(code).title}"
        except HandoutsError:
            return code

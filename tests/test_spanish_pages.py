"""The Spanish handouts keep the English page budgets: rendered and read back, in every layout, in
normal and in large print. Spanish runs longer than English, so a translation that reads well can
still push the warning signs onto a third page; this catches it the way a patient would see it."""

from __future__ import annotations

import pytest

from conftest import LAYOUTS, ROOT, SEEDS, folded, pdf_reader
from handouts.content.lint import PAGE_BUDGET
from handouts.pipeline import render_in
from handouts.project import Project

CODES = sorted(SEEDS)


@pytest.fixture(scope="module")
def repo() -> Project:
    return Project(ROOT)


@pytest.mark.parametrize("large_print", [False, True], ids=["normal", "large-print"])
@pytest.mark.parametrize("layout_name", LAYOUTS)
@pytest.mark.parametrize("code", CODES)
def test_spanish_handouts_fit_the_english_page_budget(repo, code, layout_name, large_print):
    procedure = repo.procedure(code, enforce_approval=False)
    pdf = render_in(repo, [procedure], repo.layout(layout_name), ("es",), large_print=large_print)
    reader = pdf_reader(pdf)
    pages = len(reader.pages)
    last = folded(reader.pages[-1].extract_text() or "")
    # It is the Spanish copy that was measured, not an English fallback.
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert f"Página {pages} de {pages}" in last
    budget = PAGE_BUDGET["large_print" if large_print else "single"]
    assert pages <= budget, f"{code} [es] {layout_name}{' large print' if large_print else ''}: {pages} pages"

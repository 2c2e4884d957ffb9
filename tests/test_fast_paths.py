"""The fast paths give exactly what the slow ones give: validated-content cache (Records instead of
pydantic models), the quick wording templates (instead of Jinja2), logo objects built once."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ROOT, fresh_renders, run
from hypothesis import given, settings
from hypothesis import strategies as st

from handouts import validated
from handouts.pipeline import render_pdf
from handouts.project import Project
from handouts.quicktemplate import Fallback, compile_template
from handouts.schema import Procedure
from handouts.templating import QUICK_FILTERS, _environment, fill


def test_records_hold_exactly_the_validated_values(project):
    proj = Project(project)
    for path in sorted((project / "procedures").glob("*.yaml")):
        model = Procedure.model_validate(yaml.safe_load(path.read_text()))
        record = proj.load_procedure_file(path)
        assert isinstance(record, validated.Record)
        assert record.model_dump() == model.model_dump()
        assert record.handout.model_dump(exclude={"warning_signs"}) == model.handout.model_dump(exclude={"warning_signs"})
        assert record.to_data() == model.to_data()  # a model method, served by the rebuilt model
        assert validated.as_model(record) == model
        # Properties, argument-free methods and truth value, without the model.
        assert record.kind == model.kind
        signs = record.handout.warning_signs
        assert bool(signs) == bool(model.handout.warning_signs)
        assert signs.tiers() == model.handout.warning_signs.tiers()
    for name in ("default", "riverside-spine", "northgate-pain"):
        record = proj.layout(name).layout
        assert validated.as_model(record).model_dump() == record.model_dump()
        assert record.fonts.model_dump(exclude_none=True) == validated.as_model(record).fonts.model_dump(exclude_none=True)


def test_a_cache_hit_gives_the_same_bytes_without_pydantic_or_jinja2(project, tmp_path):
    seen = fresh_renders(project, tmp_path, "'pydantic' in sys.modules, 'jinja2' in sys.modules")
    assert seen == ["True False", "False False"]  # validated once; no Jinja2 either time


def test_an_edited_file_is_validated_again(project):
    assert run(project, "render", "64634").exit_code == 0
    path = project / "procedures" / "64634.yaml"
    path.write_text(path.read_text().replace("fasting_hours: 6", "fasting_hours: 99"))
    result = run(project, "render", "64634")
    assert result.exit_code == 2 and "handout.fasting_hours" in result.stderr


def test_a_damaged_or_foreign_cache_is_not_trusted(project, tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", str(folder))
    validated.cache_dir.cache_clear()
    try:
        proj = Project(project)
        good = proj.procedure("64634")
        for entry in folder.iterdir():
            entry.write_text('{"$m": "Procedure", "f": {"title": "Tampered"')  # cut short
        assert Project(project).procedure("64634").title == good.title
        for entry in folder.iterdir():
            data = json.loads(entry.read_text())
            data["f"]["title"] = "Tampered"
            entry.write_text(json.dumps(data))
        folder.chmod(0o777)  # anyone could have written it: not used
        validated.cache_dir.cache_clear()
        assert validated.cache_dir() is None
        assert Project(project).procedure("64634").title == good.title
    finally:
        folder.chmod(0o700)
        validated.cache_dir.cache_clear()


def test_cached_and_fresh_content_render_the_same_bytes(project, tmp_path, monkeypatch):
    proj = Project(project)
    first = render_pdf(proj.procedure("01992"), proj.layout("northgate-pain"))
    monkeypatch.setenv("HANDOUTS_CACHE_DIR", "off")
    validated.cache_dir.cache_clear()
    try:
        fresh = Project(project)
        assert render_pdf(fresh.procedure("01992"), fresh.layout("northgate-pain")) == first
        assert render_pdf(validated.as_model(fresh.procedure("01992")), fresh.layout("northgate-pain")) == first
    finally:
        validated.cache_dir.cache_clear()


# ---------------------------------------------------------------- quick templates


def jinja(source: str, context: dict):
    from jinja2 import TemplateError

    try:
        return ("ok", _environment().from_string(source).render(context).strip())
    except TemplateError as exc:
        return ("error", type(exc).__name__)


def quick(source: str, context: dict):
    compiled = compile_template(source, QUICK_FILTERS)
    if compiled is None:
        return None
    try:
        return ("ok", compiled(context).strip())
    except Fallback:
        return None


def wording_templates() -> list[str]:
    sources = list(yaml.safe_load((ROOT / "handouts/data/wording/en.yaml").read_text()).values())
    for path in (ROOT / "layouts").glob("*/layout.yaml"):
        sources += list((yaml.safe_load(path.read_text()).get("wording") or {}).values())
    return [str(s) for s in sources if "{{" in str(s) or "{%" in str(s)]


EXTRA = [
    "{{ a }}{{ b.c }}", "{% if a %}yes{% else %}no{% endif %}", "{%- if n > 1 %} many {%- elif n == 1 -%} one {% else %}none{% endif %}",
    "{{ 'x' if not a else 'y' }}", "{{ a and b.c or 'z' }}", "{{ items | join(', ') }} ({{ items | length }})",
    "{{ n | hours }} / {{ n | minutes }}", "{{ items | span }}", "{{ n | span }}", "{{ b.items }}", "{{ missing }}", "{{ a | upper }}", "{% for x in items %}{{ x }}{% endfor %}",
    "{{ (n) >= 2 }}", "{{ a }} }} x", "{# note #}{{ a }}", "{{ 'a' ~ 'b' }}", "{{ b['c'] }}", "{{ n < 'x' }}", "{{ none }}{{ true }}",
    "{% if a %}{% if n %}deep{% endif %}{% endif %}", "{{ items }}", "{% if a %}x{% else %}y{% else %}z{% endif %}", "{{ 'a' if a }}",
]

CONTEXTS = [
    {"a": "A", "b": {"c": "C", "items": "I"}, "n": 2, "items": ["p", "q"]},
    {"a": "", "b": {"c": None}, "n": 1, "items": []},
    {"a": 0, "b": {}, "n": 0.5, "items": ["r"]},
]


@pytest.mark.parametrize("source", wording_templates() + EXTRA)
def test_quick_templates_agree_with_jinja2(source):
    contexts = CONTEXTS + [sample_wording_context()]
    for context in contexts:
        got = quick(source, context)
        if got is not None:
            assert got == jinja(source, context), (source, context)


def sample_wording_context() -> dict:
    return {
        "procedure": {"code": "64634", "code_system": "CPT", "title": "T", "name": "N", "add_on": True, "primary_codes": ["64633"]},
        "codes": ["64634", "77003"], "other": {"title": "O", "code_system": "CPT", "code": "77003"},
        "rules": {"fasting_hours": 6.0, "clear_liquids_hours": 2, "arrive_early_minutes": 30, "driver_required": True,
                  "duration_minutes": (30, 60), "observe_minutes": 30, "sedation": True, "uses": ["x-ray"]},
        "clinic": {"name": "C", "phone": "1", "after_hours_phone": None, "emergency_number": "911"},
        "review": {"status": "draft", "date": None, "content_version": "2"},
        "appointment": {"fasting_start": "x", "clear_liquids_stop": "y", "arrival": "z"},
        "day": "Monday", "row": 7, "day_before": "Sunday", "withs": ["with X-ray", "with numbing"], "single": False, "pages": "3-4",
    }


def test_the_shipped_wording_is_all_on_the_quick_path():
    context = sample_wording_context()
    assert all(quick(source, context) is not None for source in wording_templates())


values = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(0, 48, allow_nan=False), st.text(max_size=4),
                   st.lists(st.text(max_size=3), max_size=3))


@settings(max_examples=150, deadline=None)
@given(a=values, n=values, c=values, items=values)
def test_quick_templates_agree_with_jinja2_on_any_values(a, n, c, items):
    context = {"a": a, "n": n, "b": {"c": c}, "items": items}
    for source in EXTRA[:8]:
        got = quick(source, context)
        if got is not None:
            assert got == jinja(source, context), (source, context)


def test_fill_still_reports_template_errors():
    with pytest.raises(Exception) as raised:
        fill("Call {{ clinic.fax }}", {"clinic": {"phone": "1"}}, "wording.x (layout 'y')")
    assert "wording.x (layout 'y'): template problem" in str(raised.value)


# ---------------------------------------------------------------- images


def test_the_logo_is_in_every_pdf_the_process_makes(project):
    proj = Project(project)
    layout = proj.layout("riverside-spine")
    first = render_pdf(proj.procedure("64634"), layout)
    second = render_pdf(proj.procedure("01992"), layout)
    again = render_pdf(proj.procedure("64634"), layout)
    assert first == again
    from conftest import pdf_reader

    for pdf in (first, second):
        images = pdf_reader(pdf).pages[0].images
        assert len(images) == 1 and images[0].image.size == (600, 600)


# ---------------------------------------------------------------- library scale


def test_checkpoints_append_to_a_journal_and_the_manifest_is_written_once(project, monkeypatch):
    from handouts import build as library

    writes, flushed = [], []
    real_write, real_flush = library.write_manifest, library.Journal.flush
    monkeypatch.setattr(library, "CHECKPOINT_SECONDS", 0.0)  # a checkpoint after every handout
    monkeypatch.setattr(library, "write_manifest", lambda path, entries: (writes.append(len(entries)), real_write(path, entries)))

    def flush(journal):
        flushed.append(len(journal.pending))
        real_flush(journal)

    monkeypatch.setattr(library.Journal, "flush", flush)
    out = project / "output" / "library"
    result = library.build(Project(project), out, jobs=1)
    assert len(result.built) == 15 and writes == [15]  # the whole manifest once, at the end
    assert sum(flushed) == 15 and max(flushed) == 1  # each checkpoint wrote only what was new
    assert not (out / "manifest.json.journal").exists()
    again = library.build(Project(project), out, jobs=1)
    assert len(again.unchanged) == 15 and writes == [15]  # nothing changed: nothing rewritten


def test_a_journal_cut_short_by_a_kill_still_counts(project):
    from handouts import build as library

    out = project / "output" / "library"
    library.build(Project(project), out, jobs=1)
    manifest = out / "manifest.json"
    entries = json.loads(manifest.read_text())["handouts"]
    manifest.unlink()  # as if killed before the manifest was ever written whole
    lines = [json.dumps([key, entry]) for key, entry in sorted(entries.items())]
    (out / "manifest.json.journal").write_text("\n".join(lines) + '\n["default/64634", {"pa')
    result = library.build(Project(project), out, jobs=1)
    assert len(result.built) == 0 and len(result.unchanged) == 15
    assert json.loads(manifest.read_text())["handouts"] == entries
    assert not (out / "manifest.json.journal").exists()


def test_a_procedure_is_found_by_code_without_listing_the_folder(project, monkeypatch):
    proj = Project(project)
    monkeypatch.setattr(Project, "procedure_files", lambda self: (_ for _ in ()).throw(AssertionError("listed")))
    assert proj.procedure("64634").code == "64634"


def test_the_step_phases_written_out_in_merge_are_the_schemas():
    from handouts import merge, schema

    assert merge.PHASES == schema.PHASES


def test_a_record_is_false_where_its_model_is():
    from handouts.schema import WarningSigns

    assert not validated.to_record(WarningSigns()) and not WarningSigns()
    assert validated.to_record(WarningSigns(call_now=["Fever"]))


def test_a_record_crosses_to_another_process_intact(project):
    import copy
    import pickle

    record = Project(project).procedure("64634")
    again = pickle.loads(pickle.dumps(record))
    assert again == record and again.kind == record.kind and copy.deepcopy(record) == record
    assert bool(again.handout.warning_signs) == bool(record.handout.warning_signs)

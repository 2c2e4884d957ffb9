"""What an anxious patient reads: one instruction per topic, the same words for the same thing, no
two lines that disagree. Each check reads the printed PDF back (English and Spanish)."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, SEEDS, pdf_text
from handouts.pipeline import render_in
from handouts.project import Project

CODES = sorted(SEEDS)


@pytest.fixture(scope="module")
def repo() -> Project:
    return Project(ROOT)


@pytest.fixture(scope="module")
def printed(repo):
    """{(code, language): the PDF's text} for every bundled handout, in the riverside-spine layout."""
    layout = repo.layout("riverside-spine")
    return {
        (code, language): pdf_text(render_in(repo, [repo.procedure(code)], layout, (language,)))
        for code in CODES for language in ("en", "es")
    }


@pytest.mark.parametrize("code", CODES)
def test_numb_legs_have_one_normal_window_and_it_matches_when_to_call(printed, code):
    text = printed[code, "en"]
    call = re.search(r"Still numb or weak after (\d+) hours", text)
    normal = re.search(r"numb or weak for ([^.]+?)\.", text)
    if not call:
        assert not normal, "a normal numbness window with no sign that says when it is not normal"
        return
    assert normal and normal.group(1) == f"up to {call.group(1)} hours", normal
    assert "a few hours" not in normal.group(1)
    spanish = printed[code, "es"]
    assert f"débiles hasta {call.group(1)} horas" in spanish and "débiles unas horas" not in spanish


@pytest.mark.parametrize("code", CODES)
def test_sudden_or_new_weakness_is_in_one_tier_only(repo, code):
    """Weakness that comes on suddenly is a 911 sign; the same symptom must not also say "call us"."""
    signs = repo.procedure(code).handout.warning_signs
    tiers = [tier for tier in ("emergency", "call_now", "office_hours")
             if any(re.search(r"\b(new|sudden)\b.*\bweak", sign, re.I) for sign in getattr(signs, tier))]
    assert len(tiers) <= 1, tiers


def test_00632_tells_one_story_about_the_night(printed):
    for text in (printed["00632", "en"],):
        assert "rest with us for about 2 hours" in text  # then home, or ...
        assert "You may need to stay one night" in text  # ... a night's stay: both are possible
        assert "Pack for one night" not in text
    assert "Quizás deba quedarse una noche" in printed["00632", "es"]


@pytest.mark.parametrize("code", CODES)
def test_one_driving_rule_in_every_handout(repo, printed, code):
    text, spanish = printed[code, "en"], printed[code, "es"]
    rules = repo.procedure(code).handout
    assert "rest of the day" not in text and "resto del día" not in spanish
    if rules.driver_required:
        assert text.count("For 24 hours, do not drive") == 1
        assert spanish.count("Por 24 horas, no maneje") == 1
        assert "que le lleve" not in spanish  # "le" for the patient: "que maneje al regresar a casa"
    if rules.driver_required and not rules.sedation:  # awake, yet no driving: the handout says why
        assert "This is why an adult must take you home" in text


@pytest.mark.parametrize("code", CODES)
def test_blood_thinner_restart_and_pain_diary_say_the_same_thing_everywhere(printed, code):
    text, spanish = printed[code, "en"], printed[code, "es"]
    if "Restart your blood thinner" in text:
        assert "Restart your blood thinner only when we tell you" in text
        assert "Vuelva a tomar su anticoagulante solo cuando le digamos" in spanish
    if re.search(r"rate your pain", text, re.I):
        assert text.count("Keep a pain diary. Rate your pain from 0 (no pain) to 10 (worst)") == 1
        assert spanish.count("Lleve un diario del dolor. Anote su dolor de 0 (sin dolor) a 10 (el peor)") == 1
    assert "Sigue con dolor a las" not in spanish  # "No pain relief" is not "still in pain"

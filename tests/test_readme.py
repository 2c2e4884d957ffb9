"""The README's examples really run."""

from __future__ import annotations

import re
import shlex

import pytest

from conftest import ROOT, SEEDS, run

README = (ROOT / "README.md").read_text(encoding="utf-8")


def examples() -> list[str]:
    lines = []
    for block in re.findall(r"```sh\n(.*?)```", README, re.S):
        for line in block.splitlines():
            command = line.split("  #")[0].strip()
            if command.startswith("handouts "):
                lines.append(command)
    return lines


def test_the_readme_has_examples():
    assert len(examples()) >= 8


@pytest.fixture(scope="module")
def tutorial(tmp_path_factory):
    """One project for all the examples, run in order, as a reader following the README would."""
    import shutil

    root = tmp_path_factory.mktemp("tutorial")
    for folder in ("procedures", "layouts", "examples"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


@pytest.mark.parametrize("command", examples())
def test_readme_example_runs(tutorial, command, monkeypatch):
    project = tutorial
    monkeypatch.chdir(project)
    seed_dir = str(SEEDS["01992"].parent)
    args = [arg.replace("../shared/seeds", seed_dir).replace("tests/data/seeds", seed_dir)
            for arg in shlex.split(command)[1:]]
    result = run(project, *args)
    assert result.exit_code == 0, result.output


def test_readme_test_command_matches_ci():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -e '.[test]' && python -m pytest" in README
    assert "pip install -e '.[test]' && python -m pytest" in ci

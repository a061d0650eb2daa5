"""Generated documentation and the Vensim sketch stay current with the model."""

from pathlib import Path

from doctools import run_tool, tool

ROOT = Path(__file__).resolve().parents[2]


def test_technical_reference_tables_are_current():
    code, output = run_tool("write_reference.py", "--check")
    assert code == 0, output


def test_facilitator_guide_says_what_each_teach_step_answers():
    """The guide's table of the storyline's answers is the storyline run on this model."""
    update = tool("update_docs.py")
    text = (ROOT / "docs" / "facilitator-guide.md").read_text(encoding="utf-8")
    block = text.split(update.ANSWERS_BEGIN, 1)[1].split(update.ANSWERS_END, 1)[0]
    assert block.strip() == update.storyline_answers().strip(), (
        "docs/facilitator-guide.md is stale: run python tools/update_docs.py")


def test_sketch_has_one_view_per_sector_and_is_current():
    code, output = run_tool("write_sketch.py", "--check", str(ROOT / "models" / "slack.mdl"))
    assert code == 0, output
    text = (ROOT / "models" / "slack.mdl").read_text()
    views = [line for line in text.splitlines() if line.startswith("*") and line[1:2].isdigit()]
    for sector in ("Need and demand", "Capacity and slack", "Prevention",
                   "Partnership and community", "Finance and austerity", "Shocks"):
        assert any(sector in v for v in views), sector


def test_readme_quick_start_commands():
    """Two commands: one sets up and starts the app, one sets up and runs the tests (as CI)."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash", 1)[1].split("```", 1)[0]
    commands = [ln for ln in block.splitlines() if ln.strip() and not ln.startswith("#")]
    assert len(commands) == 2, commands
    app, tests = commands
    assert app.startswith("python3 -m venv .venv") and 'pip install -e ".[app]"' in app
    assert app.endswith("streamlit run app.py")
    assert tests.startswith("python3 -m venv .venv") and 'pip install -e ".[test]"' in tests
    test_command = tests.rsplit("&& ", 1)[1]
    assert test_command == "python -m pytest -q"
    ci = (ROOT / ".ci" / "run").read_text()
    assert 'pip install --quiet -e ".[test]"' in ci
    assert any(line.strip() == test_command for line in ci.splitlines())


def test_the_readme_test_command_runs_the_slow_tests_too():
    """CI runs the README's command: nothing may deselect the `slow` tests by default."""
    import tomllib

    options = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"]
    assert any(m.startswith("slow:") for m in options["markers"])
    assert "--strict-markers" in options["addopts"].split()
    assert "-m" not in options["addopts"].split() and "not slow" not in options["addopts"]

"""Generated documentation and the Vensim sketch stay current with the model."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _check(script: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "tools" / script), "--check"]
                          + (["models/slack.mdl"] if script == "write_sketch.py" else []),
                          cwd=ROOT, capture_output=True, text=True)


def test_technical_reference_tables_are_current():
    result = _check("write_reference.py")
    assert result.returncode == 0, result.stderr


def test_sketch_has_one_view_per_sector_and_is_current():
    result = _check("write_sketch.py")
    assert result.returncode == 0, result.stderr + result.stdout
    text = (ROOT / "models" / "slack.mdl").read_text()
    views = [line for line in text.splitlines() if line.startswith("*") and line[1:2].isdigit()]
    for sector in ("Need and demand", "Capacity and slack", "Prevention",
                   "Partnership and community", "Finance and austerity", "Shocks"):
        assert any(sector in v for v in views), sector


def test_readme_quick_start_commands():
    readme = (ROOT / "README.md").read_text()
    assert "pip install -e . && slack-sim run" in readme
    assert 'pip install -e ".[test]" && python -m pytest -q' in readme

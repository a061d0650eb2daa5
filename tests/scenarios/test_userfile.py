"""The one set of checks every user-named file gets (scenarios.userfile)."""

from __future__ import annotations

import pytest

from slack_sim.scenarios import ScenarioError
from slack_sim.scenarios import profile_file as pf
from slack_sim.scenarios.userfile import check_size, decode_text, read_user_file


def test_reads_a_file_within_the_limit(tmp_path):
    path = tmp_path / "ok.json"
    path.write_bytes(b"x" * 10)
    assert read_user_file(path, kind="scenario file", expected="a JSON file",
                          limit=10) == b"x" * 10


@pytest.mark.parametrize("case, message", [
    ("folder", r"scenario file '.*folder' is a directory, not a JSON file"),
    ("missing", r"scenario file '.*missing.json' not found"),
    ("large", r"scenario file '.*large.json' too large \(11 bytes; at most 10\)"),
])
def test_refuses_with_one_line_naming_the_file(tmp_path, case, message):
    (tmp_path / "folder").mkdir()
    (tmp_path / "large.json").write_bytes(b"x" * 11)
    target = {"folder": tmp_path / "folder", "missing": tmp_path / "missing.json",
              "large": tmp_path / "large.json"}[case]
    with pytest.raises(ScenarioError, match=message) as info:
        read_user_file(target, kind="scenario file", expected="a JSON file", limit=10)
    assert "\n" not in str(info.value)


def test_size_is_checked_on_the_bound_itself():
    check_size(10, what="upload", limit=10)
    with pytest.raises(ScenarioError, match=r"upload too large \(1,000,001 bytes; at most "
                                            r"1,000,000\)"):
        check_size(1_000_001, what="upload", limit=1_000_000)


def test_text_must_be_utf8():
    assert decode_text("Bromley £".encode(), what="f", expected="a TOML file") == "Bromley £"
    with pytest.raises(ScenarioError, match="f: not a TOML file \\(not UTF-8 text"):
        decode_text(b"\xff\xfe", what="f", expected="a TOML file")


def test_profile_files_use_the_checks(tmp_path):
    with pytest.raises(ScenarioError, match="is a directory, not a TOML file"):
        pf.load_profile_file(tmp_path)
    with pytest.raises(ScenarioError, match="not found"):
        pf.load_profile_file(tmp_path / "none.toml")
    with pytest.raises(ScenarioError, match="not a TOML profile file \\(not UTF-8 text"):
        pf.read_profile_text(b"\xff\xfe", name="f.toml")


def test_scenario_files_get_the_same_checks(tmp_path):
    import slack_sim as ss

    with pytest.raises(ScenarioError, match="is a directory, not a JSON file"):
        ss.load_scenario(tmp_path)
    with pytest.raises(ScenarioError, match=r"scenario file '.*none.json' not found"):
        ss.load_scenario(tmp_path / "none.json")

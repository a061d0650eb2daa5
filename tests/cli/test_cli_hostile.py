"""Hostile command lines: one clear line, the right exit status, nothing forged."""

import json

from slack_sim.cli import main
from slack_sim.report.text import terminal_safe


def test_terminal_safe_escapes_control_characters():
    assert terminal_safe("ok\x1b[31m red\nslack-sim: error: forged\t.") == (
        "ok\\x1b[31m red\\nslack-sim: error: forged\t.")
    assert terminal_safe("\u202egnp.exe") == "\\u202egnp.exe"


def test_show_cannot_colour_or_forge_lines(tmp_path, capsys):
    path = tmp_path / "evil.json"
    path.write_text(json.dumps({"format": "slack-sim scenario", "profile": "generic",
                                "values": {}, "name": "x\x1b[31m\nslack-sim: error: forged"}))
    assert main(["show", str(path)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\nslack-sim: error: forged" not in out


def test_deep_json_and_huge_numbers_are_one_line(tmp_path, capsys):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 200_000 + "]" * 200_000)
    big = tmp_path / "big.json"
    big.write_text('{"format": "slack-sim scenario", "profile": "generic", '
                   '"values": {"Slack target": ' + "9" * 401 + "}}")
    for path in (deep, big):
        assert main(["run", "--scenario", str(path)]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("slack-sim: error: "), err


def test_ctrl_c_exits_130_with_one_line(monkeypatch, capsys):
    import slack_sim.cli.commands as commands

    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(commands, "presets_command", interrupted)
    from slack_sim.cli import parser

    monkeypatch.setattr(parser, "presets_command", interrupted)
    assert main(["presets"]) == 130
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "interrupted" in err[0]


def test_full_width_digits_are_refused(capsys):
    assert main(["run", "--set", "Slack target=０.３"]) == 2
    err = capsys.readouterr().err
    assert "Slack target" in err and "'０.３'" in err

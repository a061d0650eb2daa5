"""Defect class 3: nothing user-supplied reaches a terminal or the page as markup.

A scenario's name and description, a variable name or a link's parameter are shown as
text: ANSI escapes and newlines are escaped on the terminal (no recolouring, no forged
``slack-sim: error:`` line) and Markdown or HTML in a link is not rendered in the app.
"""

import json
import re
from pathlib import Path

import pytest

from slack_sim.cli import main
from slack_sim.report.text import terminal_safe

APP = str(Path(__file__).resolve().parents[2] / "app.py")
FORGED = "x\x1b[31m red\r\x1b[2K\nslack-sim: error: forged\u202e"


def test_terminal_safe_escapes_control_characters():
    assert terminal_safe("ok\x1b[31m red\nslack-sim: error: forged\t.") == (
        "ok\\x1b[31m red\\nslack-sim: error: forged\t.")
    assert terminal_safe("\u202egnp.exe") == "\\u202egnp.exe"


def _evil_file(tmp_path):
    path = tmp_path / "evil.json"
    path.write_text(json.dumps({"format": "slack-sim scenario", "profile": "generic",
                                "values": {}, "name": FORGED, "description": FORGED}))
    return path


ARGVS = [
    ["show", "{file}"],
    ["run", "--scenario", "{file}", "--out", "{tmp}/o.csv"],
    ["summary", "--scenario", "{file}"],
    ["run", "--scenario", "{file}", "--set", "Slack target=9"],  # an error naming it
    ["run", "--set", FORGED + "=1"],
    ["run", "--profile", FORGED],
    ["save", "--name", FORGED, "--description", FORGED, "--out", "{tmp}/s.json"],
]


def _run(argv, tmp_path, capsys):
    path = _evil_file(tmp_path)
    argv = [a.replace("{file}", str(path)).replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) in (0, 2)
    captured = capsys.readouterr()
    return captured.out + captured.err


@pytest.mark.parametrize("argv", ARGVS)
def test_no_escape_sequence_reaches_the_terminal(argv, tmp_path, capsys):
    shown = _run(argv, tmp_path, capsys)
    assert not re.search("[\x1b\r\u202e]", shown), shown


@pytest.mark.parametrize("argv", ARGVS)
def test_no_line_is_forged(argv, tmp_path, capsys):
    shown = _run(argv, tmp_path, capsys)
    assert not any(line.startswith("slack-sim: error: forged") for line in shown.splitlines())


@pytest.mark.parametrize("query", [
    {"[Click here to fix](http://127.0.0.1:8713/phish)": "1"},
    {"![x](http://127.0.0.1:8713/track.png)": "1"},
    {"<img src=http://127.0.0.1:8713/t.png>": "1"},
    {"profile": "[Click here](http://127.0.0.1:8713/phish)"},
    {"preset": "<script>alert(1)</script>"},
    {"view": "[Click](http://127.0.0.1:8713/phish)"},
])
def test_a_link_cannot_put_markup_on_the_page(query):
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(query)
    at.run()
    assert not at.exception
    shown = " ".join(e.value for e in [*at.error, *at.warning])
    assert shown, "the bad link was not reported"
    # Streamlit renders these boxes as Markdown (with HTML off): an unescaped [text](url)
    # is a link, ![x](url) an image; escaped brackets and parentheses are plain text
    assert not re.search(r"(?<!\\)\[[^\]]*(?<!\\)\]\(", shown), shown  # link, image
    assert not re.search(r"https?://", shown), shown  # an automatic link
    assert not re.search(r"(?<!\\)<", shown), shown  # a tag


@pytest.mark.parametrize("text", [
    "[Click here to fix](http://127.0.0.1:8713/phish)", "![x](http://127.0.0.1:8713/t.png)",
    "<img src=x onerror=alert(1)>", ":red[alarm] :material/warning:", "$\\frac{1}{0}$",
    "**bold** _it_ `code` ~~gone~~", "line\n# heading\n| a | b |", "www.example.com",
    "http://127.0.0.1:8713/phish", "mail me@example.com", "WWW.EXAMPLE.COM",
])
def test_plain_text_leaves_no_markup(text):
    pytest.importorskip("streamlit")
    from slack_sim.ui.state import plain_text

    out = plain_text(text)
    assert "\n" not in out
    assert not re.search(r"(?<!\\)[\[\]<>*_`~$:]", out), out
    shown = re.sub(r"\\(.)", r"\1", out)  # the text once Markdown's escapes are read
    assert not re.search(r"://|www\.|@\w", shown, re.I), shown  # no bare address to link
    # and it reads as given (the word joiners are invisible)
    assert shown.replace("\u2060", "") == text.replace("\n", " ")

"""Bring every generated doc and every checked figure up to date with the current model.

Usage::

    python tools/update_docs.py            # regenerate, then rewrite stale figures in place
    python tools/update_docs.py --check    # change nothing; exit 1 if anything is stale

One command for when the model changes. In order it:

1. regenerates the tables of ``docs/technical-reference.md`` (``tools/write_reference.py``),
   the "What the model shows" tables of ``docs/levers/*.md`` (``tools/write_lever_docs.py``)
   the ranges tables of ``docs/uncertainty.md``
   (``slack_sim.analysis.ensemble.ranges_markdown()``) and the table of what each Teach step
   answers in ``docs/facilitator-guide.md`` (each step run as the page runs it);
2. checks the Vensim sketch of ``models/slack.mdl`` (``tools/write_sketch.py --check``)
   and only reports when it is stale: the model file is the model owner's, who runs
   ``python tools/write_sketch.py models/slack.mdl -o models/slack.mdl``;
3. recomputes every claim of ``docs/checks.toml`` with the computations declared in
   ``tests/docs/test_claims.py`` (the same code the test runs) and, where a document
   prints a stale figure in a claim's phrase, writes the current one in its place, with
   the decimals and separators it was printed with.

What it cannot do by itself it lists and exits 1: a phrase no longer in its document, a
claim in words (``between``) whose figure left its range, a figure the model no longer
gives (``nan``: e.g. "recovers in N months" for a run that no longer recovers), or a bound
that no longer holds. Those need a person to reword the text (and the claim).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _claims_module() -> ModuleType:
    """``tests/docs/test_claims.py``: the claims' computations, as the test runs them."""
    for folder in (TESTS, TESTS / "docs"):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    return _load(TESTS / "docs" / "test_claims.py", "_claims")


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Return the phrase as a regular expression: any whitespace, the figure a group."""
    def words(text: str) -> str:
        return r"\s+".join(re.escape(w) for w in text.split())

    head, _, tail = phrase.partition("{value}")
    head_re, tail_re = words(head), words(tail)
    gap_before = r"\s+" if head[-1:].isspace() else ""
    gap_after = r"\s+" if tail[:1].isspace() else ""
    return re.compile(head_re + gap_before + r"(" + _NUMBER + r")" + gap_after + tail_re)


_NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?"


#: The generated block of docs/uncertainty.md (its marker keeps the function's old name).
RANGES_BEGIN = "<!-- BEGIN GENERATED: slack_sim.uncertainty.ranges_markdown() -->"
RANGES_END = "<!-- END GENERATED -->"


def update_ranges(*, write: bool) -> bool:
    """Bring the ranges tables of docs/uncertainty.md up to date; return whether stale."""
    from slack_sim.analysis.ensemble import ranges_markdown

    path = ROOT / "docs" / "uncertainty.md"
    text = path.read_text(encoding="utf-8")
    head, rest = text.split(RANGES_BEGIN, 1)
    _, tail = rest.split(RANGES_END, 1)
    new = f"{head}{RANGES_BEGIN}\n\n{ranges_markdown().strip()}\n\n{RANGES_END}{tail}"
    if new != text and write:
        path.write_text(new, encoding="utf-8")
    return new != text


#: The generated block of docs/facilitator-guide.md: what the Teach page's steps answer.
ANSWERS_BEGIN = "<!-- BEGIN GENERATED: python tools/update_docs.py (the storyline's answers) -->"
ANSWERS_END = "<!-- END GENERATED -->"
GUIDE = ROOT / "docs" / "facilitator-guide.md"


def storyline_answers() -> str:
    """Return the Markdown table of every Teach step's computed answer and its numbers.

    Each step is run as the Teach page runs it (:func:`slack_sim.teach.storyline.run_step`),
    so the guide says what the page will show for the current model.
    """
    import slack_sim as ss
    from slack_sim.teach import storyline

    model = ss.load_model()
    lines = [f"Model version `{model.version}`.", "",
             "| step | title | the model says | the numbers behind it |", "|---|---|---|---|"]
    for number, item in enumerate(storyline.STORYLINE, 1):
        verdict = storyline.run_step(item, model=model).verdict
        detail = verdict.detail.replace("|", "/")
        lines.append(f"| {number} | {item.title} | {item.answers[verdict.answer]} | {detail} |")
    return "\n".join(lines)


def update_answers(*, write: bool) -> bool:
    """Bring the guide's table of the storyline's answers up to date; return whether stale."""
    text = GUIDE.read_text(encoding="utf-8")
    head, rest = text.split(ANSWERS_BEGIN, 1)
    _, tail = rest.split(ANSWERS_END, 1)
    new = f"{head}{ANSWERS_BEGIN}\n\n{storyline_answers()}\n\n{ANSWERS_END}{tail}"
    if new != text and write:
        GUIDE.write_text(new, encoding="utf-8")
    return new != text


def update_claims(*, write: bool) -> tuple[list[str], list[str]]:
    """Recompute every claim; rewrite stale figures (with ``write``).

    Returns
    -------
    (list of str, list of str)
        The figures changed (or that would change), and the problems left for a person.
    """
    claims_mod = _claims_module()
    claims = claims_mod.load_claims()
    texts = {c["doc"]: (ROOT / c["doc"]).read_text(encoding="utf-8") for c in claims}
    changed, problems = [], []
    for claim in claims:
        doc, phrase = claim["doc"], claim["phrase"]
        value = claims_mod.COMPUTATIONS[claim["compute"]](**claim.get("args", {}))
        text = texts[doc]
        left = claims_mod.check(claim, text, value)
        if not left:
            continue
        if "between" in claim or claim.get("bound") or "{value}" not in phrase or (
                isinstance(value, float) and math.isnan(value)):
            problems += left
            continue
        pattern = _phrase_pattern(phrase)
        if not pattern.search(text):
            problems += left
            continue

        def new_figure(match: re.Match[str], value: float = value) -> str:
            printed = match.group(1)
            fresh = claims_mod.as_printed(value, printed)
            start, end = match.span(1)
            whole = match.group(0)
            return whole[: start - match.start()] + fresh + whole[end - match.start():]

        updated = pattern.sub(new_figure, text)
        changed.append(f"{doc}: {phrase.replace('{value}', str(round(value, 4)))}")
        texts[doc] = updated
    if write:
        for doc, text in texts.items():
            path = ROOT / doc
            if path.read_text(encoding="utf-8") != text:
                path.write_text(text, encoding="utf-8")
    return changed, problems


def main(argv: list[str] | None = None) -> int:
    """Regenerate the generated docs and the checked figures (``--check``: report only)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if anything is stale")
    args = parser.parse_args(argv)
    tools = ROOT / "tools"
    flag = ["--check"] if args.check else []
    status = 0
    for script in ("write_reference.py", "write_lever_docs.py"):
        code = _load(tools / script, f"_tool_{script[:-3]}").main(flag)
        print(f"{script}: {'stale' if code else 'current' if args.check else 'written'}")
        status |= code
    answers = update_answers(write=not args.check)
    print("docs/facilitator-guide.md storyline answers: "
          + ("stale" if answers and args.check else "written" if answers else "current"))
    status |= int(answers and args.check)
    ranges = update_ranges(write=not args.check)
    print("docs/uncertainty.md ranges: "
          + ("stale" if ranges and args.check else "written" if ranges else "current"))
    status |= int(ranges and args.check)
    sketch = _load(tools / "write_sketch.py", "_tool_write_sketch").main(
        ["--check", str(ROOT / "models" / "slack.mdl")])
    if sketch:
        print("models/slack.mdl: the sketch is stale; the model owner runs "
              "python tools/write_sketch.py models/slack.mdl -o models/slack.mdl")
        status = 1
    changed, problems = update_claims(write=not args.check)
    for line in changed:
        print(("stale: " if args.check else "updated: ") + line)
    for line in problems:
        print("needs a person: " + line)
    if changed and args.check:
        status = 1
    if problems:
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

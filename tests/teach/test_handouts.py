"""The participants' handouts: one page per plan, up to date with the storyline, escaped."""

import importlib.util
from pathlib import Path

import pytest

from slack_sim.teach.storyline import STORYLINE

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"


def _tool():
    spec = importlib.util.spec_from_file_location("write_handouts",
                                                  ROOT / "tools" / "write_handouts.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


TOOL = _tool()


def test_the_handouts_are_up_to_date():
    for path, text in TOOL.outputs().items():
        assert path.is_file(), f"{path} is missing: run python tools/write_handouts.py"
        assert path.read_text(encoding="utf-8") == text, \
            f"{path.name} is stale: run python tools/write_handouts.py"
    assert TOOL.main(["--check"]) == 0


@pytest.mark.parametrize("plan", list(TOOL.PLANS))
def test_each_handout_asks_its_plans_questions_as_the_app_does(plan):
    _, numbers = TOOL.PLANS[plan]
    text = TOOL.markdown(plan)
    for n, step in enumerate(STORYLINE, 1):
        assert (step.question in text) == (n in numbers), (plan, step.key)
        if n in numbers:
            assert f"## Question {n}: {step.title}" in text
            for answer in step.answers.values():
                assert f"- [ ] {answer}" in text
    page = TOOL.page(plan)
    assert "<script" not in page
    # text is escaped: the apostrophes of the questions never reach the page raw
    quoted = next(s.question for s in STORYLINE if "'" in s.question)
    if STORYLINE.index(next(s for s in STORYLINE if s.question == quoted)) + 1 in numbers:
        assert quoted.replace("'", "&#x27;") in page


def test_the_guides_plans_are_the_handouts():
    guide = (ROOT / "docs" / "facilitator-guide.md").read_text(encoding="utf-8")
    # the 60-minute plan skips steps 3 and 7 (the guide's steps table says "skip")
    assert TOOL.PLANS["60-minute"][1] == tuple(n for n in range(1, 9) if n not in (3, 7))
    assert "the 60-minute plan skips 3 and 7" in guide
    for plan in TOOL.PLANS:
        assert f"handouts/{plan}.md" in guide


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for every plan (each prints in a page of its own)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--headless=new", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.mark.parametrize("plan", list(TOOL.PLANS))
def test_each_handout_prints_on_one_a4_page(browser, plan):
    page = browser.new_page()
    try:
        page.set_content(TOOL.page(plan))
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
    finally:
        page.close()
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert pages == 1, f"{plan}: {pages} pages"

"""The teaching diagrams: SVG drawn from the model's loops and the signs of its equations."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from slack_sim.analysis import loops as ltm
from slack_sim.model.parse import load_model
from slack_sim.ui import diagram, diagram_layout


@pytest.fixture(scope="module")
def model():
    return load_model()


@pytest.fixture(scope="module")
def scored(model):
    run = ltm.loop_run()
    analysis = ltm.analyse_loops(run=run)
    signs = ltm.link_polarities(model, run, extra=diagram.lever_links(model))
    return analysis, signs


def _font_sizes(svg: str) -> list[float]:
    root = float(re.search(r'<svg [^>]*font-size="([\d.]+)"', svg).group(1))
    return [root, *(float(x) for x in re.findall(r'<text [^>]*font-size="([\d.]+)"', svg))]


def test_contracted_edge_carries_the_product_of_the_hidden_signs():
    cycle = ("A", "B", "C", "D")
    signs = {("A", "B"): -1, ("B", "C"): 1, ("C", "D"): -1, ("D", "A"): -1}
    edges = diagram._contract(cycle, {"A", "D"}, signs)
    by = {(e.cause, e.effect): e for e in edges}
    assert by[("A", "D")].sign == 1 and by[("A", "D")].hidden == ("B", "C")
    assert by[("D", "A")].sign == -1 and by[("D", "A")].hidden == ()


def test_every_loop_view_shows_its_polarity_and_marker(model, scored):
    analysis, signs = scored
    for lp in (x for x in analysis.loops if x.named):
        layout = diagram.loop_layout(model, lp, signs)
        # the arrows' signs multiply to the loop's polarity, hidden variables included
        assert math.prod(e.sign for e in layout.edges) == lp.polarity, lp.id
        assert {e.cause for e in layout.edges} == {n.name for n in layout.nodes}
        svg = diagram.to_svg(layout)
        assert svg.count("\u2212</text>") == sum(e.sign < 0 for e in layout.edges)
        assert f">{lp.named}</text>" in svg and model.loops[lp.named].name in svg
        assert min(_font_sizes(svg)) >= diagram.SVG_FONT_PX
        # nodes go round clockwise in causal order (screen y points down)
        xs = [n.x for n in layout.nodes]
        ys = [n.y for n in layout.nodes]
        area = sum(xs[i] * ys[(i + 1) % len(xs)] - xs[(i + 1) % len(xs)] * ys[i]
                   for i in range(len(xs)))
        assert area > 0 or len(xs) < 3  # two variables: one above the other
        assert layout.markers[0].clockwise


def test_loop_view_signs_come_from_the_equations(model, scored):
    analysis, signs = scored
    for lp in (x for x in analysis.loops if x.named):
        layout = diagram.loop_layout(model, lp, signs, every_variable=True)
        for e in layout.edges:
            assert e.hidden == ()
            assert e.sign == signs[(e.cause, e.effect)]


def test_whole_model_view_connects_slack_and_every_lever(model, scored):
    analysis, signs = scored
    layout = diagram.overview_layout(model, analysis.loops, signs)
    names = {n.name for n in layout.nodes}
    assert any("slack" in n.lower() for n in names)
    lever_edges = {e.cause for e in layout.edges if e.lever}
    assert lever_edges == set(model.levers)
    assert {m.loop for m in layout.markers} == set(model.loops)
    svg = diagram.to_svg(layout)
    assert min(_font_sizes(svg)) >= diagram.SVG_FONT_PX
    for lever in model.levers:
        assert f"<title>{lever}</title>" in svg
    # it fits the page's column at full size, and no two labels touch
    assert layout.width <= diagram.OVERVIEW_MAX_WIDTH
    assert not diagram_layout._overlapping(layout.nodes)


def test_svg_escapes_names():
    node = diagram.Node("<script>alert(1)</script>", 10, 10, "other", ("<b>x</b>",))
    layout = diagram.Layout(100, 100, (node,), (), (), title="a & <i>b</i>")
    svg = diagram.to_svg(layout)
    assert "<script>" not in svg and "<b>" not in svg and "<i>" not in svg
    assert "&lt;b&gt;x&lt;/b&gt;" in svg and "a &amp; &lt;i&gt;" in svg


def test_wrap_keeps_every_word_and_the_width():
    lines = diagram.wrap("Effect of fatigue on recruitment capacity")
    assert " ".join(lines) == "Effect of fatigue on recruitment capacity"
    assert all(len(s) <= diagram.LABEL_WIDTH for s in lines)


def test_dominance_bands_share_to_one(model, scored):
    analysis, _ = scored
    shares = analysis.shares("Crisis queue")
    for named_only in (False, True):
        bands = diagram.dominance_bands(shares, list(model.loops), named_only=named_only)
        assert (diagram.OTHER_LOOPS in bands.columns) is not named_only
        total = bands.sum(axis=1).to_numpy()
        assert np.all((np.abs(total - 1) < 1e-9) | (total == 0))
        assert (total > 0).mean() > 0.9
    fig = diagram.dominance_figure(pd.Series([1.0, 2.0], index=[2010.0, 2011.0]), bands,
                                   labels={"R1": "R1 <b>"}, title="<i>x</i>")
    names = [t.name for t in fig.data]
    assert "&lt;i&gt;x&lt;/i&gt;" in names and all("<" not in n for n in names)


# -- the whole-model view in a real browser (it fits the Model page's column at 1280) lives in
# tests/ui/test_presenter.py, which shares that file's app server and Chromium

"""The package's import direction, checked statically (``ast``: nothing is imported or run).

Stages, lowest first (a module may import from its own stage and from earlier ones only)::

    (validation, fileio) < model < scenarios < engine < metrics < analysis < report < teach
               < (the package root, ``slack_sim/__init__.py``, the public API)
               < cli, ui (independent of each other)

Only ``slack_sim.ui`` (and ``app.py``, outside the package) may import streamlit or plotly,
and no two modules import each other, directly or round a longer circle. Every import
counts, also one inside a function: a lazy import still points the dependency that way.

The checker is plain functions over ``{module name: source}``, tested on synthetic source
below, so that it can be seen to fail.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "slack_sim"

#: Stages in order; a tuple holds stages of the same rank that must not import each other.
ORDER: tuple[str | tuple[str, ...], ...] = (
    ("validation", "fileio"), "model", "scenarios", "engine", "metrics", "analysis", "report",
    "teach", "<root>", ("cli", "ui"),
)
RANK: dict[str, int] = {
    stage: i for i, entry in enumerate(ORDER)
    for stage in (entry if isinstance(entry, tuple) else (entry,))
}
#: Third-party packages only the app's own stage may import.
APP_ONLY = ("streamlit", "plotly")
APP_STAGES = ("ui",)


@dataclasses.dataclass(frozen=True)
class Import:
    """One import statement's target, resolved to an absolute dotted name."""

    module: str  # the importing module
    target: str  # the imported module (or the module a name is imported from)
    line: int


def module_name(path: Path, src: Path = SRC) -> str:
    """Dotted name of a source file (``pkg/sub/__init__.py`` is ``pkg.sub``)."""
    parts = list(path.relative_to(src).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


@functools.lru_cache(maxsize=256)
def _nodes(source: str) -> tuple[ast.AST, ...]:
    """The import statements of a source, parsed once per session."""
    return tuple(n for n in ast.walk(ast.parse(source))
                 if isinstance(n, ast.Import | ast.ImportFrom))


def imports(name: str, source: str, *, modules: Iterable[str] = (),
            packages: Iterable[str] = ()) -> list[Import]:
    """Every import in ``source`` (module ``name``), relative ones resolved.

    ``from X import y`` targets ``X.y`` when that is a known module, else ``X``.
    """
    known = set(modules)
    pkgs = set(packages)
    # the package a relative import is relative to
    base = name.split(".") if name in pkgs else name.split(".")[:-1]
    found = []
    for node in _nodes(source):
        if isinstance(node, ast.Import):
            found += [Import(name, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                up = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                origin = ".".join([*up, *([node.module] if node.module else [])])
            else:
                origin = node.module or ""
            for alias in node.names:
                sub = f"{origin}.{alias.name}"
                found.append(Import(name, sub if sub in known else origin, node.lineno))
    return found


def stage_of(name: str) -> str | None:
    """Stage of a module of the package (``None`` outside it)."""
    parts = name.split(".")
    if parts[0] != PACKAGE:
        return None
    return "<root>" if len(parts) == 1 else parts[1]


def _owner(target: str, modules: set[str]) -> str | None:
    """The package module an import target belongs to (longest known prefix)."""
    parts = target.split(".")
    for i in range(len(parts), 0, -1):
        candidate = ".".join(parts[:i])
        if candidate in modules:
            return candidate
    return None


def layer_violations(sources: Mapping[str, str], packages: Iterable[str] = ()) -> list[str]:
    """Imports that point up the stage order or across ``cli`` / ``ui``, or pull in the app.

    Parameters
    ----------
    sources : mapping of str to str
        Module name to its source, e.g. ``{"slack_sim.model.parse": "..."}``.
    packages : iterable of str
        The names in ``sources`` that are packages (an ``__init__.py``).

    Returns
    -------
    list of str
        One line per violation: ``module:line imports target (stage a may not import b)``.
    """
    modules = set(sources)
    problems = []
    for name, source in sorted(sources.items()):
        stage = stage_of(name)
        for imp in imports(name, source, modules=modules, packages=packages):
            top = imp.target.split(".")[0]
            if top in APP_ONLY and stage not in APP_STAGES:
                problems.append(f"{name}:{imp.line} imports {imp.target} "
                                f"(only {', '.join(APP_STAGES)} may import {top})")
                continue
            other = stage_of(imp.target)
            if other is None or stage is None or other == stage:
                continue
            if other not in RANK or stage not in RANK:
                problems.append(f"{name}:{imp.line} imports {imp.target} "
                                f"(stage {stage if stage not in RANK else other} is not in "
                                f"the declared order)")
            elif RANK[other] >= RANK[stage]:
                why = "is independent of" if RANK[other] == RANK[stage] else "comes before"
                problems.append(f"{name}:{imp.line} imports {imp.target} "
                                f"(stage {stage} {why} {other})")
    return problems


def import_cycles(sources: Mapping[str, str], packages: Iterable[str] = ()) -> list[list[str]]:
    """Circles of modules importing each other (strongly connected components, Tarjan).

    An import of ``a.b.c`` is an edge to module ``a.b.c`` only (not to the packages
    ``a`` and ``a.b`` that Python also initialises): the circle is in the code written.
    """
    modules = set(sources)
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, source in sources.items():
        for imp in imports(name, source, modules=modules, packages=packages):
            owner = _owner(imp.target, modules)
            if owner is not None and owner != name:
                graph[name].add(owner)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # recursion depth is bounded by the number of modules
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def package_sources(src: Path = SRC) -> tuple[dict[str, str], set[str]]:
    """Every module of ``src/slack_sim`` as ``{name: source}``, and the package names."""
    sources, packages = {}, set()
    for path in sorted((src / PACKAGE).rglob("*.py")):
        name = module_name(path, src)
        sources[name] = path.read_text(encoding="utf-8")
        if path.name == "__init__.py":
            packages.add(name)
    return sources, packages


# -- the package --------------------------------------------------------------------------------


SOURCES, PACKAGES = package_sources()


def test_every_stage_folder_is_in_the_declared_order():
    stages = {stage_of(name) for name in SOURCES}
    assert stages - set(RANK) == set(), "a new folder needs a place in ORDER"


def test_imports_point_down_the_stages():
    problems = layer_violations(SOURCES, PACKAGES)
    assert not problems, "imports against the stage order:\n" + "\n".join(problems)


def test_no_import_circle():
    cycles = import_cycles(SOURCES, PACKAGES)
    assert not cycles, "modules importing each other: " + "; ".join(
        " <-> ".join(c) for c in cycles)


def reachable(start: str, sources: Mapping[str, str], packages: Iterable[str] = ()) -> set[str]:
    """Modules of the package that importing ``start`` loads (with their parent packages)."""
    modules = set(sources)
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        parts = name.split(".")
        for i in range(1, len(parts) + 1):  # Python runs every parent package's __init__
            parent = ".".join(parts[:i])
            if parent in modules and parent not in seen:
                seen.add(parent)
                for imp in imports(parent, sources[parent], modules=modules,
                                   packages=packages):
                    owner = _owner(imp.target, modules)
                    if owner is not None:
                        todo.append(owner)
    return seen


@pytest.mark.parametrize("start", ["slack_sim", "slack_sim.teach.storyline", "slack_sim.cli"])
def test_the_package_without_its_ui_never_imports_streamlit_or_plotly(start):
    """The static form of "import slack_sim; 'streamlit' not in sys.modules"."""
    loaded = reachable(start, SOURCES, PACKAGES)
    assert not any(stage_of(m) == "ui" for m in loaded), sorted(loaded)
    pulled = sorted(f"{m} imports {i.target}" for m in loaded
                    for i in imports(m, SOURCES[m], modules=SOURCES, packages=PACKAGES)
                    if i.target.split(".")[0] in APP_ONLY)
    assert not pulled


def test_app_py_is_the_only_other_place_for_streamlit():
    """``app.py`` sits on top of the package: it may import any stage and streamlit."""
    tree_imports = imports("app", (ROOT / "app.py").read_text(encoding="utf-8"))
    assert any(i.target.split(".")[0] == "streamlit" for i in tree_imports)
    assert any(i.target.startswith(PACKAGE) for i in tree_imports)


# -- module size --------------------------------------------------------------------------------

#: Longest module of ``src/`` in lines ("about 500": a module a reader can hold in mind).
MAX_MODULE_LINES = 500
#: Modules over the limit whose split is under way elsewhere, each with who splits it.
#: An entry that is no longer over the limit fails the test: take it out of the list.
PENDING_SPLITS: dict[str, str] = {}


def oversized(sources: Mapping[str, str], limit: int = MAX_MODULE_LINES) -> dict[str, int]:
    """Modules with more than ``limit`` lines, and their line counts."""
    counts = {name: len(text.splitlines()) for name, text in sources.items()}
    return {name: n for name, n in sorted(counts.items()) if n > limit}


def test_no_module_is_over_about_500_lines():
    over = oversized(SOURCES)
    unexpected = {m: n for m, n in over.items() if m not in PENDING_SPLITS}
    assert not unexpected, (f"modules over {MAX_MODULE_LINES} lines (split each along a "
                            f"real seam): {unexpected}")
    done = sorted(set(PENDING_SPLITS) - set(over))
    assert not done, f"{done} are no longer over the limit: take them out of PENDING_SPLITS"


def test_size_checker_counts_lines():
    sources = {"a": "x = 1\n" * 501, "b": "x = 1\n" * 500, "c": ""}
    assert oversized(sources) == {"a": 501}
    assert oversized(sources, limit=499) == {"a": 501, "b": 500}


# -- the checker can fail -----------------------------------------------------------------------


def _pkg(files: Mapping[str, str]) -> tuple[dict[str, str], set[str]]:
    """Synthetic package: ``{"model/__init__": src, "model/parse": src}`` -> sources."""
    sources, packages = {}, set()
    for rel, text in files.items():
        parts = [PACKAGE, *[p for p in rel.split("/") if p != "__init__"]]
        sources[".".join(parts)] = text
        if rel.endswith("__init__") or rel == "":
            packages.add(".".join(parts))
    return sources, packages


GOOD = {
    "__init__": "from .engine.run import simulate\nfrom .report.compare import compare\n",
    "validation": "import math\n",
    "model/__init__": "from .parse import load_model\n",
    "model/parse": "from .files import models_dir\nfrom ..validation import validate\n",
    "model/files": "import os\n",
    "engine/__init__": "from .run import simulate\n",
    "engine/run": "from ..model.parse import load_model\nfrom . import compiled\n",
    "engine/compiled": "from ..model import files\n",
    "report/__init__": "",
    "report/compare": "from ..engine.run import simulate\n",
    "cli/__init__": "",
    "cli/main": "import slack_sim as ss\nfrom ..report.compare import compare\n",
    "ui/__init__": "",
    "ui/charts": "import plotly.graph_objects as go\nimport streamlit as st\n",
}


def test_checker_passes_a_well_layered_package():
    sources, packages = _pkg(GOOD)
    assert layer_violations(sources, packages) == []
    assert sorted(import_cycles(sources, packages)) == []


@pytest.mark.parametrize("module, line, expected", [
    # a lower stage imports a higher one, at the top of the file
    ("model/parse", "from ..engine.run import simulate",
     "slack_sim.model.parse:1 imports slack_sim.engine.run (stage model comes before engine)"),
    # ... or lazily, inside a function, and absolutely
    ("engine/compiled", "def f():\n    from slack_sim.report import compare",
     "slack_sim.engine.compiled:2 imports slack_sim.report.compare "
     "(stage engine comes before report)"),
    # a stage below the root imports the public API
    ("report/compare", "import slack_sim as ss",
     "slack_sim.report.compare:1 imports slack_sim (stage report comes before <root>)"),
    # from .. import <stage>
    ("validation", "from . import model",
     "slack_sim.validation:1 imports slack_sim.model (stage validation comes before model)"),
    # cli and ui are independent of each other
    ("cli/main", "from ..ui import charts",
     "slack_sim.cli.main:1 imports slack_sim.ui.charts (stage cli is independent of ui)"),
    # streamlit / plotly outside ui
    ("report/compare", "import streamlit as st",
     "slack_sim.report.compare:1 imports streamlit (only ui may import streamlit)"),
    ("cli/main", "from plotly import graph_objects",
     "slack_sim.cli.main:1 imports plotly (only ui may import plotly)"),
])
def test_checker_catches_a_planted_bad_import(module, line, expected):
    files = dict(GOOD)
    files[module] = line + "\n" + files[module]
    sources, packages = _pkg(files)
    assert expected in layer_violations(sources, packages)


def test_checker_catches_an_unknown_stage():
    sources, packages = _pkg({**GOOD, "extras/__init__": "", "extras/x": "import math\n",
                              "report/compare": "from ..extras import x\n"})
    assert any("not in the declared order" in p for p in layer_violations(sources, packages))


def test_checker_catches_a_planted_circle():
    files = dict(GOOD)
    files["model/files"] = "from . import parse\n"  # parse imports files: a circle
    files["engine/compiled"] = "def later():\n    from .run import simulate\n"  # lazy circle
    sources, packages = _pkg(files)
    assert sorted(import_cycles(sources, packages)) == [
        ["slack_sim.engine.compiled", "slack_sim.engine.run"],
        ["slack_sim.model.files", "slack_sim.model.parse"],
    ]


def test_checker_on_a_planted_import_in_a_copy_of_the_real_package():
    sources = dict(SOURCES)
    sources["slack_sim.metrics.resilience"] += "\nfrom ..analysis.ensemble import ensemble\n"
    problems = layer_violations(sources, PACKAGES)
    assert any(p.startswith("slack_sim.metrics.resilience:")
               and "imports slack_sim.analysis.ensemble (stage metrics comes before analysis)" in p
               for p in problems)
    pair = {"slack_sim.analysis.ensemble", "slack_sim.metrics.resilience"}
    assert any(pair <= set(c) for c in import_cycles(sources, PACKAGES))


def test_reachable_follows_parent_packages_and_lazy_imports():
    files = dict(GOOD)
    files["engine/compiled"] = "def later():\n    from ..ui import charts\n"
    sources, packages = _pkg(files)
    assert "slack_sim.ui.charts" in reachable("slack_sim", sources, packages)
    assert "slack_sim.ui.charts" not in reachable("slack_sim", *_pkg(GOOD))

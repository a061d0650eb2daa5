"""Shared fixtures, and the rules that keep the suite safe to run on several cores.

The suite runs under pytest-xdist (``-n auto --dist loadfile`` in pyproject.toml's
``[tool.pytest.ini_options]``): one worker process per core, each test file run whole
by one worker, so a module-scoped fixture (a streamlit server, the executed notebooks, a
shared AppTest run, a ``functools.cache`` helper such as the parity test's stored PySD
references) is built once, not once per worker. (``--dist loadgroup`` would allow finer
units, but pytest-xdist 3.8 marks groups by rewriting ``item._nodeid``, which pytest 9
no longer reads: the groups are silently ignored.) Files holding long work (a ``slow``
test or a module-scoped fixture) are handed out first (:func:`pytest_collection_modifyitems`),
so that the many short files fill both workers at the end.
``python -m pytest -n 0`` runs it in one process (for a debugger or ``--pdb``). Every test,
including the ones added later, must hold to these rules:

1. **Write only under ``tmp_path``** (or ``tmp_path_factory``): never in the repository,
   the current folder or a fixed path; tests of other files run at the same moment.
   A CLI call without ``--out`` writes into the current folder: use ``--out tmp_path/...``
   or ``monkeypatch.chdir(tmp_path)``. The one exception is ``test-artifacts/`` of the
   real-browser test, whose file runs on a single worker (rule 3).
2. **Ports**: a server binds ``127.0.0.1`` on a port the system picks (bind to port 0,
   as ``tests/ui/test_browser.py``'s ``free_port`` does), never a fixed one.
3. **What tests share lives in their own file**: a module-scoped fixture or a cached
   helper is shared only by the tests of one file (they run on one worker); tests of
   different files may run at the same moment in different processes.
4. **Session fixtures and the helpers of** ``tests/simhelpers.py`` are per worker: each
   worker computes a shared run or ensemble once. That is acceptable (a few seconds);
   what a test must not do is rely on another test having run first in the same process.
5. **Shared caches are safe under concurrent first use**: the parse cache, the compiled
   kernels, PySD's translation and the stored PySD references
   (``tests/engine/pysd_reference.py``) are each written to a temporary file and renamed
   into place, so two workers filling the same cache at once each see a whole entry or
   none (``tests/engine/test_concurrent_caches.py`` checks it). A test that needs a
   cache of its own sets ``SLACK_SIM_CACHE`` to a folder under ``tmp_path`` with
   ``monkeypatch.setenv``.
6. **Process-wide state** (environment variables, module attributes, the working folder)
   is changed only through ``monkeypatch``, which undoes it after the test.

The ``slow`` marker (long random-draw checks) is kept and run by default, CI included;
``-m "not slow"`` skips those tests.

Streamlit's AppTest scans every installed distribution's metadata for component
manifests once per ``AppTest`` object (about 0.3 s, and the suite makes over a hundred of
them); the packages installed do not change during a run, so
:func:`_streamlit_components_scanned_once` scans once per worker.
"""

from __future__ import annotations

import functools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from simhelpers import MODEL

import slack_sim as ss

#: Scopes of fixtures whose setup is shared by the tests of a file.
_SHARED_SCOPES = ("module", "class", "package")


def holds_long_work(item: pytest.Item) -> bool:
    """Whether a test is a long unit of work: ``slow``, or using a module-scoped fixture."""
    if item.get_closest_marker("slow") is not None:
        return True
    info = getattr(item, "_fixtureinfo", None)
    return info is not None and any(
        d.scope in _SHARED_SCOPES for defs in info.name2fixturedefs.values() for d in defs)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Hand out the files that hold long work first (each file's tests kept in order).

    A stable sort on the file only: the tests of a file stay together and in their
    order, so a module-scoped fixture is still built once, in one process or several.
    """
    heavy = {item.nodeid.split("::", 1)[0] for item in items if holds_long_work(item)}
    items.sort(key=lambda item: item.nodeid.split("::", 1)[0] not in heavy)


@pytest.fixture(scope="session", autouse=True)
def whole_app_reruns() -> Iterator[None]:
    """Make a slider move rerun the whole app in the in-process app tests.

    In the app, a move on the Scenario page reruns that page's fragment alone
    (:func:`slack_sim.ui.sidebar.lever_moved`); Streamlit's ``AppTest`` then keeps only
    the fragment's elements, so a test reading the sidebar after a move would find it
    empty. ``tests/ui/test_page_fragment.py`` tests the fragment path itself, and the app
    servers of the browser tests run without this setting (``appserver.start_server``).
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLACK_SIM_PAGE_FRAGMENT", "0")
        yield


@pytest.fixture(scope="session", autouse=True)
def no_results_on_disk() -> Iterator[None]:
    """Keep the app's results in memory only, unless a test asks for the disk store.

    The app keeps the results of a visit's first page on disk for the server's next start
    (:mod:`slack_sim.ui.disk_memo`). Tests that count what a page computes would find
    results another test, worker or earlier run wrote; ``tests/ui/test_disk_memo.py``
    switches the store on with a cache folder of its own. The browser tests' servers
    inherit the setting.
    """
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLACK_SIM_APP_DISK_MB", "0")
        yield


@pytest.fixture(scope="session", autouse=True)
def _streamlit_components_scanned_once() -> Iterator[None]:
    """Scan the installed distributions for Streamlit components once per worker process.

    ``AppTest.run`` on a new ``AppTest`` calls ``scan_component_manifests`` (reading the
    metadata of every installed distribution) before it runs the script; the result
    depends only on what is installed, which a test run does not change. Each call gets
    its own copy of the list. Where streamlit is absent nothing is changed.
    """
    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:
        yield
        return
    scan = functools.cache(manifest_scanner.scan_component_manifests)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(manifest_scanner, "scan_component_manifests",
                      lambda max_workers=None: list(scan(max_workers)))
        yield


@pytest.fixture(scope="session")
def model() -> ss.Model:
    """The parsed model (one per worker process)."""
    return MODEL


#: the project's models folder (profiles, presets, calibration)
MODELS = Path(__file__).resolve().parents[1] / "models"


@pytest.fixture
def models_copy(tmp_path, monkeypatch) -> Path:
    """Return a copy of ``models/`` (without the futures) in use as the models folder.

    A test may edit the copy (a profile's TOML, the calibration table): the package
    reads ``SLACK_SIM_MODELS`` for the rest of the test.
    """
    target = tmp_path / "models"
    shutil.copytree(MODELS, target, ignore=shutil.ignore_patterns("futures"))
    monkeypatch.setenv("SLACK_SIM_MODELS", str(target))
    return target

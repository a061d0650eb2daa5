"""Shared fixtures, and the rules that keep the suite safe to run on several cores.

The suite runs under pytest-xdist (``-n auto --dist loadgroup`` in pyproject.toml's
``[tool.pytest.ini_options]``): one worker process per core, tests handed out one by one.
``python -m pytest -n 0`` runs it in one process (for a debugger or ``--pdb``). Every test,
including the ones added later, must hold to these rules:

1. **Write only under ``tmp_path``** (or ``tmp_path_factory``): never in the repository,
   the current folder or a fixed path; two workers run tests of the same file at once.
   A CLI call without ``--out`` writes into the current folder: use ``--out tmp_path/...``
   or ``monkeypatch.chdir(tmp_path)``. The one exception is ``test-artifacts/`` of the
   real-browser test, whose tests run on a single worker (rule 3).
2. **Ports**: a server binds ``127.0.0.1`` on a port the system picks (bind to port 0,
   as ``tests/ui/test_browser.py``'s ``free_port`` does), never a fixed one.
3. **Expensive module-scoped fixtures run once**: every test that uses a module- or
   class-scoped fixture is put, by :func:`pytest_collection_modifyitems` below, in an
   ``xdist_group`` named after its file, so the whole group runs on one worker and the
   fixture (a streamlit server, the executed notebooks, a shared AppTest run) is built
   once, not once per worker. Nothing to do by hand; a test may also carry its own
   ``@pytest.mark.xdist_group("name")`` to share a worker with others.
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
"""

from __future__ import annotations

import pytest
from simhelpers import MODEL

import slack_sim as ss

#: Scopes of fixtures that tie a test to the other tests of its file (rule 3).
_SHARED_SCOPES = ("module", "class", "package")


def shared_scope_group(item: pytest.Item) -> str | None:
    """Return the ``xdist_group`` a test belongs in (``None``: it may run anywhere).

    A test that uses a fixture of module, class or package scope belongs with the other
    tests of its file, so that the fixture is built once.
    """
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for defs in info.name2fixturedefs.values():
        if any(d.scope in _SHARED_SCOPES for d in defs):
            return item.nodeid.split("::", 1)[0]
    return None


def runs_first(item: pytest.Item) -> bool:
    """Whether a test is handed out early: a ``slow`` test or one of a group.

    Those are the long units of work; started first, they leave the many short tests to
    fill both workers at the end, instead of one long unit running alone at the end.
    """
    return (item.get_closest_marker("slow") is not None
            or item.get_closest_marker("xdist_group") is not None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Group the tests that share a module-scoped fixture (rule 3); long units first.

    The order is otherwise the collection order (a stable sort), so the tests of a group
    stay together and each module-scoped fixture is built once, also in one process.
    """
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = shared_scope_group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=lambda item: not runs_first(item))


@pytest.fixture(scope="session")
def model() -> ss.Model:
    """The parsed model (one per worker process)."""
    return MODEL

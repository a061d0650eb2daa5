"""The teaching notebooks: committed without outputs, and every one executes.

Each notebook runs in a fresh Jupyter kernel (``python3``: the kernel of the Python running
the tests, so the venv's) with nbclient, with a per-cell timeout; the kernels run side by
side (most of a kernel's time is starting up and importing), at most ``PARALLEL`` at once,
and all of them together must finish within ``TOTAL_BUDGET`` seconds of wall time.
"""

import asyncio
import os
import time
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
EXPECTED = ["01-stocks-and-flows", "02-austerity-and-the-firefighting-trap",
            "03-covid-and-slack", "04-partnership-capital", "05-invest-to-save"]
CELL_TIMEOUT = 120  # seconds, per cell
TOTAL_BUDGET = 120  # seconds, all notebooks together
PARALLEL = max(2, min(len(NOTEBOOKS), os.cpu_count() or 1))


def _ignore_jupyter_housekeeping():
    warnings.filterwarnings("ignore", message="Jupyter is migrating its paths",
                            category=DeprecationWarning)


def _quietly_import():
    """Import nbformat and nbclient; Jupyter's packages may warn at import time.

    Some jupyter_core versions emit a DeprecationWarning about their platformdirs migration
    when JUPYTER_PLATFORM_DIRS is unset; that is Jupyter's housekeeping, not ours, so that
    one message is ignored here only, around the import and execution.
    """
    with warnings.catch_warnings():
        _ignore_jupyter_housekeeping()
        import nbclient
        import nbformat
    return nbformat, nbclient


def test_the_numbered_notebooks_are_there():
    assert [p.stem for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path):
    nbformat, _ = _quietly_import()
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [], f"cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "## Questions for the reader" in text, "each notebook ends with questions"
    assert nb.cells[-1].cell_type == "markdown" and "Questions" in nb.cells[-1].source


async def _execute_all(nbformat, nbclient) -> dict[str, tuple[object, BaseException | None]]:
    gate = asyncio.Semaphore(PARALLEL)

    async def one(path: Path) -> tuple[str, tuple[object, BaseException | None]]:
        nb = nbformat.read(path, as_version=4)
        client = nbclient.NotebookClient(
            nb, timeout=CELL_TIMEOUT, kernel_name="python3", shutdown_kernel="immediate",
            resources={"metadata": {"path": str(path.parent)}})
        async with gate:
            try:
                await client.async_execute()
            except Exception as error:  # reported by the notebook's own test
                return path.stem, (nb, error)
        return path.stem, (nb, None)

    return dict(await asyncio.gather(*(one(p) for p in NOTEBOOKS)))


@pytest.fixture(scope="module")
def executed() -> tuple[dict[str, tuple[object, BaseException | None]], float]:
    """Every notebook executed once (side by side), and the wall time they took."""
    nbformat, nbclient = _quietly_import()
    start = time.perf_counter()
    with warnings.catch_warnings():
        # the notebook's own code runs in the kernel process: its warnings would show as
        # cell output (stderr), not here
        _ignore_jupyter_housekeeping()
        results = asyncio.run(_execute_all(nbformat, nbclient))
    return results, time.perf_counter() - start


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path, executed):
    results, wall = executed
    nb, error = results[path.stem]
    if error is not None:
        raise error
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert not errors
    stderr = [o.text for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, f"a cell wrote to stderr (a warning?): {stderr}"
    assert wall < TOTAL_BUDGET, f"the notebooks took {wall:.0f} seconds"

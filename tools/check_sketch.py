"""Check ``tools/write_sketch.py`` on a copy of a model, leaving the model untouched.

Usage::

    python tools/check_sketch.py models/slack.mdl

In a temporary folder the script writes the sketch into a copy of the model, and checks
that the equations part is byte-identical, that a second run changes nothing, that PySD
translates and runs the result with every warning turned into an error, and that
``pysd.read_vensim(..., split_views=True)`` puts every model variable in a view (no
warning, same results as the single-file build). It prints the variables per view and
exits 1 on the first failure.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import write_sketch  # noqa: E402


def check(model: Path) -> list[str]:
    """Run the checks on a copy of a model.

    Parameters
    ----------
    model : pathlib.Path
        Vensim model file (only read).

    Returns
    -------
    list of str
        Problems found; empty when every check passes.
    """
    import numpy as np
    import pysd

    problems = []
    original = model.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        one, split = Path(tmp, "one"), Path(tmp, "split")
        one.mkdir()
        split.mkdir()
        copy = one / model.name
        shutil.copy(model, copy)
        write_sketch.main([str(copy)])
        first = copy.read_bytes()
        equations, _ = write_sketch.split_sketch(original.decode("utf-8"))
        if not first.startswith(equations.encode("utf-8")):
            problems.append("the equations part changed")
        write_sketch.main([str(copy)])
        if copy.read_bytes() != first:
            problems.append("a second run changed the file")
        shutil.copy(copy, split / model.name)

        with warnings.catch_warnings():
            warnings.simplefilter("error")
            results = pysd.read_vensim(str(copy)).run()
        print(f"single file: ran, {results.shape[1]} columns, {results.shape[0]} rows")

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            split_results = pysd.read_vensim(str(split / model.name), split_views=True).run()
        for warning in caught:
            problems.append(f"split_views warning: {warning.message}")
        modules = json.loads((split / f"modules_{copy.stem}" / "_modules.json").read_text())
        for view, names in modules.items():
            print(f"view {view}: {len(names)} variables")
        print(f"split views: {sum(len(n) for n in modules.values())} variables in views")
        split_results = split_results[results.columns]
        if not np.array_equal(results.to_numpy(), split_results.to_numpy(), equal_nan=True):
            problems.append("split_views results differ from the single-file build")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (defaults to ``sys.argv[1:]``): the model file.

    Returns
    -------
    int
        0 when every check passes, 1 otherwise.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    problems = check(Path(args[0]))
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

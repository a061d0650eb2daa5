"""Work out the Scenario page of the slider's next step while the user reads this one.

A facilitator steps a slider with the arrow keys, or by clicks, one step at a time and
usually in one direction. After each move the page's results for the next step in the
same direction (the ensemble behind the bands and cards, the appraisal, the single runs)
are computed on one background thread, through the same cached functions the page reads
(:mod:`slack_sim.ui.cache`, one computation per key), so the next press finds them
done, or under way, instead of starting them (issue 16). The page always asks for
the scenario the sliders describe, and a wrong guess costs only the idle time it used.
The guessed step's charts also go to the browser ahead of the press
(:mod:`slack_sim.ui.ahead`), which draws them only if the slider lands on that step:
they are then the figures the page of that step sends. A guess is made only after a
move of exactly one slider, and only one is kept waiting, whichever session made it: a
newer guess replaces one not yet started.

A guess starts :data:`SETTLE_SECONDS` after the page that made it: until then the
page's elements are still being sent, and a guess computing at the same time holds the
server's GIL against them.

``SLACK_SIM_SPECULATE=0`` switches it off (the benchmark's "unforeseen move" figures);
``SLACK_SIM_SPECULATE_LOG=<file>`` appends ``hit``, ``miss`` or ``none`` for every
page run after a slider move (whether its scenario was the one guessed), which the
browser benchmark and tests read.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from decimal import Decimal

from ..model.parse import Model
from . import specs

__all__ = ["SETTLE_SECONDS", "enabled", "guess_next", "log_outcome", "next_step", "submit", "wait"]

#: Seconds from a page's guess to its start: the page is sent first. The fifth pass chose
#: 0.3 s (a scratch harness: steps' median 350 ms against 394 ms with none), when the
#: browser took longer over each page. Measured again on the tenth pass, with presses as
#: fast as the page settles (``bench_browser.py --moves 30 --mode guessed``, one server a
#: run, runs alternating), a step's median (p90) was 236-256 (280-400) ms with 0.3 s in
#: five runs: the press came before a guess begun so late was done. With 0.2 s: 156-172
#: (216-234) ms in four runs; 0.1 s: 133-159 (238-323) ms in six; 0.05 s: 161-163
#: (253-263) ms; none: 166 (264) ms. With a 1.5 s pause before each press, 0.1, 0.2 and
#: 0.3 s gave the same: 130-142 (168-240) ms in two or three runs each.
SETTLE_SECONDS = 0.1

#: One thread: a guess runs when the machine is otherwise idle, never two at once.
_EXECUTOR = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slack-sim-speculate")
_LOCK = threading.Lock()
#: The guess waiting for the thread (a newer one replaces it before it starts).
_WAITING: Callable[[], object] | None = None


def enabled() -> bool:
    """Return whether guesses are made (``SLACK_SIM_SPECULATE``, default on)."""
    return os.environ.get("SLACK_SIM_SPECULATE", "1").strip() != "0"


def _step_precision(step: float) -> int:
    """Return the decimals the browser's slider rounds a value to after a step.

    The slider (react-aria's ``roundToStepPrecision``) counts the characters from the
    decimal point to the end of the step's shortest text (JavaScript's ``String(step)``:
    ``"0.01"`` gives 3, ``"1"`` gives 0), one more than its decimal places.
    """
    if float(step).is_integer():
        return 0
    text = format(Decimal(repr(float(step))), "f")  # "1e-05" -> "0.00001", as JavaScript
    return len(text) - text.index(".")


def next_step(value: float, *, direction: int, spec: specs.SliderSpec) -> float | None:
    """Return the value one step from ``value`` as the browser's slider sets it, or None.

    The browser adds the step and rounds the sum to the step's precision
    (``Math.round(x * 10**p) / 10**p``); the result is the number its next message holds,
    bit for bit, so the guessed scenario's cache key is the one the page then asks for.

    Parameters
    ----------
    value : float
        The slider's value now.
    direction : int
        +1 (up) or -1 (down).
    spec : slack_sim.ui.specs.SliderSpec
        The slider's range and step.

    Returns
    -------
    float or None
        The next value, or ``None`` past the slider's range.
    """
    raw = float(value) + direction * spec.step
    if raw < spec.minimum - 1e-12 * spec.step or raw > spec.maximum + 1e-12 * spec.step:
        return None
    raw = min(max(raw, spec.minimum), spec.maximum)
    p = _step_precision(spec.step)
    if p == 0:
        return raw
    scale = 10.0 ** p
    return math.floor(raw * scale + 0.5) / scale  # JavaScript's Math.round


def guess_next(before: Mapping[str, float] | None, after: Mapping[str, float], *,
               model: Model) -> tuple[str, float] | None:
    """Return the slider and value one more step would give, after a one-slider move.

    Parameters
    ----------
    before, after : mapping of str to float
        The sliders' values at the last page run and now (``None``: no last run).
    model : Model
        For the sliders' ranges and steps.

    Returns
    -------
    (str, float) or None
        The slider's model name and its next value; ``None`` unless exactly one slider
        moved, or when its next step is past its range.
    """
    if not before:
        return None
    moved = [k for k, v in after.items() if k in before and before[k] != v]
    if len(moved) != 1:
        return None
    name = moved[0]
    direction = 1 if after[name] > before[name] else -1
    value = next_step(after[name], direction=direction, spec=specs.slider_spec(model, name))
    return None if value is None else (name, value)


def submit(work: Callable[[], object]) -> Future:
    """Run ``work`` on the guessing thread; a newer call replaces it if it has not started.

    One guess at most waits, whichever session made it: with many sessions moving
    sliders at once (a workshop) guessing costs at most the one thread, and the guess
    kept is the newest.

    Parameters
    ----------
    work : callable
        Computes a guessed page's results through the cached functions (pure: it reads
        no session state, which a background thread cannot).

    Returns
    -------
    concurrent.futures.Future
        Done when the work has run or been replaced (its result is then ``None``).
    """
    global _WAITING
    with _LOCK:
        _WAITING = work

    def run() -> object:
        global _WAITING
        time.sleep(SETTLE_SECONDS)  # while the page that made it is sent and drawn
        with _LOCK:
            if _WAITING is not work:
                return None  # replaced by a newer guess before it started
            _WAITING = None
        try:
            return work()
        except Exception:  # noqa: BLE001 - a failed guess is the page's to meet, if asked
            return None

    return _EXECUTOR.submit(run)


def log_outcome(guessed: str | None, key: str) -> None:
    """Append ``hit``/``miss``/``none`` to ``SLACK_SIM_SPECULATE_LOG``, when it is set.

    Parameters
    ----------
    guessed : str or None
        The scenario key the last page run guessed, ``None`` if it made no guess.
    key : str
        The scenario key this page run asks for.
    """
    path = os.environ.get("SLACK_SIM_SPECULATE_LOG")
    if not path:
        return
    word = "none" if guessed is None else ("hit" if guessed == key else "miss")
    with open(path, "a", encoding="utf-8") as out:
        out.write(word + "\n")


def wait(timeout: float | None = None) -> None:
    """Return once every guess submitted so far has run or been replaced.

    Parameters
    ----------
    timeout : float, optional
        Seconds to wait at most (``TimeoutError`` after them).
    """
    _EXECUTOR.submit(lambda: None).result(timeout=timeout)  # one thread: runs after them

"""First load of the app, visit by visit, with where the time goes (issue 16, item 2).

Starts ``streamlit run app.py`` on 127.0.0.1 at a free port (8600-8699) ``--servers``
times; after each start ``--visitors`` fresh Chromium contexts (``/usr/bin/chromium``,
never downloaded; 1440x900) open the app one after the other: the first visitor after a
server start, then visitors who find the server's caches warm. Each visit is timed from
``page.goto`` to the five headline cards showing a value (as ``bench_browser.py``'s first
load), and split by probes installed before the page's scripts:

- ``dcl``: the page's own code loaded (``DOMContentLoaded``); ``ws``: the websocket to the
  server open (the server has run none of the app's code for this visitor before it);
- ``first``/``last``: the server's first and last message before the cards showed;
- ``metric``: the first card in the document; ``cards``: all five with a value (a
  ``MutationObserver`` in the page, not a poll from outside);
- the CPU seconds of the app server and of Chromium (all its processes) during the visit:
  on a 2-core machine they compete.

``--env NAME=VALUE`` sets a variable in the server's environment (e.g.
``SLACK_SIM_PRELOAD=1``); ``--checkout DIR`` serves another checkout (its ``app.py``,
``src`` and ``models``) and ``--against NAME=VALUE`` the same checkout with another
variable, alternating server by server with this one, so that both see the same load.

Usage::

    python benchmarks/bench_first_load.py [--servers 3] [--visitors 3]
        [--env NAME=VALUE] [--checkout DIR | --against NAME=VALUE]

Timings on a shared machine vary with its load (printed): re-measure on a quiet one.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from appserver import free_port_between, start_server, stop_server  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from bench_browser import ARGS, CHROMIUM, VIEWPORT, chromium_processes  # noqa: E402

#: Installed before the page's scripts: times the websocket and the cards.
PROBE = """
(() => {
  const t = window.__visit = {open: 0, first: 0, last: 0, metric: 0, cards: 0, bytes: 0};
  const Native = window.WebSocket;
  function Probed(...args) {
    const ws = new Native(...args);
    ws.addEventListener('open', () => { t.open = performance.now(); });
    ws.addEventListener('message', (e) => {
      if (t.cards) return;
      const now = performance.now();
      if (!t.first) t.first = now;
      t.last = now;
      const d = e.data; t.bytes += d.byteLength || d.size || d.length || 0;
    });
    return ws;
  }
  Probed.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Probed[k] = Native[k];
  window.WebSocket = Probed;
  const check = () => {
    if (t.cards) return;
    const v = [...document.querySelectorAll('[data-testid="stMetricValue"]')];
    if (v.length && !t.metric) t.metric = performance.now();
    if (v.length >= 5 && v.slice(0, 5).every(e => e.innerText.trim().length > 0)) {
      t.cards = performance.now();
    }
  };
  const watch = () => new MutationObserver(check).observe(document, {
    subtree: true, childList: true, characterData: true});
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', watch);
  } else { watch(); }
})();
"""
PHASES = ("dcl", "ws", "first", "last", "metric", "cards")


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for p in processes:
        try:
            times = p.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def visit(browser, url: str, server: psutil.Process,  # noqa: ANN001 - a Playwright Browser
          poll: float = 100.0) -> dict[str, float]:
    """Open the app in a fresh context; return its phases (s from ``goto``) and CPU.

    The page's probe records when the cards showed; Playwright asks for it every
    ``poll`` ms (each ask is a round trip through the browser: on 2 cores a 20 ms poll
    cost Chromium about a second of CPU a visit, which the page itself then lacked).
    """
    chromium = chromium_processes()
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(PROBE)
    try:
        page = context.new_page()
        cpu = (_cpu([server]), _cpu(chromium))
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_function("window.__visit && window.__visit.cards > 0",
                               timeout=180_000, polling=poll)
        r = page.evaluate("({...__visit, now: performance.now(), dcl: performance"
                          ".getEntriesByType('navigation')[0].domContentLoadedEventEnd})")
        elapsed = time.perf_counter() - t
        out = {"server_cpu": _cpu([server]) - cpu[0], "chromium_cpu": _cpu(chromium) - cpu[1],
               "kib": r["bytes"] / 1024, "poll": poll}
    finally:
        context.close()
    # performance.now() counts from the navigation's start, which goto starts
    offset = elapsed - r["now"] / 1000
    for name, key in zip(PHASES, ("dcl", "open", "first", "last", "metric", "cards"),
                         strict=True):
        out[name] = r[key] / 1000 + offset if r[key] else float("nan")
    return out


def serve(label: str, root: Path, env: dict[str, str], visitors: int,
          polls: tuple[float, ...] = (100.0,)) -> list[dict]:
    """Start a server of ``root``, time ``visitors`` visits (polls taken in turn), stop it."""
    from playwright.sync_api import sync_playwright

    port = free_port_between()
    log = ROOT / "test-artifacts" / f"bench-first-load-{label}.log"
    log.parent.mkdir(exist_ok=True)
    proc = start_server(port, log, root=root, env=env)
    try:
        server = psutil.Process(proc.pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            try:
                return [visit(browser, f"http://127.0.0.1:{port}", server,
                              polls[i % len(polls)]) for i in range(visitors)]
            finally:
                browser.close()
    finally:
        stop_server(proc)


def _pairs(items: list[str], flag: str, parser: argparse.ArgumentParser) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            parser.error(f"{flag}: expected NAME=VALUE, got {item!r}")
        out[name] = value
    return out


def _row(label: str, runs: list[dict]) -> str:
    med = {k: statistics.median(r[k] for r in runs) for k in (*PHASES, "server_cpu",
                                                               "chromium_cpu", "kib")}
    cards = [r["cards"] for r in runs]
    return (f"{label:<28} cards {med['cards']:.2f} s (min {min(cards):.2f}, max "
            f"{max(cards):.2f}, n={len(runs)}) | dcl {med['dcl']:.2f} ws {med['ws']:.2f} "
            f"first {med['first']:.2f} last {med['last']:.2f} metric {med['metric']:.2f} | "
            f"CPU server {med['server_cpu']:.2f} s, Chromium {med['chromium_cpu']:.2f} s | "
            f"{med['kib']:.0f} KiB")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=3)
    parser.add_argument("--visitors", type=int, default=3)
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--poll", default="100", metavar="MS[,MS...]",
                        help="ms between Playwright's asks whether the cards showed; a list "
                             "is taken in turn, visit by visit (compare 20,100)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--checkout", type=Path)
    group.add_argument("--against", action="append", default=[], metavar="NAME=VALUE")
    args = parser.parse_args(argv)
    if args.servers < 1 or args.visitors < 1:
        parser.error("--servers and --visitors: expected at least 1")
    env = _pairs(args.env, "--env", parser)
    try:
        polls = tuple(float(p) for p in args.poll.split(","))
    except ValueError:
        parser.error(f"--poll: expected ms, comma-separated, got {args.poll!r}")
    if not all(5 <= p <= 5000 for p in polls):
        parser.error(f"--poll: each in [5, 5000] ms, got {args.poll!r}")
    variants = {"this": (ROOT, env)}
    if args.checkout is not None:
        if not (args.checkout / "app.py").is_file():
            parser.error(f"--checkout: {args.checkout} has no app.py")
        variants[str(args.checkout)] = (args.checkout, env | {
            "PYTHONPATH": str(args.checkout / "src"),
            "SLACK_SIM_MODELS": str(args.checkout / "models")})
    elif args.against:
        variants[" ".join(args.against)] = (ROOT, env | _pairs(args.against, "--against",
                                                               parser))
    runs: dict[str, list[list[dict]]] = {k: [] for k in variants}
    load = os.getloadavg()[0]
    for i in range(args.servers):
        for name, (root, environ) in variants.items():
            visits = serve(f"{i}", root, environ, args.visitors, polls)
            runs[name].append(visits)
            print(f"server {i + 1} ({name}): " + ", ".join(
                f"{v['cards']:.2f}" for v in visits) + " s to the cards", flush=True)
    print(f"\nload average {load:.2f} at the start, {os.getloadavg()[0]:.2f} at the end; "
          "times in s from page.goto (medians)")
    for name, servers in runs.items():
        print(_row(f"{name}: first visitor", [s[0] for s in servers]))
        later = [v for s in servers for v in s[1:]]
        for poll in polls if args.visitors > 1 else ():
            label = f"{name}: later visitors" + (f", poll {poll:g} ms" if len(polls) > 1
                                                 else "")
            print(_row(label, [v for v in later if v["poll"] == poll]))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Twenty concurrent browser sessions against one app server: time to first card, memory.

Usage::

    python benchmarks/bench_sessions.py                      # 20 sessions, distinct links
    python benchmarks/bench_sessions.py --sessions 5 --settle 30
    python benchmarks/bench_sessions.py --same               # every session the default view
    python benchmarks/bench_sessions.py --root /tmp/old-tree # another checkout's app.py

Starts ``streamlit run app.py`` on 127.0.0.1 (a free port in 8600-8699, loopback only),
warms it with one session (the model loaded, the engine compiled), then opens the
sessions at once in Debian's Chromium (``/usr/bin/chromium``, driven by Playwright; one
browser context per session, so each is its own Streamlit session), each on its own link
(a distinct Slack target, so every session computes its own results, as distinct users
would) unless ``--same``. It records the time from opening each page to its five
headline cards, and the server's resident memory (RSS, sampled every 0.2 s) before the
sessions, at its peak while they run, right after they close, and ``--settle`` seconds
later (Streamlit keeps a closed session's state about two minutes in case it
reconnects). It prints the figures, and stops the server by its PID.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from appserver import free_port_between, start_server, stop_server  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: The five headline cards drawn (the finance cards below them are metrics too).
CARDS = ("document.querySelectorAll('.st-key-cards [data-testid=\"stMetricValue\"]')"
         ".length === 5")


class Sampler(threading.Thread):
    """Sample a process's RSS (MB) every ``period`` seconds; keep the peak."""

    def __init__(self, pid: int, period: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.proc = psutil.Process(pid)
        self.period = period
        self.peak = 0.0
        self._stop_event = threading.Event()

    def rss(self) -> float:
        return self.proc.memory_info().rss / 2**20

    def run(self) -> None:
        while not self._stop_event.is_set():
            try:
                self.peak = max(self.peak, self.rss())
            except psutil.Error:
                return
            time.sleep(self.period)

    def stop(self) -> None:
        self._stop_event.set()


async def open_sessions(urls: list[str], timeout_s: float) -> list[float | None]:
    """Open every URL at once, each in its own browser context; seconds to five cards."""
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        contexts = [await browser.new_context(viewport={"width": 1280, "height": 720})
                    for _ in urls]
        pages = [await c.new_page() for c in contexts]

        async def one(page, url: str) -> float | None:  # noqa: ANN001
            t = time.perf_counter()
            try:
                await page.goto(url, timeout=timeout_s * 1000)
                await page.wait_for_function(CARDS, timeout=timeout_s * 1000)
            except Exception as exc:  # noqa: BLE001 - a session that fails is reported
                print(f"  a session failed: {type(exc).__name__}: {str(exc)[:120]}",
                      file=sys.stderr)
                return None
            return time.perf_counter() - t

        times = await asyncio.gather(*(one(p, u) for p, u in zip(pages, urls, strict=True)))
        for c in contexts:
            await c.close()
        await browser.close()
    return list(times)


def settle(sampler: Sampler, seconds: float, *, every: float) -> list[tuple[float, float]]:
    """Wait ``seconds`` after the sessions close; the RSS (MB) every ``every`` seconds.

    Each sample is printed as it is taken (so a long settle shows when memory falls).
    """
    timeline: list[tuple[float, float]] = []
    t0 = time.monotonic()
    while (left := seconds - (time.monotonic() - t0)) > 0:
        time.sleep(min(every, left))
        timeline.append((time.monotonic() - t0, sampler.rss()))
        print(f"  settle {timeline[-1][0]:4.0f} s: RSS {timeline[-1][1]:.0f} MB",
              file=sys.stderr, flush=True)
    return timeline


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sessions", type=int, default=20, help="concurrent sessions (20)")
    ap.add_argument("--settle", type=float, default=150.0,
                    help="seconds to wait after the sessions close (150)")
    ap.add_argument("--every", type=float, default=30.0,
                    help="seconds between the RSS samples printed while settling (30)")
    ap.add_argument("--same", action="store_true", help="every session the default link")
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose app.py is run")
    ap.add_argument("--timeout", type=float, default=300.0, help="per-session timeout, s")
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                    help="an environment variable of the server (repeatable), e.g. "
                         "MALLOC_ARENA_MAX=2 to compare allocator settings")
    args = ap.parse_args()
    extra = {}
    for item in args.env:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            ap.error(f"--env: expected NAME=VALUE, got {item!r}")
        extra[name.strip()] = value
    if not 1 <= args.sessions <= 100:
        ap.error(f"--sessions: {args.sessions} is outside [1, 100]")
    if not Path(CHROMIUM).exists():
        sys.exit(f"bench_sessions: {CHROMIUM} is absent (apt-get install chromium)")
    root = args.root.resolve()
    cache = root / ".cache" / "slack-sim"  # the checkout's own cache: no recompile per run
    port = free_port_between()
    base = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory() as tmp:
        proc = start_server(port, Path(tmp) / "streamlit.log", root=root, timeout=120,
                            env={"PYTHONPATH": str(root / "src"),
                                 "SLACK_SIM_CACHE": str(cache), **extra})
        try:
            sampler = Sampler(proc.pid)
            start_rss = sampler.rss()
            warm = asyncio.run(open_sessions([base], args.timeout))[0]
            time.sleep(2)
            before = sampler.rss()
            urls = [base if args.same else
                    f"{base}?preset=austerity-then-covid&Slack%20target={0.05 + 0.01 * i:.2f}"
                    for i in range(args.sessions)]
            sampler.start()
            t = time.perf_counter()
            times = asyncio.run(open_sessions(urls, args.timeout))
            wall = time.perf_counter() - t
            closed = sampler.rss()
            timeline = settle(sampler, args.settle, every=args.every)
            sampler.stop()
            after = sampler.rss()
        finally:
            stop_server(proc)
    ok = sorted(x for x in times if x is not None)
    print(f"app: {root}  port {port}  sessions {args.sessions} "
          f"({'the same link' if args.same else 'distinct links'})"
          + "".join(f"  {k}={v}" for k, v in extra.items()))
    print(f"warm-up session (model load, engine from cache): {warm:.1f} s to first card")
    if ok:
        print(f"time to first card: median {statistics.median(ok):.1f} s, min {ok[0]:.1f} s, "
              f"max {ok[-1]:.1f} s; {len(ok)} of {len(times)} sessions drew their cards; "
              f"all done in {wall:.1f} s")
    else:
        print("no session drew its cards")
    print(f"server RSS: at start {start_rss:.0f} MB, before the sessions {before:.0f} MB, "
          f"peak {max(sampler.peak, closed):.0f} MB, when they closed {closed:.0f} MB, "
          f"{args.settle:.0f} s later {after:.0f} MB "
          f"({after - before:+.0f} MB against before)")
    print("RSS while settling: " + ", ".join(f"{t:.0f} s {m:.0f} MB" for t, m in timeline))
    print("(timings are on whatever else the machine runs; re-run on a quiet one)")


if __name__ == "__main__":
    main()

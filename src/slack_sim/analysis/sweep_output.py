"""Sweep output: the rows written to Parquet in chunk order, and the progress bar.

Used by :func:`slack_sim.analysis.sweep.sweep` (rows arrive from Dask in any order and
are written in chunk order) and :func:`slack_sim.analysis.sweep_plan.sweep_in_process`
(the progress bar).
"""

from __future__ import annotations

import json
import math
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ParquetRows", "Progress", "concat_rows"]


def concat_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """Return chunks' rows as one table, the key columns typed (council text, ints)."""
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if "council" in table:
        table["council"] = table["council"].astype(str)
        table["policy"] = table["policy"].astype(np.int64)
        table["future"] = table["future"].astype(np.int64)
    return table


class ParquetRows:
    """Parquet rows written in chunk order as chunks arrive (out-of-order ones wait)."""

    def __init__(self, path: Path, metadata: dict[str, Any]) -> None:
        self.path, self.metadata = path, metadata
        self.next, self.waiting = 0, {}
        self.writer: Any = None
        self.tmp = path.with_name(path.name + ".partial")

    def add(self, number: int, rows: pd.DataFrame) -> None:
        """Take chunk ``number``'s rows; write every waiting chunk that is next in order."""
        self.waiting[number] = rows
        while self.next in self.waiting:
            self._write(self.waiting.pop(self.next))
            self.next += 1

    def _write(self, rows: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(concat_rows([rows]), preserve_index=False)
        if self.writer is None:
            meta = dict(table.schema.metadata or {})
            meta[b"slack_sim"] = json.dumps(self.metadata).encode("utf-8")
            self.schema = table.schema.with_metadata(meta)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.tmp, self.schema)
        self.writer.write_table(table.cast(self.schema))

    def close(self) -> None:
        """Finish the file (renamed into place); refuse if a chunk never arrived."""
        if self.waiting:
            raise RuntimeError(f"chunks {sorted(self.waiting)} arrived without chunk "
                               f"{self.next}")
        if self.writer is not None:
            self.writer.close()
            os.replace(self.tmp, self.path)


class Progress:
    """A one-line progress bar on stderr (a line per tenth when it is not a terminal)."""

    def __init__(self, runs: int, chunks: int, *, enabled: bool,
                 write: Callable[[str], Any] | None = None) -> None:
        self.total, self.chunks, self.done, self.chunks_done = runs, chunks, 0, 0
        self.enabled, self.start, self.shown = enabled, time.perf_counter(), -1
        self.tty = sys.stderr.isatty()
        self.write = write or sys.stderr.write

    def update(self, runs: int) -> None:
        """Count a finished chunk of ``runs`` runs and redraw the bar."""
        self.done += runs
        self.chunks_done += 1
        if not self.enabled:
            return
        share = self.done / self.total if self.total else 1.0
        tenth = int(share * 10)
        if not self.tty and tenth == self.shown and self.chunks_done < self.chunks:
            return
        self.shown = tenth
        elapsed = time.perf_counter() - self.start
        rate = self.done / elapsed if elapsed else 0.0
        eta = (self.total - self.done) / rate if rate else math.inf
        bar = "#" * int(share * 30)
        line = (f"sweep [{bar:<30}] {share:4.0%} {self.done:,}/{self.total:,} runs, "
                f"{self.chunks_done}/{self.chunks} chunks, {rate:,.0f} runs/s, "
                f"ETA {eta:,.0f} s")
        self.write(("\r" + line) if self.tty else line + "\n")

    def close(self) -> None:
        """End the bar's line."""
        if self.enabled and self.tty:
            self.write("\n")

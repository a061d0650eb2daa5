"""Long batches in chunks: progress and Ctrl-C between them, the result unchanged.

A large ensemble (or grid) is run in near-equal chunks of at most :data:`CHUNK_MEMBERS`
members (:func:`member_chunks`), so a command line can report progress and answer a
Ctrl-C between them; :class:`MemberFiller` puts the chunks' data back together in place,
holding it once. Members are independent lanes of the engine, so the result is the one
of a single call over every member, bit for bit (``tests/reliability/test_progress.py``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["CHUNK_MEMBERS", "MemberFiller", "member_chunks"]

#: Members run in one call of the engine (about a second of a core with the outcomes):
#: a larger batch runs in near-equal chunks of at most this many, reporting progress
#: and answering Ctrl-C between them; the app's 500 futures are one chunk.
CHUNK_MEMBERS = 2_048


def member_chunks(n: int, size: int = CHUNK_MEMBERS) -> list[slice]:
    """Split ``range(n)`` into near-equal consecutive slices of at most ``size``.

    Near-equal, so no chunk is a handful of members (the engine runs a batch of one or two
    members on another code path than a block of lanes). The chunks of every long batch
    (an ensemble, a tipping map) that reports progress.

    Parameters
    ----------
    n : int
        Members.
    size : int
        Most members in a chunk (default :data:`CHUNK_MEMBERS`).

    Returns
    -------
    list of slice
        Consecutive, covering ``range(n)`` once.
    """
    k = max(1, -(-n // size))
    bounds = [round(i * n / k) for i in range(k + 1)]
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]


class MemberFiller:
    """The members' data of an ensemble run in chunks, filled in place chunk by chunk.

    One array per output is allocated at the first chunk and each chunk copied into its
    rows, so a large ensemble holds its data once (putting the chunks together at the end
    would hold it twice); :meth:`dataset` is what one call over every member returns.

    Parameters
    ----------
    n : int
        Members of the whole batch.
    """

    def __init__(self, n: int) -> None:
        """Prepare for ``n`` members."""
        self.n = n
        self.template: Any = None
        self.arrays: dict[str, np.ndarray] = {}
        self.coords: dict[str, list[np.ndarray]] = {}

    def add(self, part: slice, data: Any) -> None:
        """Copy one chunk's data (an xarray Dataset, members ``part``) into place."""
        if self.template is None:
            self.template = data.isel(scenario=slice(0, 0))
            self.arrays = {name: np.empty((self.n, *data[name].shape[1:]),
                                          dtype=data[name].dtype)
                           for name in data.data_vars}
            self.coords = {name: [] for name, c in data.coords.items()
                           if c.dims == ("scenario",)}
        for name, array in self.arrays.items():
            array[part] = data[name].values
        for name, values in self.coords.items():
            values.append(data[name].values)

    def dataset(self) -> Any:
        """Return every member's data as one Dataset (as one call over them all)."""
        import xarray as xr

        t = self.template
        coords = {name: c for name, c in t.coords.items() if "scenario" not in c.dims}
        for name, values in self.coords.items():
            coords[name] = (("scenario",), np.concatenate(values), t[name].attrs)
        variables = {name: (t[name].dims, self.arrays[name], t[name].attrs)
                     for name in t.data_vars}
        return xr.Dataset(variables, coords=coords, attrs=t.attrs)

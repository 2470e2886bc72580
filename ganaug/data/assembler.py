"""Decoded chunks of generated rows written into one preallocated output.

Used by sampling (``ganaug/_sampling.py``); numpy and pandas only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


class Assembler:
    """Decoded chunks written into one preallocated output (ndarray or DataFrame).

    Arrays, and DataFrame columns with numpy dtypes, are filled in place, so the peak
    memory is the output plus one chunk. DataFrame columns with pandas extension dtypes
    (categories, nullable ints, strings) are gathered per column and concatenated (and
    put in row order) at the end, one column at a time: the extra memory is then at most
    about one such column, plus an index of the rows.
    """

    def __init__(self, n: int):
        """Prepare for ``n`` rows (allocated on the first :meth:`put`)."""
        self.n = n
        self.out = None  # ndarray, or one ndarray / list of pieces per column
        self.kind = None
        self.positions: list = []  # where each chunk went (for extension columns)

    def put(self, pos: slice | np.ndarray, part: np.ndarray | pd.DataFrame) -> None:
        """Write the decoded chunk ``part`` at rows ``pos`` (a slice or row indices).

        Parameters
        ----------
        pos : slice or ndarray of int
            Rows of the output the chunk fills, in the chunk's order.
        part : ndarray or DataFrame
            The decoded rows; every chunk has the same type, columns and dtypes.
        """
        if self.kind is None:
            self._allocate(part)
        if self.kind == "array":
            self.out[pos] = part
        elif self.kind == "block":
            self.out[pos] = part.to_numpy()
        else:
            for arr, (_, col) in zip(self.out, part.items()):
                if isinstance(arr, np.ndarray):
                    arr[pos] = col.to_numpy()
                else:
                    arr.append(col.array)
            if self.has_extension:
                self.positions.append(pos)

    def _allocate(self, part) -> None:
        n = self.n
        if not isinstance(part, pd.DataFrame):
            self.kind = "array"
            self.out = np.empty((n, *part.shape[1:]), dtype=part.dtype)
            return
        self.columns = part.columns
        dtypes = list(part.dtypes)
        numpy = [isinstance(d, np.dtype) for d in dtypes]
        self.has_extension = not all(numpy)
        if dtypes and all(numpy) and len(set(dtypes)) == 1:
            self.kind = "block"
            self.out = np.empty((n, len(dtypes)), dtype=dtypes[0])
        else:
            self.kind = "columns"
            self.out = [np.empty(n, dtype=d) if isnp else [] for d, isnp in zip(dtypes, numpy)]

    def _order(self) -> np.ndarray | None:
        """Take-indexer from chunk order to row order (None when already in order)."""
        if all(isinstance(p, slice) for p in self.positions):
            return None  # slices are written in increasing order
        where = np.concatenate([
            np.arange(p.start, p.stop) if isinstance(p, slice) else np.asarray(p)
            for p in self.positions
        ])
        order = np.empty(self.n, dtype=np.int64)
        order[where] = np.arange(self.n)
        return order

    def result(self) -> np.ndarray | pd.DataFrame:
        """The assembled output, in row order (call once, after the last :meth:`put`).

        Returns
        -------
        ndarray or DataFrame
            All ``n`` rows, in the container and dtypes of the chunks.
        """
        if self.kind == "array":
            return self.out
        if self.kind == "block":  # object stays object (pandas 3 would infer 'str')
            return pd.DataFrame(self.out, columns=self.columns, copy=False,
                                dtype=object if self.out.dtype.kind == "O" else None)
        order = self._order() if self.has_extension else None
        columns = {}
        for j, arr in enumerate(self.out):
            if not isinstance(arr, np.ndarray):
                pieces, self.out[j] = arr, None
                arr = type(pieces[0])._concat_same_type(pieces)
                del pieces
                if order is not None:
                    arr = arr.take(order)
            elif arr.dtype.kind == "O":  # object stays object (pandas 3 would infer 'str')
                arr = pd.Series(arr, dtype=object, copy=False)
            columns[j] = arr
        frame = pd.DataFrame(columns, copy=False)
        frame.columns = self.columns
        return frame

"""The decoding half of :class:`~ganaug.data.TabularEncoder` (encoded rows -> table).

A mixin, so the encoder's class (and the class name stored by ``ganaug.save``) stays
``ganaug.data.tabular.TabularEncoder``; it uses the attributes ``fit`` sets there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import ndtr

from .images import _to_integer
from .integers import plus_offset

if TYPE_CHECKING:  # pragma: no cover
    from .tabular import _Column


class TabularDecoding:
    """``inverse_transform`` of :class:`~ganaug.data.TabularEncoder` and its helpers."""

    # ---------------------------------------------------------- inverse transform --
    def _pick(self, P: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """One category index per row, drawn from the rows of probabilities ``P``."""
        u = rng.random_sample(size=(P.shape[0], 1)).astype(np.float32)
        idx = P.argmax(axis=1)
        if (np.count_nonzero(P) == len(P)
                and (np.take_along_axis(P, idx[:, None], 1) == 1).all()):
            return idx  # exact one-hot rows (copied from anchors): their slot, same draws
        c = np.cumsum(np.maximum(P, 0.0, dtype=np.float32), axis=1)
        total = c[:, -1:]
        bad = total[:, 0] <= 0
        if bad.any():  # all-zero rows: uniform
            c[bad] = np.arange(1, P.shape[1] + 1)
            total = c[:, -1:]
        u = u * total
        return np.minimum((c < u).sum(axis=1), P.shape[1] - 1)

    def inverse_transform(
        self, Z: np.ndarray, random_state: np.random.RandomState | None = None,
        tail_probs: dict | None = None,
    ) -> np.ndarray | pd.DataFrame:
        """Decode encoded rows into the training container, columns and dtypes.

        One-hot blocks are read as probabilities (the generator's softmax) and a slot is
        drawn from them; exact one-hot rows decode to their slot. Continuous values go
        through the normal CDF and the training quantiles (inside the training range);
        integer columns are rounded.

        Parameters
        ----------
        Z : ndarray of shape (n_rows, n_features_)
            Encoded rows.
        random_state : RandomState or None, default=None
            Source of the draws; None uses the encoder's own stream (seeded in ``fit``).
        tail_probs : dict or None, default=None
            Column position -> shares of that column's folded ("other") values to
            draw "other" rows from: ``(positions, shares)`` of the values one class
            holds (see :meth:`TabularEncoder.class_tail_probs`) or probabilities over
            all of them; None or absent columns: the whole table's shares.

        Returns
        -------
        X : DataFrame or ndarray
            DataFrame with the training columns, order and dtypes (categories
            included), or an array of the training dtype.
        """
        rng = self._sample_rng if random_state is None else random_state
        Z = np.asarray(Z)
        n = Z.shape[0]
        out: list = []
        for j, info in enumerate(self.columns_info_):
            s = info.start
            if info.categorical:
                k = len(info.categories)
                idx = self._pick(Z[:, s:info.stop], rng)
                # the missing slot follows "other" when there is one; read it before
                # "other" rows become k + (folded value), which would collide with it
                slot_missing = k + (info.tail_values is not None)
                missing = ((idx == slot_missing) | (k == 0)) if info.has_missing else None
                if info.tail_values is not None:
                    other = np.flatnonzero(idx == k)
                    if len(other):  # "other": a draw from the empirical tail
                        p = info.tail_probs if tail_probs is None else tail_probs.get(
                            j, info.tail_probs)
                        # a class's own shares: (positions, shares) of the values it
                        # holds; the same draws as over all values with zeros elsewhere
                        # (a dense vector, as files saved before this hold)
                        support, p = p if isinstance(p, tuple) else (None, p)
                        pick = rng.choice(len(p), size=len(other), p=p)
                        idx[other] = k + (pick if support is None else support[pick])
                if missing is not None:
                    idx[missing] = -1
                out.append(self._restore_categorical(idx, info))
            else:
                u = ndtr(Z[:, s].astype(np.float64))
                x = np.interp(u, info.p, info.q)
                if info.integer:
                    x = np.rint(x)
                missing = None
                if info.has_missing:
                    missing = self._pick(Z[:, s + 1 : s + 3], rng) == 1
                    if info.all_missing:  # never observed: no value to make up
                        missing[:] = True
                out.append(self._restore_numeric(x, missing, info))
        if self.is_frame_:
            out = [  # object columns stay object (pandas 3 would infer 'str')
                pd.Series(c, dtype=object, copy=False)
                if isinstance(c, np.ndarray) and c.dtype.kind == "O" else c
                for c in out
            ]
            frame = pd.DataFrame(dict(enumerate(out)), copy=False)
            frame.columns = self.columns_
            return frame
        return self._stack(out, n)

    @staticmethod
    def _lookup(info: _Column):
        """The column's values (kept categories, then the tail) in its output type."""
        if info.lookup is not None:
            return info.lookup
        values = info.categories
        if info.tail_values is not None:
            values = np.concatenate([values, info.tail_values])
        values = np.asarray(values, dtype=object)
        dtype = info.dtype
        if isinstance(dtype, np.dtype):  # numpy arrays, and frames' numpy columns
            lookup = _as_numpy(values, dtype)
        elif isinstance(dtype, pd.CategoricalDtype):
            lookup = np.asarray(dtype.categories.get_indexer(values), dtype=np.int64)
        else:
            lookup = pd.array(values, dtype=dtype)
        info.lookup = lookup
        return lookup

    def _restore_categorical(self, idx: np.ndarray, info: _Column):
        """Slot indices (-1: missing) -> the column in its training dtype."""
        lookup = self._lookup(info)
        missing = idx < 0
        has_na = bool(missing.any())
        dtype = info.dtype
        if self.is_frame_ and isinstance(dtype, pd.CategoricalDtype):
            codes = (np.where(missing, -1, lookup[np.maximum(idx, 0)]) if len(lookup)
                     else np.full(len(idx), -1))  # a column with no values: all missing
            return pd.Categorical.from_codes(codes, dtype=dtype)
        if isinstance(lookup, np.ndarray):
            values = lookup[np.maximum(idx, 0)] if len(lookup) else np.empty(len(idx), object)
            if has_na:
                if values.dtype.kind in "mM":  # datetimes and durations hold NaT: keep
                    values[missing] = np.array("NaT", dtype=values.dtype)  # their dtype
                    return values
                if values.dtype.kind != "O" and values.dtype.kind != "f":
                    values = values.astype(object)
                values[missing] = info.missing_value if values.dtype.kind == "O" else np.nan
            return values
        return lookup.take(idx, allow_fill=True)

    def _restore_numeric(self, values: np.ndarray, missing: np.ndarray | None, info: _Column):
        """Decoded numbers (float64) -> the column in its training dtype."""
        dtype = info.dtype
        has_na = missing is not None and bool(missing.any())
        if not self.is_frame_:
            if has_na:
                values = values.astype(object)
                values[missing] = info.missing_value
            return values
        if isinstance(dtype, np.dtype) and dtype.kind == "O":  # numbers in an object column:
            if has_na:  # Python ints stay ints, as in object arrays (_stack)
                values = values.astype(object)
                values[missing] = info.missing_value
            return _object_numbers(values, info.integer)
        kind = getattr(dtype, "numpy_dtype", dtype)
        offset = getattr(info, "int_offset", None)
        if offset is not None:  # exact: the minimum added back in integers
            values = plus_offset(values, offset, kind, info.int_bounds)
        elif info.integer and isinstance(kind, np.dtype) and kind.kind in "iub":
            values = _to_integer(values, kind, info.int_bounds)  # no wrap-around, exact
        if isinstance(dtype, np.dtype):
            if has_na:  # only float (or object) numpy columns can hold missing values
                values[missing] = np.nan
            return values.astype(dtype, copy=False)
        arr = pd.array(values, dtype=dtype)
        if has_na:
            arr[missing] = pd.NA
        return arr

    def _stack(self, out: list, n: int) -> np.ndarray:
        dtype = self.array_dtype_
        result = np.empty((n, len(out)), dtype=dtype)
        for j, (col, info) in enumerate(zip(out, self.columns_info_)):
            if dtype.kind == "O" and not info.categorical:
                col = _object_numbers(col, info.integer)
            result[:, j] = col
        return result


def _as_numpy(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Kept values (an object array) in their column's numpy dtype, exactly.

    numpy casts pandas Timestamps and Timedeltas through Python's datetime, which has
    microseconds only (nanoseconds are lost, and values near the ``datetime64[ns]``
    limits wrap around); pandas converts them exactly.
    """
    if dtype.kind == "O":
        return values
    if dtype.kind in "mM":
        return pd.array(values, dtype=dtype).to_numpy(dtype=dtype)
    return values.astype(dtype)


def _object_numbers(col: np.ndarray, integer: bool) -> np.ndarray:
    """Decoded numbers as an object column: Python ints for integer columns (missing
    values left as they are), floats otherwise."""
    if not integer:
        return col.astype(object)
    if col.dtype == object:
        return np.array([v if pd.isna(v) else int(v) for v in col], dtype=object)
    return col.astype(np.int64).astype(object)

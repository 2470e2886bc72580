"""NumericEncoder: all-numeric tables without missing values, by standardisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler

from .anchors import narrow_margin
from .images import _to_integer
from .integers import exact_offset, minus_offset, plus_offset

#: a column whose range is more than this many times the spread of its middle 90 % has
#: its bulk squeezed into a sliver when standardised: a few extreme values set the scale,
#: and noise that is small in standard units is far larger than a class's own spread
#: there (a helper's hunt: in a sinh-shaped column, ratio 900,000, 99 % of a minority's
#: new rows fell outside its range). Such columns are encoded on an asinh scale. Below
#: this ratio the trade was measured and not taken: at 10, the 3 development tables it
#: reaches moved -0.25 points of balanced accuracy (dev/README_heavy_tails.md), and
#: on 6 made-up heavy-tailed problems balanced accuracy rose 0.65 points on average
#: while macro F1 fell 0.96, with a minority cluster far out in a tail drawn into the
#: empty gap (macro F1 -6 with trees); no table in shared/ (largest ratio 336) and no
#: digits split reaches 1,000
TAIL_RATIO = 1000.0


def heavy_tails(values: np.ndarray) -> dict[int, tuple[float, float]]:
    """Columns squeezed by their extremes, each with the centre and scale of its ``asinh`` map.

    ``asinh((x - centre) / scale)`` is linear within about one ``scale`` of the median
    and logarithmic beyond, so the bulk keeps its shape and the tails are drawn in.

    Parameters
    ----------
    values : ndarray of shape (n, d)
        Finite float64 values.

    Returns
    -------
    squash : dict
        Column index -> (median, scale): the median absolute deviation from the median of
        the values that differ from it (a column mostly at one value keeps the spread of
        the rest).
    """
    squash = {}
    for j in range(values.shape[1]):
        col = values[:, j]
        with np.errstate(over="ignore", invalid="ignore"):  # beyond float64: not mapped
            span = col.max() - col.min()
            if not np.isfinite(span) or span == 0:
                continue
            kept, counts = np.unique(col, return_counts=True)
            spike = kept[counts.argmax()]
            rest = col[col != spike] if counts.max() > 0.1 * len(col) else col
            low, high = np.quantile(rest, [0.05, 0.95])  # a spike's spread is the others'
            if not span > TAIL_RATIO * (high - low) > 0:  # (few distinct values: not judged)
                continue
            centre = float(np.median(col))
            off = np.abs(col - centre)
            scale = float(np.median(off[off > 0]))
            # a ratio beyond float64 would not come back: such a column stays as it was
            if scale > 0 and np.isfinite((col - centre) / scale).all():
                squash[j] = (centre, scale)
    return squash


#: decoding returns a value two or more training rows share exactly when the encoded
#: value is within 4 float32 steps of its code (a value kept from a real row, see
#: :func:`~ganaug.data.point_masses`; tied values closer than float32 precision share
#: one code and decode to one of them); the commonest this many such values per column
#: over the whole table are kept (set, not tuned: a bound on the fitted encoder's size;
#: a class's rarer one comes back off by float rounding, as a warm refit's new ones do)
TIED_VALUES = 1024


class NumericEncoder:
    """Standardise numeric columns for the GAN and map generated rows back.

    Columns whose few extreme values would squeeze the rest into a sliver
    (:func:`heavy_tails`) are standardised on an ``asinh`` scale.
    ``inverse_transform`` returns values in the original units, clipped to the range seen
    in training, with integer (and boolean) columns rounded, in the caller's container:
    a DataFrame with the same column names and dtypes, or an array of the same dtype.
    """

    def fit(self, X: np.ndarray | pd.DataFrame) -> NumericEncoder:
        if isinstance(X, pd.DataFrame):
            self.columns_ = X.columns
            self.dtypes_ = X.dtypes
            kinds = [np.dtype(getattr(d, "numpy_dtype", d)) for d in X.dtypes]
        else:
            self.columns_ = None
            self.dtypes_ = np.asarray(X).dtype
            kinds = [self.dtypes_] * np.asarray(X).shape[1]
        self.kinds_ = kinds
        # 64-bit integers beyond 2**53 (IDs near 2**62): exact distances to the minimum
        raw = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        self.int_offsets_ = {
            j: off for j in range(raw.shape[1])
            if (off := exact_offset(raw.iloc[:, j], kinds[j])) is not None
        }
        values = self._values(X)
        self.integer_ = np.array(
            [np.issubdtype(k, np.integer) or k == np.bool_ for k in kinds], dtype=bool
        )
        # float columns holding only whole numbers (counts, pixel levels) come back on
        # that grid: all values integers and at most half of them distinct
        finite = np.isfinite(values).all(0)
        whole = finite & (values == np.rint(values)).all(0) & ~self.integer_
        distinct = np.array([len(np.unique(values[:, j])) for j in range(values.shape[1])])
        self.grid_ = whole & (distinct <= max(2, 0.5 * len(values)))
        # exact integer bounds (float64 rounds integers beyond 2**53)
        self.int_bounds_ = {
            j: (raw.iloc[:, j].min(), raw.iloc[:, j].max())
            for j in np.flatnonzero(self.integer_) if kinds[j] != np.bool_
        }
        self.min_ = values.min(axis=0)
        self.max_ = values.max(axis=0)
        # a range end that one training row alone holds is no point mass: values drawn
        # past it are reflected back (see ``fold_into``), not piled onto it
        self.fold_low_ = (values == self.min_).sum(0) == 1
        self.fold_high_ = (values == self.max_).sum(0) == 1
        self.squash_ = heavy_tails(values)
        values_raw, values = values, self._squash(values)
        low, high = values.min(axis=0), values.max(axis=0)  # what the scaler sees
        # exact power-of-two pre-scaling to magnitude ~1: the variance of columns near
        # 1e-300 would underflow to 0 (constant), and that of columns near 1e300 overflow
        big = np.maximum(np.abs(low), np.abs(high))
        self.exponent_ = np.where(big > 0, np.frexp(big)[1], 0).astype(np.int64)
        # constant columns: StandardScaler keeps scale 1, which is what we want
        # internal: never a DataFrame, whatever sklearn.set_config(transform_output=...) says
        self.offset_ = np.zeros(values.shape[1])
        self.scaler_ = StandardScaler().set_output(transform="default").fit(
            np.ldexp(values, -self.exponent_))
        # columns that vary by little next to their size (1e15 + 0..1000) look constant
        # to StandardScaler (scale 1): they vary, so they are centred on their middle
        # and scaled by their spread instead (other columns stay exactly as they were)
        lost = (self.scaler_.scale_ == 1.0) & (high > low)
        if lost.any():
            self.offset_[lost] = low[lost] / 2 + high[lost] / 2
            half = high[lost] / 2 - low[lost] / 2
            self.exponent_[lost] = np.frexp(half)[1]
            self.scaler_.fit(self._scaled(values))
        self.n_features_ = values.shape[1]
        # the training range's ends in encoded units (the encoding is monotone and
        # elementwise in each column, so the ends are the encoded minimum and maximum),
        # for sampling to fold values back inside it before the class check; rounded
        # outwards to float32, so that decoding's clip lands exactly on an end
        low, high = self._encode(np.vstack([self.min_, self.max_]))
        self.encoded_min_ = np.nextafter(low.astype(np.float32), np.float32(-np.inf))
        self.encoded_max_ = np.nextafter(high.astype(np.float32), np.float32(np.inf))
        self.ties_ = self._ties(values_raw, finite)
        return self

    def _ties(self, values: np.ndarray, finite: np.ndarray) -> dict:
        """Float columns' values that two or more training rows share (at most
        :data:`TIED_VALUES` commonest per column), as ``{column: (encoded, value)}``:
        the encoded float32 values, sorted, and the exact values they decode to."""
        cols, lists = [], []
        for j in np.flatnonzero(finite & ~self.integer_ & ~self.grid_):
            vals, counts = np.unique(values[:, j], return_counts=True)
            if (counts > 1).any():
                order = np.argsort(-counts, kind="stable")[:TIED_VALUES]
                cols.append(int(j))
                lists.append(vals[order[counts[order] > 1]])
        if not cols:
            return {}
        probe = np.tile(self.min_, (max(map(len, lists)), 1))
        for j, vals in zip(cols, lists):
            probe[: len(vals), j] = vals
        encoded = self._encode(probe).astype(np.float32)
        ties = {}
        for j, vals in zip(cols, lists):
            order = np.argsort(encoded[: len(vals), j], kind="stable")
            ties[j] = (encoded[: len(vals), j][order], vals[order])
        return ties

    def range_ends(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """The training range in encoded units, and where values drawn past it fold back.

        Returns
        -------
        ends : tuple of (low, high, fold_low, fold_high), or None
            ``low`` and ``high`` are float32 arrays of shape (n_features,); ``fold_low``
            and ``fold_high`` are boolean: True at an end that one training row alone
            holds, where a value drawn past it is reflected back inside
            (:func:`~ganaug.data.anchors.fold_into`); elsewhere it is clipped onto the
            end, a value many rows share (a blank pixel, a zero-inflated column's 0).
            None for a file saved before the ends were kept.
        """
        low = getattr(self, "encoded_min_", None)
        if low is None:
            return None
        return low, self.encoded_max_, self.fold_low_, self.fold_high_

    def _values(self, X: np.ndarray | pd.DataFrame) -> np.ndarray:
        """X as float64, offset columns as their exact distance to the training minimum."""
        frame = isinstance(X, pd.DataFrame)
        values = X.to_numpy(dtype=np.float64) if frame else np.asarray(X, dtype=np.float64)
        offsets = getattr(self, "int_offsets_", {})  # none in files saved before them
        if offsets and not values.flags.writeable:  # pandas may hand out a read-only view
            values = values.copy()
        for j, off in offsets.items():
            col = X.iloc[:, j] if frame else np.asarray(X)[:, j]
            values[:, j] = minus_offset(col, off, self.kinds_[j])
        return values

    def _scaled(self, values: np.ndarray) -> np.ndarray:
        """Centred (where needed) and power-of-two scaled values, before standardising."""
        offset = getattr(self, "offset_", None)  # files saved before it: none
        if offset is not None and offset.any():
            values = values - offset
        return np.ldexp(values, -self.exponent_)

    def check_compatible(self, X: np.ndarray | pd.DataFrame) -> tuple[list[str], list[str]]:
        """Problems (refuse) and warnings for encoding new data with this fitted codec."""
        problems, warns = [], []
        if isinstance(X, pd.DataFrame) != (self.columns_ is not None):
            problems.append("X is a DataFrame now and was not then (or the reverse)")
            return problems, warns
        new = list(X.dtypes) if isinstance(X, pd.DataFrame) else [np.asarray(X).dtype]
        old = list(self.dtypes_) if self.columns_ is not None else [self.dtypes_]
        if [str(d) for d in new] != [str(d) for d in old]:
            problems.append(f"column dtypes changed from {[str(d) for d in old]} to "
                            f"{[str(d) for d in new]}")
            return problems, warns
        values = self._values(X)
        out = (values.min(0) < self.min_) | (values.max(0) > self.max_)
        if out.any():
            warns.append(f"{int(out.sum())} column(s) have values outside the first fit's "
                         "range; generated values stay inside that range")
        return problems, warns

    def _squash(self, values: np.ndarray) -> np.ndarray:
        """Heavy-tailed columns on their ``asinh`` scale (the others as they are)."""
        squash = getattr(self, "squash_", {})  # none in files saved before it
        if not squash:
            return values
        values = values.copy()
        for j, (centre, scale) in squash.items():
            with np.errstate(over="ignore"):  # new data beyond float64 after the shift
                ratio = np.clip((values[:, j] - centre) / scale, -1e300, 1e300)
            values[:, j] = np.arcsinh(ratio)
        return values

    def _unsquash(self, values: np.ndarray) -> np.ndarray:
        for j, (centre, scale) in getattr(self, "squash_", {}).items():
            with np.errstate(over="ignore"):  # beyond float64: clipped to the range below
                values[:, j] = centre + scale * np.sinh(values[:, j])
        return values

    def class_reach(self, X: np.ndarray | pd.DataFrame, codes: np.ndarray) -> dict:
        """Per class, encoded bounds for the columns in which it is confidently narrow.

        A class of at least :data:`~ganaug.data.anchors.TRUSTED_ROWS` rows whose upper
        bound of its own standard deviation in a column is less than the pooled
        within-class one over :data:`~ganaug.data.anchors.NARROW_FACTOR`
        (:func:`~ganaug.data.anchors.narrow_margin`, in the encoded units) keeps its new
        values there within its own range widened by twice that bound; no other bound
        (unlike the mixed tables' :meth:`ganaug.data.TabularEncoder.class_reach`). A
        class set apart by a small spread (sd 0.05 in 2 of 20 columns) otherwise got new
        rows about four times as wide there from the trained generator. Values past a
        bound are reflected back inside it (:func:`~ganaug.data.anchors.fold_into`).
        Narrowness is judged in the encoded units, so in a
        squashed (asinh) column a class far out in the tail counts as narrower than in
        the raw values; its bounds still hold its whole range.

        Parameters
        ----------
        X : ndarray or DataFrame
            The training rows.
        codes : ndarray of int
            Class code per row.

        Returns
        -------
        dict
            Class code -> (encoded column positions, lower bounds, upper bounds), float32,
            for the classes with such a column.
        """
        E = np.asarray(self.transform(X), dtype=np.float64)
        classes = np.unique(codes)
        squares = np.zeros(E.shape[1])  # pooled within-class sum of squares, class by
        for c in classes:  # class (no copy of the whole table at once)
            p = E[codes == c]
            with np.errstate(over="ignore", invalid="ignore"):
                squares += ((p - p.mean(0)) ** 2).sum(0)
        with np.errstate(over="ignore", invalid="ignore"):
            pooled = 2.0 * np.sqrt(squares / max(len(E) - len(classes), 1))
        out = {}
        for c in classes:
            p = E[codes == c]
            margin = narrow_margin(p, pooled)
            cols = np.flatnonzero(margin < pooled)
            if len(cols):
                out[int(c)] = (cols.astype(np.int64),
                               (p[:, cols].min(0) - margin[cols]).astype(np.float32),
                               (p[:, cols].max(0) + margin[cols]).astype(np.float32))
        return out

    def _encode(self, values: np.ndarray) -> np.ndarray:
        """Float64 values (as :meth:`_values` gives them) in encoded units, float64."""
        return self.scaler_.transform(self._scaled(self._squash(values)))

    def transform(self, X: np.ndarray | pd.DataFrame) -> np.ndarray:
        return self._encode(self._values(X)).astype(np.float32)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray | pd.DataFrame:
        Z = np.asarray(Z)
        values = self.scaler_.inverse_transform(np.asarray(Z, dtype=np.float64))
        values = np.ldexp(values, self.exponent_)
        offset = getattr(self, "offset_", None)
        if offset is not None and offset.any():
            values += offset
        values = self._unsquash(values)
        np.clip(values, self.min_, self.max_, out=values)
        for j, (encoded, exact) in getattr(self, "ties_", {}).items():
            # a value kept from a real row (a point mass) comes back exactly, not off
            # by float32 rounding: encoded values within 4 float32 steps of a tied one
            z = np.asarray(Z[:, j], dtype=np.float32)
            right = np.searchsorted(encoded, z).clip(0, len(encoded) - 1)
            left = (right - 1).clip(0)
            near = np.where(np.abs(z - encoded[left]) <= np.abs(z - encoded[right]),
                            left, right)
            hit = np.abs(z - encoded[near]) <= 4 * np.abs(np.spacing(encoded[near]))
            values[hit, j] = exact[near[hit]]
        values[:, self.integer_] = np.rint(values[:, self.integer_])
        grid = getattr(self, "grid_", None)
        if grid is not None and grid.any():  # float columns that only held whole numbers
            values[:, grid] = np.rint(values[:, grid])
        offsets = getattr(self, "int_offsets_", {})
        if self.columns_ is None:
            if not self.integer_.any():
                return values.astype(self.dtypes_, copy=False)
            out = _to_integer(values, self.dtypes_)  # no wrap-around at the dtype's limits
            for j, bounds in self.int_bounds_.items():
                out[:, j] = (np.clip(out[:, j], *bounds) if j not in offsets else
                             plus_offset(values[:, j], offsets[j], self.dtypes_, bounds))
            return out
        columns = {}
        for j, dtype in enumerate(self.dtypes_):
            col = values[:, j]
            if j in offsets:
                col = plus_offset(col, offsets[j], self.kinds_[j], self.int_bounds_[j])
            elif self.integer_[j]:
                col = _to_integer(col, np.dtype(self.kinds_[j]), self.int_bounds_.get(j))
            columns[j] = pd.Series(col, copy=False).astype(dtype)
        frame = pd.DataFrame(columns, copy=False)
        frame.columns = self.columns_
        return frame

"""Encoders for tables: rows <-> float32 matrices the tabular GAN works in.

Two encoders:

* :class:`NumericEncoder`: all-numeric tables without missing values (standardisation).
* :class:`TabularEncoder`: mixed-type tables (numbers, integers, nullable integers,
  booleans, categories, strings) with missing values anywhere. Each column becomes one
  or more *spans* of the encoded row; the generator applies an activation per span
  (identity for continuous values, softmax / Gumbel-softmax for one-hot blocks).

Design of :class:`TabularEncoder` (see its docstring for the reasons):

* continuous columns: a randomised quantile transform to a standard normal (exact
  marginal by construction, ties spread uniformly over their quantile interval, decode
  inside the training range by construction);
* categorical columns: one-hot over the ``max_categories`` most frequent values plus one
  "other" slot; a decoded "other" is drawn from the empirical distribution of the tail,
  so values only ever come from those seen in training and memory stays bounded;
* missing values: an explicit indicator (its own one-hot slot for categorical columns, a
  two-way [present, missing] block for numeric ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from numbers import Integral
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from sklearn.preprocessing import StandardScaler

from .images import _to_integer


class NumericEncoder:
    """Standardise numeric columns for the GAN and map generated rows back.

    ``inverse_transform`` returns values in the original units, clipped to the range seen
    in training, with integer (and boolean) columns rounded, in the caller's container:
    a DataFrame with the same column names and dtypes, or an array of the same dtype.
    """

    def fit(self, X: np.ndarray | pd.DataFrame) -> NumericEncoder:
        if isinstance(X, pd.DataFrame):
            self.columns_ = X.columns
            self.dtypes_ = X.dtypes
            kinds = [np.dtype(getattr(d, "numpy_dtype", d)) for d in X.dtypes]
            values = X.to_numpy(dtype=np.float64)
        else:
            self.columns_ = None
            self.dtypes_ = np.asarray(X).dtype
            kinds = [self.dtypes_] * np.asarray(X).shape[1]
            values = np.asarray(X, dtype=np.float64)
        self.integer_ = np.array(
            [np.issubdtype(k, np.integer) or k == np.bool_ for k in kinds], dtype=bool
        )
        self.kinds_ = kinds
        # float columns holding only whole numbers (counts, pixel levels) come back on
        # that grid: all values integers and at most half of them distinct
        finite = np.isfinite(values).all(0)
        whole = finite & (values == np.rint(values)).all(0) & ~self.integer_
        distinct = np.array([len(np.unique(values[:, j])) for j in range(values.shape[1])])
        self.grid_ = whole & (distinct <= max(2, 0.5 * len(values)))
        # exact integer bounds (float64 rounds integers beyond 2**53)
        raw = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
        self.int_bounds_ = {
            j: (raw.iloc[:, j].min(), raw.iloc[:, j].max())
            for j in np.flatnonzero(self.integer_) if kinds[j] != np.bool_
        }
        self.min_ = values.min(axis=0)
        self.max_ = values.max(axis=0)
        # exact power-of-two pre-scaling to magnitude ~1: the variance of columns near
        # 1e-300 would underflow to 0 (constant), and that of columns near 1e300 overflow
        big = np.maximum(np.abs(self.min_), np.abs(self.max_))
        self.exponent_ = np.where(big > 0, np.frexp(big)[1], 0).astype(np.int64)
        # constant columns: StandardScaler keeps scale 1, which is what we want
        self.scaler_ = StandardScaler().fit(np.ldexp(values, -self.exponent_))
        self.n_features_ = values.shape[1]
        return self

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
        values = (X.to_numpy(dtype=np.float64) if isinstance(X, pd.DataFrame)
                  else np.asarray(X, dtype=np.float64))
        out = (values.min(0) < self.min_) | (values.max(0) > self.max_)
        if out.any():
            warns.append(f"{int(out.sum())} column(s) have values outside the first fit's "
                         "range; generated values stay inside that range")
        return problems, warns

    def transform(self, X: np.ndarray | pd.DataFrame) -> np.ndarray:
        values = (
            X.to_numpy(dtype=np.float64)
            if isinstance(X, pd.DataFrame)
            else np.asarray(X, dtype=np.float64)
        )
        return self.scaler_.transform(np.ldexp(values, -self.exponent_)).astype(np.float32)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray | pd.DataFrame:
        values = self.scaler_.inverse_transform(np.asarray(Z, dtype=np.float64))
        values = np.ldexp(values, self.exponent_)
        np.clip(values, self.min_, self.max_, out=values)
        values[:, self.integer_] = np.rint(values[:, self.integer_])
        grid = getattr(self, "grid_", None)
        if grid is not None and grid.any():  # float columns that only held whole numbers
            values[:, grid] = np.rint(values[:, grid])
        if self.columns_ is None:
            if not self.integer_.any():
                return values.astype(self.dtypes_, copy=False)
            out = _to_integer(values, self.dtypes_)  # no wrap-around at the dtype's limits
            for j, bounds in self.int_bounds_.items():
                out[:, j] = np.clip(out[:, j], *bounds)
            return out
        columns = {}
        for j, dtype in enumerate(self.dtypes_):
            col = values[:, j]
            if self.integer_[j]:
                col = _to_integer(col, np.dtype(self.kinds_[j]), self.int_bounds_.get(j))
            columns[j] = pd.Series(col, copy=False).astype(dtype)
        frame = pd.DataFrame(columns, copy=False)
        frame.columns = self.columns_
        return frame


# ------------------------------------------------------------------ mixed-type tables --
class Span(NamedTuple):
    """A block of encoded columns: ``[start, stop)`` and how the generator activates it.

    ``kind`` is ``"continuous"`` (identity output, one value) or ``"softmax"`` (a one-hot
    block: softmax / Gumbel-softmax over ``stop - start`` slots).
    """

    start: int
    stop: int
    kind: str


def _is_categorical_dtype(dtype: Any) -> bool:
    """Categorical by dtype ('auto'): category, object, string and boolean columns."""
    if isinstance(dtype, pd.CategoricalDtype):
        return True
    if pd.api.types.is_bool_dtype(dtype):
        return True
    return not pd.api.types.is_numeric_dtype(dtype)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float | np.integer | np.floating) and not isinstance(
        v, bool | np.bool_
    )


def resolve_categorical(
    X: np.ndarray | pd.DataFrame, categorical_features: Any = "auto"
) -> np.ndarray:
    """Boolean mask of the categorical columns of ``X``, as SMOTENC reads its argument.

    Parameters
    ----------
    X : ndarray or DataFrame of shape (n_samples, n_features)
        The table.
    categorical_features : 'auto', None, array-like of str, int or bool, default='auto'
        'auto': from dtypes (DataFrame columns of dtype category, object, string or bool;
        numpy object-array columns holding any non-number); None or an empty list: none;
        a list of column names (DataFrames), a list of column indices, or a boolean mask
        of length ``n_features``.

    Returns
    -------
    mask : ndarray of bool of shape (n_features,)
        True for the categorical columns.
    """
    n_features = X.shape[1]
    if categorical_features is None:
        return np.zeros(n_features, dtype=bool)
    if isinstance(categorical_features, str):
        if categorical_features != "auto":
            raise ValueError(
                f"categorical_features must be 'auto', None, a list of column names, "
                f"indices or a boolean mask; got {categorical_features!r}."
            )
        if isinstance(X, pd.DataFrame):
            return np.array([_is_categorical_dtype(d) for d in X.dtypes], dtype=bool)
        arr = np.asarray(X)
        if arr.dtype == object:
            mask = np.zeros(n_features, dtype=bool)
            for j in range(n_features):
                col = arr[:, j]
                values = col[~np.asarray(pd.isna(col), dtype=bool)]
                for v in values:
                    if not isinstance(v, str | bytes | bool | int | float | np.generic):
                        raise TypeError(
                            f"Column {j} of X holds a {type(v).__name__} ({v!r}): argument "
                            "must be a string or a number."
                        )
                mask[j] = not all(_is_number(v) for v in values)
            return mask
        if arr.dtype.kind in "USb":
            return np.ones(n_features, dtype=bool)
        return np.zeros(n_features, dtype=bool)
    feats = list(np.asarray(categorical_features, dtype=object).ravel())
    mask = np.zeros(n_features, dtype=bool)
    if not feats:
        return mask
    if all(isinstance(f, bool | np.bool_) for f in feats):
        if len(feats) != n_features:
            raise ValueError(
                f"categorical_features as a boolean mask must have {n_features} entries "
                f"(one per column); got {len(feats)}."
            )
        return np.asarray(feats, dtype=bool)
    if all(isinstance(f, Integral) for f in feats):
        for f in feats:
            if not -n_features <= int(f) < n_features:
                raise ValueError(
                    f"categorical_features index {f} is out of range for {n_features} "
                    "columns."
                )
            mask[int(f)] = True
        return mask
    if all(isinstance(f, str) for f in feats):
        if not isinstance(X, pd.DataFrame):
            raise ValueError(
                "categorical_features holds column names, but X is not a DataFrame; "
                "pass column indices or a boolean mask."
            )
        cols = [str(c) for c in X.columns]
        for f in feats:
            if f not in cols:
                raise ValueError(f"categorical_features names unknown column {f!r}.")
            mask[cols.index(f)] = True
        return mask
    raise ValueError(
        "categorical_features must be 'auto', None, or a list of column names, column "
        f"indices or booleans; got {categorical_features!r}."
    )


@dataclass
class _Column:
    """What the encoder learned about one column."""

    name: Any
    categorical: bool
    dtype: Any
    has_missing: bool
    missing_value: Any = np.nan
    all_missing: bool = False  # a numeric column with no observed value
    int_bounds: tuple | None = None  # exact (min, max) of an integer-dtype column
    integer: bool = False
    p: np.ndarray | None = None  # quantile levels (continuous)
    q: np.ndarray | None = None  # quantile values (continuous)
    categories: np.ndarray | None = None  # kept categories, most frequent first
    tail_values: np.ndarray | None = None  # categories folded into "other"
    tail_probs: np.ndarray | None = None  # their empirical probabilities
    lookup: Any = None  # categories + tail in the output type (built on first decode)
    _transient_attrs = ("lookup",)  # not saved by ganaug.save: rebuilt on first decode
    spans: list = field(default_factory=list)  # Span objects of this column
    start: int = 0
    stop: int = 0


class TabularEncoder:
    """Mixed-type table <-> float32 matrix with per-column output spans.

    Parameters
    ----------
    categorical_features : 'auto', None, array-like of str, int or bool, default='auto'
        Which columns are categorical (see :func:`resolve_categorical`): 'auto' reads
        DataFrame dtypes (category, object, string, bool) and numpy object columns.
    max_categories : int, default=50
        One-hot slots per categorical column. Columns with more distinct values keep
        their ``max_categories`` most frequent ones and fold the rest into one "other"
        slot; a generated "other" is replaced by a draw from the empirical distribution
        of the folded values. The encoded width of a column is therefore at most
        ``max_categories + 2`` (other, missing), whatever its cardinality.
    n_quantiles : int, default=1000
        Quantile levels kept per continuous column (fewer when there are fewer rows).
    random_state : int or None, default=None
        Seeds the tie-breaking of ``transform`` and the draws of ``inverse_transform``
        (local ``RandomState`` objects; global state is never touched).

    Attributes
    ----------
    spans_ : list of Span
        The encoded row as blocks, in order: ``Span(start, stop, kind)`` with kind
        'continuous' (one value, identity head) or 'softmax' (one-hot block).
    column_spans_ : dict
        Column name (or index for arrays) -> ``(start, stop)`` of its encoded block.
    n_features_ : int
        Width of the encoded rows.
    categorical_ : ndarray of bool
        Which input columns were encoded as categorical.

    Notes
    -----
    Why a randomised quantile transform instead of CTGAN's mode-specific normalisation
    (a variational Gaussian mixture per column): (1) the marginal of every column is
    reproduced exactly once the generator's output is standard normal, whatever its
    shape (skew, heavy tails, several modes, spikes such as Adult's capital-gain, which
    is 0 in 92 % of rows); (2) ties, e.g. integer columns or spikes, are spread
    uniformly over their quantile interval ("randomised probability integral
    transform"), so the real data the discriminator sees are continuous and N(0, 1),
    and every value in that interval decodes back to the tied value; (3) decoding is a
    monotone interpolation between training quantiles, so numeric values stay inside
    the training range with no clipping; (4) fitting is a sort (O(n log n), no EM
    iterations: BayesianGaussianMixture takes seconds per column on 30k rows), and each
    continuous column costs one generator output instead of 1 + n_modes. What the
    quantile map does not do is split a multi-modal column into explicit mode
    indicators; the generator learns the dependence between columns directly.

    Why top-k + "other" for high cardinality instead of an embedding: an embedding needs
    a nearest-neighbour decode and still cannot learn per-category structure for values
    seen a handful of times; the top-k slots carry the mass a GAN can learn from, the
    tail keeps its exact empirical frequencies, and memory is O(n * k), independent of
    the number of categories (a 5,000-category column costs 52 float32 per row, not
    5,000).
    """

    def __init__(
        self,
        categorical_features: Any = "auto",
        max_categories: int = 50,
        n_quantiles: int = 1000,
        random_state: int | None = None,
    ):
        self.categorical_features = categorical_features
        self.max_categories = max_categories
        self.n_quantiles = n_quantiles
        self.random_state = random_state

    # -------------------------------------------------------------------- helpers --
    @staticmethod
    def _column(X: np.ndarray | pd.DataFrame, j: int) -> np.ndarray | pd.Series:
        return X.iloc[:, j] if isinstance(X, pd.DataFrame) else np.asarray(X)[:, j]

    @staticmethod
    def _numeric_values(col: np.ndarray | pd.Series, name: Any) -> np.ndarray:
        try:
            s = pd.Series(col, copy=False)
            if pd.api.types.is_bool_dtype(s.dtype):
                s = s.astype("float64")
            return pd.to_numeric(s, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Column {name!r} is treated as numeric but holds non-numeric values; list "
                "it in categorical_features."
            ) from exc

    # ------------------------------------------------------------------------ fit --
    def fit(self, X: np.ndarray | pd.DataFrame) -> TabularEncoder:
        """Learn column kinds, quantiles, categories and missing-value indicators.

        Parameters
        ----------
        X : ndarray or DataFrame of shape (n_samples, n_features)
            The training table (missing values allowed).

        Returns
        -------
        self : TabularEncoder
        """
        self.is_frame_ = isinstance(X, pd.DataFrame)
        if self.is_frame_:
            self.columns_ = X.columns
            dtypes = list(X.dtypes)
        else:
            X = np.asarray(X)
            self.columns_ = None
            dtypes = [X.dtype] * X.shape[1]
        self.array_dtype_ = None if self.is_frame_ else X.dtype
        self.categorical_ = resolve_categorical(X, self.categorical_features)
        self.seed_ = np.random.RandomState(self.random_state).randint(2**31 - 1)
        self._sample_rng = np.random.RandomState(self.seed_ + 1)
        cols, spans, pos = [], [], 0
        for j in range(X.shape[1]):
            col = self._column(X, j)
            name = self.columns_[j] if self.is_frame_ else j
            missing = np.asarray(pd.isna(col), dtype=bool)
            info = _Column(name=name, categorical=bool(self.categorical_[j]),
                           dtype=dtypes[j], has_missing=bool(missing.any()))
            if info.has_missing:
                raw = np.asarray(col, dtype=object)[missing]
                info.missing_value = raw[0] if len(raw) else np.nan
            info.start = pos
            if info.categorical:
                self._fit_categorical(info, col, missing)
                width = len(info.categories) + (info.tail_values is not None) + info.has_missing
                info.spans = [Span(pos, pos + width, "softmax")]
                pos += width
            else:
                values = self._numeric_values(col, name)
                if np.isinf(values).any():
                    raise ValueError(f"Column {name!r} contains infinity; clean it first.")
                self._fit_continuous(info, values[~missing], dtypes[j], col)
                info.spans = [Span(pos, pos + 1, "continuous")]
                pos += 1
                if info.has_missing:
                    info.spans.append(Span(pos, pos + 2, "softmax"))
                    pos += 2
            info.stop = pos
            spans.extend(info.spans)
            cols.append(info)
        self.columns_info_ = cols
        self.spans_ = spans
        self.column_spans_ = {c.name: (c.start, c.stop) for c in cols}
        self.n_features_ = pos
        self.n_features_in_ = X.shape[1]
        return self

    def _fit_categorical(self, info: _Column, col, missing: np.ndarray) -> None:
        values = pd.Series(np.asarray(col, dtype=object)[~missing], dtype=object)
        counts = values.value_counts(sort=True)
        counts = counts[counts > 0]
        if len(counts) == 0:  # all missing: one dummy category never produced
            info.categories = np.array([], dtype=object)
            return
        k = int(self.max_categories)
        info.categories = np.asarray(counts.index[:k], dtype=object)
        if len(counts) > k:
            tail = counts.iloc[k:]
            info.tail_values = np.asarray(tail.index, dtype=object)
            info.tail_probs = tail.to_numpy(dtype=np.float64) / tail.sum()

    def _fit_continuous(self, info: _Column, x: np.ndarray, dtype: Any, col) -> None:
        info.all_missing = len(x) == 0
        if info.all_missing:
            x = np.zeros(1)
        kind = getattr(dtype, "numpy_dtype", dtype)
        if isinstance(kind, np.dtype) and kind.kind in "iub":
            info.integer = True
            if kind.kind in "iu" and not info.all_missing:  # exact: floats round near 2**63
                present = pd.Series(col).dropna()
                info.int_bounds = (present.min(), present.max())
        elif isinstance(kind, np.dtype) and kind.kind == "O":
            keep = np.asarray(col, dtype=object)[~np.asarray(pd.isna(col), dtype=bool)]
            info.integer = all(isinstance(v, int | np.integer) for v in keep)
        else:
            info.integer = bool(np.all(x == np.rint(x))) and len(np.unique(x)) <= 0.5 * len(x)
        k = int(min(self.n_quantiles, max(len(x), 2)))
        info.p = np.linspace(0.0, 1.0, k)
        info.q = np.quantile(x, info.p)

    def check_compatible(self, X: np.ndarray | pd.DataFrame) -> tuple[list[str], list[str]]:
        """Problems (refuse) and warnings for encoding new data with this fitted codec.

        Problems: another container, changed column dtypes, categories never seen in
        the first fit. Warnings: numbers outside the first fit's range.
        """
        problems, warns = [], []
        if isinstance(X, pd.DataFrame) != self.is_frame_:
            return ["X is a DataFrame now and was not then (or the reverse)"], warns
        dtypes = list(X.dtypes) if self.is_frame_ else [np.asarray(X).dtype] * X.shape[1]
        outside = 0
        for j, info in enumerate(self.columns_info_):
            if str(dtypes[j]) != str(info.dtype):
                problems.append(f"column {info.name!r} was {info.dtype} and is {dtypes[j]}")
                continue
            col = self._column(X, j)
            present = np.asarray(col, dtype=object)[~np.asarray(pd.isna(col), dtype=bool)]
            if info.categorical:
                known = set(info.categories.tolist())
                if info.tail_values is not None:
                    known |= set(info.tail_values.tolist())
                unseen = sorted({str(v) for v in present.tolist() if v not in known})
                if unseen:
                    problems.append(f"column {info.name!r} has categories the first fit never "
                                    f"saw: {unseen[:5]}")
            elif len(present) and not info.all_missing:
                x = present.astype(np.float64)
                outside += int(x.min() < info.q[0] or x.max() > info.q[-1])
        if outside:
            warns.append(f"{outside} numeric column(s) have values outside the first fit's "
                         "range; generated values stay inside that range")
        return problems, warns

    # ------------------------------------------------------------------ transform --
    def transform(self, X: np.ndarray | pd.DataFrame) -> np.ndarray:
        """Encode rows into float32 ``(n_samples, n_features_)``.

        Parameters
        ----------
        X : ndarray or DataFrame
            Rows with the training columns.

        Returns
        -------
        Z : ndarray of float32 of shape (n_samples, n_features_)
            Continuous values ~ N(0, 1), one-hot blocks, missing indicators.
        """
        if not self.is_frame_:
            X = np.asarray(X)
        n = X.shape[0]
        rng = np.random.RandomState(self.seed_)
        Z = np.zeros((n, self.n_features_), dtype=np.float32)
        rows = np.arange(n)
        for j, info in enumerate(self.columns_info_):
            col = self._column(X, j)
            missing = np.asarray(pd.isna(col), dtype=bool)
            if info.categorical:
                values = np.asarray(col, dtype=object)
                k = len(info.categories)
                code = pd.Index(info.categories).get_indexer(values) if k else np.full(n, -1)
                code = np.where(code < 0, k, code)  # unseen / tail -> "other" slot
                if info.has_missing:
                    code = np.where(missing, k + (info.tail_values is not None), code)
                code = np.minimum(code, info.stop - info.start - 1)
                Z[rows, info.start + code] = 1.0
            else:
                x = self._numeric_values(col, info.name)
                u = self._to_uniform(np.where(missing, info.q[0], x), info, rng)
                z = ndtri(np.clip(u, 1e-4, 1 - 1e-4))
                z[missing] = 0.0
                Z[:, info.start] = z
                if info.has_missing:
                    Z[rows, info.start + 1 + missing.astype(np.int64)] = 1.0
        return Z

    @staticmethod
    def _to_uniform(x: np.ndarray, info: _Column, rng: np.random.RandomState) -> np.ndarray:
        """Randomised PIT: x -> u in [0, 1]; ties spread over their quantile interval."""
        p, q = info.p, info.q
        x = np.clip(x, q[0], q[-1])
        lo = np.searchsorted(q, x, side="left")
        hi = np.searchsorted(q, x, side="right")
        tie = hi > lo
        u = np.empty_like(x)
        a, b = p[lo[tie]], p[hi[tie] - 1]
        u[tie] = a + rng.uniform(size=int(tie.sum())) * (b - a)
        i = np.clip(lo[~tie], 1, len(q) - 1)
        q0, q1 = q[i - 1], q[i]
        frac = (x[~tie] - q0) / np.where(q1 > q0, q1 - q0, 1.0)
        u[~tie] = p[i - 1] + frac * (p[i] - p[i - 1])
        return u

    # ---------------------------------------------------------- inverse transform --
    def _pick(self, P: np.ndarray, rng: np.random.RandomState) -> np.ndarray:
        """One category index per row, drawn from the rows of probabilities ``P``."""
        c = np.cumsum(np.maximum(P, 0.0, dtype=np.float32), axis=1)
        total = c[:, -1:]
        bad = total[:, 0] <= 0
        if bad.any():  # all-zero rows: uniform
            c[bad] = np.arange(1, P.shape[1] + 1)
            total = c[:, -1:]
        u = rng.random_sample(size=(P.shape[0], 1)).astype(np.float32) * total
        return np.minimum((c < u).sum(axis=1), P.shape[1] - 1)

    def inverse_transform(
        self, Z: np.ndarray, random_state: np.random.RandomState | None = None
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
        for info in self.columns_info_:
            s = info.start
            if info.categorical:
                k = len(info.categories)
                idx = self._pick(Z[:, s:info.stop], rng)
                if info.tail_values is not None:
                    other = np.flatnonzero(idx == k)
                    if len(other):  # "other": a draw from the empirical tail
                        idx[other] = k + rng.choice(
                            len(info.tail_values), size=len(other), p=info.tail_probs
                        )
                    slot_missing = k + 1
                else:
                    slot_missing = k
                if info.has_missing:
                    idx[(idx == slot_missing) | (k == 0)] = -1
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
    def _lookup(info: _Column, frame: bool):
        """The column's values (kept categories, then the tail) in its output type."""
        if info.lookup is not None:
            return info.lookup
        values = info.categories
        if info.tail_values is not None:
            values = np.concatenate([values, info.tail_values])
        values = np.asarray(values, dtype=object)
        dtype = info.dtype
        if not frame:
            lookup = values if dtype.kind == "O" else values.astype(dtype)
        elif isinstance(dtype, pd.CategoricalDtype):
            lookup = np.asarray(dtype.categories.get_indexer(values), dtype=np.int64)
        elif isinstance(dtype, np.dtype):
            lookup = values if dtype.kind == "O" else values.astype(dtype)
        else:
            lookup = pd.array(values, dtype=dtype)
        info.lookup = lookup
        return lookup

    def _restore_categorical(self, idx: np.ndarray, info: _Column):
        """Slot indices (-1: missing) -> the column in its training dtype."""
        lookup = self._lookup(info, self.is_frame_)
        missing = idx < 0
        has_na = bool(missing.any())
        dtype = info.dtype
        if self.is_frame_ and isinstance(dtype, pd.CategoricalDtype):
            codes = np.where(missing, -1, lookup[np.maximum(idx, 0)])
            return pd.Categorical.from_codes(codes, dtype=dtype)
        if isinstance(lookup, np.ndarray):
            values = lookup[np.maximum(idx, 0)] if len(lookup) else np.empty(len(idx), object)
            if has_na:
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
        kind = getattr(dtype, "numpy_dtype", dtype)
        if info.integer and isinstance(kind, np.dtype) and kind.kind in "iub":
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
                if info.integer:
                    col = np.array(
                        [v if pd.isna(v) else int(v) for v in col], dtype=object
                    ) if col.dtype == object else col.astype(np.int64).astype(object)
                else:
                    col = col.astype(object)
            result[:, j] = col
        return result

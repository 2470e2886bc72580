"""Encoders for tables: rows <-> float32 matrices the tabular GAN works in.

Two encoders (both importable from here and from ``ganaug.data``):

* :class:`NumericEncoder` (``data/numeric.py``): all-numeric tables without missing
  values (standardisation).
* :class:`TabularEncoder` (this module; its decoding half is ``data/tabular_decode.py``
  and the choice of categorical columns, :func:`resolve_categorical`, is
  ``data/categorical.py``): mixed-type tables (numbers, integers, nullable integers,
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
from numbers import Number
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from .anchors import narrow_margin
from .categorical import resolve_categorical
from .integers import exact_offset, minus_offset
from .numeric import NumericEncoder
from .tabular_decode import TabularDecoding

__all__ = ["NumericEncoder", "Span", "TabularEncoder", "resolve_categorical"]


# ------------------------------------------------------------------ mixed-type tables --
class Span(NamedTuple):
    """A block of encoded columns: ``[start, stop)`` and how the generator activates it.

    ``kind`` is ``"continuous"`` (identity output, one value) or ``"softmax"`` (a one-hot
    block: softmax / Gumbel-softmax over ``stop - start`` slots).
    """

    start: int
    stop: int
    kind: str


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
    int_offset: int | None = None  # exact minimum of a 64-bit column beyond 2**53
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


def _normal_scores(u: np.ndarray) -> np.ndarray:
    """Quantile levels -> the encoded values (standard normal scores, kept finite)."""
    return ndtri(np.clip(u, 1e-4, 1 - 1e-4))


def _refuse_bool_number_clash(values: pd.Series, name) -> None:
    """Refuse a category column holding True/False beside the numbers 1/0: equal to
    Python and pandas, they would be counted as one category and generated rows would
    turn one into the other (True into 1.0, silently)."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("mixed", "mixed-integer"):
        return  # one kind of value (the common case): nothing to check, at C speed
    bools = {bool(v) for v in values if isinstance(v, bool | np.bool_)}
    if not bools:
        return
    numbers = {v for v in values if isinstance(v, Number) and not isinstance(v, bool | np.bool_)
               and v in bools}
    if numbers:
        raise ValueError(
            f"Column {name!r} holds True/False and the numbers "
            f"{sorted(numbers, key=repr)[:3]}, which "
            "count as the same categories (True == 1, False == 0): generated rows would turn "
            "one into the other. Give the column one type first (e.g. text, with "
            ".astype(str)).")


class TabularEncoder(TabularDecoding):
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
    def _numeric_values(col: np.ndarray | pd.Series, name: Any,
                        info: _Column | None = None) -> np.ndarray:
        offset = None if info is None else getattr(info, "int_offset", None)
        if offset is not None:  # exact distances to the minimum (float64 would round)
            return minus_offset(col, offset, info.dtype)
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
                info.int_offset = exact_offset(col, dtypes[j])
                values = self._numeric_values(col, name, info)
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
        _refuse_bool_number_clash(values, info.name)
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

    def class_reach(self, X: np.ndarray | pd.DataFrame, codes: np.ndarray) -> dict:
        """Per class, the encoded bounds of where its numbers may go: its own range widened
        by twice the pooled within-class standard deviation, in the column's units, or
        by twice its own where that is confidently much narrower.

        The quantile encoding squeezes an empty stretch between two classes' values (one
        class at 0-3, another at 97-101) into one quantile step, so a small step in the
        encoded space past a class's lowest row decodes deep into another class's range.
        Sampling keeps each class's continuous values within these bounds, which keeps new
        rows where the class's own values and its typical spread put them, as noise in
        the column's units would.

        A class of at least :data:`~ganaug.data.anchors.TRUSTED_ROWS` values in the
        column, not all equal, whose upper confidence bound of its standard deviation
        (:func:`~ganaug.data.anchors.variance_upper`) is less than the pooled one over
        :data:`~ganaug.data.anchors.NARROW_FACTOR` is widened by twice that bound instead:
        a narrow minority between two modes of the majority (sd 0.3 between modes at
        -3 and 3) otherwise put 40 % of its new rows more than 5 of its standard
        deviations from its mean, in those modes (random forest minority F1 53 against
        SMOTE-NC's 92; 90 with its own margin). New values past a bound are reflected
        back inside it (:func:`~ganaug.data.anchors.fold_into`): clipped onto it, 45 % of
        that class's new rows lay on one of its two bounds.

        Parameters
        ----------
        X : ndarray or DataFrame
            The training rows.
        codes : ndarray of int
            Class code per row.

        Returns
        -------
        dict
            Class code -> (encoded column positions, lower bounds, upper bounds), float32.
        """
        classes = np.unique(codes)
        cols, lows, highs = [], [], []
        for j, info in enumerate(self.columns_info_):
            if info.categorical or info.all_missing:
                continue
            x = self._numeric_values(self._column(X, j), info.name, info)
            seen = ~np.isnan(x)
            parts = [x[seen & (codes == c)] for c in classes]
            df = max(sum(len(v) for v in parts) - sum(len(v) > 0 for v in parts), 1)
            with np.errstate(over="ignore", invalid="ignore"):  # values near 1e300: an
                dev = np.concatenate([v - v.mean() for v in parts if len(v)])  # infinite
                margin = 2.0 * np.sqrt(np.sum(dev**2) / df)  # margin: no bound (below)
            if np.isnan(margin):  # inf - inf in an overflowed mean: no bound either
                margin = np.inf
            margins = [narrow_margin(v, margin) for v in parts]
            lo = np.array([v.min() - g if len(v) else info.q[0]
                           for v, g in zip(parts, margins)])
            hi = np.array([v.max() + g if len(v) else info.q[-1]
                           for v, g in zip(parts, margins)])
            cols.append(info.start)
            # a bound on a shared value takes that value's whole interval; a bound beyond
            # the column's range is none (encoded values past it decode to the range's end)
            lows.append(np.where(lo <= info.q[0], -np.inf,
                                 self._encode_values(lo, info, None, tie=0.0)))
            highs.append(np.where(hi >= info.q[-1], np.inf,
                                  self._encode_values(hi, info, None, tie=1.0)))
        if not cols:
            return {}
        where = np.array(cols, dtype=np.int64)
        low, high = np.array(lows, dtype=np.float32), np.array(highs, dtype=np.float32)
        return {int(c): (where, low[:, i], high[:, i]) for i, c in enumerate(classes)}

    def class_tail_probs(self, X: np.ndarray | pd.DataFrame, codes: np.ndarray) -> dict:
        """Per class, the shares of each column's folded ("other") values in its rows.

        Decoding draws an "other" slot from these for the class being generated, so a
        class keeps its own rare values (anchor conditioning copies the anchor's slot,
        and the slot alone does not say which folded value the anchor held).

        Parameters
        ----------
        X : ndarray or DataFrame
            The training rows.
        codes : ndarray of int
            Class code per row.

        Returns
        -------
        dict
            Class code -> {column position -> ``(support, probabilities)``: the
            positions in that column's ``tail_values`` the class holds and their
            shares}, for the classes and columns with folded values in their rows
            (only the values a class holds: a dense vector per class grew with classes
            x distinct values, 242 MB for 1,000 classes and a 50,000-value column).
        """
        out: dict = {}
        for j, info in enumerate(self.columns_info_):
            if info.tail_values is None:
                continue
            col = pd.Series(np.asarray(self._column(X, j), dtype=object), dtype=object)
            where = pd.Index(info.tail_values).get_indexer(col)
            for c in np.unique(codes):
                hits = where[(codes == c) & (where >= 0)]
                if len(hits):
                    support, counts = np.unique(hits, return_counts=True)
                    out.setdefault(int(c), {})[j] = (support, counts / counts.sum())
        return out

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
        with np.errstate(over="ignore", invalid="ignore"):
            info.q = np.quantile(x, info.p)
            # decoding interpolates between quantiles: its slopes must be finite too
            slopes = np.diff(info.q) / np.diff(info.p)
        if not (np.isfinite(info.q).all() and np.isfinite(slopes).all()):  # inf/NaN rows
            raise ValueError(
                f"Column {info.name!r} spans {x.min():g} to {x.max():g}, too wide for float64 "
                "arithmetic (the encoder interpolates between its values); rescale it first "
                "(e.g. divide it by 1e300, or take a signed log).")

    def check_compatible(self, X: np.ndarray | pd.DataFrame) -> tuple[list[str], list[str]]:
        """Problems (refuse) and warnings for encoding new data with this fitted codec.

        Problems: another container, changed column dtypes, categories never seen in
        the first fit, missing values in a column that had none. Warnings: numbers
        outside the first fit's range.
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
            isna = np.asarray(pd.isna(col), dtype=bool)
            if not info.has_missing and isna.any():  # no slot for them: they would be
                problems.append(  # encoded as a category or a median, silently
                    f"column {info.name!r} has missing values; the first fit had none")
            present = np.asarray(col, dtype=object)[~isna]
            if info.categorical:
                known = set(info.categories.tolist())
                if info.tail_values is not None:
                    known |= set(info.tail_values.tolist())
                unseen = sorted({str(v) for v in present.tolist() if v not in known})
                if unseen:
                    problems.append(f"column {info.name!r} has categories the first fit never "
                                    f"saw: {unseen[:5]}")
            elif len(present) and not info.all_missing:
                x = self._numeric_values(col, info.name, info)
                x = x[~np.isnan(x)]
                outside += int(x.min() < info.q[0] or x.max() > info.q[-1])
        if outside:
            warns.append(f"{outside} numeric column(s) have values outside the first fit's "
                         "range; generated values stay inside that range")
        return problems, warns

    # ------------------------------------------------------------------ transform --
    def transform(self, X: np.ndarray | pd.DataFrame, *, spread_ties: bool = True) -> np.ndarray:
        """Encode rows into float32 ``(n_samples, n_features_)``.

        Parameters
        ----------
        X : ndarray or DataFrame
            Rows with the training columns.
        spread_ties : bool, default=True
            Spread a value that many rows share over its quantile interval at random
            (by row position, seeded), so the networks see a continuous variable; False
            encodes it at the interval's middle, so equal rows encode equally wherever
            they stand (distances between rows: the quality report).

        Returns
        -------
        Z : ndarray of float32 of shape (n_samples, n_features_)
            Continuous values ~ N(0, 1), one-hot blocks, missing indicators.
        """
        if not self.is_frame_:
            X = np.asarray(X)
        n = X.shape[0]
        rng = np.random.RandomState(self.seed_) if spread_ties else None
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
                x = self._numeric_values(col, info.name, info)
                z = self._encode_values(np.where(missing, info.q[0], x), info, rng)
                z[missing] = 0.0
                Z[:, info.start] = z
                if info.has_missing:
                    Z[rows, info.start + 1 + missing.astype(np.int64)] = 1.0
        return Z

    def tie_keys(self, Z: np.ndarray) -> np.ndarray:
        """Encoded rows with every tied value at its quantile interval's middle.

        ``transform`` spreads a value that many training rows share over its quantile
        interval at random, so equal rows encode differently; here they are equal again
        (as ``transform(X, spread_ties=False)`` would encode them), from the encoded rows
        alone.

        Parameters
        ----------
        Z : ndarray of shape (n_samples, n_features_)
            Rows encoded by ``transform``.

        Returns
        -------
        keys : ndarray of float32 of shape (n_samples, n_features_)
        """
        keys = np.array(Z, dtype=np.float32)
        for info in self.columns_info_:
            if info.categorical or info.q is None or len(info.q) < 2:
                continue
            q, p = info.q, info.p
            starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])  # each value's first
            ends = np.r_[starts[1:], len(q)] - 1  # and last quantile
            tied = ends > starts
            if not tied.any():
                continue
            a, b = p[starts[tied]], p[ends[tied]]  # the tied values' intervals, sorted
            u = ndtr(keys[:, info.start].astype(np.float64))
            tol = 1e-6  # float32 encodings land a hair outside their interval
            k = np.clip(np.searchsorted(a - tol, u, side="right") - 1, 0, len(a) - 1)
            inside = (u >= a[k] - tol) & (u <= b[k] + tol)
            middle = _normal_scores((a + b) / 2).astype(np.float32)
            keys[inside, info.start] = middle[k[inside]]
        return keys

    @classmethod
    def _encode_values(cls, x: np.ndarray, info: _Column, rng: np.random.RandomState | None,
                       tie: float = 0.5) -> np.ndarray:
        """Numbers of a continuous column -> their normal scores (the encoded value)."""
        u = cls._to_uniform(x, info, rng, tie)
        return _normal_scores(u)

    @staticmethod
    def _to_uniform(x: np.ndarray, info: _Column, rng: np.random.RandomState | None,
                    tie: float = 0.5) -> np.ndarray:
        """Randomised PIT: x -> u in [0, 1]; ties spread over their quantile interval
        (``rng`` None: at ``tie``, 0 its start, 1 its end)."""
        p, q = info.p, info.q
        x = np.clip(x, q[0], q[-1])
        lo = np.searchsorted(q, x, side="left")
        hi = np.searchsorted(q, x, side="right")
        tied = hi > lo
        u = np.empty_like(x)
        a, b = p[lo[tied]], p[hi[tied] - 1]
        at = (np.full(int(tied.sum()), tie) if rng is None
              else rng.uniform(size=int(tied.sum())))
        u[tied] = a + at * (b - a)
        i = np.clip(lo[~tied], 1, len(q) - 1)
        q0, q1 = q[i - 1], q[i]
        frac = (x[~tied] - q0) / np.where(q1 > q0, q1 - q0, 1.0)
        u[~tied] = p[i - 1] + frac * (p[i] - p[i - 1])
        return u

"""What anchor-conditioned generation needs from the training rows (numpy, no torch).

- :func:`neighbour_pairs`: for every row, real partners of the same class (its nearest
  neighbours), the "real pairs" a :class:`ganaug.nn.tabular.PairDiscriminator` learns from;
- :func:`pooled_within_class_root`: a low-rank square root of the pooled within-class
  covariance, the generator's starting noise model (shared by all classes);
- :func:`point_masses`: the values many of a class's rows share, which new rows keep
  as often as an anchor's neighbours hold them;
- :func:`column_shares` and :func:`narrow_margin`: how far a class's own spread limits its
  noise and its new values (classes confidently narrower than the pooled spread).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from sklearn.neighbors import NearestNeighbors

#: a class of n rows takes ``POOLED_ROWS / (n + POOLED_ROWS)`` of its noise variance from
#: the pooled within-class covariance and the rest from its own neighbours (chosen on
#: development data: 10 against 20, and against all-pooled or all-neighbour noise)
POOLED_ROWS = 10.0
#: a class's own spread caps its pooled noise (:func:`column_shares`) from this many rows;
#: fewer rows' variances are too noisy to trust (the class check's ``BLIND_ROWS``; set,
#: not tuned)
TRUSTED_ROWS = 20
#: :func:`column_shares` bounds a class's variance by its one-sided upper confidence
#: bound at this level (chi-square; set, not tuned)
SPREAD_LEVEL = 0.99


#: a class whose own spread in a column is confidently at least this many
#: times narrower than the pooled within-class spread takes the margin of its class reach
#: from its own spread (:func:`narrow_margin`, for
#: :meth:`ganaug.data.TabularEncoder.class_reach` and
#: :meth:`ganaug.data.NumericEncoder.class_reach`). Every narrower
#: class (a factor of 1) cost the mixed development table arrhythmia 1.6 points of
#: balanced accuracy (many columns a little narrower, from 20 rows); 4 cost 0.3 there and
#: fixed the made-up tables' classes 10-20 times narrower (chosen on that one table)
NARROW_FACTOR = 4.0


def fold_into(values: np.ndarray, low, high, fold_low=True, fold_high=True) -> np.ndarray:
    """Values past a bound reflected back inside it, then clipped (in place).

    Clipping alone piles every value drawn past a bound onto the bound itself: a point
    mass that no real row has (a bug hunt found 15 % of a class's new values on a
    column's one training maximum, and a corner row repeated 91 times in 2,000).
    Reflection (``2 * high - v``) keeps the density near the bound spread out, as a
    kernel density estimate with the reflection method does; a value more than the
    width ``high - low`` past a bound is clipped onto it. A bound that is a value
    many training rows share (0 in a zero-inflated column, a blank pixel) is a real point
    mass: pass ``fold_low`` / ``fold_high`` False there and values are clipped onto it.

    Parameters
    ----------
    values : ndarray of shape (n, d)
        Modified in place.
    low, high : float or ndarray of shape (d,)
        The bounds, ``low <= high``.
    fold_low, fold_high : bool or ndarray of bool of shape (d,)
        Where to reflect at each bound; elsewhere values are clipped.

    Returns
    -------
    values : ndarray of shape (n, d)
        The same array.
    """
    with np.errstate(invalid="ignore", over="ignore"):
        # a value more than the whole width past a bound (an exploded output) would
        # land past the other one: it is clipped onto the near bound instead
        below = (values < low) & fold_low & (values >= 2.0 * low - high)
        above = (values > high) & fold_high & (values <= 2.0 * high - low)
        np.copyto(values, 2.0 * np.broadcast_to(low, values.shape) - values, where=below)
        np.copyto(values, 2.0 * np.broadcast_to(high, values.shape) - values, where=above)
    np.clip(values, low, high, out=values)
    return values


def variance_upper(values: np.ndarray) -> np.ndarray:
    """Per column, the upper :data:`SPREAD_LEVEL` confidence bound of a class's variance.

    One-sided, chi-square with ``n - 1`` degrees of freedom: how wide a class of these
    rows can confidently be. inf where the variance overflows or is NaN (NaN values, or
    fewer than two rows, where numpy also warns about the degrees of freedom).

    Parameters
    ----------
    values : ndarray of shape (n,) or (n, d)
        A class's values.

    Returns
    -------
    upper : float64 ndarray of shape () or (d,)
    """
    n = len(values)
    with np.errstate(over="ignore", invalid="ignore"):
        upper = (np.asarray(values, dtype=np.float64).var(0, ddof=1) * (n - 1)
                 / _chi2_lower(n - 1))
    return np.where(np.isnan(upper), np.inf, upper)


@lru_cache(maxsize=1024)
def _chi2_lower(df: int) -> float:
    """The lower ``1 - SPREAD_LEVEL`` quantile of chi-square with ``df`` degrees of
    freedom (cached: scipy takes about 0.15 ms a call, and the class reach asks once
    per class and column)."""
    from scipy.stats import chi2

    return float(chi2.ppf(1.0 - SPREAD_LEVEL, df)) if df > 0 else float("nan")


def narrow_margin(values: np.ndarray, pooled: float | np.ndarray) -> float | np.ndarray:
    """A class's reach margin per column (:meth:`ganaug.data.TabularEncoder.class_reach`,
    :meth:`ganaug.data.NumericEncoder.class_reach`).

    ``pooled`` (twice the pooled within-class standard deviation), or twice the upper
    bound of the class's own standard deviation (:func:`variance_upper`) where that is
    less than ``pooled`` over :data:`NARROW_FACTOR` (classes of at least
    :data:`TRUSTED_ROWS` values, not all equal; a spread that underflows to 0 is no
    scale to bound by).

    Parameters
    ----------
    values : ndarray of shape (n,) or (n, d)
        The class's values in one column or in ``d`` columns (no missing values).
    pooled : float or ndarray of shape (d,)
        Twice the pooled within-class standard deviation of each column.

    Returns
    -------
    margin : float or float64 ndarray of shape (d,)
        The margin of each column: ``pooled`` or the class's own, the smaller.
    """
    pooled = np.asarray(pooled, dtype=np.float64)
    values = np.asarray(values)
    if len(values) < TRUSTED_ROWS:
        margin = pooled.copy()
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # a range past float64's
            spread = np.ptp(values, axis=0) > 0  # is still a range
            own = 2.0 * np.sqrt(variance_upper(values))
            margin = np.where(spread & (own > 0.0) & (own < pooled / NARROW_FACTOR),
                              own, pooled)
    return float(margin) if margin.ndim == 0 else margin


def pooled_share(n_rows):
    """Share of a class's noise variance drawn from the pooled covariance.

    Rare classes borrow the variation of all classes; a class with many rows uses mostly
    its own neighbourhood (an empirical-Bayes weight, ``10 / (n + 10)``).

    Parameters
    ----------
    n_rows : int, ndarray or Tensor
        Rows of the class.

    Returns
    -------
    share : same type as ``n_rows`` (float)
    """
    return POOLED_ROWS / (n_rows + POOLED_ROWS)


def column_shares(rows: np.ndarray, prior: np.ndarray, share: float,
                  keys: np.ndarray | None = None) -> np.ndarray:
    """Per column, a class's share of its noise variance drawn from the pooled noise.

    ``share`` (:func:`pooled_share`) everywhere, except in columns where the pooled part
    alone, ``share * (prior ** 2).sum(0)``, would give the class more variance than its
    own rows allow: there the share is cut so that the pooled part's variance equals
    the upper :data:`SPREAD_LEVEL` confidence bound of the class's variance (and the
    rest of its noise comes from its neighbours). A class set apart by a small spread
    in a few columns (a tight cluster inside a wide majority) otherwise got the wide
    classes' spread there. Classes of fewer than :data:`TRUSTED_ROWS` rows keep
    ``share``, and so do columns in which all the class's rows hold one value: they
    show no spread to scale to (a pixel a digit never inked in its 40 rows may be
    inked in the next; capping those columns too cost long-tailed digits 0.6 points of
    balanced accuracy in training-split cross-validation over 60 development seeds,
    while capping only the others gained 0.2, standard error 0.2,
    ``benchmarks/results/ablation``).

    Parameters
    ----------
    rows : ndarray of shape (n, d)
        The class's encoded rows.
    prior : ndarray of shape (k, d)
        The generator's pooled noise map (``z[:, :k] @ prior``).
    share : float
        The class's pooled share.
    keys : ndarray of shape (n, d) or None
        The rows with tied values made equal again, for telling columns of one value
        (:meth:`ganaug.data.TabularEncoder.tie_keys`: that encoder spreads a value many
        rows share over its quantile interval); None: ``rows``.

    Returns
    -------
    shares : ndarray of float32 of shape (d,)
    """
    n, d = rows.shape
    out = np.full(d, share, dtype=np.float64)
    if n < TRUSTED_ROWS:
        return out.astype(np.float32)
    pooled = share * np.square(np.asarray(prior, dtype=np.float64)).sum(0)
    upper = variance_upper(rows)  # huge values: inf, no bound
    with np.errstate(over="ignore", invalid="ignore"):
        # a column the class holds one value in gives no scale to cap at (a pixel a
        # digit never inked in 40 rows; capping there cost long-tailed digits 0.6 points)
        varies = np.ptp(rows if keys is None else keys, axis=0) > 0
        cap = np.isfinite(upper) & (pooled > upper) & varies
        out[cap] = share * upper[cap] / pooled[cap]
    return out.astype(np.float32)


def neighbour_noise(anchors, neighbours, eps):
    """Gaussian noise in the span of each anchor's same-class neighbours.

    ``sum_j eps_j (neighbour_j - anchor) / sqrt(k)``: with standard normal ``eps`` its
    covariance is the mean outer product of the displacements to the ``k`` neighbours,
    a local, SMOTE-like version of the class's covariance.

    Parameters
    ----------
    anchors : Tensor of shape (m, d)
    neighbours : Tensor of shape (m, k, d)
        The anchors' neighbours (rows of the same class).
    eps : Tensor of shape (m, k, 1)
        Standard normal draws.

    Returns
    -------
    noise : Tensor of shape (m, d)
    """
    k = neighbours.shape[1]
    return (eps * (neighbours - anchors[:, None, :])).sum(1) / k ** 0.5


#: a value at least this share of a class's rows hold in a column is a point mass there
#: (:func:`point_masses`); chosen on the development tables against 0.05 and 0.2
#: (balanced accuracy +0.51 against +0.41 and +0.27 over none, seeds 0-2;
#: benchmarks/results/tabular/dev/mass_pin)
MASS_SHARE = 0.1


def point_masses(anchors: np.ndarray, partners: np.ndarray | None, columns: np.ndarray,
                 share: float = MASS_SHARE) -> tuple[np.ndarray, np.ndarray] | None:
    """Where a class's rows sit on a value many of them share, and how often to keep it.

    A value at least ``share`` of the class's rows (and two or more) hold in one of
    ``columns`` is a point mass (a zero-inflated amount, a tier, an integer code). A
    new row grown from an anchor on a point mass keeps that value, in that column, with
    the probability that the anchor's neighbours hold it too, as SMOTE keeps a value
    two tied rows share; otherwise it moves as noise moves it. A row whose every noise
    column keeps its value is a copy of its anchor, as SMOTE's rows between two tied
    rows are. Only encoders that keep tied values tied find point masses (the numeric
    encoder of all-numeric tables); the quantile encoder of mixed tables spreads them
    when it encodes and returns them when it decodes.

    Parameters
    ----------
    anchors : ndarray of shape (n, d)
        One class's encoded rows.
    partners : ndarray of shape (n, k) or None
        Each anchor's neighbours, indices into ``anchors``; None: no point masses
        (a class of one row or of copies, and label mode).
    columns : ndarray of int
        The columns noise moves (the others are copied from the anchor anyway).
    share : float, default=MASS_SHARE

    Returns
    -------
    masses : tuple of two ndarrays of shape (n, d), or None
        ``at`` (bool: the anchor sits on a point mass that one or more of its
        neighbours hold too) and ``keep`` (float32: the share of its neighbours on the
        same value there, 0 in columns without a point mass); None when no anchor has
        such a value.
    """
    if partners is None or len(anchors) < 2:
        return None
    a = np.asarray(anchors, dtype=np.float32)
    at = np.zeros(a.shape, dtype=bool)
    keep = np.zeros(a.shape, dtype=np.float32)  # as large as the anchors, no larger
    for j in np.asarray(columns, dtype=np.int64):
        values, counts = np.unique(a[:, j], return_counts=True)
        big = values[counts >= max(2.0, share * len(a))]
        if len(big):  # one column at a time: memory of (n, k), not (n, k, d)
            at[:, j] = np.isin(a[:, j], big)
            keep[:, j] = (a[partners, j] == a[:, j, None]).mean(1)
    at &= keep > 0  # no neighbour on its value: nothing to keep
    return (at, keep) if at.any() else None


#: a class of more rows than this finds each row's neighbours among a seeded random
#: subset of this many of its rows: exact neighbours cost time quadratic in the class's
#: rows (a default fit of a 100,000 x 30 table: 13.8 s exact, 5.6 s with the subset,
#: benchmarks/results/fit_time/device_choice_cpu_*), the subset linear time; the
#: neighbours are then a little farther apart (a subset of a tenth of the rows spreads
#: them by about ``10 ** (1 / d)`` in a class of intrinsic dimension ``d``). Below 10,000 the
#: search stays cheap (the 10,000 x 20 fit-time table, a 9,000-row class searched exactly,
#: fits in 1.9 s in all); a cap of 5,000 cost coil_2000 (a development table
#: whose largest class has 7,400 training rows) 0.3 points of balanced accuracy and 0.6 of
#: minority F1 over 3 seeds, so classes up to 10,000 rows keep exact neighbours
NEIGHBOUR_CANDIDATES = 10_000


def neighbour_pairs(data: np.ndarray, codes: np.ndarray | None, k: int = 5,
                    max_candidates: int = NEIGHBOUR_CANDIDATES,
                    keys: np.ndarray | None = None) -> np.ndarray:
    """Indices of up to ``k`` nearest neighbours of each row within its class.

    Parameters
    ----------
    data : ndarray of shape (n, d)
        Encoded rows.
    codes : ndarray of int of shape (n,) or None
        Class code per row (None: one class).
    k : int, default=5
        Neighbours per row (fewer in classes of at most ``k`` rows).
    max_candidates : int, default=NEIGHBOUR_CANDIDATES
        In a class of more rows, neighbours are searched among this many of its rows,
        drawn at random with a fixed seed (so partners depend on the data alone, as
        exact neighbours do, for rows in the same order: the draw is by position).
    keys : ndarray of shape (n, d) or None, default=None
        What makes two rows copies of each other (None: ``data``); e.g. the encoding
        of a table with tied values unspread (``TabularEncoder.tie_keys``), whose
        ``transform`` spreads them at random.

    Returns
    -------
    partners : ndarray of int64 of shape (n, k')
        ``partners[i]`` are rows of ``i``'s class that differ from row ``i`` (copies of
        a row are not its partners: equal rows share the partners of their value; in
        classes with fewer neighbours, the list repeats them cyclically),
        ``k' = max(1, min(k, most distinct rows in a class - 1))``. A row without any (alone in
        its class, or all of the class's rows equal) has only itself: ``partners[i] == i``.
    """
    n = len(data)
    codes = np.zeros(n, dtype=np.int64) if codes is None else np.asarray(codes)
    groups = []
    for c in np.unique(codes):
        rows = np.flatnonzero(codes == c)
        # a row's copies are no neighbours: a pair of equal rows would show the
        # discriminator that a copy of the anchor is real, and teach the generator to
        # copy; a class with copies is searched among its distinct rows (the first of
        # each value stands for the others), so equal rows share their partners
        _, first, inverse = np.unique((data if keys is None else keys)[rows], axis=0,
                                      return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if len(first) == len(rows):
            groups.append((rows, None))
        else:  # distinct values in the order of their first row, each row's value
            order = np.argsort(first)
            rank = np.empty_like(order)
            rank[order] = np.arange(len(order))
            groups.append((rows, (rows[first[order]], rank[inverse])))
    width = max(1, min(k, max(len(g if v is None else v[0]) for g, v in groups) - 1))
    out = np.empty((n, width), dtype=np.int64)
    for rows, values in groups:
        if values is None:
            out[rows] = _partners(data, rows, k, width, max_candidates)
        elif len(values[0]) < 2:  # copies of one row: no partner but itself, as one row
            out[rows] = rows[:, None]
        else:  # each distinct value's partners, for all its rows
            distinct, which = values
            out[rows] = _partners(data, distinct, k, width, max_candidates)[which]
    return out


def _partners(data: np.ndarray, rows: np.ndarray, k: int, width: int,
              max_candidates: int) -> np.ndarray:
    """The ``(len(rows), width)`` partners of :func:`neighbour_pairs` among ``rows``."""
    m = len(rows)
    if m < 2:  # a single row has no partner but itself
        return np.repeat(rows[:, None], width, axis=1)
    kk = min(k, m - 1)
    cap = max(int(max_candidates), kk + 1)  # a search needs kk + 1 candidates
    cand = (np.arange(m) if m <= cap else np.sort(
        np.random.RandomState(0).choice(m, cap, replace=False)))
    nn = NearestNeighbors(n_neighbors=kk + 1).fit(data[rows[cand]])
    _, ind = nn.kneighbors(data[rows])
    ind = cand[ind]  # positions within the class
    # drop each row itself where it is among the candidates (the rows are distinct, but
    # a tie of distances may order it second); a row outside them keeps its kk nearest
    own = ind == np.arange(m)[:, None]
    in_cand = np.zeros(m, dtype=bool)
    in_cand[cand] = True
    fallback = np.where(in_cand[:, None], np.arange(kk + 1) > 0, np.arange(kk + 1) < kk)
    keep = np.where(own.any(1, keepdims=True), ~own, fallback)
    ind = ind[keep].reshape(m, kk)
    return rows[ind[:, np.arange(width) % kk]]


def pooled_within_class_root(
    data: np.ndarray,
    codes: np.ndarray | None,
    rank: int,
    spans: Sequence | None = None,
) -> np.ndarray:
    """A ``(rank, d)`` matrix ``R`` with ``R.T @ R`` the pooled within-class covariance.

    The covariance pools the centred rows of every class (each weighted by its rows, as
    in linear discriminant analysis), so it is dominated by the common classes and
    describes variation that rare classes do not show by themselves. Only continuous
    columns take part (one-hot blocks get zero rows and columns). ``R`` keeps the
    ``rank`` leading eigen-directions.

    Parameters
    ----------
    data : ndarray of shape (n, d)
        Encoded rows.
    codes : ndarray of int of shape (n,) or None
        Class code per row (None: one class).
    rank : int
        Rows of ``R`` (at most ``d``).
    spans : sequence of (start, stop, kind) or None
        The encoder's spans; 'softmax' spans are left out.

    Returns
    -------
    root : ndarray of float32 of shape (min(rank, d), d)
    """
    data = np.asarray(data, dtype=np.float64)
    n, d = data.shape
    codes = np.zeros(n, dtype=np.int64) if codes is None else np.asarray(codes)
    centred = np.empty_like(data)
    dof = 0
    for c in np.unique(codes):
        rows = codes == c
        centred[rows] = data[rows] - data[rows].mean(0)
        dof += max(int(rows.sum()) - 1, 0)
    cont = np.ones(d, dtype=bool)
    for start, stop, kind in spans or ():
        if kind == "softmax":
            cont[start:stop] = False
    k = min(rank, d)
    root = np.zeros((k, d), dtype=np.float32)
    sub = centred[:, cont] / np.sqrt(max(dof, 1))  # sub.T @ sub: the pooled covariance
    m = min(k, sub.shape[1])
    if m == 0:
        return root
    if sub.shape[1] <= 256:  # exact eigen-decomposition of a small covariance
        w, v = np.linalg.eigh(sub.T @ sub)
        top = np.argsort(w)[::-1][:m]
        part = v[:, top] * np.sqrt(np.clip(w[top], 0.0, None))
    else:  # wide tables: the leading directions only, O(n d k) instead of O(d^3)
        from sklearn.utils.extmath import randomized_svd

        _, sing, vt = randomized_svd(sub, m, random_state=0)
        part = (vt.T * sing)
    # fewer rows than ``m`` give fewer directions (the SVD's rank): the rest stay zero
    root[: part.shape[1], cont] = part.T.astype(np.float32)
    return root

"""What anchor-conditioned generation needs from the training rows (numpy, no torch).

- :func:`neighbour_pairs`: for every row, real partners of the same class (its nearest
  neighbours), the "real pairs" a :class:`ganaug.nn.tabular.PairDiscriminator` learns from;
- :func:`pooled_within_class_root`: a low-rank square root of the pooled within-class
  covariance;
- :func:`class_roots`: one root per class, each class's own covariance shrunk towards the
  pooled one (Ledoit-Wolf in the pooled metric), the generator's starting noise model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.neighbors import NearestNeighbors


def neighbour_pairs(data: np.ndarray, codes: np.ndarray | None, k: int = 5) -> np.ndarray:
    """Indices of up to ``k`` nearest neighbours of each row within its class.

    Parameters
    ----------
    data : ndarray of shape (n, d)
        Encoded rows.
    codes : ndarray of int of shape (n,) or None
        Class code per row (None: one class).
    k : int, default=5
        Neighbours per row (fewer in classes of at most ``k`` rows).

    Returns
    -------
    partners : ndarray of int64 of shape (n, k')
        ``partners[i]`` are rows of ``i``'s class other than ``i`` itself (in classes
        with fewer neighbours, the list repeats them cyclically), ``k' = min(k, largest
        class - 1)``.
    """
    n = len(data)
    codes = np.zeros(n, dtype=np.int64) if codes is None else np.asarray(codes)
    groups = [np.flatnonzero(codes == c) for c in np.unique(codes)]
    width = max(1, min(k, max(len(g) for g in groups) - 1))
    out = np.empty((n, width), dtype=np.int64)
    for rows in groups:
        if len(rows) < 2:  # a single row has no partner but itself
            out[rows] = rows[:, None]
            continue
        kk = min(k, len(rows) - 1)
        nn = NearestNeighbors(n_neighbors=kk + 1).fit(data[rows])
        _, ind = nn.kneighbors(data[rows])
        # drop each row itself (the first neighbour, unless duplicates tie with it)
        own = ind == np.arange(len(rows))[:, None]
        keep = np.where(own.any(1, keepdims=True), ~own, np.arange(kk + 1) > 0)
        ind = ind[keep].reshape(len(rows), kk)
        out[rows] = rows[ind[:, np.arange(width) % kk]]
    return out


def _continuous(d: int, spans: Sequence | None) -> np.ndarray:
    """Mask of the encoded columns that take noise (one-hot blocks do not)."""
    cont = np.ones(d, dtype=bool)
    for start, stop, kind in spans or ():
        if kind == "softmax":
            cont[start:stop] = False
    return cont


def _pooled_basis(centred: np.ndarray, dof: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Leading ``m`` eigenvectors (columns) and eigenvalues of ``centred.T @ centred / dof``."""
    sub = centred / np.sqrt(max(dof, 1))  # sub.T @ sub: the pooled covariance
    if sub.shape[1] <= 256:  # exact eigen-decomposition of a small covariance
        w, v = np.linalg.eigh(sub.T @ sub)
        top = np.argsort(w)[::-1][:m]
        return v[:, top], np.clip(w[top], 0.0, None)
    # wide tables: the leading directions only, O(n d m) instead of O(d^3)
    from sklearn.utils.extmath import randomized_svd

    _, sing, vt = randomized_svd(sub, m, random_state=0)
    return vt.T, sing**2


def _centre(data: np.ndarray, codes: np.ndarray) -> tuple[np.ndarray, int]:
    """Rows minus their class mean, and the pooled degrees of freedom."""
    centred = np.empty_like(data)
    dof = 0
    for c in np.unique(codes):
        rows = codes == c
        centred[rows] = data[rows] - data[rows].mean(0)
        dof += max(int(rows.sum()) - 1, 0)
    return centred, dof


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
    centred, dof = _centre(data, codes)
    cont = _continuous(d, spans)
    k = min(rank, d)
    root = np.zeros((k, d), dtype=np.float32)
    m = min(k, int(cont.sum()))
    if m == 0:
        return root
    v, w = _pooled_basis(centred[:, cont], dof, m)
    root[:m, cont] = (v * np.sqrt(w)).T.astype(np.float32)
    return root


def class_roots(
    data: np.ndarray,
    codes: np.ndarray | None,
    n_classes: int,
    rank: int,
    spans: Sequence | None = None,
) -> np.ndarray:
    """One noise root per class: its own covariance, shrunk towards the pooled one.

    Each class's covariance ``S`` is shrunk towards the pooled within-class covariance
    ``P`` (as in regularised discriminant analysis), ``(1 - a) S + a P``, with the
    Ledoit-Wolf intensity ``a`` for that target: a class with too few rows to estimate
    its own covariance takes the pool's (rare classes borrow the variation of common
    ones), a class with enough rows keeps its own. A large class whose rows are tight
    inside a broad "rest" class (one-vs-rest tables) thus keeps its own small spread
    instead of the majority's. Everything is computed in the ``rank`` leading
    directions of ``P``.

    Parameters
    ----------
    data : ndarray of shape (n, d)
        Encoded rows.
    codes : ndarray of int of shape (n,) or None
        Class code per row in ``[0, n_classes)`` (None: one class).
    n_classes : int
        Roots to return (classes without rows, or with one, get the pooled root).
    rank : int
        Rows of each root (at most ``d``).
    spans : sequence of (start, stop, kind) or None
        The encoder's spans; 'softmax' spans get no noise.

    Returns
    -------
    roots : ndarray of float32 of shape (n_classes, min(rank, d), d)
        ``roots[c].T @ roots[c]`` is class ``c``'s noise covariance.
    """
    data = np.asarray(data, dtype=np.float64)
    n, d = data.shape
    codes = np.zeros(n, dtype=np.int64) if codes is None else np.asarray(codes)
    n_classes = max(int(n_classes), 1)
    centred, dof = _centre(data, codes)
    cont = _continuous(d, spans)
    k = min(rank, d)
    roots = np.zeros((n_classes, k, d), dtype=np.float32)
    m = min(k, int(cont.sum()))
    if m == 0:
        return roots
    v, w = _pooled_basis(centred[:, cont], dof, m)
    if w.sum() <= 0:  # no class varies: no noise
        return roots
    for c in range(n_classes):
        y = centred[codes == c][:, cont] @ v  # the class in the pool's leading directions
        cov = np.diag(w)
        if len(y) >= 2:
            own = y.T @ y / (len(y) - 1)
            cov = own + _ledoit_wolf_intensity(y, own, cov) * (cov - own)
        g, u = np.linalg.eigh(cov)
        part = v @ (u * np.sqrt(np.clip(g, 0.0, None)))  # part @ part.T == v cov v.T
        roots[c][: part.shape[1], cont] = part.T.astype(np.float32)
    return roots


def _ledoit_wolf_intensity(y: np.ndarray, cov: np.ndarray, target: np.ndarray) -> float:
    """Ledoit-Wolf (2004) shrinkage intensity of the covariance of centred ``y`` to ``target``.

    ``b2 / d2`` clipped to [0, 1], with ``d2 = ||cov - target||^2`` and ``b2`` the
    estimated variance of the sample covariance, ``sum_k ||y_k y_k^T - cov||^2 / n^2``
    (computed as ``(sum_k ||y_k||^4 - n ||cov||^2) / n^2``, no ``n x d x d`` array).
    """
    n = len(y)
    d2 = float(((cov - target) ** 2).sum())
    if d2 <= 0:
        return 1.0
    biased = cov * (n - 1) / n
    b2 = (float(((y**2).sum(1) ** 2).sum()) - n * float((biased**2).sum())) / n**2
    return float(np.clip(b2 / d2, 0.0, 1.0))


class ClassNeighbourhood:
    """Which rows fall where a class has no training rows nearby.

    A row counts as *foreign* to class ``c`` when none of its ``k`` nearest training
    rows (all classes, in the encoded space) belongs to ``c``: it lies inside another
    class's region, where a classifier trained on it learns to predict ``c`` in that
    class's place.

    Parameters
    ----------
    data : ndarray of shape (n, d)
        Encoded training rows.
    codes : ndarray of int of shape (n,)
        Class code per row.
    k : int, default=5
        Neighbours consulted.
    """

    def __init__(self, data: np.ndarray, codes: np.ndarray, k: int = 5):
        self.codes = np.asarray(codes)
        self.nn = NearestNeighbors(n_neighbors=min(k, len(data))).fit(data)

    def foreign(self, rows: np.ndarray, code: int) -> np.ndarray:
        """Boolean mask of the ``rows`` that are foreign to class ``code``."""
        ind = self.nn.kneighbors(rows, return_distance=False)
        return ~(self.codes[ind] == code).any(axis=1)

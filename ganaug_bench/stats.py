"""Summary statistics of benchmark runs: mean ± std, paired differences, Wilcoxon.

One module for every benchmark: the paired mean difference over seeds with its 95 %
Student-t interval (``scipy.stats.ttest_rel(...).confidence_interval()``) and the Wilcoxon
signed-rank test (``scipy.stats.wilcoxon``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from scipy import stats


def _num(v: float) -> float | None:
    """A JSON-safe float (None for NaN or infinity)."""
    v = float(v)
    return None if not np.isfinite(v) else v


def mean_std(values: Sequence[float], single_std: float | None = None) -> dict[str, Any]:
    """Mean and sample standard deviation (ddof=1).

    Parameters
    ----------
    values : sequence of float
    single_std : float or None, default=None
        The standard deviation reported for a single value.

    Returns
    -------
    summary : dict
        ``{"mean", "std", "n"}`` (mean None for no values).
    """
    a = np.asarray(values, dtype=np.float64)
    return {
        "mean": _num(a.mean()) if a.size else None,
        "std": _num(a.std(ddof=1)) if a.size > 1 else single_std,
        "n": int(a.size),
    }


def summarize(runs: Iterable[dict[str, Any]], arms: Sequence[str], metrics: Sequence[str],
              single_std: float | None = None) -> dict[str, dict[str, dict[str, Any]]]:
    """:func:`mean_std` of each metric per arm over the rows of that arm.

    Parameters
    ----------
    runs : iterable of dict
        Rows with an ``arm`` key and the metric keys; None values are skipped.
    arms : sequence of str
        Arms in table order.
    metrics : sequence of str
        Metric keys.
    single_std : float or None, default=None
        Passed to :func:`mean_std`.

    Returns
    -------
    summary : dict
        ``{arm: {metric: {"mean", "std", "n"}}}``.
    """
    runs = list(runs)
    return {arm: {m: mean_std([r[m] for r in runs if r["arm"] == arm and r[m] is not None],
                              single_std) for m in metrics}
            for arm in arms}


def paired_difference(a: Sequence[float], b: Sequence[float],
                      confidence: float = 0.95) -> dict[str, Any]:
    """Mean of the paired differences ``a - b`` with a Student-t confidence interval.

    Pairs are runs with the same seed. The interval is
    ``scipy.stats.ttest_rel(a, b).confidence_interval(confidence)``; it is None with fewer
    than two pairs, and the single point ``[mean, mean]`` when all differences are equal
    (``std`` 0: no spread to widen it).

    Parameters
    ----------
    a, b : sequence of float
        Per-seed values of two arms, aligned by seed.
    confidence : float, default=0.95
        Coverage of the two-sided interval.

    Returns
    -------
    diff : dict
        ``{"mean", "std", "ci_low", "ci_high", "n", "confidence"}``.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    d = a - b
    n = d.size
    out = {"mean": _num(d.mean()) if n else None, "std": None, "ci_low": None,
           "ci_high": None, "n": int(n), "confidence": confidence}
    if n > 1:
        out["std"] = _num(d.std(ddof=1))
        if np.ptp(d) > 0:
            low, high = stats.ttest_rel(a, b).confidence_interval(confidence)
        else:
            low = high = d.mean()
        out.update(ci_low=_num(low), ci_high=_num(high))
    return out


def wilcoxon_p(a: Sequence[float], b: Sequence[float] | None = None) -> float:
    """Two-sided p-value of the Wilcoxon signed-rank test of ``a - b`` (or of ``a``).

    Parameters
    ----------
    a : sequence of float
        Values of one arm, or the paired differences when ``b`` is None.
    b : sequence of float or None, default=None
        Values of the other arm, aligned with ``a``.

    Returns
    -------
    p : float
        1.0 when every difference is zero (the test is undefined there). Differences
        within float rounding (at most 1e-12: the same scores averaged in another order)
        count as zero, as the test drops zeros.
    """
    d = np.asarray(a, dtype=np.float64)
    if b is not None:
        d = d - np.asarray(b, dtype=np.float64)
    d = np.where(np.abs(d) <= 1e-12, 0.0, d)
    if not np.any(d):
        return 1.0
    return float(stats.wilcoxon(d).pvalue)


def win_tie_loss(a: Sequence[float], b: Sequence[float], tol: float = 1e-3) -> dict[str, Any]:
    """Cells where ``a`` beats, ties or loses to ``b``, and the Wilcoxon p-value.

    Parameters
    ----------
    a, b : sequence of float
        Paired cell scores of two arms (higher is better); pairs with a NaN are left out.
    tol : float, default=1e-3
        A difference of at most ``tol`` is a tie.

    Returns
    -------
    dict
        ``win``, ``tie``, ``loss``, ``n_cells``, ``tie_tolerance``, ``wilcoxon_p`` and
        ``mean_difference`` (of ``a - b``).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = ~(np.isnan(a) | np.isnan(b))
    d = a[keep] - b[keep]
    return {"win": int((d > tol).sum()), "tie": int((np.abs(d) <= tol).sum()),
            "loss": int((d < -tol).sum()), "n_cells": int(keep.sum()), "tie_tolerance": tol,
            "wilcoxon_p": wilcoxon_p(a[keep], b[keep]),
            "mean_difference": float(d.mean()) if len(d) else float("nan")}


def by_group(groups: Sequence[Any], a: Sequence[float], b: Sequence[float],
             tol: float = 1e-3) -> dict[str, Any]:
    """:func:`win_tie_loss` with groups (data sets) as the unit: the mean of ``a - b`` over
    each group's cells, against 0.

    Cells of one data set (its classifiers, its metrics) share its folds and resampled
    rows, so they are not independent observations; a test over cells overstates the
    evidence. Here each data set counts once.

    Parameters
    ----------
    groups : sequence
        The group (data set) of each cell.
    a, b : sequence of float
        Paired cell scores of two arms (higher is better); pairs with a NaN are left out.
    tol : float, default=1e-3
        A mean difference of at most ``tol`` is a tie.

    Returns
    -------
    dict
        As :func:`win_tie_loss`, over groups (``n_cells`` is the number of groups).
    """
    g = np.asarray(groups, dtype=object)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    keep = ~(np.isnan(a) | np.isnan(b))
    d, g = a[keep] - b[keep], g[keep]
    names = list(dict.fromkeys(g.tolist()))  # first-seen order
    means = np.array([d[g == name].mean() for name in names])
    return win_tie_loss(means, np.zeros(len(means)), tol)

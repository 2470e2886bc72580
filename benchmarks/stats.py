"""Summary statistics of benchmark runs: mean ± std and paired t-intervals."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats


def _num(v: float) -> float | None:
    """A JSON-safe float (None for NaN)."""
    v = float(v)
    return None if not np.isfinite(v) else v


def mean_std(values: Sequence[float]) -> dict:
    """Mean and sample standard deviation (ddof=1; None with a single value).

    Parameters
    ----------
    values : sequence of float

    Returns
    -------
    summary : dict
        ``{"mean", "std", "n"}``.
    """
    a = np.asarray(values, dtype=np.float64)
    return {
        "mean": _num(a.mean()) if a.size else None,
        "std": _num(a.std(ddof=1)) if a.size > 1 else None,
        "n": int(a.size),
    }


def paired_difference(a: Sequence[float], b: Sequence[float], confidence: float = 0.95) -> dict:
    """Mean of the paired differences ``a - b`` with a Student-t confidence interval.

    Pairs are runs with the same seed. With fewer than two pairs the interval is None.

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
    d = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    n = d.size
    out = {"mean": _num(d.mean()) if n else None, "std": None, "ci_low": None,
           "ci_high": None, "n": int(n), "confidence": confidence}
    if n > 1:
        sd = d.std(ddof=1)
        half = stats.t.ppf(0.5 + confidence / 2, df=n - 1) * sd / np.sqrt(n)
        out.update(std=_num(sd), ci_low=_num(d.mean() - half), ci_high=_num(d.mean() + half))
    return out

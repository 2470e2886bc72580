"""Exact arithmetic for 64-bit integer columns whose values float64 cannot hold.

float64 holds every integer up to 2**53 only: a column of IDs near 2**62 that vary by a
few thousand collapses to one or two distinct floats, so the codecs would see a constant.
Such columns are encoded as their exact distance to their minimum (computed in 64-bit
integers, wrapping as unsigned), which float64 holds exactly whenever the column's own
range is below 2**53, and decoded by adding the minimum back in integers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_EXACT = 2**53  # float64 holds every integer of at most this magnitude


def exact_offset(col: Any, dtype: Any) -> int | None:
    """The column's minimum (a Python int) when it needs an exact offset, else None.

    Parameters
    ----------
    col : array-like
        The training column (missing values allowed).
    dtype : numpy or pandas dtype
        Its dtype; only 64-bit integer dtypes (numpy or nullable) can need an offset.
    """
    kind = getattr(dtype, "numpy_dtype", dtype)
    if not (isinstance(kind, np.dtype) and kind.kind in "iu" and kind.itemsize == 8):
        return None
    present = pd.Series(col, copy=False).dropna()
    if present.empty:
        return None
    lo, hi = int(present.min()), int(present.max())
    return lo if max(abs(lo), abs(hi)) > _EXACT else None


def minus_offset(col: Any, offset: int, dtype: Any) -> np.ndarray:
    """``col - offset`` as float64, exact for values within 2**53 of ``offset``; NaN
    where ``col`` is missing."""
    kind = np.dtype(getattr(dtype, "numpy_dtype", dtype))
    s = pd.Series(col, copy=False)
    missing = s.isna().to_numpy()
    ints = s.to_numpy(dtype=kind, na_value=offset)
    # two's complement: the unsigned difference is exact for every ints >= offset
    diff = ints.view(np.uint64) - np.array(offset % 2**64, dtype=np.uint64)
    out = diff.astype(np.float64)
    out[missing] = np.nan
    return out


def plus_offset(x: np.ndarray, offset: int, dtype: Any, bounds: tuple) -> np.ndarray:
    """Decoded distances (rounded floats) back to integers of ``dtype``, exactly, clipped
    to the training column's ``bounds`` (its exact min and max)."""
    kind = np.dtype(getattr(dtype, "numpy_dtype", dtype))
    span = int(bounds[1]) - offset  # exact, below 2**64
    x = np.clip(np.nan_to_num(np.asarray(x, dtype=np.float64)), 0.0, float(span))
    steps = np.where(x >= 2.0**63, 0, x).astype(np.uint64)  # floats above 2**63 cast
    big = x >= 2.0**63  # through uint64 one by one (numpy's cast is platform-dependent)
    steps[big] = [min(int(v), span) for v in x[big]]
    steps = np.minimum(steps, np.array(span, dtype=np.uint64))
    return (steps + np.array(offset % 2**64, dtype=np.uint64)).view(kind)

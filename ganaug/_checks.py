"""Argument checks of the helper functions (datasets, metrics, the image classifier).

The estimators validate through scikit-learn's parameter constraints
(:mod:`ganaug._validation`); these are the same kind of checks for plain functions:
each raises a ValueError / TypeError that names the argument and the fix, before any
work, and never changes what it is given.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import numpy as np
import pandas as pd


def check_flag(name: str, value) -> None:
    """Refuse anything but True/False for a switch (the text 'no' would be truthy)."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False; got {value!r}.")


def check_number(name: str, value, low: float, high: float | None = None, *,
                 low_open: bool = False, integer: bool = False) -> float:
    """A finite number in [low, high] (``(low, ...`` with ``low_open``), an int with
    ``integer``; bools refused (True is an int to Python: it would silently mean 1)."""
    kind = Integral if integer else Real
    if isinstance(value, bool | np.bool_) or not isinstance(value, kind):
        raise TypeError(f"{name} must be {'an int' if integer else 'a number'}; got "
                        f"{value!r} ({type(value).__name__}).")
    if (not math.isfinite(value) or value < low or (low_open and value == low)
            or (high is not None and value > high)):
        bounds = (f"{'(' if low_open else '['}{low:g}, {high:g}]" if high is not None
                  else f"{'>' if low_open else '>='} {low:g}")
        raise ValueError(f"{name} must be {'an int' if integer else 'a finite number'} "
                         f"{'in ' if high is not None else ''}{bounds}; got {value!r}.")
    return value if integer else float(value)


def check_labels(y, name: str = "y", X=None, rows: str = "row", X_name: str = "X"
                 ) -> np.ndarray:
    """``y`` as a 1-D array of sortable labels, none missing, one per row of ``X``.

    A column ``(n, 1)`` would be broadcast against predictions (an n x n comparison) or
    be unhashable; a missing label would be a class of its own; extra rows or labels
    would be dropped silently.
    """
    arr = np.asarray(y)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, one label per {rows}; got shape {arr.shape}. "
                         f"Pass np.ravel({name}) for a column of labels.")
    if X is not None and len(X) != len(arr):
        raise ValueError(f"{X_name} has {len(X)} {rows}s but {name} has {len(arr)} labels; "
                         f"pass one label per {rows}.")
    if len(arr) == 0:
        raise ValueError(f"{name} holds no labels; pass at least one {rows} of each class.")
    missing = int(pd.isna(arr.astype(object)).sum())
    if missing:
        raise ValueError(f"{name} has {missing} missing label(s) (NaN, None or pd.NA); drop "
                         f"those {rows}s or give them a label.")
    try:
        np.unique(arr)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in arr.tolist()})
        raise ValueError(f"{name} mixes label types ({', '.join(kinds)}) that cannot be "
                         f"sorted together; use one type for all labels, e.g. "
                         f"{name}.astype(str).") from None
    return arr


def check_images(X, name: str = "X", min_images: int = 1) -> np.ndarray:
    """Images as an array: numeric, finite pixels, at least ``min_images`` of them."""
    X = np.asarray(X)
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numeric pixels; got dtype {X.dtype}. Pass uint8 "
                        "or float images.")
    if X.ndim < 3 and X.size:
        raise ValueError(f"{name} must be images (N, H, W, C), (N, C, H, W) or (N, H, W); "
                         f"got shape {X.shape}.")
    if X.ndim == 0 or len(X) < min_images:
        why = " (a covariance)" if min_images > 1 else ""
        raise ValueError(f"{name} holds {len(X) if X.ndim else 0} image(s); at least "
                         f"{min_images} needed{why}.")
    if X.dtype.kind == "f" and not np.isfinite(X).all():
        raise ValueError(f"{name} holds NaN or infinite pixels; replace them (e.g. "
                         "np.nan_to_num) or drop those images.")
    return X

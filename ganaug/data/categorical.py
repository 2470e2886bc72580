"""Which columns of a table are categorical (as imbalanced-learn's SMOTENC reads it)."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd


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
    if isinstance(X, pd.DataFrame) and not isinstance(categorical_features, str | bytes):
        named = list(categorical_features)
        if named and all(isinstance(f, tuple) for f in named):  # tuple / MultiIndex names
            # (np.asarray would split each tuple into its parts)
            for f in named:
                if f not in X.columns:
                    raise ValueError(f"categorical_features names unknown column {f!r}.")
            wanted = set(named)
            return np.array([c in wanted for c in X.columns], dtype=bool)
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
                    "columns (ints are column positions; to name columns, pass a boolean "
                    "mask, e.g. X.columns.isin([...]))."
                )
            mask[int(f)] = True
        names = list(X.columns) if isinstance(X, pd.DataFrame) else []
        if all(f in names for f in feats):  # int column names: positions or names?
            by_name = np.isin(np.arange(n_features), [names.index(f) for f in feats])
            if not np.array_equal(by_name, mask):
                raise ValueError(
                    f"categorical_features={[int(f) for f in feats]} is ambiguous: ints are "
                    f"column positions, and X's columns are named by other ints (position 0 "
                    f"is column {names[0]!r}). Pass a boolean mask, e.g. "
                    f"X.columns.isin({[int(f) for f in feats]}) for these names."
                )
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
                raise ValueError(
                    f"categorical_features names unknown column {f!r}; X's columns are "
                    f"{list(X.columns)[:10]}{' ...' if X.shape[1] > 10 else ''} (a boolean "
                    "mask, e.g. X.columns.isin([...]), also works)."
                )
            mask[cols.index(f)] = True
        return mask
    raise ValueError(
        "categorical_features must be 'auto', None, or a list of column names, column "
        f"indices or booleans; got {categorical_features!r}."
    )

"""Encoders for tables: numeric columns <-> standardised float32 matrices."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.preprocessing import StandardScaler


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
        self.scaler_ = StandardScaler().fit(values)
        # constant columns: StandardScaler keeps scale 1, which is what we want
        self.min_ = values.min(axis=0)
        self.max_ = values.max(axis=0)
        self.n_features_ = values.shape[1]
        return self

    def transform(self, X: np.ndarray | pd.DataFrame) -> np.ndarray:
        values = (
            X.to_numpy(dtype=np.float64)
            if isinstance(X, pd.DataFrame)
            else np.asarray(X, dtype=np.float64)
        )
        return self.scaler_.transform(values).astype(np.float32)

    def inverse_transform(self, Z: np.ndarray) -> np.ndarray | pd.DataFrame:
        values = self.scaler_.inverse_transform(np.asarray(Z, dtype=np.float64))
        np.clip(values, self.min_, self.max_, out=values)
        values[:, self.integer_] = np.rint(values[:, self.integer_])
        if self.columns_ is None:
            return values.astype(self.dtypes_, copy=False)
        frame = pd.DataFrame(values, columns=self.columns_)
        return frame.astype(dict(zip(self.columns_, self.dtypes_)))

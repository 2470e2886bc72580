"""Oversample the minority class of a numeric table with a conditional GAN.

Run: ``python examples/oversample_table.py`` (add ``--fast`` or set ``GANAUG_FAST=1`` for a
seconds-long smoke run, as the test suite does).
"""

import os
import sys

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

from ganaug import ConditionalGANAugmenter

FAST = "--fast" in sys.argv or os.environ.get("GANAUG_FAST") == "1"

# A numeric table with a 9:1 class imbalance, as a DataFrame with named columns.
X, y = make_classification(
    n_samples=600, n_features=6, n_informative=4, weights=[0.9], random_state=0
)
X = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
print("class counts before:", np.bincount(y))

# defaults: 300 generator steps (a few seconds); verbose=1 shows a bar and a summary line
aug = ConditionalGANAugmenter(max_steps=10 if FAST else None, verbose=1, random_state=0)
X_res, y_res = aug.fit_resample(X, y)  # original rows first, unchanged, then new ones
print("class counts after: ", np.bincount(y_res))
print("container and columns kept:", type(X_res).__name__, list(X_res.columns))

# Ask the fitted GAN for exactly 5 more rows of class 1.
X_new, y_new = aug.sample(5, y=1)
print(X_new.round(2))
print("final epoch losses:", {k: round(v[-1], 3) for k, v in aug.history_.items()})

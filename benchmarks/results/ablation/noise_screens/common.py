"""What the noise screens share: the class check's redraw rounds and the CV loop."""

import json
import warnings

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC


def checked_rows(X, rows, m, c, noise, judge, rng, rounds=3):
    """``m`` new rows of class ``c``: anchors drawn from ``X[rows]`` plus ``noise(pick)``;
    rows the ``judge`` assigns to another class are redrawn for ``rounds`` rounds (then
    kept as drawn), as the library's ``class_filter``. ``judge`` None: no check."""
    got, need = [], m
    for r in range(rounds + 1):
        pick = rows[rng.randint(len(rows), size=need)]
        new = X[pick] + noise(pick)
        if judge is not None and r < rounds:
            new = new[judge.predict(new) == c]
        got.append(new)
        need -= len(new)
        if need == 0:
            break
    return np.vstack(got)


def cv_scores(X, y, seed, arms):
    """Balanced accuracy of an SVC after each arm's resampling, mean over a stratified
    3-fold CV of ``X, y`` (the long-tailed training split); ``arms``: name -> function
    ``(X_train, y_train) -> (X_resampled, y_resampled)``."""
    acc = {}
    for tr, te in StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y):
        for name, arm in arms.items():
            Xr, yr = arm(X[tr], y[tr])
            pred = SVC().fit(Xr, yr).predict(X[te])
            acc[name] = acc.get(name, 0) + balanced_accuracy_score(y[te], pred) / 3
    return acc


def run_seeds(seeds, arms_for):
    """One JSON line per development seed: the CV scores of the arms ``arms_for(seed)``
    on that seed's long-tailed digits training split."""
    from ganaug.datasets import load_digits_long_tailed

    warnings.filterwarnings("ignore")
    for seed in seeds:
        (X, y), _ = load_digits_long_tailed(20, random_state=seed)[:2]
        print(json.dumps({"seed": seed, **cv_scores(X, y, seed, arms_for(seed))}),
              flush=True)

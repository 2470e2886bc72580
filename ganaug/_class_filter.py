"""Classifier in the loop: generated rows that a classifier assigns to another class are redrawn.

Noise around an anchor can carry a row across the boundary of its class (a rare class
that lives in a box of a few lab values, a digit near another digit). A class-balanced
classifier fitted on the encoded training rows checks every generated row; rows it
assigns to another class than the one asked for are replaced by new draws, for up to
:data:`ROUNDS` rounds, and what is still rejected then is kept as drawn, so counts stay
exact (LITO, ICLR 2024, and DiffuLT filter synthetic samples the same way).

The fitted check is a cache: fitted with the estimator (its time counts in ``fit``),
never pickled or saved (``_class_judge`` is a transient attribute), rebuilt from the
kept anchors on first use after loading, so samples stay the same.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

#: filtered draws of the rows still missing before the rest is kept as drawn
ROUNDS = 3


def default_judge() -> LogisticRegression:
    """The check used by ``class_filter=True``: a class-balanced logistic regression."""
    return LogisticRegression(class_weight="balanced", max_iter=2000)


def fit_judge(est):
    """The fitted check of ``est``, or None where it does not apply.

    It applies to anchor conditioning with at least two classes (tables); ``est``'s
    ``class_filter`` is True (the default check) or a scikit-learn classifier (cloned;
    a ``random_state`` left at None is fixed to 0, so refitting gives the same check).
    """
    judge = est.class_filter
    codes = getattr(est, "anchor_codes_", None)
    if codes is None or len(np.unique(codes)) < 2:
        return None
    if isinstance(judge, bool | np.bool_):  # numpy's booleans too
        if not judge:
            return None
        judge = default_judge()
    else:
        judge = clone(judge)
    if "random_state" in judge.get_params() and judge.get_params()["random_state"] is None:
        judge.set_params(random_state=0)
    with warnings.catch_warnings():  # an internal check: its solver's notes are not the
        warnings.simplefilter("ignore", ConvergenceWarning)  # user's to act on
        return judge.fit(est.anchors_, codes)


def judge_for(est):
    """``est``'s fitted check, refitted once after loading or unpickling (None: off)."""
    if "_class_judge" not in est.__dict__:
        est._class_judge = fit_judge(est)
    return est._class_judge

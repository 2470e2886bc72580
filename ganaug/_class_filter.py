"""Classifier in the loop: generated rows that a classifier assigns to another class are redrawn.

Noise around an anchor can carry a row across the boundary of its class (a rare class
that lives in a box of a few lab values, a digit near another digit). A class-balanced
classifier fitted on the encoded training rows checks every generated row; rows it
assigns to another class than the one asked for are replaced by new draws, for up to
:data:`ROUNDS` rounds, and what is still rejected then is kept as drawn, so counts stay
exact (LITO, ICLR 2024, and DiffuLT filter synthetic samples the same way). A row made
from a real row (anchor conditioning, the default) is redrawn from that same row, each
round with its step from it times :data:`REDRAW_SCALE`: redrawing from other rows had
the check thin out the real rows near another class, so the new rows left the overlap
to the other class (half-moons and spirals lost 1-3 points of balanced accuracy to the
check; ``benchmarks/results/tabular/dev/curved_moons/``).

The default check is a class-balanced logistic regression, unless a class-balanced RBF
SVC or (two classes) gradient boosting classifies the training rows clearly better
(:func:`choose_default_judge`, by cross-validation on the training rows): a
straight-line check rejects rows that are right on a curved class boundary (half-moons,
concentric shells), and there the check cost more than it gained; a rare class held in
a box of a few columns' values (thyroid_sick's lab values) is a box to trees, not a
half-space (gradient boosting as a third candidate: development tables +0.34 / +0.28
points of balanced accuracy, minority F1 +0.56 / +0.75, on two sets of seeds;
``benchmarks/results/tabular/dev/tree_check/``). A class of at least :data:`BLIND_ROWS`
rows whose held-out rows the chosen check assigns to it less often than chance in that
cross-validation (half the time with two classes, 1 / k with k) is not checked: the
check cannot recognise it (a class set apart by a small spread rather than a place, in
no box of columns a tree could find), and keeping only the generated rows it accepts
kept those on one side of an arbitrary boundary (a made-up table, whose small spread in
two columns the logistic check could not see: random forest 73.6 points of balanced
accuracy with the check, 89.4 without; the tree check recognises it, a box of two
columns, and its random forest's minority F1 is 88.9 with the check against 74.2 without:
``benchmarks/results/tabular/dev/tight_minority/``). With several classes, a check that
recognises a class less than half the time but more often than chance still helped: on
CIFAR-10-LT features a rule of one half cost the cGAN 0.6 points.

The fitted check is a cache: fitted with the estimator (its time counts in ``fit``),
never pickled or saved (``_class_judge`` is a transient attribute), rebuilt from the
kept anchors on first use after loading, so samples stay the same.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from ._compat import fitted_svc_gamma

#: filtered draws of the rows still missing before the rest is kept as drawn
ROUNDS = 3
#: a rejected anchored row is redrawn from its own anchor with its step from the anchor
#: times this, per round (0.5: the value of an earlier prototype, which redrew from
#: random anchors; 1.0 measured worse on digits, 2 values screened in all)
REDRAW_SCALE = 0.5
#: the kernel check replaces the logistic one when its cross-validated balanced accuracy
#: is higher by more than this (set before it was measured, not tuned)
KERNEL_MARGIN = 0.02
#: training rows (stratified) the choice and the kernel check use: bounds their cost
KERNEL_ROWS = 2000
#: classes beyond which the check stays logistic without comparing: the kernel check's
#: one-against-one SVMs grow with the square of the classes, in its fit and in every
#: generated row's check (400 classes of 30 rows: a fit of 35.1 s and 12.5 s to sample
#: 2,000 rows with the SVC it chose, 3.5 s and 0.84 s logistic; benchmarks/known_costs.py).
#: Every recorded benchmark table has fewer classes (set, not tuned)
KERNEL_CLASSES = 50
#: classes beyond which the tree candidate (:class:`BalancedBoosting`) is left out of
#: the choice: the boosting grows one tree per class per round, so its cost grows with
#: the classes (19 classes, abalone: a default fit of 12.7 s against 4.0 s without it
#: in a run of the same afternoon; up to 11x on car_eval's 4 classes), and the one
#: multi-class problem of the development data (long-tailed digits, 10 classes) never
#: chose it and paid a quarter more per fit. Its
#: gain was on two-class tables (set from those costs, not tuned on scores)
TREE_CLASSES = 2
#: a class of at least this many of the choice's rows whose held-out rows the chosen
#: check assigns to it less often than chance (1 / classes: a class-balanced guess) is
#: not checked: the check cannot recognise it (a class set apart by a small spread, not
#: a place), and its verdicts on generated rows would only keep those on one side of an
#: arbitrary line. Smaller classes' recall is too noisy to judge by (set, not tuned)
BLIND_ROWS = 20
#: rows x classes the logistic check is fitted on at most (stratified rows): its solver's
#: work per iteration is rows x classes, and many rare classes beside a big one also take
#: it many iterations (one class of 30,000 rows and 99 of 1-3 rows: 46 s of the fit, all
#: rows). Binary tables keep up to 100,000 rows; every recorded benchmark table was below
#: the bound (set before it was measured, not tuned)
LINEAR_CELLS = 200_000


def default_judge() -> LogisticRegression:
    """The linear check of ``class_filter=True``: a class-balanced logistic regression."""
    return LogisticRegression(class_weight="balanced", max_iter=2000)


_OPENMP = None


def _one_openmp_thread():
    """A context in which the loaded OpenMP runtimes run on one thread.

    ``threadpool_limits`` scans the process's loaded libraries on every call (about 4 ms,
    once per class and round of the check while sampling); the controller here is made
    once, after importing the boosting so that scikit-learn's OpenMP runtime is among
    the libraries it finds."""
    global _OPENMP
    if _OPENMP is None:
        import sklearn.ensemble  # noqa: F401  (loads scikit-learn's OpenMP runtime)
        from threadpoolctl import ThreadpoolController

        _OPENMP = ThreadpoolController()
    return _OPENMP.limit(limits=1, user_api="openmp")


class BalancedBoosting(ClassifierMixin, BaseEstimator):
    """The tree check of ``class_filter=True``: gradient boosting with a balanced decision.

    ``HistGradientBoostingClassifier`` fitted unweighted, deciding by its probabilities
    divided by the training class shares (the class a balanced prior would pick). A
    class-weighted fit did as well on balanced accuracy but took its minority F1 less
    far (``benchmarks/results/tabular/dev/tree_check/``). It runs on one OpenMP thread,
    so an internal check does not take the threads of the user's own work (set, not
    measured against more threads).

    Parameters
    ----------
    random_state : int, default=0
        Passed to the boosting (it matters only where it subsamples).
    """

    def __init__(self, random_state: int = 0) -> None:
        self.random_state = random_state

    def fit(self, X: np.ndarray, y: np.ndarray) -> BalancedBoosting:
        """Fit the boosting on ``X``, ``y`` and keep the class shares of ``y``."""
        from sklearn.ensemble import HistGradientBoostingClassifier

        with _one_openmp_thread():
            self.model_ = HistGradientBoostingClassifier(
                random_state=self.random_state).fit(X, y)
        self.classes_ = self.model_.classes_
        counts = (np.asarray(y)[:, None] == self.classes_[None, :]).sum(0)
        self.prior_ = counts / counts.sum()
        return self

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The class with the highest probability over its training share."""
        with _one_openmp_thread():
            proba = self.model_.predict_proba(X)
        return self.classes_[(proba / self.prior_).argmax(1)]


def kernel_judge():
    """The curved check of ``class_filter=True``: a class-balanced RBF SVC."""
    from sklearn.svm import SVC

    return SVC(class_weight="balanced", random_state=0)  # libsvm would draw a seed from
    # the global numpy RNG otherwise (a user's random state is never touched)


def stratified_rows(codes: np.ndarray, cap: int, seed: int = 0) -> np.ndarray:
    """Sorted indices of at most about ``cap`` rows in the classes' proportions, keeping
    at least ``min(class size, 20)`` rows of every class (scikit-learn's
    ``resample(stratify=...)`` has no such floor: a class of 30 rows among 30,000 would
    keep 2, too few to judge it by)."""
    if len(codes) <= cap:
        return np.arange(len(codes))
    rng = np.random.RandomState(seed)
    keep = []
    for c in np.unique(codes):
        rows = np.flatnonzero(codes == c)
        take = max(int(round(cap * len(rows) / len(codes))), min(len(rows), 20))
        keep.append(rng.choice(rows, min(take, len(rows)), replace=False))
    return np.sort(np.concatenate(keep))


def choose_default_judge(X: np.ndarray, codes: np.ndarray, tree: bool = True):
    """The fitted check for ``class_filter=True``.

    On at most :data:`KERNEL_ROWS` training rows (stratified), a 3-fold stratified
    cross-validation compares the balanced accuracy of the class-balanced logistic
    regression with a class-balanced RBF SVC and, with ``tree`` and at most
    :data:`TREE_CLASSES` classes, gradient boosting with a balanced decision
    (:class:`BalancedBoosting`). If the better of those is higher
    than the logistic regression by more than :data:`KERNEL_MARGIN`, the check is that
    one fitted on those rows (its cost stays bounded on large tables); otherwise the
    logistic regression, fitted on all rows up to ``max(KERNEL_ROWS, LINEAR_CELLS //
    classes)`` rows (stratified beyond that, every class keeping ``min(its rows, 20)``,
    which can take it a little past the bound). Where a class has fewer than 3 rows the
    comparison would be noise, and beyond :data:`KERNEL_CLASSES` classes the kernel
    check would cost too much, so the check stays logistic. ``tree=False`` is the
    two-way choice of models saved before the tree candidate (they sample as saved).
    """
    from sklearn.metrics import balanced_accuracy_score, recall_score
    from sklearn.model_selection import StratifiedKFold

    linear = default_judge().set_params(random_state=0)
    sub = stratified_rows(codes, KERNEL_ROWS)
    counts = np.bincount(codes[sub])
    folds = 3
    # smaller classes: too few rows to judge by; many classes: too many SVMs
    if counts[counts > 0].min() >= folds and (counts > 0).sum() <= KERNEL_CLASSES:
        Xs, ys = X[sub], codes[sub]
        candidates = {"linear": linear, "kernel": kernel_judge()}
        if tree and (counts > 0).sum() <= TREE_CLASSES:
            candidates["tree"] = BalancedBoosting()
        score = dict.fromkeys(candidates, 0.0)
        held = {name: np.empty_like(ys) for name in candidates}
        # a plain loop, not cross_val_score: an internal choice must not become tasks of
        # the user's joblib backend (Dask, Ray) or compete for its workers
        cv = StratifiedKFold(folds, shuffle=True, random_state=0)
        for tr, te in cv.split(Xs, ys):
            for name, est in candidates.items():
                pred = clone(est).fit(Xs[tr], ys[tr]).predict(Xs[te])
                held[name][te] = pred
                score[name] += balanced_accuracy_score(ys[te], pred) / folds
        # the kernel first: on a tie it stays the choice it was before the tree
        best = max((name for name in candidates if name != "linear"), key=score.get)
        chosen = best if score[best] > score["linear"] + KERNEL_MARGIN else "linear"
        recall = recall_score(ys, held[chosen], labels=np.arange(len(counts)),
                              average=None, zero_division=0)
        chance = 1.0 / (counts > 0).sum()  # a class-balanced guess's recall
        blind = np.flatnonzero((counts >= BLIND_ROWS) & (recall < chance))
        if chosen == "linear":
            judge = _fit_linear(linear, X, codes)
        else:
            judge = candidates[chosen].fit(Xs, ys)
        judge.ganaug_blind_classes_ = blind
        return judge
    return _fit_linear(linear, X, codes)


def _fit_linear(linear, X: np.ndarray, codes: np.ndarray):
    """The logistic check fitted on all rows up to its bound (stratified beyond)."""
    rows = stratified_rows(codes, max(KERNEL_ROWS, LINEAR_CELLS // np.unique(codes).size))
    if len(rows) < len(codes):  # below the bound: all rows, as they are
        X, codes = X[rows], codes[rows]
    return linear.fit(X, codes)


def blind_to(judge, code: int) -> bool:
    """Whether the default check cannot recognise class ``code`` (:data:`BLIND_ROWS`),
    so its generated rows are not checked."""
    return int(code) in getattr(judge, "ganaug_blind_classes_", ())


def judge_predict(judge, X: np.ndarray) -> np.ndarray:
    """The class codes ``judge`` assigns to ``X`` (-1: a label the fit did not have).

    A user's check answers in labels (:func:`fit_check`), mapped here to their codes.
    """
    labels = getattr(judge, "ganaug_labels_", None)
    pred = _predict(judge, X)
    return pred if labels is None else pd.Index(labels).get_indexer(pred)


def _predict(judge, X: np.ndarray) -> np.ndarray:
    """``judge.predict(X)``; for a fitted RBF ``SVC``, the same labels computed faster.

    libsvm predicts row by row (sampling 20,000 rows of a 100,000 x 30 table's rarest
    class took 5.1 s, almost all of it libsvm; 0.64 s this way:
    ``benchmarks/results/fit_time/device_choice_cpu_*``). Here the kernel between
    a block of rows and the support vectors is one ``rbf_kernel`` call (BLAS), and
    libsvm's one-against-one votes are counted from it: for classes ``i < j`` the
    decision ``K_i @ a_i + K_j @ a_j + b_ij`` votes ``i`` where positive, else ``j``;
    the first class with the most votes wins, as in libsvm (binary: the second class
    where scikit-learn's decision is at least 0). Labels agree with ``SVC.predict`` up to
    decisions within float rounding of 0. Other classifiers, other kernels and
    ``break_ties=True`` use their own ``predict``.
    """
    from scipy.sparse import issparse
    from sklearn.metrics.pairwise import rbf_kernel
    from sklearn.svm import SVC

    gamma = fitted_svc_gamma(judge) if type(judge) is SVC else None
    if (gamma is None or judge.kernel != "rbf" or judge.break_ties
            or issparse(judge.support_vectors_)):
        return judge.predict(X)
    classes = judge.classes_
    k = len(classes)
    if k * (k - 1) // 2 > 50 * len(X):
        # the votes below loop over class pairs in Python: with many classes and few
        # rows (a table of 100 classes, 20 rows per class and round) that loop cost
        # 100 times libsvm's own predict
        return judge.predict(X)
    sv, coef, b = judge.support_vectors_, judge.dual_coef_, judge.intercept_
    starts = np.r_[0, np.cumsum(judge.n_support_)]
    out = np.empty(len(X), dtype=classes.dtype)
    step = max(1, 4_000_000 // max(len(sv), 1))  # kernel blocks of at most 32 MB
    for a in range(0, len(X), step):
        K = rbf_kernel(np.asarray(X[a : a + step], dtype=np.float64), sv, gamma=gamma)
        if k == 2:
            # libsvm's decision is minus scikit-learn's here; at 0 it takes the second
            out[a : a + step] = classes[(K @ coef[0] + b[0] >= 0).astype(np.intp)]
            continue
        votes = np.zeros((len(K), k), dtype=np.intp)
        pair = 0
        for i in range(k):
            si = slice(starts[i], starts[i + 1])
            for j in range(i + 1, k):
                sj = slice(starts[j], starts[j + 1])
                dec = K[:, si] @ coef[j - 1, si] + K[:, sj] @ coef[i, sj] + b[pair]
                votes[:, i] += dec > 0
                votes[:, j] += dec <= 0
                pair += 1
        out[a : a + step] = classes[votes.argmax(1)]
    return out


def snapshot(class_filter):
    """What ``class_filter`` asks for, as fitted (``class_filter_``): a bool, or an unfitted
    clone whose every ``random_state`` left at None (nested ones, in a Pipeline or an
    ensemble, too) is fixed to 0, so that refitting it (after loading or unpickling)
    gives the same check and never draws from the global numpy RNG. Later changes of
    the parameter, or of the user's classifier, do not reach a fitted model."""
    if isinstance(class_filter, bool | np.bool_):  # numpy's booleans too
        return bool(class_filter)
    judge = clone(class_filter)
    unset = {key: 0 for key, value in judge.get_params(deep=True).items()
             if key.split("__")[-1] == "random_state" and value is None}
    return judge.set_params(**unset) if unset else judge


def fit_judge(est):
    """The fitted check of a fitted ``est`` (from its kept anchors), or None where it does
    not apply (:func:`fit_check`); files saved before ``class_filter_`` existed use the
    parameter."""
    judge = getattr(est, "class_filter_", None)
    if judge is None:
        judge = snapshot(est.class_filter)
    return fit_check(judge, getattr(est, "anchors_", None), getattr(est, "anchor_codes_", None),
                     getattr(est, "classes_", None),
                     tree=getattr(est, "hparams_", {}).get("tree_check", False))


def fit_check(judge, rows: np.ndarray | None, codes: np.ndarray | None,
              classes: np.ndarray | None = None, tree: bool = True):
    """The check ``judge`` (a :func:`snapshot`) fitted on the encoded training ``rows``
    (float32, as the model keeps them) of class ``codes``, or None where it does not
    apply: anchor conditioning (``codes`` given) with at least two classes.

    ``True`` is the default check (:func:`choose_default_judge`, with the tree
    candidate where ``tree``: files saved before it lack ``hparams_['tree_check']``
    and keep the two-way choice, so they sample as saved); a user's classifier is
    cloned, fitted and asked to classify one row, so one that cannot fit or predict these
    rows fails here, with its name, rather than at the first ``sample``. It is fitted on
    the labels (``classes[codes]``), so settings keyed by label (``class_weight={'pos':
    20}``) mean what they say; :func:`judge_predict` turns its answers back into codes.
    """
    if judge is False or codes is None or len(np.unique(codes)) < 2:
        return None
    with warnings.catch_warnings():  # an internal check: its solver's notes are not the
        warnings.simplefilter("ignore", ConvergenceWarning)  # user's to act on
        if judge is True:
            return choose_default_judge(rows, codes, tree=tree)
        try:
            fitted = clone(judge).fit(rows, codes if classes is None else classes[codes])
            fitted.predict(rows[:1])
        except Exception as exc:
            raise ValueError(
                f"class_filter={judge!r} failed on the encoded training rows "
                f"({len(rows)} rows x {rows.shape[1]} columns, {len(np.unique(codes))} "
                f"classes, the smallest with {np.bincount(codes).min()} rows): "
                f"{type(exc).__name__}: {exc} Pass a classifier that can fit and predict "
                "them, class_filter=True (the default check) or False (no check)."
            ) from exc
        if classes is not None:  # answers are labels: judge_predict maps them to codes
            fitted.ganaug_labels_ = np.asarray(classes)
        return fitted


def judge_for(est):
    """``est``'s fitted check, refitted once after loading or unpickling (None: off)."""
    if "_class_judge" not in est.__dict__:
        est._class_judge = fit_judge(est)
    return est._class_judge

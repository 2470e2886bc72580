"""The main job, ``ganaug bench``: oversamplers in front of ``SVC`` on long-tailed digits.

Protocol (one seed):

1. ``load_digits_long_tailed(imbalance_ratio=20, random_state=seed)``: scikit-learn's
   8x8 digits split in half (stratified), the training half made long-tailed (class
   counts about 89, 64, 46, 33, 23, 17, 12, 8, 6, 4); the test half stays balanced.
2. Every arm is an imbalanced-learn ``Pipeline([(sampler), ("clf", SVC())])`` fitted on
   the training split only: oversampling never sees a test row.
3. Scores on the test split: balanced accuracy, macro-F1 and tail recall (mean recall
   of the rarest classes of the training split, see :func:`tail_classes`).

The GAN arm is ``ConditionalGANAugmenter`` at its defaults (:data:`GAN_PARAMS` is empty:
what a user gets is what is measured; nothing is tuned on the test split). Digits are
fed as 64-column rows. Two reference rows frame the table: ``none`` (no oversampling)
and ``balanced ceiling`` (the same SVC on the whole balanced training half the
long-tailed split was cut from, i.e. the data oversampling tries to stand in for).
The GAN arm (the cGAN when it ran, fixed in advance) is compared with the best classical
arm (ROS, ROSE, SMOTE) by the mean paired difference over seeds with a 95 % Student-t
interval.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from .markdown import seconds_text
from .record import run_record, utc_now
from .stats import paired_difference, summarize

# Settings of the GAN arm beyond ``random_state`` and ``device``: none, the defaults.
GAN_PARAMS: dict[str, Any] = {}

ARMS: tuple[str, ...] = (
    "none",
    "RandomOverSampler",
    "ROSE",
    "SMOTE",
    "ConditionalGANAugmenter",
)
CLASSICAL: tuple[str, ...] = ("RandomOverSampler", "ROSE", "SMOTE")
GAN_ARMS: tuple[str, ...] = ("GANAugmenter", "ConditionalGANAugmenter")
CEILING = "balanced ceiling"
ROSE_SHRINKAGE = 0.5  # RandomOverSampler(shrinkage=0.5): ROSE, a smoothed bootstrap
METRICS: tuple[str, ...] = ("balanced_accuracy", "macro_f1", "tail_recall")
TAIL_FRACTION = 0.3  # the rarest 30 % of classes (3 of 10) count as the tail
IMBALANCE_RATIO = 20


def tail_classes(y_train: np.ndarray, fraction: float = TAIL_FRACTION) -> np.ndarray:
    """The ``ceil(fraction * n_classes)`` classes with the fewest training rows.

    Parameters
    ----------
    y_train : ndarray of shape (n_samples,)
        Training labels.
    fraction : float, default=0.3
        Share of the classes that form the tail.

    Returns
    -------
    tail : ndarray
        Labels of the tail classes, rarest first (ties broken by label).
    """
    classes, counts = np.unique(y_train, return_counts=True)
    k = max(1, math.ceil(fraction * len(classes)))
    order = np.lexsort((classes, counts))
    return classes[order[:k]]


def score(y_true: np.ndarray, y_pred: np.ndarray, tail: np.ndarray) -> dict[str, float]:
    """Balanced accuracy, macro-F1 and mean recall over the ``tail`` classes.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n_samples,)
        Test labels and predictions.
    tail : ndarray
        Labels of the tail classes.

    Returns
    -------
    scores : dict
        ``{"balanced_accuracy": ..., "macro_f1": ..., "tail_recall": ...}``.
    """
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score

    return {
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, average="macro")),
        "tail_recall": float(
            np.mean(recall_score(y_true, y_pred, labels=tail, average=None, zero_division=0))
        ),
    }


def make_sampler(arm: str, seed: int, gan_params: dict[str, Any], min_count: int) -> Any:
    """The over-sampler of one arm (None for ``"none"``), seeded with ``seed``.

    Parameters
    ----------
    arm : str
        One of :data:`ARMS`.
    seed : int
        ``random_state`` of the sampler.
    gan_params : dict
        Keyword arguments of both GAN augmenters.
    min_count : int
        Rows of the rarest training class (caps SMOTE's ``k_neighbors``).

    Returns
    -------
    sampler : imblearn sampler or None
    """
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    from ganaug import ConditionalGANAugmenter, GANAugmenter

    if arm == "none":
        return None
    if arm == "RandomOverSampler":
        return RandomOverSampler(random_state=seed)
    if arm == "ROSE":
        return RandomOverSampler(shrinkage=ROSE_SHRINKAGE, random_state=seed)
    if arm == "SMOTE":
        return SMOTE(k_neighbors=min(5, min_count - 1), random_state=seed)
    if arm == "GANAugmenter":
        return GANAugmenter(random_state=seed, **gan_params)
    if arm == "ConditionalGANAugmenter":
        return ConditionalGANAugmenter(random_state=seed, **gan_params)
    raise ValueError(f"Unknown arm {arm!r}; expected one of {ARMS}.")


def sample_diagnostics(
    sampler: Any, reference: Any, X_train: np.ndarray, y_train: np.ndarray,
    n_per_class: int = 100,
) -> tuple[dict[str, float], Any]:
    """How recognisable, varied and new a fitted GAN's samples are, on the training split.

    Parameters
    ----------
    sampler : GANAugmenter or ConditionalGANAugmenter
        A fitted augmenter (fitted with ``y``).
    reference : classifier
        Fitted on ``(X_train, y_train)``; judges the generated rows.
    X_train, y_train : ndarray
        The training split (never the test split).
    n_per_class : int, default=100
        Rows generated per class.

    Returns
    -------
    diagnostics : dict
        ``recognised``: mean over classes of the share of rows the reference assigns to
        the class they were asked for (``recognised_min``: the worst class); and the
        class means of :func:`ganaug.report.quality_report`'s ``spread_ratio`` (1: as
        varied as the real rows), ``dcr_ratio`` (distance to the closest real row over
        the real rows' own; near 0: copies), ``near_copies`` and ``coverage``.
    report : DataFrame
        The per-class quality report itself.
    """
    from ganaug.report import quality_report, sampled_classes

    recog = []
    for c in sampled_classes(sampler, y_train):
        X_new, _ = sampler.sample(n_per_class, y=c)
        recog.append(float(np.mean(reference.predict(np.asarray(X_new, dtype=float)) == c)))
    report = quality_report(sampler, X_train, y_train, n_per_class=n_per_class)
    out = {"recognised": float(np.mean(recog)), "recognised_min": float(np.min(recog))}
    for key in ("spread_ratio", "dcr_ratio", "near_copies", "coverage"):
        out[key] = float(report[key].mean())
    return out, report


def _final_losses(history: dict) -> dict[str, float]:
    """Last-epoch losses of a ``history_`` (for per-class GANs: the mean over the class
    GANs that ran the last epoch, as ``history_`` holds it)."""
    return {k: float(v[-1]) for k, v in history.items() if len(v)}


def run_bench(
    seeds: int | Sequence[int] = 3,
    epochs: int | None = None,
    arms: Sequence[str] = ARMS,
    device: str = "cpu",
    n_grid: int = 8,
    verbose: bool = True,
    command: str | None = None,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Run every arm on every seed and return the record and the last seed's GANs.

    Parameters
    ----------
    seeds : int or sequence of int, default=3
        Number of seeds (``0 .. seeds-1``) or the seeds themselves. A seed sets the data
        split and the samplers' ``random_state``.
    epochs : int or None, default=None
        Epochs of the GAN arms (None: the estimators' default step budget).
    arms : sequence of str, default=ARMS
        Which arms to run.
    device : str, default='cpu'
        Device of the GAN arms ('auto' picks a GPU when there is one).
    n_grid : int, default=8
        Generated images per class kept for the sample grid.
    verbose : bool, default=True
        Print one line per arm and seed.
    command : str or None, default=None
        The command line to record (None: rebuilt from ``sys.argv``).

    Returns
    -------
    record : dict
        JSON-ready record: settings, per-seed scores and timings, summary.
    fitted : dict
        The last seed's fitted GAN samplers by arm name (for pictures).
    """
    from imblearn.pipeline import Pipeline
    from sklearn.svm import SVC

    from ganaug.datasets import load_digits_long_tailed

    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    if not seed_list:
        raise ValueError("Need at least one seed.")
    gan_params = {**GAN_PARAMS, "device": device}
    if epochs is not None:
        gan_params["epochs"] = int(epochs)
    t_start, c_start = time.perf_counter(), time.process_time()
    started = run_record(command or " ".join(["ganaug", *sys.argv[1:]]), device)
    runs: list[dict[str, Any]] = []
    fitted: dict[str, Any] = {}
    data_info: dict[str, Any] = {}
    for seed in seed_list:
        (X_tr, y_tr), (X_te, y_te), (X_bal, y_bal) = load_digits_long_tailed(
            IMBALANCE_RATIO, random_state=seed, return_balanced=True
        )
        classes, counts = np.unique(y_tr, return_counts=True)
        tail = tail_classes(y_tr)
        ceiling = SVC().fit(X_bal, y_bal).predict(X_te)
        runs.append({"seed": seed, "arm": CEILING, **score(y_te, ceiling, tail),
                     "fit_seconds": 0.0, "fit_cpu_seconds": 0.0})
        reference = None  # SVC on the real training split, judges generated rows
        data_info = {
            "train_counts": dict(zip(classes.tolist(), counts.tolist())),
            "n_train": len(y_tr), "n_test": len(y_te), "tail_classes": tail.tolist(),
        }
        for arm in arms:
            sampler = make_sampler(arm, seed, gan_params, int(counts.min()))
            steps = [("clf", SVC())] if sampler is None else [("aug", sampler), ("clf", SVC())]
            pipe = Pipeline(steps)
            t0, c0 = time.perf_counter(), time.process_time()
            pipe.fit(X_tr, y_tr)
            fit_s, fit_cpu = time.perf_counter() - t0, time.process_time() - c0
            y_pred = pipe.predict(X_te)
            row: dict[str, Any] = {
                "seed": seed, "arm": arm, **score(y_te, y_pred, tail),
                "fit_seconds": round(fit_s, 3), "fit_cpu_seconds": round(fit_cpu, 3),
            }
            if sampler is not None and hasattr(sampler, "history_"):
                row["final_losses"] = _final_losses(sampler.history_)
                if reference is None:
                    reference = SVC().fit(X_tr, y_tr)
                row["samples"], report = sample_diagnostics(sampler, reference, X_tr, y_tr)
                fitted[arm] = sampler
                fitted[f"{arm}_quality"] = report
            runs.append(row)
            if verbose:
                print(
                    f"seed {seed}  {arm:<24s} bal.acc {row['balanced_accuracy']:.3f}  "
                    f"macro-F1 {row['macro_f1']:.3f}  tail recall {row['tail_recall']:.3f}  "
                    f"({seconds_text(fit_s)} s)",
                    flush=True,
                )
    total_s, total_cpu = time.perf_counter() - t_start, time.process_time() - c_start
    record: dict[str, Any] = {
        "benchmark": "digits-lt",
        "command": started["command"],
        "date": started["date"],
        "finished": utc_now(),
        "device": started["device"],  # load average as the run started
        "versions": started["versions"],
        "git_commit": started["git_commit"],
        "protocol": {
            "data": f"sklearn digits 8x8, stratified 50/50 split, train made long-tailed "
                    f"(imbalance ratio {IMBALANCE_RATIO}); test balanced",
            "classifier": "sklearn.svm.SVC() defaults, in an imblearn Pipeline after the sampler",
            "tail": f"rarest ceil({TAIL_FRACTION} * n_classes) classes of the training split",
            "smote": "k_neighbors=min(5, rarest class - 1)",
            "rose": f"RandomOverSampler(shrinkage={ROSE_SHRINKAGE})",
            "ceiling": "SVC() on the whole balanced training half (before the long tail)",
            "gan_params": {k: (list(v) if isinstance(v, tuple) else v)
                           for k, v in gan_params.items()},
            "seeds": seed_list,
            "data_last_seed": data_info,
        },
        "runs": runs,
        "summary": summarize(runs, [*arms, CEILING], METRICS),  # one seed: std None
        "gan_vs_classical": compare_best(runs, arms),
        "timing": {
            "total_seconds": round(total_s, 2),
            "total_cpu_seconds": round(total_cpu, 2),
            "note": "wall seconds depend on the machine's load (see device.load_average_1m); "
                    "cpu seconds are this process's CPU time (all threads)",
            "fit_seconds_per_arm": {
                a: round(float(np.mean([r["fit_seconds"] for r in runs if r["arm"] == a])), 3)
                for a in [*arms, CEILING]
            },
        },
    }
    return record, {"_real": (X_tr, y_tr), **fitted, "_n_grid": n_grid}


def compare_best(runs: Sequence[dict[str, Any]], arms: Sequence[str]) -> dict[str, Any] | None:
    """The GAN arm against the best classical arm: paired differences over seeds.

    The GAN arm is ``ConditionalGANAugmenter`` when it ran (else the other GAN arm):
    fixed in advance, not picked by test scores. The classical arm is the best by mean
    balanced accuracy over the same test seeds (chosen after the fact, which makes the
    reference harder to beat); for a metric on which another
    classical arm has the higher mean, the entry also holds the difference to that arm
    (``best_on_metric``). The interval is Student's t on the per-seed differences
    (``scipy.stats.ttest_rel(...).confidence_interval()``, 95 %).

    Parameters
    ----------
    runs : sequence of dict
        Rows of :func:`run_bench`.
    arms : sequence of str
        The arms that ran.

    Returns
    -------
    comparison : dict or None
        Per metric: mean difference, interval, the two arms, and the share of the
        gap from ``RandomOverSampler`` to the ceiling that the GAN arm closes. None
        when no GAN or classical arm ran.
    """
    gans = [a for a in arms if a in GAN_ARMS]
    classic = [a for a in arms if a in CLASSICAL]
    if not gans or not classic:
        return None

    def per_seed(arm: str, metric: str) -> dict[int, float]:
        return {r["seed"]: r[metric] for r in runs if r["arm"] == arm}

    def mean(arm: str, metric: str = "balanced_accuracy") -> float:
        return float(np.mean(list(per_seed(arm, metric).values())))

    def versus(a: dict[int, float], other: str, metric: str) -> dict[str, Any]:
        b = per_seed(other, metric)
        seeds = sorted(set(a) & set(b))
        diff = paired_difference([a[s] for s in seeds], [b[s] for s in seeds])
        entry: dict[str, Any] = {"mean_difference": diff["mean"], "n": len(seeds),
                                 "ci95": None}
        if diff["ci_low"] is not None and diff["ci_low"] != diff["ci_high"]:
            entry["ci95"] = [diff["ci_low"], diff["ci_high"]]  # none without spread
        return entry

    # the GAN arm is fixed in advance (the cGAN, the library's recommendation, when it
    # ran): chosen by test means it would be an optimistic pick; the classical arm is
    # the best by test means, the harder reference
    gan = "ConditionalGANAugmenter" if "ConditionalGANAugmenter" in gans else gans[0]
    best = max(classic, key=mean)
    out: dict[str, Any] = {"gan_arm": gan, "classical_arm": best}
    for metric in METRICS:
        a = per_seed(gan, metric)
        seeds = sorted(set(a) & set(per_seed(best, metric)))
        entry = versus(a, best, metric)
        top = max(classic, key=lambda arm: mean(arm, metric))
        if top != best:  # another classical arm leads on this metric
            entry["best_on_metric"] = {"arm": top, **versus(a, top, metric)}
        ros, ceil = per_seed("RandomOverSampler", metric), per_seed(CEILING, metric)
        if ros and ceil:
            gap = np.mean([ceil[s] - ros[s] for s in seeds if s in ros and s in ceil])
            closed = np.mean([a[s] - ros[s] for s in seeds if s in ros])
            entry["share_of_ros_to_ceiling_gap_closed"] = float(closed / gap) if gap else None
        out[metric] = entry
    return out



"""One arm on one seed: its training set, the classifier, the test scores."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from ..digits import ROSE_SHRINKAGE
from .data import class_balanced_weights
from .settings import DRW_FROM, MIXUP_ALPHA, Settings


# --------------------------------------------------------------------------- metrics --
def compute_metrics(y_true: np.ndarray, y_pred: np.ndarray, groups: dict[str, list[int]],
                    n_classes: int = 10) -> dict[str, Any]:
    """Top-1, balanced accuracy, macro-F1, per-class recall, many/medium/few accuracy.

    Parameters
    ----------
    y_true, y_pred : ndarray of shape (n,)
        Test labels and predictions (class codes).
    groups : dict
        Class codes per group name, from :func:`~ganaug_bench.cifar10.data.class_groups`.
    n_classes : int, default=10

    Returns
    -------
    metrics : dict
        ``top1``, ``balanced_accuracy``, ``macro_f1``, ``per_class_recall`` and the
        accuracy of each group (None for a group without test rows).
    """
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score

    labels = list(range(n_classes))
    out = {
        "top1": float(np.mean(y_pred == y_true)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro",
                                   zero_division=0)),
        "per_class_recall": [float(r) for r in recall_score(
            y_true, y_pred, labels=labels, average=None, zero_division=0)],
    }
    for name, cls in groups.items():
        mask = np.isin(y_true, cls)
        out[name] = float(np.mean(y_pred[mask] == y_true[mask])) if mask.any() else None
    return out


# ------------------------------------------------------------------------- augmenters --
def _filter_params(cls, kwargs: dict) -> tuple[dict, list[str]]:
    known = cls().get_params()
    return ({k: v for k, v in kwargs.items() if k in known},
            sorted(k for k in kwargs if k not in known))


def _gan_kwargs(settings: Settings, n_train: int, seed: int, device, image: bool,
                per_class: bool = False) -> dict:
    g = settings.gan
    if image:
        b = min(g.batch_size, n_train)
        epochs = max(1, math.ceil(g.steps / math.ceil(n_train / b)))
        kw = dict(
            epochs=epochs, batch_size=g.batch_size, width=g.width, latent_dim=g.latent_dim,
            generator_lr=g.lr, discriminator_lr=g.lr, adam_betas=tuple(g.betas),
            d_steps=g.d_steps, lecam_weight=g.lecam_weight, gsr_weight=g.gsr_weight,
            diffaug=g.diffaug, ema_decay=g.ema_decay, compile=g.compile,
        )
        if g.time_budget is not None:
            kw["time_budget"] = g.time_budget / (10 if per_class else 1)
    else:
        kw = {} if g.tabular_epochs is None else dict(epochs=g.tabular_epochs)
        if g.tabular_width is not None:
            kw["width"] = g.tabular_width
    kw.update(device=str(device), random_state=seed, n_jobs=g.n_jobs)
    return kw


def classic_sampler(arm: str, strategy, counts: np.ndarray, seed: int) -> tuple[Any, dict]:
    """The imbalanced-learn sampler of a classical arm ('ros', 'rose', 'smote') and what
    the result row records about it (SMOTE's neighbours are capped by the rarest class)."""
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    if arm == "smote":
        k = int(max(1, min(5, counts[counts > 0].min() - 1)))
        return (SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed),
                {"k_neighbors": k})
    shrinkage = ROSE_SHRINKAGE if arm == "rose" else None
    return (RandomOverSampler(sampling_strategy=strategy, shrinkage=shrinkage,
                              random_state=seed),
            {"shrinkage": shrinkage} if shrinkage else {})


def _make_augmenter(arm: str, strategy, settings, n_train, seed, device, image: bool):
    from ganaug import ConditionalGANAugmenter, GANAugmenter

    cls = GANAugmenter if arm == "gan" else ConditionalGANAugmenter
    kw, dropped = _filter_params(
        cls, _gan_kwargs(settings, n_train, seed, device, image, per_class=arm == "gan"))
    return cls(sampling_strategy=strategy, **kw), kw, dropped


def _labels_to_add(aug) -> np.ndarray:
    items = [(c, n) for c, n in aug.sampling_strategy_.items() if n > 0]
    if not items:
        return np.empty(0, dtype=np.int64)
    return np.concatenate([np.full(n, c, dtype=np.int64) for c, n in items])


def filtered_sample(aug: Any, need: dict[int, int],
                    proba_fn: Callable[[np.ndarray], np.ndarray], rounds: int,
                    oversample: float, n_classes: int = 10,
                    ) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Synthetic images the filter classifier assigns to their class, exact counts.

    Each round draws ``oversample`` times the missing count of every class and keeps the
    accepted images; after ``rounds`` rounds the remaining places are filled with the
    rejected candidates that have the highest probability of their class.

    Parameters
    ----------
    aug : fitted ConditionalGANAugmenter or GANAugmenter
        Draws candidates with ``sample(n, y=labels)``.
    need : dict
        Images wanted per class code.
    proba_fn : callable
        Class probabilities of a batch of images (the filter classifier).
    rounds : int
        Rounds of drawing before the rest is filled with the best rejected candidates.
    oversample : float
        Candidates drawn per missing image in a round.
    n_classes : int, default=10

    Returns
    -------
    X_new, y_new : ndarray
    report : dict
        Candidates drawn, accepted and filled-with-rejected per class.
    """
    need = {int(c): int(n) for c, n in need.items() if n > 0}
    kept: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    drawn = dict.fromkeys(need, 0)
    accepted = dict.fromkeys(need, 0)
    for _ in range(max(1, rounds)):
        missing = {c: n - int(kept[c][2].sum()) if c in kept else n for c, n in need.items()}
        missing = {c: m for c, m in missing.items() if m > 0}
        if not missing:
            break
        labels = np.concatenate([np.full(max(1, math.ceil(oversample * m)), c)
                                 for c, m in missing.items()])
        X_new, y_new = aug.sample(len(labels), y=labels)
        proba = proba_fn(X_new)
        pred = proba.argmax(1)
        for c in missing:
            sel = y_new == c
            Xc, pc, ok = X_new[sel], proba[sel, c], pred[sel] == c
            drawn[c] += int(sel.sum())
            accepted[c] += int(ok.sum())
            if c in kept:
                Xc = np.concatenate([kept[c][0], Xc])
                pc = np.concatenate([kept[c][1], pc])
                ok = np.concatenate([kept[c][2], ok])
            order = np.lexsort((-pc, ~ok))[: need[c]]  # accepted first, then by score
            kept[c] = (Xc[order], pc[order], ok[order])
    X_out = np.concatenate([kept[c][0] for c in need])
    y_out = np.concatenate([np.full(need[c], c, dtype=np.int64) for c in need])
    report = {
        "drawn": {str(c): drawn[c] for c in need},
        "accepted": {str(c): accepted[c] for c in need},
        "filled_with_rejected": {str(c): int(need[c] - kept[c][2].sum()) for c in need},
    }
    return X_out, y_out, report


# ------------------------------------------------------------------------ torch track --
def _sync(device) -> None:
    import torch

    if getattr(device, "type", "cpu") == "cuda":
        torch.cuda.synchronize(device)


def run_torch_arm(arm: str, seed: int, X_tr: np.ndarray, y_tr: np.ndarray, X_te: np.ndarray,
                  y_te: np.ndarray, strategy: str | dict[int, int], settings: Settings,
                  clf_cfg: Any, device: Any, groups: dict[str, list[int]], cache: dict,
                  log: Callable[[str], None]) -> dict[str, Any]:
    """Build the arm's training set, train the classifier, test it; one result row.

    Parameters
    ----------
    arm : str
        One of :data:`~ganaug_bench.cifar10.settings.ARMS`.
    seed : int
        Seed of the sampler, the GAN and the classifier.
    X_tr, y_tr, X_te, y_te : ndarray
        Training split and test set (uint8 NHWC images, int64 labels).
    strategy : str or dict
        The ``sampling_strategy`` of every over-sampler.
    settings : Settings
    clf_cfg : ClassifierConfig
        The downstream classifier's settings.
    device : torch.device
    groups : dict
        Many / medium / few class codes.
    cache : dict
        Fitted GANs and classifiers shared by the arms of one seed.
    log : callable
        Takes one progress line.

    Returns
    -------
    row : dict
        Scores (:func:`compute_metrics`), training-set size, timings and the arm's extras.
    """
    from .classifier import fit_classifier

    times: dict[str, float] = {}
    extra: dict = {}
    weights = None
    t_arm = time.perf_counter()
    counts = np.bincount(y_tr, minlength=10)
    fit_kw: dict = {}
    if arm in ("none", "reweight", "drw", "mixup"):
        X_fit, y_fit = X_tr, y_tr
        if arm != "none":
            weights = class_balanced_weights(counts)
            extra["class_weights"] = [float(w) for w in weights]
        if arm in ("drw", "mixup"):
            fit_kw["weights_from"] = DRW_FROM
            extra["weights_from"] = DRW_FROM
        if arm == "mixup":
            fit_kw["mixup_alpha"] = MIXUP_ALPHA
            extra["mixup_alpha"] = MIXUP_ALPHA
    elif arm == "ros":
        t = time.perf_counter()
        ros, _ = classic_sampler(arm, strategy, counts, seed)
        idx = np.arange(len(y_tr))[:, None]
        idx_res, y_fit = ros.fit_resample(idx, y_tr)
        X_fit = X_tr[idx_res[:, 0]]
        times["sample_s"] = time.perf_counter() - t
    elif arm in ("smote", "rose"):  # on flattened pixels, rounded back to uint8
        t = time.perf_counter()
        sm, info = classic_sampler(arm, strategy, counts, seed)
        Xf, y_fit = sm.fit_resample(X_tr.reshape(len(X_tr), -1).astype(np.float32), y_tr)
        X_fit = np.clip(np.rint(Xf), 0, 255).astype(np.uint8).reshape(-1, *X_tr.shape[1:])
        times["sample_s"] = time.perf_counter() - t
        extra.update(info)
    elif arm in ("gan", "cgan", "cgan+filter"):
        base = "gan" if arm == "gan" else "cgan"
        key = (base, seed)
        if key not in cache:
            aug, kw, dropped = _make_augmenter(base, strategy, settings, len(y_tr), seed,
                                               device, image=True)
            t = time.perf_counter()
            aug.fit(X_tr, y_tr)
            _sync(device)
            cache[key] = (aug, time.perf_counter() - t, kw, dropped)
        aug, fit_s, kw, dropped = cache[key]
        times["gan_fit_s"] = fit_s
        extra["gan_params"] = {k: (list(v) if isinstance(v, tuple) else v)
                               for k, v in kw.items() if k != "device"}
        if dropped:
            extra["gan_params_unsupported"] = dropped
        done = ({str(c): len(h["d_loss"]) for c, h in aug.class_history_.items()}
                if base == "gan" else len(aug.history_["d_loss"]))
        extra["gan_epochs_done"] = done
        if arm == "cgan+filter":
            extra["gan_fit_shared_with"] = "cgan"
        labels = _labels_to_add(aug)
        t = time.perf_counter()
        if len(labels) == 0:
            X_new, y_new = X_tr[:0], y_tr[:0]
        elif arm == "cgan+filter":
            filt = cache.get((f"{settings.filter_with}-clf", seed))
            if filt is None:
                w = (class_balanced_weights(counts) if settings.filter_with == "reweight"
                     else None)
                filt = fit_classifier(X_tr, y_tr, clf_cfg, device, seed, class_weights=w)
                cache[(f"{settings.filter_with}-clf", seed)] = filt
                times["filter_clf_s"] = filt.train_seconds
            need = {int(c): int(n) for c, n in aug.sampling_strategy_.items()}
            X_new, y_new, rep = filtered_sample(
                aug, need, filt.predict_proba, settings.filter_rounds,
                settings.filter_oversample,
            )
            extra["filter"] = {"classifier": settings.filter_with, **rep}
        else:
            X_new, y_new = aug.sample(len(labels), y=labels)
        times["sample_s"] = time.perf_counter() - t
        X_fit = np.concatenate([X_tr, np.asarray(X_new, dtype=np.uint8)])
        y_fit = np.concatenate([y_tr, np.asarray(y_new, dtype=np.int64)])
    else:  # pragma: no cover - guarded by the parser
        raise ValueError(arm)
    clf = fit_classifier(X_fit, y_fit, clf_cfg, device, seed, class_weights=weights, **fit_kw)
    if arm in ("none", "reweight"):
        cache[(f"{arm}-clf", seed)] = clf
    times["clf_s"] = clf.train_seconds
    t = time.perf_counter()
    y_pred = clf.predict(X_te)
    times["predict_s"] = time.perf_counter() - t
    times["total_s"] = time.perf_counter() - t_arm
    row = {"arm": arm, "seed": seed, **compute_metrics(y_te, y_pred, groups),
           "n_train": int(len(y_fit)), "n_synthetic": int(len(y_fit) - len(y_tr)),
           "clf_steps": int(clf.n_steps), "times": times, **extra}
    log(f"[{arm} seed {seed}] top1 {row['top1']:.4f} few {row['few']:.4f} "
        f"n_train {row['n_train']} times {({k: round(v, 1) for k, v in times.items()})}")
    return row


# ---------------------------------------------------------------------- sklearn track --
def run_sklearn_arm(arm: str, seed: int, Z_tr: np.ndarray, y_tr: np.ndarray, Z_te: np.ndarray,
                    y_te: np.ndarray, strategy: str | dict[int, int], settings: Settings,
                    device: Any, groups: dict[str, list[int]],
                    log: Callable[[str], None]) -> dict[str, Any]:
    """``Pipeline([("aug", sampler), ("clf", SVC())])`` on PCA features; one result row.

    Parameters are those of :func:`run_torch_arm`, with PCA features ``Z_tr`` and
    ``Z_te`` in place of images and no classifier settings or cache.

    Returns
    -------
    row : dict
    """
    from imblearn.pipeline import Pipeline
    from sklearn.svm import SVC

    extra: dict = {}
    counts = np.bincount(y_tr, minlength=10)
    if arm == "none":
        model = SVC()
    elif arm == "reweight":
        model = SVC(class_weight="balanced")
    else:
        if arm in ("ros", "rose", "smote"):
            sampler, info = classic_sampler(arm, strategy, counts, seed)
            extra.update(info)
        else:
            sampler, kw, dropped = _make_augmenter(arm, strategy, settings, len(y_tr), seed,
                                                   device, image=False)
            extra["gan_params"] = {k: v for k, v in kw.items() if k != "device"}
        model = Pipeline([("aug", sampler), ("clf", SVC())])
    t = time.perf_counter()
    model.fit(Z_tr, y_tr)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    y_pred = model.predict(Z_te)
    times = {"pipeline_fit_s": fit_s, "predict_s": time.perf_counter() - t}
    times["total_s"] = times["pipeline_fit_s"] + times["predict_s"]
    n_fit = len(y_tr)
    if hasattr(model, "named_steps"):
        n_fit += int(sum(model.named_steps["aug"].sampling_strategy_.values()))
    row = {"arm": arm, "seed": seed, **compute_metrics(y_te, y_pred, groups),
           "n_train": n_fit, "times": times, **extra}
    log(f"[sklearn {arm} seed {seed}] top1 {row['top1']:.4f} times "
        f"{({k: round(v, 1) for k, v in times.items()})}")
    return row



"""CIFAR-10 downstream benchmark: does GAN oversampling make a classifier better?

Run ``python -m benchmarks.cifar10 --help``. Every arm trains the same classifier
(``benchmarks/classifier.py``, or an SVC on PCA features with ``--track sklearn``) with
the same budget and seeds on a differently composed training set, and is tested on the
full, balanced CIFAR-10 test set. Arms:

- ``none``: the training split as it is.
- ``ros``: imbalanced-learn ``RandomOverSampler``.
- ``smote``: imbalanced-learn ``SMOTE`` on flattened pixels (rounded back to uint8).
- ``reweight``: no new rows; class-balanced loss weights (effective number of samples,
  beta=0.9999, Cui et al. 2019, scaled to mean 1 over the training rows; the sklearn track
  uses ``SVC(class_weight="balanced")``).
- ``drw``: deferred re-weighting (Cao et al. 2019): the same class-balanced weights,
  switched on for the last 20 % of the classifier's steps (torch track only).
- ``mixup``: mixup (Zhang et al. 2018, alpha 1) on the training split as it is, with DRW
  as in ``drw`` (Mixup-DRW, the strongest classical recipe in the published LT tables;
  torch track only).
- ``gan``: ``GANAugmenter``, one unconditional GAN per class.
- ``cgan``: ``ConditionalGANAugmenter``, one class-conditional GAN.
- ``cgan+filter``: the same fitted cGAN; synthetic images are kept only when the
  ``reweight`` arm's classifier (``--filter-with``; trained on the real training split,
  same seed) assigns them to their class,
  generating more until the counts are filled (after ``--filter-rounds`` rounds the rest
  is filled with the rejected images that classifier scores highest for their class).

All over-samplers get the same ``sampling_strategy``: 'auto' (every class up to the
largest) for long-tailed protocols, and ``--low-data-multiplier`` times each class for
the balanced low-data ones. The GANs see only the training split.

Outputs (in ``--out``): ``cifar10_<track>_<protocol>[_smoke].json`` (every run, summary,
paired comparisons, configuration, versions, device), a markdown table ``.md`` and a bar
chart ``.png`` with error bars.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PROTOCOLS: dict[str, tuple[str, float | None]] = {
    "lt100": ("lt", 100.0),
    "lt10": ("lt", 10.0),
    "frac0.1": ("frac", 0.1),
    "frac0.2": ("frac", 0.2),
    "full": ("full", None),
}
ARMS = ("none", "ros", "smote", "reweight", "drw", "mixup", "gan", "cgan", "cgan+filter")
CLASSIC = ("ros", "smote", "reweight", "drw", "mixup")
TORCH_ONLY = ("drw", "mixup")
DRW_FROM = 0.8  # share of classifier steps before the class weights switch on
MIXUP_ALPHA = 1.0
METRICS = ("top1", "balanced_accuracy", "macro_f1", "many", "medium", "few")
CB_BETA = 0.9999  # class-balanced loss: effective number of samples (Cui et al. 2019)


# --------------------------------------------------------------------------- settings --
@dataclass
class GANSettings:
    """Settings shared by the ``gan`` and ``cgan`` arms (one training budget for both)."""

    steps: int = 20_000  # generator steps of the cGAN; converted to epochs of the split
    batch_size: int = 128  # images per D and G step
    width: int = 128  # generator / discriminator channels
    latent_dim: int = 128
    lr: float = 2e-4  # Adam lr of G and D
    betas: tuple[float, float] = (0.0, 0.999)
    d_steps: int = 2  # D steps per G step
    lecam_weight: float = 0.1
    gsr_weight: float = 0.5  # group spectral regularisation (used if the augmenter has it)
    diffaug: str = "translation,cutout"
    ema_decay: float = 0.999
    # seconds of GAN training per arm and seed (whichever of steps / budget ends first;
    # the per-class GANs of `gan` share it equally), used if the augmenter has it
    time_budget: float | None = 480.0
    n_jobs: int | None = None  # per-class GANs in parallel (GANAugmenter)
    compile: bool = False
    tabular_epochs: int = 300  # sklearn track: epochs of the tabular GANs
    tabular_width: int | None = None  # sklearn track: MLP width (None: augmenter default)


@dataclass
class Settings:
    """Everything that defines one benchmark invocation besides the arms and seeds."""

    protocol: str = "lt100"
    track: str = "torch"
    smoke: bool = False
    fake_data: bool = False
    device: str = "auto"
    pool_per_class: int | None = None  # subsample the training pool first (None: all)
    test_per_class: int | None = None  # subsample the test set (None: all 10,000)
    low_data_multiplier: float = 2.0  # frac protocols: grow every class to this x its size
    target_per_class: int | None = None  # overrides the sampling strategy
    filter_rounds: int = 4
    filter_with: str = "reweight"  # the real-data classifier that filters: none or reweight
    filter_oversample: float = 2.0  # candidates drawn per missing image in a round
    pca_components: int = 64  # sklearn track
    sklearn_pool_per_class: int = 500  # sklearn track: pool per class before the protocol
    gan: GANSettings = field(default_factory=GANSettings)


# ------------------------------------------------------------------------------- data --
def make_fake_cifar(n_train_per_class: int, n_test_per_class: int, n_classes: int = 10,
                    seed: int = 0):
    """A tiny CIFAR-like stand-in: 32x32x3 uint8 images whose class sets colour and stripes.

    Parameters
    ----------
    n_train_per_class, n_test_per_class : int
        Images per class in the training and test sets.
    n_classes : int, default=10
    seed : int, default=0
        Seed of a local numpy Generator.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuples of ndarray
    """
    rng = np.random.default_rng(seed)
    palette = rng.uniform(40, 215, size=(n_classes, 3))
    yy, xx = np.mgrid[0:32, 0:32]

    def make(n_per: int):
        X, y = [], []
        for c in range(n_classes):
            freq = 1 + c % 5
            angle = (c // 5) * np.pi / 2
            wave = np.sin(2 * np.pi * freq * (np.cos(angle) * xx + np.sin(angle) * yy) / 32)
            for _ in range(n_per):
                phase = rng.uniform(0, 2 * np.pi)
                w = np.sin(np.arcsin(np.clip(wave, -1, 1)) + phase)
                img = palette[c] + 40 * w[..., None] + rng.normal(0, 25, size=(32, 32, 3))
                X.append(np.clip(img, 0, 255).astype(np.uint8))
                y.append(c)
        return np.stack(X), np.asarray(y, dtype=np.int64)

    return make(n_train_per_class), make(n_test_per_class)


def _subsample_per_class(X, y, k: int | None, seed: int = 0):
    if k is None:
        return X, y
    rs = np.random.RandomState(seed)
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        keep.append(np.sort(rs.permutation(idx)[:k]))
    idx = np.concatenate(keep)
    return X[idx], y[idx]


def _encode_images(X: np.ndarray, preset: int) -> np.ndarray:
    """Row-delta (mod 256) then lzma: lossless, ~60 % of raw size for CIFAR images."""
    import lzma

    delta = np.diff(X, axis=2, prepend=np.zeros_like(X[:, :, :1]))
    return np.frombuffer(lzma.compress(delta.tobytes(), preset=preset), dtype=np.uint8)


def _decode_images(blob: np.ndarray, shape) -> np.ndarray:
    import lzma

    delta = np.frombuffer(lzma.decompress(blob.tobytes()), dtype=np.uint8).reshape(shape)
    return np.cumsum(delta, axis=2, dtype=np.uint8)


def pack_data(settings: Settings, data_dir: str | None, path: str | Path,
              preset: int = 3) -> Path:
    """Write the protocol's training split and the test set into one compact file.

    For machines the CIFAR-10 folder cannot reach (e.g. a lent GPU that receives at most
    64 MiB): pass the file as ``--data-dir FILE`` there. Images are stored losslessly.

    Parameters
    ----------
    settings : Settings
        Protocol, ``pool_per_class`` and ``test_per_class`` decide what is stored.
    data_dir : str or None
        Where CIFAR-10 is (as for ``--data-dir``).
    path : str or Path
        The ``.npz`` file to write.
    preset : int, default=3
        lzma preset (higher: smaller and much slower).

    Returns
    -------
    path : Path
    """
    (X_tr, y_tr), (X_te, y_te), info = load_data(settings, data_dir)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez(f, protocol=np.array(settings.protocol), info=np.array(json.dumps(info)),
                 X_train=_encode_images(X_tr, preset), X_train_shape=np.array(X_tr.shape),
                 y_train=y_tr, X_test=_encode_images(X_te, preset),
                 X_test_shape=np.array(X_te.shape), y_test=y_te)
    return path


def _load_packed(settings: Settings, path: str):
    with np.load(path) as z:
        protocol = str(z["protocol"])
        if protocol != settings.protocol:
            raise ValueError(f"{path} holds protocol {protocol!r}, not {settings.protocol!r}")
        info = json.loads(str(z["info"]))
        X_tr = _decode_images(z["X_train"], tuple(z["X_train_shape"]))
        X_te = _decode_images(z["X_test"], tuple(z["X_test_shape"]))
        y_tr, y_te = z["y_train"].astype(np.int64), z["y_test"].astype(np.int64)
    info["source"] = f"{info['source']} (packed file {Path(path).name})"
    return (X_tr, y_tr), (X_te, y_te), info


def load_data(settings: Settings, data_dir: str | None):
    """Training split of the protocol and the (balanced) test set, plus provenance.

    Returns
    -------
    (X_train, y_train), (X_test, y_test), info : arrays (uint8 NHWC, int64) and a dict
    """
    from ganaug.datasets import load_cifar10, make_long_tailed, make_low_data

    if data_dir is not None and str(data_dir).endswith(".npz"):
        if settings.track != "torch":
            raise ValueError("packed data files serve the torch track only")
        return _load_packed(settings, str(data_dir))
    info: dict = {}
    cifar = None
    if not settings.fake_data:
        try:
            cifar = load_cifar10(data_dir, download_if_missing=not settings.smoke)
            info["source"] = "cifar10"
        except FileNotFoundError:
            if not settings.smoke:
                raise
    if cifar is None:
        n_tr = settings.pool_per_class or 200
        n_te = settings.test_per_class or 20
        cifar = make_fake_cifar(n_tr, n_te)
        info["source"] = "fake (synthetic stripes, benchmarks.cifar10.make_fake_cifar)"
    (X_pool, y_pool), (X_test, y_test) = cifar
    X_pool, y_pool = _subsample_per_class(X_pool, y_pool, settings.pool_per_class)
    X_test, y_test = _subsample_per_class(X_test, y_test, settings.test_per_class)
    kind, value = PROTOCOLS[settings.protocol]
    if settings.track == "sklearn":
        X_pool, y_pool = _subsample_per_class(X_pool, y_pool, settings.sklearn_pool_per_class)
    if kind == "lt":
        X_tr, y_tr = make_long_tailed(X_pool, y_pool, value, random_state=0)
    elif kind == "frac":
        X_tr, y_tr = make_low_data(X_pool, y_pool, value, random_state=0)
    else:
        X_tr, y_tr = X_pool, y_pool
    info.update(
        pool_size=int(len(y_pool)),
        train_counts=np.bincount(y_tr, minlength=10).tolist(),
        test_counts=np.bincount(y_test, minlength=10).tolist(),
        split_seed=0,
    )
    return (X_tr, y_tr), (X_test, y_test), info


def class_groups(train_counts, n_many: int = 3, n_few: int = 3) -> dict[str, list[int]]:
    """Many / medium / few-shot classes by training-count rank.

    The ``n_many`` classes with the most training images are 'many', the ``n_few`` with
    the fewest are 'few', the rest 'medium' (ties broken by class index). On CIFAR-10-LT
    ratio 100 this is many = {5000, 2997, 1796}, medium = {1077, 645, 387, 232},
    few = {139, 83, 50}.
    """
    order = sorted(range(len(train_counts)), key=lambda c: (-train_counts[c], c))
    return {
        "many": sorted(order[:n_many]),
        "medium": sorted(order[n_many:len(order) - n_few]),
        "few": sorted(order[len(order) - n_few:]),
    }


def sampling_strategy_for(settings: Settings, counts: list[int]):
    """The one ``sampling_strategy`` all over-samplers get (str or dict of totals)."""
    if settings.target_per_class is not None:
        return {c: max(int(settings.target_per_class), n) for c, n in enumerate(counts)}
    kind, _ = PROTOCOLS[settings.protocol]
    if kind == "frac":
        return {c: int(round(settings.low_data_multiplier * n)) for c, n in enumerate(counts)}
    return "auto"


def class_balanced_weights(counts, beta: float = CB_BETA) -> np.ndarray:
    """Class-balanced loss weights ``(1 - beta) / (1 - beta**n_c)``, mean 1 over rows."""
    counts = np.asarray(counts, dtype=np.float64)
    w = (1.0 - beta) / (1.0 - np.power(beta, np.maximum(counts, 1)))
    return (w / (w * counts).sum() * counts.sum()).astype(np.float32)


# --------------------------------------------------------------------------- metrics --
def compute_metrics(y_true, y_pred, groups: dict[str, list[int]], n_classes: int = 10) -> dict:
    """Top-1, balanced accuracy, macro-F1, per-class recall, many/medium/few accuracy."""
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
        kw = dict(epochs=g.tabular_epochs)
        if g.tabular_width is not None:
            kw["width"] = g.tabular_width
    kw.update(device=str(device), random_state=seed, n_jobs=g.n_jobs)
    return kw


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


def filtered_sample(aug, need: dict[int, int], proba_fn, rounds: int, oversample: float,
                    n_classes: int = 10):
    """Synthetic images the filter classifier assigns to their class, exact counts.

    Each round draws ``oversample`` times the missing count of every class and keeps the
    accepted images; after ``rounds`` rounds the remaining places are filled with the
    rejected candidates that have the highest probability of their class.

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


def run_torch_arm(arm, seed, X_tr, y_tr, X_te, y_te, strategy, settings, clf_cfg, device,
                  groups, cache: dict, log) -> dict:
    """Build the arm's training set, train the classifier, test it; one result row."""
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    from .classifier import FastClassifier

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
        ros = RandomOverSampler(sampling_strategy=strategy, random_state=seed)
        idx = np.arange(len(y_tr))[:, None]
        idx_res, y_fit = ros.fit_resample(idx, y_tr)
        X_fit = X_tr[idx_res[:, 0]]
        times["sample_s"] = time.perf_counter() - t
    elif arm == "smote":
        t = time.perf_counter()
        k = int(max(1, min(5, counts[counts > 0].min() - 1)))
        sm = SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
        Xf, y_fit = sm.fit_resample(X_tr.reshape(len(X_tr), -1).astype(np.float32), y_tr)
        X_fit = np.clip(np.rint(Xf), 0, 255).astype(np.uint8).reshape(-1, *X_tr.shape[1:])
        times["sample_s"] = time.perf_counter() - t
        extra["k_neighbors"] = k
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
        hist = aug.history_
        done = ({str(c): len(h.get("d_loss", [])) for c, h in hist.items()} if base == "gan"
                else len(hist.get("d_loss", [])))
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
                filt = FastClassifier(10, clf_cfg, device, seed).fit(X_tr, y_tr, w)
                cache[(f"{settings.filter_with}-clf", seed)] = filt
                times["filter_clf_s"] = filt.train_seconds_
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
    clf = FastClassifier(10, clf_cfg, device, seed).fit(X_fit, y_fit, class_weights=weights,
                                                        **fit_kw)
    if arm in ("none", "reweight"):
        cache[(f"{arm}-clf", seed)] = clf
    times["clf_s"] = clf.train_seconds_
    t = time.perf_counter()
    y_pred = clf.predict(X_te)
    times["predict_s"] = time.perf_counter() - t
    times["total_s"] = time.perf_counter() - t_arm
    row = {"arm": arm, "seed": seed, **compute_metrics(y_te, y_pred, groups),
           "n_train": int(len(y_fit)), "n_synthetic": int(len(y_fit) - len(y_tr)),
           "clf_steps": int(clf.n_steps_), "times": times, **extra}
    log(f"[{arm} seed {seed}] top1 {row['top1']:.4f} few {row['few']:.4f} "
        f"n_train {row['n_train']} times {({k: round(v, 1) for k, v in times.items()})}")
    return row


# ---------------------------------------------------------------------- sklearn track --
def run_sklearn_arm(arm, seed, Z_tr, y_tr, Z_te, y_te, strategy, settings, device, groups,
                    log) -> dict:
    """``Pipeline([("aug", sampler), ("clf", SVC())])`` on PCA features; one result row."""
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.pipeline import Pipeline
    from sklearn.svm import SVC

    extra: dict = {}
    counts = np.bincount(y_tr, minlength=10)
    if arm == "none":
        model = SVC()
    elif arm == "reweight":
        model = SVC(class_weight="balanced")
    else:
        if arm == "ros":
            sampler = RandomOverSampler(sampling_strategy=strategy, random_state=seed)
        elif arm == "smote":
            k = int(max(1, min(5, counts[counts > 0].min() - 1)))
            sampler = SMOTE(sampling_strategy=strategy, k_neighbors=k, random_state=seed)
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


# --------------------------------------------------------------------------- summary --
def summarise(runs: list[dict], arms: list[str]) -> tuple[dict, dict]:
    """Per-arm mean ± std and paired differences vs ``none`` and the best classic arm."""
    from .stats import mean_std, paired_difference

    by_arm = {a: sorted((r for r in runs if r["arm"] == a), key=lambda r: r["seed"])
              for a in arms}
    summary = {}
    for a, rs in by_arm.items():
        s = {m: mean_std([r[m] for r in rs if r[m] is not None]) for m in METRICS}
        s["per_class_recall"] = [mean_std([r["per_class_recall"][c] for r in rs])["mean"]
                                 for c in range(10)] if rs else []
        tkeys = sorted({k for r in rs for k in r["times"]})
        s["times"] = {k: mean_std([r["times"][k] for r in rs if k in r["times"]])
                      for k in tkeys}
        summary[a] = s

    def diffs(ref: str) -> dict:
        out = {}
        ref_by_seed = {r["seed"]: r for r in by_arm[ref]}
        for a in arms:
            if a == ref:
                continue
            pairs = [(r, ref_by_seed[r["seed"]]) for r in by_arm[a] if r["seed"] in ref_by_seed]
            out[a] = {m: paired_difference([p[0][m] for p in pairs], [p[1][m] for p in pairs])
                      for m in ("top1", "macro_f1", "few")}
        return out

    comparisons: dict = {}
    if "none" in by_arm:
        comparisons["vs_none"] = diffs("none")
    classic = [a for a in arms if a in CLASSIC]
    if classic:
        best = max(classic, key=lambda a: summary[a]["top1"]["mean"])
        comparisons["best_classic"] = best
        comparisons["vs_best_classic"] = diffs(best)
    return summary, comparisons


def _fmt(s: dict | None, scale: float = 100.0, digits: int = 1) -> str:
    if not s or s.get("mean") is None:
        return "–"
    m = s["mean"] * scale
    if s.get("std") is None:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {s['std'] * scale:.{digits}f}"


def _fmt_diff(d: dict | None) -> str:
    if not d or d.get("mean") is None:
        return "–"
    m = d["mean"] * 100
    if d.get("ci_low") is None:
        return f"{m:+.1f} (n={d['n']}, no CI)"
    mark = " *" if d["ci_low"] > 0 or d["ci_high"] < 0 else ""
    return f"{m:+.1f} [{d['ci_low'] * 100:+.1f}, {d['ci_high'] * 100:+.1f}]{mark}"


def markdown_report(result: dict) -> str:
    """The markdown table (and header) of one result JSON."""
    s, comp, arms = result["summary"], result["comparisons"], result["arms"]
    best = comp.get("best_classic")
    torch_track = result["track"] == "torch"
    lines = [
        f"# CIFAR-10 benchmark: protocol `{result['protocol']}`, track `{result['track']}`"
        + (" (smoke)" if result["smoke"] else ""),
        "",
        f"- date: {result['created']}; device: {result['device']}; git: {result['git']}",
        f"- command: `{result['command']}`" + (
            f" (merged from {len(result['merged_from'])} runs: "
            + "; ".join(f"`{m['command']}`" for m in result["merged_from"]) + ")"
            if result.get("merged_from") else ""),
        f"- data: {result['data']['source']}; training counts per class "
        f"{result['data']['train_counts']}; test counts {result['data']['test_counts']}",
        f"- seeds: {result['seeds']}; sampling_strategy: {result['sampling_strategy']}",
        f"- many / medium / few classes (by training count): {result['groups']}",
        "",
        "Accuracies in %, mean ± std over seeds. Δ: mean paired difference of top-1 "
        "(percentage points) with a 95 % t-interval over seeds; * marks an interval that "
        "excludes 0." + (f" Best classic arm: `{best}`." if best else ""),
        "",
    ]
    tcols = (["GAN fit s", "sample s", "clf s"] if torch_track
             else ["pipeline fit s", "predict s"])
    tkeys = ["gan_fit_s", "sample_s", "clf_s"] if torch_track else ["pipeline_fit_s",
                                                                    "predict_s"]
    head = ["arm", "top-1 (= bal. acc.)", "macro-F1", "many", "medium", "few",
            "Δ vs none", f"Δ vs best classic ({best})" if best else "Δ vs best classic",
            *tcols]
    lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for a in arms:
        row = s[a]
        times = [_fmt(row["times"].get(k), scale=1.0) for k in tkeys]
        lines.append("| " + " | ".join([
            f"`{a}`", _fmt(row["top1"]), _fmt(row["macro_f1"]), _fmt(row["many"]),
            _fmt(row["medium"]), _fmt(row["few"]),
            "–" if a == "none" else _fmt_diff(comp.get("vs_none", {}).get(a, {}).get("top1")),
            "–" if a == best else _fmt_diff(
                comp.get("vs_best_classic", {}).get(a, {}).get("top1")),
            *times,
        ]) + " |")
    lines.append("")
    return "\n".join(lines)


# ------------------------------------------------------------------------------ main --
def _git_describe() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root,
                             capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "benchmarks", "ganaug"],
                               cwd=root, capture_output=True, text=True, timeout=10).stdout
        return sha + ("+dirty" if dirty.strip() else "") if sha else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _device_name(device) -> str:
    import torch

    if device.type == "cuda":
        return f"cuda: {torch.cuda.get_device_name(device)}"
    return f"{device.type}: {platform.processor() or platform.machine()}, " \
           f"{torch.get_num_threads()} torch threads"


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface of ``python -m benchmarks.cifar10``."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.cifar10",
        description="CIFAR-10 long-tailed / low-data downstream benchmark of GAN oversampling.",
    )
    p.add_argument("--protocol", choices=sorted(PROTOCOLS), default="lt100")
    p.add_argument("--methods", default="none,ros,smote,reweight,gan,cgan",
                   help=f"comma list of arms from {','.join(ARMS)}")
    p.add_argument("--seeds", type=int, default=None,
                   help="number of seeds (offset, offset + 1, ...); default 5 (smoke: 1)")
    p.add_argument("--seed-offset", type=int, default=0)
    p.add_argument("--data-dir", default=os.environ.get("GANAUG_DATA"),
                   help="folder with cifar-10-batches-py/ (default: $GANAUG_DATA)")
    p.add_argument("--out", default="benchmarks/results/cifar10")
    p.add_argument("--track", choices=("torch", "sklearn"), default="torch")
    p.add_argument("--smoke", action="store_true",
                   help="a few hundred images, tiny models, one seed (CPU, minutes)")
    p.add_argument("--fake-data", action="store_true",
                   help="use a synthetic CIFAR-like array instead of CIFAR-10")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--compile", action="store_true", help="torch.compile classifier and GANs")
    g = p.add_argument_group("classifier")
    g.add_argument("--clf-examples", type=int, default=None,
                   help="training examples seen per fit, same for every arm (default 500000)")
    g.add_argument("--clf-batch-size", type=int, default=None)
    g.add_argument("--clf-widths", default=None, help="e.g. 64,256,256")
    g.add_argument("--clf-tta", type=int, choices=(0, 1, 2), default=None)
    g = p.add_argument_group("GAN arms")
    g.add_argument("--gan-steps", type=int, default=None, help="cGAN generator steps")
    g.add_argument("--gan-batch-size", type=int, default=None)
    g.add_argument("--gan-width", type=int, default=None)
    g.add_argument("--gan-latent", type=int, default=None)
    g.add_argument("--gan-d-steps", type=int, default=None)
    g.add_argument("--gan-lecam", type=float, default=None)
    g.add_argument("--gan-gsr", type=float, default=None)
    g.add_argument("--gan-time-budget", type=float, default=None, help="seconds per GAN fit")
    g.add_argument("--gan-n-jobs", type=int, default=None)
    g.add_argument("--tabular-epochs", type=int, default=None, help="sklearn track GAN epochs")
    g = p.add_argument_group("protocol details")
    g.add_argument("--target-per-class", type=int, default=None)
    g.add_argument("--low-data-multiplier", type=float, default=2.0)
    g.add_argument("--pool-per-class", type=int, default=None,
                   help="subsample each class of the training pool first")
    g.add_argument("--test-per-class", type=int, default=None)
    g.add_argument("--filter-rounds", type=int, default=None, help="default 4 (smoke 2)")
    g.add_argument("--filter-with", choices=("reweight", "none"), default="reweight",
                   help="cgan+filter: the arm whose classifier (trained on the real split, "
                        "same seed) filters the synthetic images")
    g.add_argument("--pca-components", type=int, default=None)
    g.add_argument("--sklearn-pool-per-class", type=int, default=None)
    p.add_argument("--pack", default=None, metavar="FILE.npz",
                   help="only write the protocol's training split and the test set into "
                        "FILE.npz (lossless, compact) for use as --data-dir FILE.npz")
    p.add_argument("--pack-preset", type=int, default=3, choices=range(10), metavar="0-9",
                   help="lzma preset of --pack (9: smallest, slowest)")
    p.add_argument("--tag", default=None, help="suffix of the output file names")
    p.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                   help="only merge these result files (runs of other seeds/arms) into "
                        "one result in --out (name from --tag, default 'merged')")
    p.add_argument("--quiet", action="store_true")
    return p


def _settings_from_args(a) -> tuple[Settings, object]:
    from .classifier import ClassifierConfig

    s = Settings(protocol=a.protocol, track=a.track, smoke=a.smoke, fake_data=a.fake_data,
                 device=a.device, low_data_multiplier=a.low_data_multiplier,
                 target_per_class=a.target_per_class, filter_with=a.filter_with)
    clf = ClassifierConfig()
    if a.smoke:
        s.pool_per_class, s.test_per_class = 200, 20
        s.pca_components, s.sklearn_pool_per_class = 16, 200
        s.filter_rounds, s.filter_oversample = 2, 1.5
        s.gan = GANSettings(steps=8, batch_size=32, width=8, latent_dim=16, d_steps=1,
                            time_budget=None, tabular_epochs=2, tabular_width=16)
        clf = ClassifierConfig(widths=(8, 16, 16), train_examples=512, batch_size=64, tta=1,
                               eval_batch_size=500)
    s.filter_rounds = a.filter_rounds or s.filter_rounds
    s.pool_per_class = a.pool_per_class or s.pool_per_class
    s.test_per_class = a.test_per_class or s.test_per_class
    s.pca_components = a.pca_components or s.pca_components
    s.sklearn_pool_per_class = a.sklearn_pool_per_class or s.sklearn_pool_per_class
    g = s.gan
    for name, attr in [("gan_steps", "steps"), ("gan_batch_size", "batch_size"),
                       ("gan_width", "width"), ("gan_latent", "latent_dim"),
                       ("gan_d_steps", "d_steps"), ("gan_lecam", "lecam_weight"),
                       ("gan_gsr", "gsr_weight"), ("gan_time_budget", "time_budget"),
                       ("gan_n_jobs", "n_jobs"), ("tabular_epochs", "tabular_epochs")]:
        if getattr(a, name) is not None:
            setattr(g, attr, getattr(a, name))
    g.compile = a.compile
    if a.clf_examples is not None:
        clf.train_examples = a.clf_examples
    if a.clf_batch_size is not None:
        clf.batch_size = a.clf_batch_size
    if a.clf_widths is not None:
        clf.widths = tuple(int(v) for v in a.clf_widths.split(","))
    if a.clf_tta is not None:
        clf.tta = a.clf_tta
    clf.compile = a.compile
    return s, clf


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write JSON, markdown and PNG; returns an exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Command-line arguments (None: ``sys.argv[1:]``); see ``--help``.

    Returns
    -------
    status : int
        0 on success, 2 on invalid arguments.
    """
    parser = build_parser()
    a = parser.parse_args(argv)
    if a.merge:
        merged = merge_results([json.loads(Path(f).read_text()) for f in a.merge])
        stem = (f"cifar10_{merged['track']}_{merged['protocol']}"
                + ("_smoke" if merged["smoke"] else "") + f"_{a.tag or 'merged'}")
        paths = write_outputs(merged, Path(a.out), stem)
        if not a.quiet:
            print(markdown_report(merged))
            print(f"wrote {paths[0]}", file=sys.stderr)
        return 0
    arms = [m.strip() for m in a.methods.split(",") if m.strip()]
    bad = [m for m in arms if m not in ARMS]
    if bad:
        parser.error(f"unknown arm(s) {bad}; choose from {list(ARMS)}")
    if a.track == "sklearn" and any(m in TORCH_ONLY for m in arms):
        parser.error(f"arms {list(TORCH_ONLY)} train the torch classifier: use --track torch")
    if a.protocol == "full" and arms != ["none"]:
        parser.error("protocol 'full' (the classifier check) takes --methods none only")
    arms = [m for m in ARMS if m in arms]  # canonical order: none first, cgan before filter
    import torch

    from ganaug._device import resolve_device

    s, clf_cfg = _settings_from_args(a)
    if a.pack:
        path = pack_data(s, a.data_dir, a.pack, preset=a.pack_preset)
        print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)", file=sys.stderr)
        return 0
    n_seeds = a.seeds if a.seeds is not None else (1 if a.smoke else 5)
    if n_seeds < 1:
        parser.error("--seeds must be at least 1")
    seeds = list(range(a.seed_offset, a.seed_offset + n_seeds))
    if a.threads:
        torch.set_num_threads(a.threads)
    device = resolve_device(a.device)
    log = (lambda msg: None) if a.quiet else (lambda msg: print(msg, file=sys.stderr,
                                                                 flush=True))
    skipped: dict[str, str] = {}
    if s.track == "sklearn" and "cgan+filter" in arms:
        arms.remove("cgan+filter")
        skipped["cgan+filter"] = "not part of the sklearn track (no Pipeline step for it)"

    (X_tr, y_tr), (X_te, y_te), info = load_data(s, a.data_dir)
    counts = np.bincount(y_tr, minlength=10).tolist()
    groups = class_groups(counts)
    strategy = sampling_strategy_for(s, counts)
    log(f"protocol {a.protocol} ({info['source']}): train {len(y_tr)} {counts}, "
        f"test {len(y_te)}, device {device}, arms {arms}, seeds {seeds}")

    runs: list[dict] = []
    t0 = time.perf_counter()
    if s.track == "torch":
        if device.type == "cuda":  # warm-up: cuDNN autotuning / compilation off the clock
            from .classifier import ClassifierConfig, FastClassifier

            warm = ClassifierConfig(**{**clf_cfg.to_dict(), "widths": clf_cfg.widths,
                                       "train_examples": 3 * clf_cfg.batch_size})
            FastClassifier(10, warm, device, 0).fit(X_tr, y_tr).predict(X_te[:100])
        cache: dict = {}
        for seed in seeds:
            for arm in arms:
                runs.append(run_torch_arm(arm, seed, X_tr, y_tr, X_te, y_te, strategy, s,
                                          clf_cfg, device, groups, cache, log))
            cache.clear()
    else:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=s.pca_components, random_state=0)
        Z_tr = pca.fit_transform(X_tr.reshape(len(X_tr), -1) / 255.0)
        Z_te = pca.transform(X_te.reshape(len(X_te), -1) / 255.0)
        info["pca_explained_variance"] = float(pca.explained_variance_ratio_.sum())
        for seed in seeds:
            for arm in arms:
                runs.append(run_sklearn_arm(arm, seed, Z_tr, y_tr, Z_te, y_te, strategy, s,
                                            device, groups, log))
    elapsed = time.perf_counter() - t0
    summary, comparisons = summarise(runs, arms)

    from dataclasses import asdict

    import ganaug

    cfg = {"settings": {k: v for k, v in asdict(s).items() if k != "gan"},
           "gan": asdict(s.gan)}
    if s.track == "torch":
        cfg["classifier"] = clf_cfg.to_dict()
    result = {
        "benchmark": "cifar10",
        "schema_version": 1,
        "track": s.track,
        "protocol": a.protocol,
        "smoke": bool(a.smoke),
        "created": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python -m benchmarks.cifar10 " + " ".join(
            sys.argv[1:] if argv is None else argv),
        "git": _git_describe(),
        "device": _device_name(device),
        "versions": {"ganaug": ganaug.__version__, "torch": torch.__version__,
                     "python": platform.python_version(), "numpy": np.__version__},
        "seeds": seeds,
        "arms": arms,
        "skipped_arms": skipped,
        "sampling_strategy": strategy if isinstance(strategy, str) else {
            str(k): v for k, v in strategy.items()},
        "groups": groups,
        "data": info,
        "config": cfg,
        "elapsed_s": elapsed,
        "runs": runs,
        "summary": summary,
        "comparisons": comparisons,
    }
    stem = f"cifar10_{s.track}_{a.protocol}" + ("_smoke" if a.smoke else "")
    paths = write_outputs(result, Path(a.out), stem + (f"_{a.tag}" if a.tag else ""))
    log(f"wrote {paths[0]} (+ .md, .png) in {elapsed:.0f} s")
    if not a.quiet:
        print(markdown_report(result))
    return 0


def write_outputs(result: dict, out: Path, stem: str) -> list[Path]:
    """Write ``<stem>.json``, ``<stem>.md`` and the bar chart ``<stem>.png`` into ``out``.

    Parameters
    ----------
    result : dict
        A result as built by :func:`main` (or :func:`merge_results`).
    out : Path
        Output folder (created if missing).
    stem : str
        File name without suffix.

    Returns
    -------
    paths : list of Path
        The files written.
    """
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / f"{stem}.json", out / f"{stem}.md"]
    paths[0].write_text(json.dumps(result, indent=1, default=_json_default))
    paths[1].write_text(markdown_report(result))
    arms, summary = result["arms"], result["summary"]
    try:
        from ganaug.plotting import save_bar_chart

        cats = ["top1", "many", "medium", "few"]
        paths.append(save_bar_chart(
            {arm: [summary[arm][m]["mean"] or 0.0 for m in cats] for arm in arms},
            cats, out / f"{stem}.png",
            errors={arm: [summary[arm][m]["std"] or 0.0 for m in cats] for arm in arms},
            ylabel="accuracy on the balanced test set",
            title=f"CIFAR-10 {result['protocol']} ({result['track']}), mean ± std over "
                  f"{len(result['seeds'])} seed(s)",
        ))
    except ImportError as exc:  # pragma: no cover - matplotlib missing
        warnings.warn(f"no bar chart: {exc}", stacklevel=1)
    return paths


def merge_results(results: list[dict]) -> dict:
    """Combine results of one protocol and track run in several invocations.

    Runs are pooled (a later file's (arm, seed) replaces an earlier one), and the
    summary and paired comparisons are recomputed over the union of seeds.

    Parameters
    ----------
    results : list of dict
        Loaded result JSONs with the same ``protocol``, ``track`` and ``smoke``.

    Returns
    -------
    merged : dict
    """
    first = results[0]
    for r in results[1:]:
        for key in ("protocol", "track", "smoke"):
            if r[key] != first[key]:
                raise ValueError(f"cannot merge results with different {key}: "
                                 f"{first[key]!r} vs {r[key]!r}")
    runs: dict = {}
    for r in results:
        for run in r["runs"]:
            runs[(run["arm"], run["seed"])] = run
    arms = [a for a in ARMS if any(k[0] == a for k in runs)]
    merged = dict(first)
    merged["runs"] = [runs[k] for k in sorted(runs, key=lambda k: (k[1], ARMS.index(k[0])))]
    merged["arms"] = arms
    merged["seeds"] = sorted({k[1] for k in runs})
    merged["summary"], merged["comparisons"] = summarise(merged["runs"], arms)
    merged["merged_from"] = [{"command": r["command"], "created": r["created"],
                              "device": r["device"], "git": r["git"]} for r in results]
    merged["elapsed_s"] = sum(r.get("elapsed_s", 0.0) for r in results)
    return merged


def _json_default(o):
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, tuple):
        return list(o)
    return str(o)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

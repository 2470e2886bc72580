"""The one image classifier: ``ganaug.metrics``' feature network and CAS, and the
downstream classifier of the CIFAR-10 benchmark (``ganaug_bench.cifar10``).

The recipe follows airbench (KellerJordan/cifar10-airbench, ``airbench94``), rewritten
from its description: a 2x2 whitening conv initialised from the eigenvectors of the
training patches' covariance, three conv groups (conv-pool-BN-GELU, conv-BN-GELU), max
pool, a linear head with logit scale 1/9; the whole training set lives on the device
(uint8 stays uint8); flips and reflect-padded translations are drawn batched on the
device; label smoothing 0.2; Nesterov SGD on the summed loss (learning rate per 1024
examples), a warm-up/warm-down schedule and lookahead weight averaging; test-time flip
(+ 1-pixel translate) averaging. On CUDA it runs under bf16 autocast in channels_last,
optionally with ``torch.compile``. Options for imbalanced training: per-class loss
weights, deferred re-weighting (DRW) and mixup.

:class:`ClassifierConfig` holds the hyperparameters (it, the network and the batch
augmentation live in ``ganaug.nn.classifier``); :func:`train_classifier` ->
:class:`ImageClassifier`; :func:`classification_accuracy_score` and
:func:`recognition_rate`. All re-exported by ``ganaug.metrics``.

Randomness comes only from local ``torch.Generator`` objects seeded from
``random_state``; weights are initialised from one too (:class:`ganaug.nn.build.seeded_init`),
so global RNG state is never read or changed.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from sklearn.utils import check_random_state
from torch import Tensor, nn

from ._checks import check_images, check_labels, check_number
from ._device import amp_dtype, autocast, resolve_device, torch_defaults
from .data import ImageCodec
from .nn.build import seeded_init
from .nn.classifier import ClassifierConfig, ClassifierNet, augment_batch


# ---------------------------------------------------------------------- device helpers --
def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _autocast(device: torch.device, config: ClassifierConfig):
    return autocast(device, amp_dtype(device, bool(config.mixed_precision)))


# ---------------------------------------------------------------------------- checks --
def _refuse_unknown(classes: np.ndarray, y: np.ndarray, name: str = "y") -> None:
    """Refuse labels the classifier has no output for (they could never be predicted:
    0 % for them, silently; text '0' against int 0 is the common case)."""
    known = set(np.asarray(classes, dtype=object).tolist())
    unknown = [v for v in pd.unique(y.astype(object)) if v not in known]
    if unknown:
        raise ValueError(
            f"{name} holds label(s) {unknown[:5]} the classifier does not know; it was trained "
            f"on classes {np.asarray(classes).tolist()[:20]}. Pass labels of those classes "
            "(of the same type: '0' is not 0), or train it with classes= listing every label."
        )


def _check_test_set(X, y, name: str = "") -> tuple[np.ndarray, np.ndarray]:
    """Images and one label per image (``name`` suffixes the argument names)."""
    X = check_images(X, f"X{name}")
    return X, check_labels(y, f"y{name}", X=X, rows="image", X_name=f"X{name}")


def _bn_values_per_image(in_channels: int, hw: tuple[int, int], widths) -> int:
    """Fewest values per channel one image gives a BatchNorm layer of the network.

    Found by a shape-only pass on the 'meta' device (no memory, no compute, no RNG): a
    training batch of ``b`` images gives each layer ``b`` times this, and BatchNorm
    needs at least 2.
    """
    with torch.random.fork_rng(devices=[]), torch.device("meta"):
        net = ClassifierNet(in_channels, 2, tuple(widths))
    sizes = []
    hooks = [m.register_forward_pre_hook(lambda m, a: sizes.append(a[0][0, 0].numel()))
             for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    net.eval()
    net(torch.empty(1, in_channels, *hw, device="meta"))
    for h in hooks:
        h.remove()
    return min(sizes)


# ------------------------------------------------------------------------ classifier --
@dataclass
class ImageClassifier:
    """A trained :class:`ClassifierNet` with what maps images to its input.

    Attributes
    ----------
    net : ClassifierNet
        The network (lookahead weights, eval mode).
    codec : ImageCodec
        Fitted on the training images: layout and dtype.
    classes : ndarray
        Class labels, aligned with the network's outputs.
    device : torch.device
        Where it runs.
    mean, std : Tensor of shape (1, C, 1, 1)
        Per-channel input normalisation (from the training images).
    config : ClassifierConfig
        The settings it was trained with (``tta``, ``flip``, ``eval_batch_size`` and
        ``mixed_precision`` also apply to inference).
    n_steps : int
        Optimiser steps taken.
    train_seconds : float
        Wall time of training (device synchronised at both ends).
    """

    net: nn.Module
    codec: ImageCodec
    classes: np.ndarray
    device: torch.device
    mean: Tensor
    std: Tensor
    config: ClassifierConfig
    n_steps: int = 0
    train_seconds: float = 0.0

    def _batches(self, X):
        X = check_images(X)
        self.codec.require_compatible(X, "the classifier's")  # else silently wrong
        data = self.codec.to_storage(X)
        bs = self.config.eval_batch_size
        for i in range(0, len(data), bs):
            x = torch.from_numpy(np.ascontiguousarray(data[i : i + bs])).to(self.device)
            x = (x.float() - self.mean) / self.std
            yield x.contiguous(memory_format=torch.channels_last)

    def _tta(self, fn, x: Tensor) -> Tensor:
        """``fn`` averaged over the test-time views: flips (``tta >= 1`` and ``flip``)
        and 1-pixel reflect translations (``tta >= 2``)."""
        level, flip = self.config.tta, self.config.flip

        def mirror(v: Tensor) -> Tensor:
            if level < 1 or not flip:
                return fn(v).float()
            return 0.5 * (fn(v).float() + fn(v.flip(3)).float())

        out = mirror(x)
        if level >= 2:
            xp = F.pad(x, (1, 1, 1, 1), mode="reflect")
            h, w = x.shape[2:]
            shifted = [xp[:, :, :h, :w], xp[:, :, 2:h + 2, 2:w + 2]]
            out = 0.5 * out + 0.25 * sum(mirror(s.contiguous(
                memory_format=torch.channels_last)) for s in shifted)
        return out

    @torch_defaults(grad=False)
    def _run(self, X, fn) -> np.ndarray:
        self.net.eval()
        out = []
        with _autocast(self.device, self.config):
            for x in self._batches(X):
                out.append(self._tta(fn, x).float().cpu())
        return torch.cat(out).numpy()

    def features(self, X) -> np.ndarray:
        """Penultimate features (n, widths[-1]) of images in the training layout,
        averaged over the test-time views.

        Images must have the training images' dtype and shape (size, channels, layout).
        """
        return self._run(X, self.net.features)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, n_classes): softmax of the test-time-averaged logits."""
        return torch.softmax(torch.from_numpy(self._run(X, self.net)), dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        """Predicted labels."""
        return self.classes[self.predict_proba(X).argmax(1)]

    def score(self, X, y) -> float:
        """Accuracy on (X, y).

        ``y`` holds one label per image, all of them among ``classes`` (a label the
        classifier has no output for is refused, not counted as wrong).
        """
        X, y = _check_test_set(X, y)
        _refuse_unknown(self.classes, y)
        return float(np.mean(self.predict(X) == y))


def _loss(out: Tensor, y: Tensor, smoothing: float, weights: Tensor | None) -> Tensor:
    """Per-row cross-entropy, times the class weight of each row's label if given."""
    loss = F.cross_entropy(out, y, label_smoothing=smoothing, reduction="none")
    return loss if weights is None else loss * weights[y]


@torch_defaults(grad=True)
def train_classifier(
    X,
    y,
    *,
    config: ClassifierConfig | None = None,
    classes=None,
    class_weights=None,
    weights_from: float = 0.0,
    mixup_alpha: float = 0.0,
    device="auto",
    random_state=0,
    **options,
) -> ImageClassifier:
    """Train the fast CNN classifier on images (also the default feature network).

    The recipe follows airbench94 (see :class:`ClassifierConfig` for every setting): the
    whole set on the device, flips and translations batched on the device, bf16 autocast
    and channels_last on CUDA, Nesterov SGD on the summed loss, warm-up/warm-down,
    lookahead weight averaging, label smoothing, test-time flip and translate averaging.
    airbench reports 94 % on CIFAR-10 in about 10 epochs; tiny settings run on a CPU.

    Parameters
    ----------
    X : ndarray
        Images: (N, H, W, C), (N, C, H, W) or (N, H, W); uint8 or float (finite); at
        least 4x4. BatchNorm needs 2 values per channel in every layer: a training batch
        (``min(batch_size, N)`` images) must hold 2 images, or 1 larger image (e.g.
        32x32).
    y : array-like of shape (N,)
        Labels, none missing.
    config : ClassifierConfig or None, default=None
        Hyperparameters (None: the defaults).
    classes : array-like or None, default=None
        All class labels, sorted, in the order of the outputs (None: those in ``y``; at
        least 2). Pass it when some class may be missing from ``y``.
    class_weights : array-like of shape (n_classes,) or None, default=None
        Per-class multipliers of the loss (finite, >= 0), aligned with ``classes``.
    weights_from : float, default=0.0
        Share of the training steps after which ``class_weights`` apply (deferred
        re-weighting, DRW, Cao et al. 2019: 0.8 switches them on for the last 20 %),
        in [0, 1].
    mixup_alpha : float, default=0.0
        mixup (Zhang et al. 2018): each batch is blended with a shuffled copy of itself,
        ``lam ~ Beta(alpha, alpha)`` per step, and the loss blends both labels' losses
        with the same ``lam``; 0 turns it off.
    device : str or torch.device, default='auto'
        'auto', 'cpu', 'cuda', ...
    random_state : int, RandomState or None, default=0
        An int seeds weight initialisation and the local generators of batches,
        augmentation and mixup directly; otherwise a seed is drawn from it.
    **options
        :class:`ClassifierConfig` fields overriding ``config`` (e.g. ``epochs=4``,
        ``batch_size=32``, ``widths=(8, 16, 16)``, ``flip=False`` for digits and other
        non-mirror-symmetric images).

    Returns
    -------
    ImageClassifier
    """
    cfg = config or ClassifierConfig()
    unknown = set(options) - {f.name for f in fields(ClassifierConfig)}
    if unknown:
        raise TypeError(f"unknown classifier options: {sorted(unknown)}")
    cfg = replace(cfg, **options)
    check_number("batch_size", cfg.batch_size, 1, integer=True)
    check_number("eval_batch_size", cfg.eval_batch_size, 1, integer=True)
    weights_from = check_number("weights_from", weights_from, 0.0, 1.0)
    mixup_alpha = check_number("mixup_alpha", mixup_alpha, 0.0)
    X = check_images(X)
    y = check_labels(y, X=X, rows="image")  # extra rows or labels would be dropped silently
    dev = resolve_device(device)
    if isinstance(random_state, (int, np.integer)):
        seed = int(random_state)
    else:
        seed = int(check_random_state(random_state).randint(2**31 - 1))
    if classes is None:
        classes, codes = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"y holds {len(classes)} class ({classes.tolist()}); a classifier needs at "
                "least 2. Pass images of 2 or more classes, or classes= listing them all.")
    else:
        classes = np.asarray(classes)
        if len(classes) > 1 and not (classes[1:] > classes[:-1]).all():
            raise ValueError("`classes` must be sorted and without repeats (np.unique order); "
                             f"got {classes.tolist()[:10]}")
        codes = np.searchsorted(classes, y)
        if not np.array_equal(classes[np.clip(codes, 0, len(classes) - 1)], y):
            raise ValueError("`y` holds labels that are not in `classes`")
        if len(classes) < 2:
            raise ValueError(f"classes holds {len(classes)} label(s); a classifier needs at "
                             "least 2. List every class in classes=.")
    if class_weights is not None and np.shape(class_weights) != (len(classes),):
        raise ValueError(f"class_weights must hold one weight per class ({len(classes)}); "
                         f"got shape {np.shape(class_weights)}")
    if class_weights is not None:
        cw = np.asarray(class_weights)
        if cw.dtype.kind not in "iuf" or not np.isfinite(cw).all() or (cw < 0).any():
            raise ValueError("class_weights must be finite numbers >= 0 (one per class); "
                             f"got {cw.tolist()[:10]}.")
    codec = ImageCodec().fit(X)  # layout and size checks
    c, h, w = codec.shape_
    b = min(cfg.batch_size, len(X))
    per_image = _bn_values_per_image(c, (h, w), cfg.widths)
    if b * per_image < 2:  # BatchNorm in training mode would fail on the first step
        need = math.ceil(2 / per_image)
        fix = " and ".join(([f"pass at least {need} images"] if len(X) < need else [])
                           + ([f"use batch_size >= {need}"] if cfg.batch_size < need else []))
        raise ValueError(
            f"Training batches of {b} image(s) of {h}x{w} pixels leave BatchNorm "
            f"{b * per_image} value per channel in the network's last layers; it needs at "
            f"least 2. {fix[0].upper()}{fix[1:]} (or larger images).")
    _sync(dev)
    t0 = time.perf_counter()
    data = torch.from_numpy(codec.to_storage(X)).to(dev)  # NCHW, uint8 stays uint8
    labels = torch.as_tensor(codes.astype(np.int64), device=dev)
    n = data.shape[0]
    # statistics and whitening from a seeded random subset (splits may be class-ordered)
    pick = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:5000]
    sub = data[pick.to(dev)].float()
    mean = sub.mean(dim=(0, 2, 3), keepdim=True)
    std = sub.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-3)
    with seeded_init(seed):  # torch.manual_seed would also reseed CUDA/MPS for good
        model = ClassifierNet(data.shape[1], len(classes), tuple(cfg.widths), cfg.bn_momentum,
                              cfg.scaling, cfg.bn_eps)
    model = model.to(dev, memory_format=torch.channels_last)
    model.init_whitening((sub - mean) / std)
    del sub
    weights = None
    if class_weights is not None:
        weights = torch.as_tensor(np.asarray(class_weights), dtype=torch.float32, device=dev)

    b = min(cfg.batch_size, n)
    examples = cfg.train_examples if cfg.train_examples is not None else cfg.epochs * n
    total = max(1, math.ceil(examples / b))
    kilostep = 1024 * (1 + 1 / (1 - cfg.momentum))
    lr = cfg.lr / kilostep
    wd = cfg.weight_decay * b / kilostep
    lr_bias = lr * cfg.bias_scaler
    norm_biases = [p for k, p in model.named_parameters() if "norm" in k and p.requires_grad]
    others = [p for k, p in model.named_parameters()
              if "norm" not in k and (p.requires_grad or k == "whiten.bias")]
    opt = torch.optim.SGD(
        [dict(params=norm_biases, lr=lr_bias, weight_decay=wd / lr_bias),
         dict(params=others, lr=lr, weight_decay=wd / lr)],
        momentum=cfg.momentum, nesterov=True,
    )
    base_lrs = [g["lr"] for g in opt.param_groups]
    warm = max(1, int(total * cfg.warmup_frac))

    def lr_mult(step: int) -> float:
        if step < warm:
            f = step / warm
            return 0.2 * (1 - f) + f
        f = (step - warm) / max(1, total - warm)
        return (1 - f) + cfg.final_lr_frac * f

    lookahead = None
    if cfg.lookahead_every > 0:
        lookahead = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def lookahead_update(decay: float) -> None:
        for ema, cur in zip(lookahead.values(), model.state_dict().values()):
            if cur.dtype.is_floating_point:
                ema.lerp_(cur, 1 - decay)
                cur.copy_(ema)

    fwd = torch.compile(model) if cfg.compile else model
    gen = torch.Generator(device=dev).manual_seed(seed + 1)
    lam_rng = np.random.RandomState(seed + 2)  # mixup: one host scalar per step
    weights_at = int(total * weights_from)
    freeze_at = int(total * cfg.whiten_bias_frac)
    shift = 0
    if cfg.translate > 0:  # as diffaug's translation rounds it; reflect padding needs < size
        shift = min(max(1, int(min(data.shape[2:]) * cfg.translate + 0.5)),
                    min(data.shape[2:]) - 1)
    model.train()
    amp = amp_dtype(dev, bool(cfg.mixed_precision))  # asked once, not at every step
    step = 0
    while step < total:
        perm = torch.randperm(n, device=dev, generator=gen)
        for start in range(0, n - b + 1, b):
            if step == freeze_at:
                model.whiten.bias.requires_grad_(False)
            idx = perm[start:start + b]
            x = augment_batch((data[idx].float() - mean) / std, cfg.flip, shift, gen)
            yb = labels[idx]
            lam, other = 1.0, None
            if mixup_alpha > 0:
                lam = float(lam_rng.beta(mixup_alpha, mixup_alpha))
                other = torch.randperm(b, device=dev, generator=gen)
                x = lam * x + (1 - lam) * x[other]
            with autocast(dev, amp):
                out = fwd(x).float()
            w = weights if weights is not None and step >= weights_at else None
            loss = lam * _loss(out, yb, cfg.label_smoothing, w)
            if other is not None:
                loss = loss + (1 - lam) * _loss(out, yb[other], cfg.label_smoothing, w)
            opt.zero_grad(set_to_none=True)
            loss.sum().backward()
            for g, base in zip(opt.param_groups, base_lrs):
                g["lr"] = base * lr_mult(step)
            opt.step()
            step += 1
            if lookahead is not None and step % cfg.lookahead_every == 0:
                lookahead_update(0.95**5 * (step / total) ** 3)
            if step >= total:
                break
    if lookahead is not None:
        lookahead_update(1.0)  # finish on the averaged weights
    model.eval()
    _sync(dev)
    return ImageClassifier(model, codec, classes, dev, mean, std, cfg, step,
                           time.perf_counter() - t0)


def classification_accuracy_score(
    X_synthetic, y_synthetic, X_test, y_test, **train_kw
) -> float:
    """CAS (Ravuri & Vinyals, 2019): train on synthetic images only, test on real ones.

    ``train_kw`` go to :func:`train_classifier`. Returns the accuracy on ``X_test``
    (balanced test sets make it the balanced accuracy).
    """
    X_test, y_test = _check_test_set(X_test, y_test, "_test")
    classes = train_kw.get("classes")
    if classes is None:  # the classes the classifier will have: check before training
        classes = np.unique(check_labels(y_synthetic, "y_synthetic", rows="image"))
    _refuse_unknown(np.asarray(classes), y_test, "y_test")
    clf = train_classifier(X_synthetic, y_synthetic, **train_kw)
    return clf.score(X_test, y_test)


def recognition_rate(classifier: ImageClassifier, X, y) -> float:
    """Share of generated images ``X`` that a real-data classifier assigns to class ``y``.

    Parameters
    ----------
    classifier : ImageClassifier
        Trained on real images (:func:`train_classifier`).
    X : ndarray
        Generated images, of the training images' dtype and shape.
    y : label or array-like of shape (n,)
        The intended class of each image (one label: all of them), among
        ``classifier.classes`` (an unknown label is refused: it could never be
        recognised).

    Returns
    -------
    float
        The share, in [0, 1].
    """
    if np.ndim(y) == 0:  # one intended class for all the images
        y = np.full(len(check_images(X)), y, dtype=np.asarray(y).dtype)
    return classifier.score(X, y)

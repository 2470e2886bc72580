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

:class:`ClassifierConfig` holds the hyperparameters; :func:`train_classifier` ->
:class:`ImageClassifier`; :func:`classification_accuracy_score` and
:func:`recognition_rate`. All re-exported by ``ganaug.metrics``.

Randomness comes only from local ``torch.Generator`` objects seeded from
``random_state``; weights are initialised inside ``torch.random.fork_rng`` so global RNG
state is never changed.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils import check_random_state
from torch import Tensor, nn

from ._device import resolve_device
from .data import ImageCodec


@dataclass
class ClassifierConfig:
    """Hyperparameters of :func:`train_classifier` (units in comments).

    The defaults are airbench94's recipe. Training length is ``train_examples`` when it
    is set (a fixed budget, as the CIFAR-10 benchmark uses for every arm), otherwise
    ``epochs`` passes over the training set.
    """

    widths: tuple[int, int, int] = (64, 256, 256)  # channels of the three conv groups
    epochs: float = 15.0  # passes over the training set (when train_examples is None)
    train_examples: int | None = None  # examples seen in training; overrides epochs
    batch_size: int = 1024  # examples per step (capped at the training set size)
    lr: float = 11.5  # learning rate per 1024 examples (loss summed over the batch)
    momentum: float = 0.85  # Nesterov momentum
    weight_decay: float = 0.0153  # decoupled weight decay per 1024 examples
    bias_scaler: float = 64.0  # learning-rate multiplier of BatchNorm biases
    label_smoothing: float = 0.2
    whiten_bias_frac: float = 0.3  # fraction of steps the whitening bias trains, then frozen
    warmup_frac: float = 0.23  # fraction of steps of linear lr warm-up (0.2 -> 1.0)
    final_lr_frac: float = 0.07  # lr multiplier at the last step (linear warm-down)
    bn_momentum: float = 0.6  # airbench's BatchNorm momentum (torch momentum = 1 - this)
    bn_eps: float = 1e-5  # BatchNorm epsilon (airbench: 1e-12, which blows up on channels
    #                       with no variance in a batch, e.g. upscaled or flat images)
    scaling: float = 1.0 / 9.0  # logit scale of the last linear layer
    lookahead_every: int = 5  # steps between lookahead (weight-averaging) updates; 0 = off
    translate: float = 0.0625  # largest random reflect-padded shift, as a fraction of the
    #                            size (rounded, at least 1 px: 2 px at 32x32); 0 = off
    flip: bool = True  # random horizontal flips, in training and in test-time averaging
    tta: int = 2  # test-time augmentation: 0 none, 1 flip, 2 flip + 1-px translate
    mixed_precision: bool = True  # bf16 autocast on CUDA (ignored elsewhere)
    compile: bool = False  # torch.compile the network (CUDA; first fit pays the compile)
    eval_batch_size: int = 2000  # images per inference batch

    def to_dict(self) -> dict:
        """Plain-JSON view of the configuration."""
        d = asdict(self)
        d["widths"] = list(self.widths)
        return d


# ---------------------------------------------------------------------------- network --
class _BatchNorm(nn.BatchNorm2d):
    def __init__(self, channels: int, momentum: float, eps: float):
        super().__init__(channels, eps=eps, momentum=1.0 - momentum)
        self.weight.requires_grad_(False)  # fixed gain 1; only the bias learns


class _Conv(nn.Conv2d):
    def __init__(self, cin: int, cout: int, kernel_size: int = 3, padding="same", bias=False):
        super().__init__(cin, cout, kernel_size=kernel_size, padding=padding, bias=bias)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if self.bias is not None:
            self.bias.data.zero_()
        w = self.weight.data
        nn.init.dirac_(w[: w.size(1)])  # identity-initialised first in_channels filters


class _ConvGroup(nn.Module):
    def __init__(self, cin: int, cout: int, bn_momentum: float, bn_eps: float):
        super().__init__()
        self.conv1 = _Conv(cin, cout)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = _BatchNorm(cout, bn_momentum, bn_eps)
        self.conv2 = _Conv(cout, cout)
        self.norm2 = _BatchNorm(cout, bn_momentum, bn_eps)
        self.activ = nn.GELU()

    def forward(self, x: Tensor) -> Tensor:
        x = self.conv1(x)
        if min(x.shape[-2:]) >= 2:  # small images (e.g. 8x8 digits) run out of pixels
            x = self.pool(x)
        x = self.activ(self.norm1(x))
        return self.activ(self.norm2(self.conv2(x)))


class ClassifierNet(nn.Module):
    """airbench94-shaped network: whitening conv, three conv groups, max pool, linear.

    ``features`` returns the pooled vector before the linear head (``widths[-1]`` values).
    """

    def __init__(self, in_channels: int, n_classes: int, widths=(64, 256, 256),
                 bn_momentum: float = 0.6, scaling: float = 1 / 9, bn_eps: float = 1e-5):
        super().__init__()
        whiten_width = 2 * in_channels * 2 * 2
        self.whiten = _Conv(in_channels, whiten_width, kernel_size=2, padding=0, bias=True)
        self.whiten.weight.requires_grad_(False)
        self.groups = nn.Sequential(
            _ConvGroup(whiten_width, widths[0], bn_momentum, bn_eps),
            _ConvGroup(widths[0], widths[1], bn_momentum, bn_eps),
            _ConvGroup(widths[1], widths[2], bn_momentum, bn_eps),
        )
        self.head = nn.Linear(widths[2], n_classes, bias=False)
        self.scaling = scaling

    def features(self, x: Tensor) -> Tensor:
        x = self.groups(F.gelu(self.whiten(x)))
        return F.adaptive_max_pool2d(x, 1).flatten(1)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.features(x)) * self.scaling

    @torch.no_grad()
    def init_whitening(self, images: Tensor, eps: float = 5e-4) -> None:
        """Set the whitening filters to the scaled eigenvectors of 2x2 patch covariance."""
        c = images.shape[1]
        patches = images.float().unfold(2, 2, 1).unfold(3, 2, 1)  # N,C,H',W',2,2
        patches = patches.permute(0, 2, 3, 1, 4, 5).reshape(-1, c * 4)
        cov = patches.T @ patches / len(patches)
        evals, evecs = torch.linalg.eigh(cov)
        evals, evecs = evals.flip(0), evecs.T.flip(0)  # largest first, one per row
        filters = (evecs / torch.sqrt(evals + eps)[:, None]).reshape(c * 4, c, 2, 2)
        self.whiten.weight.copy_(torch.cat([filters, -filters]).to(self.whiten.weight))


# ---------------------------------------------------------------------- device helpers --
def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _autocast(device: torch.device, config: ClassifierConfig):
    on = device.type == "cuda" and config.mixed_precision
    return torch.autocast(device.type, dtype=torch.bfloat16 if on else torch.float32,
                          enabled=on)


def augment_batch(x: Tensor, flip: bool, translate: int, gen: torch.Generator) -> Tensor:
    """Random horizontal flips and reflect-padded translations of an NCHW float batch.

    Every image gets its own flip and shift (up to ``translate`` pixels, less than the
    image size), drawn from ``gen`` on the batch's device; the result is laid out
    channels-last.
    """
    b, _, h, w = x.shape
    if flip:
        mask = torch.rand(b, device=x.device, generator=gen) < 0.5
        x = torch.where(mask[:, None, None, None], x.flip(3), x)
    if translate > 0:
        p = translate
        xp = F.pad(x, (p, p, p, p), mode="reflect").permute(0, 2, 3, 1)  # N,H+2p,W+2p,C
        dy = torch.randint(0, 2 * p + 1, (b,), device=x.device, generator=gen)
        dx = torch.randint(0, 2 * p + 1, (b,), device=x.device, generator=gen)
        rows = dy[:, None] + torch.arange(h, device=x.device)
        cols = dx[:, None] + torch.arange(w, device=x.device)
        idx = torch.arange(b, device=x.device)[:, None, None]
        x = xp[idx, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)
    return x.contiguous(memory_format=torch.channels_last)


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
        data = self.codec.to_storage(np.asarray(X))
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

    @torch.no_grad()
    def _run(self, X, fn) -> np.ndarray:
        self.net.eval()
        out = []
        with _autocast(self.device, self.config):
            for x in self._batches(X):
                out.append(self._tta(fn, x).float().cpu())
        return torch.cat(out).numpy()

    def features(self, X) -> np.ndarray:
        """Penultimate features (n, widths[-1]) of images in the training layout,
        averaged over the test-time views."""
        return self._run(X, self.net.features)

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, n_classes): softmax of the test-time-averaged logits."""
        return torch.softmax(torch.from_numpy(self._run(X, self.net)), dim=1).numpy()

    def predict(self, X) -> np.ndarray:
        """Predicted labels."""
        return self.classes[self.predict_proba(X).argmax(1)]

    def score(self, X, y) -> float:
        """Accuracy on (X, y)."""
        return float(np.mean(self.predict(X) == np.asarray(y)))


def _loss(out: Tensor, y: Tensor, smoothing: float, weights: Tensor | None) -> Tensor:
    """Per-row cross-entropy, times the class weight of each row's label if given."""
    loss = F.cross_entropy(out, y, label_smoothing=smoothing, reduction="none")
    return loss if weights is None else loss * weights[y]


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
        Images: (N, H, W, C), (N, C, H, W) or (N, H, W); uint8 or float; at least 4x4.
    y : array-like of shape (N,)
        Labels.
    config : ClassifierConfig or None, default=None
        Hyperparameters (None: the defaults).
    classes : array-like or None, default=None
        All class labels, sorted, in the order of the outputs (None: those in ``y``).
        Pass it when some class may be missing from ``y``.
    class_weights : array-like of shape (n_classes,) or None, default=None
        Per-class multipliers of the loss, aligned with ``classes``.
    weights_from : float, default=0.0
        Share of the training steps after which ``class_weights`` apply (deferred
        re-weighting, DRW, Cao et al. 2019: 0.8 switches them on for the last 20 %).
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
    dev = resolve_device(device)
    if isinstance(random_state, (int, np.integer)):
        seed = int(random_state)
    else:
        seed = int(check_random_state(random_state).randint(2**31 - 1))
    y = np.asarray(y)
    if classes is None:
        classes, codes = np.unique(y, return_inverse=True)
    else:
        classes = np.asarray(classes)
        codes = np.searchsorted(classes, y)
        if not np.array_equal(classes[np.clip(codes, 0, len(classes) - 1)], y):
            raise ValueError("`y` holds labels that are not in `classes`")
    _sync(dev)
    t0 = time.perf_counter()
    X = np.asarray(X)
    codec = ImageCodec().fit(X)
    data = torch.from_numpy(codec.to_storage(X)).to(dev)  # NCHW, uint8 stays uint8
    labels = torch.as_tensor(codes.astype(np.int64), device=dev)
    n = data.shape[0]
    # statistics and whitening from a seeded random subset (splits may be class-ordered)
    pick = torch.randperm(n, generator=torch.Generator().manual_seed(seed))[:5000]
    sub = data[pick.to(dev)].float()
    mean = sub.mean(dim=(0, 2, 3), keepdim=True)
    std = sub.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-3)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
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
            with _autocast(dev, cfg):
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
    clf = train_classifier(X_synthetic, y_synthetic, **train_kw)
    return clf.score(X_test, y_test)


def recognition_rate(classifier: ImageClassifier, X, y) -> float:
    """Share of generated images ``X`` that a real-data classifier assigns to class ``y``."""
    return classifier.score(X, y)

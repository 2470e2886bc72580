"""One fast CIFAR-10 classifier, used identically by every arm of the benchmark.

The recipe follows airbench (KellerJordan/cifar10-airbench, ``airbench94``), rewritten
here from its description: a three-group conv net (conv-pool-BN-GELU, conv-BN-GELU) after
a 2x2 whitening conv initialised from the eigenvectors of the training patches' covariance;
the whole training set lives on the device as uint8; flips and 2-pixel reflect
translations are drawn batched on the device; label smoothing 0.2; Nesterov SGD with a
summed loss (learning rate per 1024 examples), a warm-up/warm-down schedule and lookahead
weight averaging; test-time flip (+ 1-pixel translate) averaging. On CUDA it runs under
bf16 autocast in channels_last, optionally with ``torch.compile``. airbench reports 94.0 %
on full CIFAR-10 in 9.9 epochs (A100, fp16, a few seconds); this port is unmeasured on a
GPU (bf16 instead of fp16, random instead of alternating flips).

Randomness comes only from local ``torch.Generator`` objects seeded from ``seed``; weights
are initialised inside ``torch.random.fork_rng`` so global RNG state is never changed.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn


@dataclass
class ClassifierConfig:
    """Hyperparameters of the downstream classifier (units in comments)."""

    widths: tuple[int, int, int] = (64, 256, 256)  # channels of the three conv groups
    train_examples: int = 500_000  # examples seen in training (the fixed budget of every arm)
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
    scaling: float = 1.0 / 9.0  # logit scale of the last linear layer
    lookahead_every: int = 5  # steps between lookahead (weight-averaging) updates; 0 = off
    translate: int = 2  # pixels of random reflect-padded translation
    flip: bool = True  # random horizontal flips
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
    def __init__(self, channels: int, momentum: float):
        super().__init__(channels, eps=1e-12, momentum=1.0 - momentum)
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
    def __init__(self, cin: int, cout: int, bn_momentum: float):
        super().__init__()
        self.conv1 = _Conv(cin, cout)
        self.pool = nn.MaxPool2d(2)
        self.norm1 = _BatchNorm(cout, bn_momentum)
        self.conv2 = _Conv(cout, cout)
        self.norm2 = _BatchNorm(cout, bn_momentum)
        self.activ = nn.GELU()

    def forward(self, x: Tensor) -> Tensor:
        x = self.activ(self.norm1(self.pool(self.conv1(x))))
        return self.activ(self.norm2(self.conv2(x)))


class FastNet(nn.Module):
    """airbench94-shaped network: whitening conv, three conv groups, max-pool, linear."""

    def __init__(self, n_classes: int, widths=(64, 256, 256), bn_momentum=0.6, scaling=1 / 9,
                 in_channels: int = 3):
        super().__init__()
        whiten_width = 2 * in_channels * 2 * 2
        self.whiten = _Conv(in_channels, whiten_width, kernel_size=2, padding=0, bias=True)
        self.whiten.weight.requires_grad_(False)
        self.groups = nn.Sequential(
            _ConvGroup(whiten_width, widths[0], bn_momentum),
            _ConvGroup(widths[0], widths[1], bn_momentum),
            _ConvGroup(widths[1], widths[2], bn_momentum),
        )
        self.head = nn.Linear(widths[2], n_classes, bias=False)
        self.scaling = scaling

    def forward(self, x: Tensor) -> Tensor:
        x = self.groups(F.gelu(self.whiten(x)))
        x = F.adaptive_max_pool2d(x, 1).flatten(1)
        return self.head(x) * self.scaling

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


def _normalise(x_uint8: Tensor, mean: Tensor, std: Tensor) -> Tensor:
    return (x_uint8.float() - mean) / std


def augment_batch(x: Tensor, flip: bool, translate: int, gen: torch.Generator) -> Tensor:
    """Random horizontal flips and reflect-padded translations of an NCHW float batch.

    Every image gets its own flip and shift, drawn from ``gen`` on the batch's device;
    the result is laid out channels-last.
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
class FastClassifier:
    """Train the fast net on uint8 images and predict, all on one device.

    Parameters
    ----------
    n_classes : int
        Number of classes (labels are codes ``0 .. n_classes - 1``).
    config : ClassifierConfig or None, default=None
        Hyperparameters (None: the airbench-like defaults).
    device : str or torch.device, default="cpu"
        Where data, network and augmentation live.
    seed : int, default=0
        Seeds weight initialisation and the local generator of batches and augmentation.

    Attributes
    ----------
    model_ : FastNet
        The trained network (lookahead weights), in eval mode.
    train_seconds_ : float
        Wall time of ``fit`` (device synchronised at both ends).
    n_steps_ : int
        Optimiser steps taken.
    """

    def __init__(self, n_classes: int, config: ClassifierConfig | None = None,
                 device: str | torch.device = "cpu", seed: int = 0):
        self.n_classes = n_classes
        self.config = config or ClassifierConfig()
        self.device = torch.device(device)
        self.seed = seed

    def _autocast(self):
        cfg = self.config
        on = self.device.type == "cuda" and cfg.mixed_precision
        return torch.autocast(self.device.type, dtype=torch.bfloat16 if on else torch.float32,
                              enabled=on)

    def fit(self, X: np.ndarray, y: np.ndarray, class_weights: np.ndarray | None = None,
            weights_from: float = 0.0, mixup_alpha: float = 0.0) -> FastClassifier:
        """Train on uint8 images ``X`` (N, H, W, C) with integer labels ``y``.

        Parameters
        ----------
        X : ndarray of shape (n, H, W, C), uint8
            Training images (real and synthetic alike).
        y : ndarray of shape (n,)
            Class codes in ``0 .. n_classes - 1``.
        class_weights : ndarray of shape (n_classes,) or None, default=None
            Per-class multipliers of the loss (the ``reweight`` arm).
        weights_from : float, default=0.0
            Share of the training steps after which ``class_weights`` apply (deferred
            re-weighting, DRW, Cao et al. 2019: 0.8 switches them on for the last 20 %).
        mixup_alpha : float, default=0.0
            mixup (Zhang et al. 2018): each batch is blended with a shuffled copy of
            itself, ``lam ~ Beta(alpha, alpha)`` per step, and the loss blends both
            labels' losses with the same ``lam``; 0 turns it off.

        Returns
        -------
        self : FastClassifier
        """
        cfg, dev = self.config, self.device
        _sync(dev)
        t0 = time.perf_counter()
        data = torch.from_numpy(np.ascontiguousarray(X)).to(dev).permute(0, 3, 1, 2)  # uint8
        labels = torch.as_tensor(np.asarray(y), dtype=torch.long, device=dev)
        n = data.shape[0]
        # statistics and whitening from a seeded random subset (splits are class-ordered)
        pick = torch.randperm(n, generator=torch.Generator().manual_seed(self.seed))[:5000]
        sub = data[pick.to(dev)]
        self.mean_ = sub.float().mean(dim=(0, 2, 3), keepdim=True)
        self.std_ = sub.float().std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-3)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            model = FastNet(self.n_classes, cfg.widths, cfg.bn_momentum, cfg.scaling,
                            in_channels=data.shape[1])
        model = model.to(dev, memory_format=torch.channels_last)
        model.init_whitening(_normalise(sub, self.mean_, self.std_))
        del sub
        weights = None
        if class_weights is not None:
            weights = torch.as_tensor(class_weights, dtype=torch.float32, device=dev)

        b = min(cfg.batch_size, n)
        total = max(1, math.ceil(cfg.train_examples / b))
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
        gen = torch.Generator(device=dev).manual_seed(self.seed + 1)
        lam_rng = np.random.RandomState(self.seed + 2)  # mixup: one host scalar per step
        weights_at = int(total * weights_from)
        smoothing = cfg.label_smoothing
        freeze_at = int(total * cfg.whiten_bias_frac)
        model.train()
        step = 0
        while step < total:
            perm = torch.randperm(n, device=dev, generator=gen)
            for start in range(0, n - b + 1, b):
                if step == freeze_at:
                    model.whiten.bias.requires_grad_(False)
                idx = perm[start:start + b]
                x = augment_batch(_normalise(data[idx], self.mean_, self.std_), cfg.flip,
                                  cfg.translate, gen)
                yb = labels[idx]
                lam, other = 1.0, None
                if mixup_alpha > 0:
                    lam = float(lam_rng.beta(mixup_alpha, mixup_alpha))
                    other = torch.randperm(b, device=dev, generator=gen)
                    x = lam * x + (1 - lam) * x[other]
                with self._autocast():
                    out = fwd(x).float()
                w = weights if weights is not None and step >= weights_at else None
                loss = lam * self._loss(out, yb, smoothing, w)
                if other is not None:
                    loss = loss + (1 - lam) * self._loss(out, yb[other], smoothing, w)
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
        self.model_ = model
        self.n_steps_ = step
        _sync(dev)
        self.train_seconds_ = time.perf_counter() - t0
        return self

    @staticmethod
    def _loss(out: Tensor, y: Tensor, smoothing: float, weights: Tensor | None) -> Tensor:
        """Per-row cross-entropy, times the class weight of each row's label if given."""
        loss = F.cross_entropy(out, y, label_smoothing=smoothing, reduction="none")
        return loss if weights is None else loss * weights[y]

    @torch.no_grad()
    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities of uint8 images ``X`` (N, H, W, C), with test-time flips.

        Parameters
        ----------
        X : ndarray of shape (n, H, W, C), uint8

        Returns
        -------
        proba : ndarray of shape (n, n_classes), float32
        """
        cfg, dev = self.config, self.device
        out = []
        for start in range(0, len(X), cfg.eval_batch_size):
            chunk = torch.from_numpy(np.ascontiguousarray(X[start:start + cfg.eval_batch_size]))
            x = _normalise(chunk.to(dev).permute(0, 3, 1, 2), self.mean_, self.std_)
            x = x.contiguous(memory_format=torch.channels_last)
            with self._autocast():
                logits = self._tta(x).float()
            out.append(torch.softmax(logits, dim=1).cpu())
        return torch.cat(out).numpy()

    def _tta(self, x: Tensor) -> Tensor:
        model, level = self.model_, self.config.tta

        def mirror(v: Tensor) -> Tensor:
            if level < 1:
                return model(v)
            return 0.5 * (model(v) + model(v.flip(3)))

        logits = mirror(x)
        if level >= 2:
            xp = F.pad(x, (1, 1, 1, 1), mode="reflect")
            h, w = x.shape[2:]
            shifted = [xp[:, :, :h, :w], xp[:, :, 2:h + 2, 2:w + 2]]
            logits = 0.5 * logits + 0.25 * sum(mirror(s.contiguous(
                memory_format=torch.channels_last)) for s in shifted)
        return logits

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Predicted class codes of uint8 images ``X``.

        Parameters
        ----------
        X : ndarray of shape (n, H, W, C), uint8

        Returns
        -------
        codes : ndarray of shape (n,), int64
        """
        return self.predict_proba(X).argmax(1)

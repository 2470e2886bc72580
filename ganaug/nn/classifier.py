"""The image classifier's network, hyperparameters and batch augmentation (torch only).

:class:`ClassifierConfig` (airbench94's hyperparameters), :class:`ClassifierNet` (2x2
whitening conv, three conv groups, linear head) and :func:`augment_batch` (batched flips
and reflect-padded translations). Training and scoring: ``ganaug._classifier``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn


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

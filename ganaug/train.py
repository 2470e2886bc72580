"""The one GAN training loop: batches on the device, D/G steps, AMP, EMA, NaN guard, history.

Everything here is torch only (no scikit-learn, no pandas). The whole training set lives
on the device (uint8 stays uint8 and is decoded per batch), batches are drawn with
vectorised index arithmetic, and losses are accumulated on the device and read back once
per epoch, so the hot loop never synchronises with the host.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from .nn.diffaug import diff_augment
from .nn.losses import d_loss, g_loss, gradient_penalty, lecam


@dataclass
class TrainConfig:
    """Hyperparameters of one training run (units in comments)."""

    epochs: int  # passes over the training set, ceil(n / batch) steps each
    batch_size: int  # rows per D and per G step (capped at the data size)
    latent_dim: int  # size of z
    g_lr: float  # Adam learning rate of G
    d_lr: float  # Adam learning rate of D
    betas: tuple[float, float]  # Adam betas (GAN practice: beta1 0 or 0.5)
    loss: str  # "hinge", "ns" or "wgan-gp"
    d_steps: int = 1  # D updates per G update
    gp_weight: float = 10.0  # WGAN-GP penalty weight
    ema_decay: float = 0.999  # EMA of G weights (warm-up: min(decay, (1+t)/(10+t)))
    lecam_weight: float = 0.0  # LeCam regularisation weight (0 = off)
    policy: tuple[str, ...] = ()  # DiffAugment ops for image batches
    class_balanced: bool = True  # draw training labels uniformly over classes
    amp_dtype: torch.dtype | None = None  # autocast dtype (bf16 on CUDA), None = fp32
    channels_last: bool = False  # NHWC memory format for conv nets
    compile: bool = False  # torch.compile G and D
    max_restarts: int = 3  # NaN guard: restores of the last good state before giving up
    verbose: int = 0
    desc: str = "GAN"
    history: dict = field(default_factory=dict)


class _BatchSampler:
    """Random (optionally class-balanced) batches of indices, drawn on the device."""

    def __init__(self, labels: Tensor | None, n: int, n_classes: int, balanced: bool, gen):
        self.n, self.gen, self.labels = n, gen, labels
        self.balanced = balanced and labels is not None and n_classes > 1
        if self.balanced:
            self.order = torch.argsort(labels, stable=True)
            counts = torch.bincount(labels, minlength=n_classes)
            self.present = torch.nonzero(counts).squeeze(1)  # classes with rows
            self.counts = counts
            self.starts = torch.cumsum(counts, 0) - counts

    def __call__(self, b: int) -> Tensor:
        device = self.gen.device
        if not self.balanced:
            return torch.randint(0, self.n, (b,), device=device, generator=self.gen)
        k = torch.randint(0, len(self.present), (b,), device=device, generator=self.gen)
        c = self.present[k]
        u = torch.rand(b, device=device, generator=self.gen)
        off = (u * self.counts[c]).long().clamp_max(self.counts[c] - 1)
        return self.order[self.starts[c] + off]


def _snapshot(*objs) -> list:
    return [copy.deepcopy(o.state_dict()) for o in objs]


def _restore(objs, states) -> None:
    for o, s in zip(objs, states):
        o.load_state_dict(copy.deepcopy(s))


def train_gan(
    G: nn.Module,
    D: nn.Module,
    data: Tensor,
    labels: Tensor | None,
    n_classes: int,
    cfg: TrainConfig,
    gen: torch.Generator,
    scale: float = 1.0,
    offset: float = 0.0,
) -> tuple[nn.Module, dict[str, list[float]]]:
    """Train ``G`` against ``D`` on ``data`` (already on the device) and return the EMA G.

    ``data`` rows are decoded per batch as ``data.float() * scale + offset``. ``labels``
    are class codes (int64 on the device) or None for an unconditional GAN. ``gen`` is
    the only source of randomness (a ``torch.Generator`` on the data's device).
    """
    device = data.device
    n = data.shape[0]
    b = min(cfg.batch_size, n)
    steps = max(1, math.ceil(n / b))
    is_image = data.dim() == 4
    mem = torch.channels_last if (cfg.channels_last and is_image) else torch.preserve_format
    G.to(device=device, memory_format=mem).train()
    D.to(device=device, memory_format=mem).train()
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    fused = device.type == "cuda"
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.g_lr, betas=cfg.betas, fused=fused)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.d_lr, betas=cfg.betas, fused=fused)
    g_fwd = torch.compile(G) if cfg.compile else G
    d_fwd = torch.compile(D) if cfg.compile else D
    draw = _BatchSampler(labels, n, n_classes, cfg.class_balanced, gen)
    autocast = torch.autocast(
        device_type=device.type, dtype=cfg.amp_dtype or torch.float32,
        enabled=cfg.amp_dtype is not None,
    )
    ema_p, g_p = list(G_ema.parameters()), list(G.parameters())
    ema_b, g_b = list(G_ema.buffers()), list(G.buffers())
    lecam_ema = torch.zeros(2, device=device)  # moving means of D(real), D(fake)

    def batch() -> tuple[Tensor, Tensor | None]:
        idx = draw(b)
        x = data[idx].float() * scale + offset
        if is_image and mem is torch.channels_last:
            x = x.contiguous(memory_format=mem)
        return x, (labels[idx] if labels is not None else None)

    def latent() -> Tensor:
        return torch.randn(b, cfg.latent_dim, device=device, generator=gen)

    def augment(x: Tensor) -> Tensor:
        return diff_augment(x, cfg.policy, gen) if cfg.policy else x

    def one_step(t: int) -> Tensor:
        for _ in range(cfg.d_steps):
            x, y = batch()
            with autocast:
                with torch.no_grad():
                    fake = g_fwd(latent(), y)
                real_out = d_fwd(augment(x), y).float()
                fake_out = d_fwd(augment(fake), y).float()
                loss_d = d_loss(real_out, fake_out, cfg.loss)
            if cfg.loss == "wgan-gp":
                loss_d = loss_d + cfg.gp_weight * gradient_penalty(D, x, fake.float(), y, gen)
            if cfg.lecam_weight > 0:
                means = torch.stack([real_out.mean(), fake_out.mean()]).detach()
                lecam_ema.lerp_(means, 0.01)
                loss_d = loss_d + cfg.lecam_weight * lecam(
                    real_out, fake_out, lecam_ema[0], lecam_ema[1]
                )
            opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            opt_d.step()
        _, y = batch()
        with autocast:
            loss_g = g_loss(d_fwd(augment(g_fwd(latent(), y)), y).float(), cfg.loss)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        with torch.no_grad():
            decay = min(cfg.ema_decay, (1.0 + t) / (10.0 + t))
            torch._foreach_lerp_(ema_p, g_p, 1.0 - decay)
            for be, bg in zip(ema_b, g_b):
                be.copy_(bg)
        return torch.stack([loss_d.detach(), loss_g.detach(), real_out.mean().detach(),
                            fake_out.mean().detach()])

    history: dict[str, list[float]] = {k: [] for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    good = _snapshot(G, D, G_ema, opt_g, opt_d)
    restarts, t, epoch = 0, 0, 0
    bar = tqdm(total=cfg.epochs, desc=cfg.desc, disable=not cfg.verbose, leave=False)
    while epoch < cfg.epochs:
        acc = torch.zeros(4, device=device)
        for _ in range(steps):
            acc += one_step(t)
            t += 1
        means = (acc / steps).cpu().numpy()
        if not (np.isfinite(means).all() and _finite(G) and _finite(D)):
            restarts += 1
            if restarts > cfg.max_restarts:
                bar.close()
                raise FloatingPointError(
                    f"GAN training diverged (non-finite loss or weights) {restarts} times; "
                    "lower the learning rates or use loss='hinge'."
                )
            _restore((G, D, G_ema, opt_g, opt_d), good)
            for opt in (opt_g, opt_d):
                for group in opt.param_groups:
                    group["lr"] *= 0.5
            continue
        for k, v in zip(history, means):
            history[k].append(float(v))
        good = _snapshot(G, D, G_ema, opt_g, opt_d)
        epoch += 1
        bar.update(1)
        bar.set_postfix(d=f"{means[0]:.3f}", g=f"{means[1]:.3f}")
    bar.close()
    G_ema.to(memory_format=torch.contiguous_format)
    return G_ema, history


def _finite(module: nn.Module) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in module.parameters())


def generate_chunks(
    G: nn.Module,
    codes: np.ndarray | None,
    n: int,
    latent_dim: int,
    device: torch.device,
    seed: int,
    chunk: int = 8192,
) -> Iterator[np.ndarray]:
    """Yield generated rows (float32 numpy, encoded space) in chunks of at most ``chunk``.

    ``z`` is drawn on the CPU from a generator seeded with ``seed``, so the same seed
    gives the same samples on any device; G runs in eval mode without gradients.
    """
    gen = torch.Generator().manual_seed(int(seed))
    G.eval()
    with torch.no_grad():
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            z = torch.randn(m, latent_dim, generator=gen).to(device)
            y = None
            if codes is not None:
                y = torch.as_tensor(codes[start : start + m], dtype=torch.long).to(device)
            yield G(z, y).float().cpu().numpy()

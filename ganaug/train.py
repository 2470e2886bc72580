"""The one GAN training loop: batches on the device, D/G steps, AMP, EMA, NaN guard, history.

Everything here is torch only (no scikit-learn, no pandas). The whole training set lives
on the device (uint8 stays uint8 and is decoded per batch), batches are drawn with
vectorised index arithmetic, augmentation runs batched on the device, and losses are
accumulated on the device and read back once per epoch, so the hot loop does no
per-sample Python work and never synchronises with the host.

:class:`GANTrainer` holds the state of one run and exposes ``step()`` (one generator
update and its ``d_steps`` discriminator updates), which ``benchmarks/gan_speed.py``
times directly; :func:`train_gan` is the epoch loop around it. Warm-start checkpoints
(:func:`export_checkpoint`, :func:`load_checkpoint`) live in ``ganaug/_checkpoint.py``
and generation (:func:`generate_chunks`) in ``ganaug/_generation.py``; both are
re-exported here.
"""

from __future__ import annotations

import copy
import inspect
import math
import time
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from ._checkpoint import export_checkpoint, load_checkpoint
from ._checks import check_number
from ._device import autocast
from ._generation import generate_chunks
from .data.anchors import neighbour_noise
from .nn.diffaug import diff_augment
from .nn.losses import d_loss, g_loss, gradient_penalty, gsr_penalty, lecam

__all__ = [
    "SNAPSHOT_STEPS", "GANTrainer", "TrainConfig", "export_checkpoint", "generate_chunks",
    "load_checkpoint", "train_gan",
]


@dataclass
class TrainConfig:
    """Hyperparameters of one training run (units in comments)."""

    epochs: int | None  # passes over the training set, ceil(n / batch) steps each (None: no cap)
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
    gsr_weight: float = 0.0  # group spectral regularisation of conditional BN (0 = off)
    diversity_weight: float = 0.0  # mode-seeking term (MSGAN): pairs of z per label, 0 = off
    gsr_groups: int = 4  # gSR: each class's gain/bias vector is reshaped to groups x C/groups
    policy: tuple[str, ...] = ()  # DiffAugment ops for image batches
    class_balanced: bool = True  # draw training labels uniformly over classes
    amp_dtype: torch.dtype | None = None  # autocast dtype (bf16 on CUDA), None = fp32
    channels_last: bool = False  # NHWC memory format for conv nets
    compile: bool | str = False  # torch.compile G and D (a str is the compile mode)
    time_budget: float | None = None  # seconds of training; stops early (None = epochs)
    max_steps: int | None = None  # generator steps; stops early (None: epochs decide)
    max_restarts: int = 3  # NaN guard: restores of the last good state before giving up
    verbose: int = 0
    desc: str = "GAN"
    comm: object | None = None  # ganaug.distributed.Comm: data-parallel over ranks (None: off)
    history: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        """Refuse values that would train nothing or fail deep in a step (0 epochs ran
        nothing silently; batch_size 0 divided by zero; d_steps 0 left D's loss unset)."""
        for name in ("batch_size", "latent_dim", "d_steps", "epochs", "max_steps"):
            value = getattr(self, name)
            if value is not None or name in ("batch_size", "latent_dim", "d_steps"):
                check_number(name, value, 1, integer=True)
        for name in ("g_lr", "d_lr"):
            check_number(name, getattr(self, name), 0.0, low_open=True)
        check_number("ema_decay", self.ema_decay, 0.0, 1.0)
        if self.time_budget is not None and not (
                isinstance(self.time_budget, Real) and self.time_budget > 0):
            raise ValueError(f"time_budget must be a number of seconds > 0 (or None); got "
                             f"{self.time_budget!r}.")


class _BatchSampler:
    """Random (optionally class-balanced) batches of indices, drawn on the device.

    Balanced batches pick a class uniformly among the classes present, then a row of that
    class uniformly: two ``rand`` calls and index arithmetic, no Python loop, no sync.
    """

    def __init__(self, labels: Tensor | None, n: int, n_classes: int, balanced: bool, gen,
                 rows: Tensor | None = None):
        self.n, self.gen, self.labels, self.rows = n, gen, labels, rows  # rows: None = all
        self.balanced = balanced and labels is not None and n_classes > 1
        if self.balanced:
            lab = labels if rows is None else labels[rows]
            order = torch.argsort(lab, stable=True)
            self.order = order if rows is None else rows[order]
            counts = torch.bincount(lab, minlength=n_classes)
            self.present = torch.nonzero(counts).squeeze(1)  # classes with rows
            self.n_present = int(self.present.numel())
            self.counts = counts
            self.starts = torch.cumsum(counts, 0) - counts

    def __call__(self, b: int) -> Tensor:
        device = self.gen.device
        if not self.balanced:
            if self.rows is None:
                return torch.randint(0, self.n, (b,), device=device, generator=self.gen)
            pick = torch.randint(0, len(self.rows), (b,), device=device, generator=self.gen)
            return self.rows[pick]
        k = torch.randint(0, self.n_present, (b,), device=device, generator=self.gen)
        c = self.present[k]
        u = torch.rand(b, device=device, generator=self.gen)
        off = (u * self.counts[c]).long().clamp_max(self.counts[c] - 1)
        return self.order[self.starts[c] + off]


SNAPSHOT_STEPS = 100  # steps between the NaN guard's restore points
#: the keys of a training history (``history_``), per-epoch means
HISTORY_KEYS = ("d_loss", "g_loss", "d_real", "d_fake")


def _snapshot(*objs) -> list:
    return [copy.deepcopy(o.state_dict()) for o in objs]


def _restore(objs, states) -> None:
    for o, s in zip(objs, states):
        o.load_state_dict(copy.deepcopy(s))


def _adam(params, lr: float, betas: tuple[float, float], device: torch.device) -> torch.optim.Adam:
    """Adam with the fused kernel on CUDA, the ``foreach`` kernels elsewhere.

    ``foreach`` gives the same numbers as the per-tensor loop, in fewer kernel calls. The
    CPU's fused kernel, though faster still, is not used: its rounding differs, and with it
    the Adult fit of ``tests/test_tabular.py::test_fidelity_on_real_tables`` collapsed a
    categorical column.
    """
    params = list(params)
    if device.type == "cuda":
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)


class GANTrainer:
    """State of one GAN training run on one device.

    Parameters
    ----------
    G, D : torch.nn.Module
        Generator ``G(z, y)`` and discriminator ``D(x, y)`` (``y`` None when unconditional).
    data : Tensor
        The training set, already on the device (uint8 or float; images NCHW).
    labels : Tensor or None
        int64 class codes on the device, or None.
    n_classes : int
        Number of classes (0 when unconditional).
    cfg : TrainConfig
        Hyperparameters.
    gen : torch.Generator
        The only source of randomness, on the data's device.
    scale, offset : float
        Rows are decoded per batch as ``data.float() * scale + offset``.
    partners : Tensor or None
        Anchor-conditioned training (int64 ``(n, k)`` on the device, from
        :func:`ganaug.data.neighbour_pairs`): a batch is then a real row of the data
        (the anchor, passed to G and D in place of the label) and one of its
        same-class neighbours (the real sample D sees); ``G(z, anchor)`` must make a
        row that D cannot tell from such a neighbour.
    share : Tensor or None
        Anchor mode: each class's share of pooled noise, ``(classes, 1)`` or per column
        ``(classes, d)`` (row 0 when ``labels`` is None); G then also gets noise from
        the anchor's neighbours (``partners``).
    rows : Tensor or None
        Anchor mode under DDP: this rank's rows (int64 indices into ``data``, which
        holds all rows, so a partner may be a row of another rank's shard); batches
        draw their anchors from these only, and an epoch is ``len(rows)`` rows. None:
        all rows.
    """

    def __init__(
        self,
        G: nn.Module,
        D: nn.Module,
        data: Tensor,
        labels: Tensor | None,
        n_classes: int,
        cfg: TrainConfig,
        gen: torch.Generator,
        scale: float = 1.0,
        offset: float = 0.0,
        partners: Tensor | None = None,
        share: Tensor | None = None,
        rows: Tensor | None = None,
    ):
        if len(data) == 0:
            raise ValueError("data holds no rows; a GAN needs rows to train on.")
        self.cfg, self.gen, self.data, self.labels = cfg, gen, data, labels
        self.partners = partners
        self.share = share  # anchor mode: pooled-noise share per class (index 0: no labels)
        self.distinct = None  # distinct neighbours per row, where a class has fewer than k
        if share is not None:
            distinct = distinct_partners(partners)
            if bool((distinct < partners.shape[1]).any()):
                self.distinct = distinct
        self.g_kw: dict = {}  # the batch's local noise for G (anchor mode)
        copied = getattr(G, "copied", None) if partners is not None else None
        self.copied = copied.to(data.device) if copied is not None and copied.any() else None
        self.scale, self.offset = scale, offset
        self.device = device = data.device
        self.n = n = data.shape[0] if rows is None else len(rows)
        self.b = min(cfg.batch_size, n)
        self.is_image = data.dim() == 4
        self.mem = (
            torch.channels_last if (cfg.channels_last and self.is_image)
            else torch.preserve_format
        )
        self.G = G.to(device=device, memory_format=self.mem).train()
        self.D = D.to(device=device, memory_format=self.mem).train()
        self.G_ema = copy.deepcopy(G).eval().requires_grad_(False)
        self.opt_g = _adam(G.parameters(), cfg.g_lr, cfg.betas, device)
        self.opt_d = _adam(D.parameters(), cfg.d_lr, cfg.betas, device)
        mode = cfg.compile if isinstance(cfg.compile, str) else None
        self.cudagraphs = mode is not None and "reduce-overhead" in mode
        self.g_fwd = torch.compile(G, mode=mode, dynamic=False) if cfg.compile else G
        self.d_fwd = torch.compile(D, mode=mode, dynamic=False) if cfg.compile else D
        self.draw = _BatchSampler(labels, data.shape[0], n_classes, cfg.class_balanced, gen,
                                  rows=anchor_rows(partners, rows))
        self.autocast = autocast(device, cfg.amp_dtype)
        self.ema_p, self.g_p = list(self.G_ema.parameters()), list(G.parameters())
        self.ema_b, self.g_b = list(self.G_ema.buffers()), list(G.buffers())
        self.lecam_ema = torch.zeros(2, device=device)  # moving means of D(real), D(fake)
        self.t = 0  # generator steps taken

    # -- pieces of a step (all on the device, no host sync) ---------------------------
    def batch(self) -> tuple[Tensor, Tensor | None]:
        """Real rows and their condition: labels, or (anchor mode) the anchors."""
        idx = self.draw(self.b)
        if self.partners is not None:  # a real neighbour of each anchor
            pick = torch.randint(
                0, self.partners.shape[1], (self.b,), device=self.device, generator=self.gen
            )
            anchor = self.data[idx].float() * self.scale + self.offset
            if self.share is not None:
                near = self.data[self.partners[idx]].float() * self.scale + self.offset
                eps = torch.randn(*near.shape[:2], 1, device=self.device, generator=self.gen)
                if self.distinct is not None:  # small classes: their distinct neighbours
                    eps = eps * self.distinct_weights(idx)  # only, as sampling uses them
                cls = self.labels[idx] if self.labels is not None else torch.zeros_like(idx)
                self.g_kw = {"local": neighbour_noise(anchor, near, eps),
                             "share": self.share[cls]}
            idx = self.partners[idx, pick]
        x = self.data[idx].float() * self.scale + self.offset
        if self.copied is not None:  # the generator copies these from the anchor: so do
            x = torch.where(self.copied, anchor, x)  # real pairs, or D could tell by them
        if self.mem is torch.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        if self.partners is not None:
            return x, anchor
        return x, (self.labels[idx] if self.labels is not None else None)

    def distinct_weights(self, idx: Tensor) -> Tensor:
        """``(b, k, 1)`` weights of the noise draws: the first ``d`` slots (a row's
        distinct neighbours) scaled by ``sqrt(k / d)``, repeated slots zero, so
        ``neighbour_noise`` is ``sum_j eps_j (near_j - anchor) / sqrt(d)`` over the ``d``
        distinct neighbours, as in sampling (:func:`ganaug._sampling.partners_for`)."""
        k = self.partners.shape[1]
        d = self.distinct[idx].to(torch.float32)[:, None]
        slots = torch.arange(k, device=self.device)[None, :]
        return ((slots < d) * (k / d).sqrt())[..., None]

    def latent(self) -> Tensor:
        return torch.randn(self.b, self.cfg.latent_dim, device=self.device, generator=self.gen)

    def augment(self, x: Tensor) -> Tensor:
        return diff_augment(x, self.cfg.policy, self.gen) if self.cfg.policy else x

    def step(self) -> Tensor:
        """``d_steps`` D updates then one G update; returns (d_loss, g_loss, D(real), D(fake))."""
        cfg = self.cfg
        if self.cudagraphs:
            torch.compiler.cudagraph_mark_step_begin()
        for _ in range(cfg.d_steps):
            x, y = self.batch()
            with self.autocast:
                with torch.no_grad():
                    fake = self.g_fwd(self.latent(), y, **self.g_kw)
                # one D call on real and fake together: half the launches, and one
                # spectral-norm power iteration per update (D has no batch statistics)
                both = self.augment(torch.cat([x, fake.to(x.dtype)]))
                out = self.d_fwd(both, None if y is None else torch.cat([y, y])).float()
                real_out, fake_out = out[: self.b], out[self.b :]
                loss_d = d_loss(real_out, fake_out, cfg.loss)
            if cfg.loss == "wgan-gp":
                loss_d = loss_d + cfg.gp_weight * gradient_penalty(
                    self.D, x, fake.float(), y, self.gen
                )
            if cfg.lecam_weight > 0:
                means = torch.stack([real_out.mean(), fake_out.mean()]).detach()
                self.lecam_ema.lerp_(means, 0.01)
                loss_d = loss_d + cfg.lecam_weight * lecam(
                    real_out, fake_out, self.lecam_ema[0], self.lecam_ema[1]
                )
            self.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_d.step()
        _, y = self.batch()
        z, h = self.latent(), self.b // 2
        diverse = cfg.diversity_weight > 0 and h > 0
        if diverse and y is not None:  # rows i and i + h share a label
            y = torch.cat([y[:h], y[: self.b - h]])
            self.g_kw = {k: torch.cat([v[:h], v[: self.b - h]]) for k, v in self.g_kw.items()}
        with self.autocast:
            made = self.g_fwd(z, y, **self.g_kw)
            fake_g = self.d_fwd(self.augment(made), y).float()
            loss_g = g_loss(fake_g, cfg.loss)
        if diverse:  # mode seeking (Mao et al., 2019): distinct z must give distinct rows
            dx = (made[:h] - made[h : 2 * h]).float().abs().mean()
            dz = (z[:h] - z[h : 2 * h]).abs().mean()
            loss_g = loss_g + cfg.diversity_weight / (dx / dz + 1e-5)
        if cfg.gsr_weight > 0:
            loss_g = loss_g + cfg.gsr_weight * gsr_penalty(self.G, cfg.gsr_groups)
        self.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_g.step()
        with torch.no_grad():
            decay = min(cfg.ema_decay, (1.0 + self.t) / (10.0 + self.t))
            torch._foreach_lerp_(self.ema_p, self.g_p, 1.0 - decay)
            if self.ema_b:
                torch._foreach_copy_(self.ema_b, self.g_b)
        self.t += 1
        return torch.stack([loss_d.detach(), loss_g.detach(), real_out.mean().detach(),
                            fake_out.mean().detach()])

    def finite(self) -> bool:
        """Whether G's and D's weights are all finite (one host sync)."""
        flags = [torch.isfinite(p).all() for p in (*self.G.parameters(), *self.D.parameters())]
        return bool(torch.stack(flags).all())

    def state(self) -> tuple:
        # LeCam's moving means too: one NaN left them NaN through every restore
        return (_snapshot(self.G, self.D, self.G_ema, self.opt_g, self.opt_d),
                self.lecam_ema.clone())

    def load(self, states) -> None:
        _restore((self.G, self.D, self.G_ema, self.opt_g, self.opt_d), states[0])
        self.lecam_ema.copy_(states[1])


def _alone(partners: Tensor) -> Tensor:
    """Rows of a :func:`ganaug.data.neighbour_pairs` list that are their own partner."""
    return partners[:, 0] == torch.arange(len(partners), device=partners.device)


def no_pairs(partners: Tensor) -> bool:
    """Whether no row of a :func:`ganaug.data.neighbour_pairs` list has a partner."""
    return bool(_alone(partners).all())


def anchor_rows(partners: Tensor | None, rows: Tensor | None = None) -> Tensor | None:
    """The rows batches draw anchors from: :func:`paired_rows`, within ``rows`` (this
    rank's shard under DDP) when given; None for all rows."""
    paired = paired_rows(partners)
    if rows is None:
        return paired
    if paired is None:
        return rows
    mine = rows[torch.isin(rows, paired)]
    # a stratified shard holds a row of every class, and a class with a pair has no row
    # without one, so ``mine`` is empty only for hand-made shards: then all paired rows
    return mine if len(mine) else paired


def paired_rows(partners: Tensor | None) -> Tensor | None:
    """The rows that have a real partner (anchor mode), or None for all rows.

    A row alone in its class, or one of a class of equal rows, is its own partner:
    trained on, it shows D that a copy of the anchor is real and teaches G to copy, so
    batches leave it out (G makes its rows as it learned on the other classes). None
    when every row has a partner, or none has (then :func:`train_gan` trains nothing).
    Under DDP pairs are found among all rows, so every rank decides alike.
    """
    if partners is None:
        return None
    alone = _alone(partners)
    if not bool(alone.any()) or bool(alone.all()):
        return None
    return torch.nonzero(~alone).squeeze(1)


def distinct_partners(partners: Tensor) -> Tensor:
    """Number of distinct leading neighbours per row of a :func:`neighbour_pairs` list.

    A class with fewer than ``k`` other rows repeats its neighbours cyclically, so the
    first ``d`` slots hold the ``d`` distinct ones; a single row's list holds itself
    (``d = 1``, a zero displacement).
    """
    k = partners.shape[1]
    same = partners[:, :, None] == partners[:, None, :]
    earlier = torch.ones(k, k, dtype=torch.bool, device=partners.device).tril(-1)
    return (~(same & earlier).any(2)).sum(1)


def train_gan(
    *args: Any, checkpoint: dict | None = None, **kwargs: Any
) -> tuple[nn.Module, dict[str, list[float]]]:
    """Train ``G`` against ``D`` and return the EMA generator and the history.

    Parameters
    ----------
    *args, **kwargs
        The arguments of :class:`GANTrainer` (``G, D, data, labels, n_classes, cfg, gen,
        scale=1.0, offset=0.0, partners=None, share=None, rows=None``), documented there
        only.
    checkpoint : dict or None, default=None
        Warm start: a state from :func:`export_checkpoint` to continue from; it is
        updated in place with the state at the end of the run. None: a fresh run.

    Returns
    -------
    G_ema : torch.nn.Module
        The EMA generator, on the data's device.
    history : dict of str to list of float
        Per-epoch means of 'd_loss', 'g_loss', 'd_real' and 'd_fake'.

    Notes
    -----
    Training runs ``cfg.epochs`` epochs, or stops after ``cfg.max_steps`` generator
    steps or at the first step after ``cfg.time_budget`` seconds, whichever comes first
    (the last epoch is then partial); the history holds per-epoch means. With
    ``partners``, batches leave out the rows without a partner (:func:`paired_rows`),
    and nothing trains when no row has one (on any rank): the history is then empty.
    """
    tr = GANTrainer(*args, **kwargs)
    cfg = tr.cfg
    if cfg.epochs is None and cfg.max_steps is None and cfg.time_budget is None:
        raise ValueError("Training needs an end: epochs, max_steps or time_budget.")
    if checkpoint:  # warm start: continue from a kept state
        load_checkpoint(tr, checkpoint)
    start = tr.t  # max_steps counts this call's steps (a warm refit trains as many again)
    if cfg.comm is not None:  # DDP: rank 0's start, gradients averaged before each step
        cfg.comm.attach(tr)
    steps = max(1, math.ceil(tr.n / tr.b))
    history: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    # the NaN guard's restore point: (states, epoch, step count), renewed after >= SNAPSHOT_STEPS
    # steps, not every epoch (a per-class GAN of a tiny class has 1-step epochs, and
    # copying G, D, EMA and both optimisers each step cost as much as training)
    good, since = (tr.state(), 0, tr.t), 0
    restarts, epoch = 0, 0
    t0 = time.perf_counter()
    out_of_time = False
    total = cfg.epochs
    if cfg.max_steps is not None:
        by_steps = math.ceil(cfg.max_steps / steps)
        total = by_steps if total is None else min(total, by_steps)
    if tr.partners is not None:  # no row has a real partner (on any rank): every pair
        alone = no_pairs(tr.partners)  # would teach G to copy, so G stays as built
        if (alone if cfg.comm is None else not cfg.comm.any_true(not alone)):
            total = 0  # (anchor + noise, a zero residual); ranks decide together
    # verbose 1: a bar that stays on screen; 2: also one line of losses per epoch
    bar = tqdm(total=total, desc=cfg.desc, disable=not cfg.verbose, leave=True)
    while (total is None or epoch < total) and not out_of_time:
        acc = torch.zeros(4, device=tr.device)
        done = 0
        for _ in range(steps):
            acc += tr.step()
            done += 1
            if cfg.time_budget is not None and time.perf_counter() - t0 > cfg.time_budget:
                out_of_time = True  # host clock: no sync; the queue bounds the lag
            if cfg.max_steps is not None and tr.t - start >= cfg.max_steps:
                out_of_time = True  # same on every rank: no vote needed
            if cfg.comm is not None and cfg.time_budget is not None:  # ranks stop together
                out_of_time = cfg.comm.any_true(out_of_time)
            if out_of_time:
                break
        means = (acc / done if cfg.comm is None else cfg.comm.mean(acc / done)).cpu().numpy()
        if not (np.isfinite(means).all() and tr.finite()):
            restarts += 1
            if restarts > cfg.max_restarts:
                bar.close()
                raise FloatingPointError(
                    f"GAN training diverged (non-finite loss or weights) {restarts} times; "
                    "lower the learning rates" + (
                        "." if cfg.loss == "hinge" else " or use loss='hinge'.")
                )
            tr.load(good[0])  # this also restores the snapshot's learning rates, so
            # set them from the count: each restore halves them once more
            epoch, since = good[1], 0
            tr.t = good[2]  # discarded steps do not count towards max_steps (nor the EMA
            # warm-up, which reads the count)
            for values in history.values():
                del values[epoch:]
            bar.reset(total=total)
            bar.update(epoch)
            for opt, lr in ((tr.opt_g, cfg.g_lr), (tr.opt_d, cfg.d_lr)):
                for group in opt.param_groups:
                    group["lr"] = lr * 0.5**restarts
            # the restore took back the steps that reached max_steps: only the clock
            # can have run out
            out_of_time = (cfg.time_budget is not None
                           and time.perf_counter() - t0 > cfg.time_budget)
            if cfg.comm is not None and cfg.time_budget is not None:
                out_of_time = cfg.comm.any_true(out_of_time)
            continue
        for k, v in zip(HISTORY_KEYS, means):
            history[k].append(float(v))
        epoch += 1
        since += done
        if since >= SNAPSHOT_STEPS and not out_of_time and (total is None or epoch < total):
            good, since = (tr.state(), epoch, tr.t), 0
        bar.update(1)
        bar.set_postfix(d=f"{means[0]:.3f}", g=f"{means[1]:.3f}")
        if cfg.verbose >= 2:
            bar.write(f"{cfg.desc} epoch {epoch} (step {tr.t}): d_loss {means[0]:.4f} "
                      f"g_loss {means[1]:.4f} D(real) {means[2]:.3f} D(fake) {means[3]:.3f}")
    bar.close()
    if cfg.comm is not None:  # identical on every rank, checked
        cfg.comm.finish(tr)
    if checkpoint is not None:
        checkpoint.update(export_checkpoint(tr))
    G_ema = tr.G_ema
    G_ema.to(memory_format=torch.contiguous_format)
    return G_ema, history


train_gan.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [p for p in inspect.signature(GANTrainer).parameters.values()]
    + [inspect.Parameter("checkpoint", inspect.Parameter.KEYWORD_ONLY, default=None,
                         annotation="dict | None")],
    return_annotation="tuple[nn.Module, dict[str, list[float]]]",
)

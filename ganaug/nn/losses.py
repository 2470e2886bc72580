"""GAN objectives: hinge, non-saturating, WGAN-GP, and LeCam regularisation."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

LOSSES = ("hinge", "ns", "wgan-gp")


def d_loss(real: Tensor, fake: Tensor, kind: str) -> Tensor:
    """Discriminator loss from logits on real and fake batches."""
    if kind == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    if kind == "ns":
        return F.softplus(-real).mean() + F.softplus(fake).mean()
    if kind == "wgan-gp":
        return fake.mean() - real.mean()
    raise ValueError(f"unknown loss {kind!r}; use one of {LOSSES}")


def g_loss(fake: Tensor, kind: str) -> Tensor:
    """Generator loss from discriminator logits on a fake batch."""
    if kind == "ns":
        return F.softplus(-fake).mean()
    return -fake.mean()  # hinge and WGAN share the generator objective


def gradient_penalty(D, real: Tensor, fake: Tensor, y: Tensor | None, gen: torch.Generator):
    """WGAN-GP penalty on random interpolates of real and fake."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    alpha = torch.rand(shape, device=real.device, generator=gen, dtype=real.dtype)
    mix = (alpha * real + (1 - alpha) * fake).requires_grad_(True)
    out = D(mix, y)
    (grad,) = torch.autograd.grad(out.sum(), mix, create_graph=True)
    return ((grad.flatten(1).norm(dim=1) - 1.0) ** 2).mean()


def lecam(real: Tensor, fake: Tensor, ema_real: Tensor, ema_fake: Tensor) -> Tensor:
    """LeCam regulariser (Tseng et al., 2021): keeps D's outputs near their moving means."""
    return F.relu(real - ema_fake).pow(2).mean() + F.relu(ema_real - fake).pow(2).mean()


def gsr_penalty(G: torch.nn.Module, groups: int = 4, n_iter: int = 8) -> Tensor:
    """Group spectral regularisation (Rangwani et al., 2021) of class-conditional BN.

    Every class's gain deviation from 1 and bias vector (length C) of every conditional
    BN layer is reshaped to a ``groups x C/groups`` matrix; the penalty is the mean over classes and
    layers of its largest singular value. It keeps the class-specific parameters of
    tail classes from collapsing onto a few directions (mode collapse on rare classes).
    Modules count as conditional BN when they have ``gain`` and ``bias`` embeddings.

    The largest singular values come from ``n_iter`` batched power iterations on the
    ``groups x groups`` Gram matrices (no SVD, no host sync: a few small kernels per
    step); as in spectral norm, gradients flow through ``sigma = sqrt(v' M M' v)`` with
    the iteration vector held constant.
    """
    mats: dict[tuple[int, int], list[Tensor]] = {}
    for m in G.modules():
        gain, bias = getattr(m, "gain", None), getattr(m, "bias", None)
        if not (isinstance(gain, torch.nn.Embedding) and isinstance(bias, torch.nn.Embedding)):
            continue
        for emb, neutral in ((gain, 1.0), (bias, 0.0)):
            k, c = emb.weight.shape
            g = groups if c % groups == 0 else 1
            # the class's deviation from the neutral gain 1 (the official code's gain is
            # 1 + embedding): the gain itself gave a penalty at initialisation that
            # shrank every class's gain towards 0
            w = emb.weight.float() - neutral
            mats.setdefault((g, c // g), []).append(w.view(k, g, c // g))
    if not mats:
        return torch.zeros((), device=next(G.parameters()).device)
    total, count = None, 0
    for group in mats.values():
        w = torch.cat(group)  # (n, g, c/g): all layers of this shape in one batch
        gram = w @ w.transpose(1, 2)  # (n, g, g)
        with torch.no_grad():
            v = torch.ones(w.shape[0], w.shape[1], 1, device=w.device, dtype=w.dtype)
            gram_d = gram.detach()
            for _ in range(n_iter):
                v = F.normalize(gram_d @ v, dim=1)
        sigma = ((v.transpose(1, 2) @ gram @ v).squeeze(-1).squeeze(-1) + 1e-12).sqrt()
        total = sigma.sum() if total is None else total + sigma.sum()
        count += sigma.numel()
    return total / count

"""Differentiable augmentation (Zhao et al., 2020), batched on the device.

Policies: "color" (brightness, saturation, contrast), "translation" (up to 1/8 of the
size, zero padding) and "cutout" (a square of half the size). Every random draw uses the
``torch.Generator`` passed in, so training stays reproducible.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

POLICIES = ("color", "translation", "cutout")


def parse_policy(policy: str | None) -> tuple[str, ...]:
    """Split a comma list like ``"translation,cutout"`` into checked op names."""
    if not policy:
        return ()
    parts = tuple(p.strip() for p in policy.split(",") if p.strip())
    bad = [p for p in parts if p not in POLICIES]
    if bad:
        raise ValueError(f"unknown DiffAugment policy {bad}; use a comma list of {POLICIES}")
    return parts


def diff_augment(x: Tensor, policy: tuple[str, ...], gen: torch.Generator) -> Tensor:
    """Apply the ops of ``policy`` to a batch (N, C, H, W), each image drawn independently.

    Differentiable in ``x`` (gradients flow to the generator through fake batches);
    every random draw comes from ``gen``, on ``x``'s device.
    """
    for p in policy:
        x = _OPS[p](x, gen)
    return x


def _rand(x: Tensor, gen: torch.Generator, *shape: int) -> Tensor:
    return torch.rand(shape, device=x.device, generator=gen, dtype=torch.float32).to(x.dtype)


def _color(x: Tensor, gen: torch.Generator) -> Tensor:
    n = x.shape[0]
    x = x + (_rand(x, gen, n, 1, 1, 1) - 0.5)
    mean = x.mean(dim=1, keepdim=True)
    x = (x - mean) * (_rand(x, gen, n, 1, 1, 1) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_rand(x, gen, n, 1, 1, 1) + 0.5) + mean


def translation(x: Tensor, gen: torch.Generator, ratio: float = 0.125) -> Tensor:
    """Shift each image by whole pixels, zeros filling in (DiffAugment's translation).

    Pure integer gather on a zero-padded copy: exact for any size and dtype.

    Parameters
    ----------
    x : Tensor of shape (n, C, H, W)
        A batch of images (any dtype, any device).
    gen : torch.Generator
        Source of the shifts, on ``x``'s device.
    ratio : float, default=0.125
        Largest shift as a fraction of the image size (rounded, at least one pixel);
        :func:`diff_augment` uses 0.125.

    Returns
    -------
    Tensor of shape (n, C, H, W)
        The shifted images, same dtype and device as ``x``.
    """
    n, _, h, w = x.shape
    sh, sw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    dy = torch.randint(-sh, sh + 1, (n, 1), device=x.device, generator=gen)
    dx = torch.randint(-sw, sw + 1, (n, 1), device=x.device, generator=gen)
    iy = torch.arange(h, device=x.device).unsqueeze(0) + dy + sh  # (n, h) rows in padded
    ix = torch.arange(w, device=x.device).unsqueeze(0) + dx + sw  # (n, w)
    padded = F.pad(x, [sw, sw, sh, sh])
    rows = torch.arange(n, device=x.device).view(n, 1, 1)
    out = padded[rows, :, iy.unsqueeze(2), ix.unsqueeze(1)]  # (n, h, w, C)
    return out.permute(0, 3, 1, 2)


def _cutout(x: Tensor, gen: torch.Generator, ratio: float = 0.5) -> Tensor:
    n, _, h, w = x.shape
    ch, cw = max(1, int(h * ratio + 0.5)), max(1, int(w * ratio + 0.5))
    cy = torch.randint(0, h + (1 - ch % 2), (n, 1, 1), device=x.device, generator=gen)
    cx = torch.randint(0, w + (1 - cw % 2), (n, 1, 1), device=x.device, generator=gen)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    oy = ys - cy + ch // 2
    ox = xs - cx + cw // 2
    inside = (oy >= 0) & (oy < ch) & (ox >= 0) & (ox < cw)
    return x * (~inside).unsqueeze(1).to(x.dtype)


_OPS = {"color": _color, "translation": translation, "cutout": _cutout}

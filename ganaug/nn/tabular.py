"""Residual MLP generator and spectrally normalised MLP discriminator for tables."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm


class _Residual(nn.Module):
    def __init__(self, width: int):
        super().__init__()
        self.body = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, width))

    def forward(self, h: Tensor) -> Tensor:
        return h + self.body(h)


class MLPGenerator(nn.Module):
    """z (and a class embedding) -> residual MLP -> a row in the encoded space."""

    def __init__(self, latent_dim: int, out_dim: int, width: int, depth: int, n_classes: int):
        super().__init__()
        self.n_classes = n_classes
        self.embed = nn.Embedding(n_classes, latent_dim) if n_classes else None
        in_dim = latent_dim * (2 if n_classes else 1)
        self.inp = nn.Linear(in_dim, width)
        self.blocks = nn.Sequential(*[_Residual(width) for _ in range(depth)])
        self.out = nn.Sequential(nn.LayerNorm(width), nn.SiLU(), nn.Linear(width, out_dim))

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(y)], dim=1)
        return self.out(self.blocks(self.inp(z)))


class MLPDiscriminator(nn.Module):
    """Spectrally normalised MLP critic with a projection term for the class."""

    def __init__(self, in_dim: int, width: int, depth: int, n_classes: int, sn: bool = True):
        super().__init__()
        norm = spectral_norm if sn else (lambda m: m)
        layers: list[nn.Module] = [norm(nn.Linear(in_dim, width)), nn.LeakyReLU(0.2)]
        for _ in range(depth):
            layers += [norm(nn.Linear(width, width)), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.head = norm(nn.Linear(width, 1))
        self.embed = norm(nn.Embedding(n_classes, width)) if n_classes else None

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        h = self.body(x)
        out = self.head(h).squeeze(1)
        if self.embed is not None:
            out = out + (self.embed(y) * h).sum(dim=1)
        return out

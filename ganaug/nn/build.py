"""Fresh generator and discriminator for a data kind and a conditioning mode (torch only).

Callers pass plain sizes; the estimators' defaults (``width`` None and so on) are
resolved in ``ganaug/_fitting.py``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import torch
from torch import nn

from .images import ImageDiscriminator, ImageGenerator
from .tabular import AnchorGenerator, MLPDiscriminator, MLPGenerator, PairDiscriminator

# build_networks seeds torch's process-wide CPU generator: one build at a time, or jobs
# run as threads (joblib threads, Dask thread workers) would interleave initialisations
_BUILD_LOCK = threading.Lock()


def build_networks(
    kind: str,
    conditioning: str,
    *,
    latent_dim: int,
    n_classes: int,
    seed: int,
    width: int,
    discriminator_width: int,
    depth: int = 2,
    n_features: int | None = None,
    spans: Sequence | None = None,
    image_shape: tuple[int, int, int] | None = None,
) -> tuple[nn.Module, nn.Module]:
    """Fresh ``G`` and ``D``, initialised from ``seed`` without touching global RNG state.

    Parameters
    ----------
    kind : {'tabular', 'image'}
        Image networks (conditional ResNet, SN projection critic) or tabular MLPs.
    conditioning : {'anchor', 'label'}
        Tables: :class:`~ganaug.nn.tabular.AnchorGenerator` with a
        :class:`~ganaug.nn.tabular.PairDiscriminator`, or label-conditioned MLPs.
    latent_dim : int
        Size of the generator's noise input.
    n_classes : int
        Classes the networks take as input (0: unconditional; unused in anchor mode,
        whose networks take no class).
    seed : int
        Seed of the weight initialisation.
    width, discriminator_width : int
        Hidden units (tables) or channels (images) of G and D.
    depth : int, default=2
        Hidden layers after the first of the tabular MLPs.
    n_features : int or None
        Width of an encoded row (tables).
    spans : sequence of Span or None
        One-hot blocks of a mixed table, if any (copied from the anchor, or
        Gumbel-softmax heads of the label-conditioned generator).
    image_shape : tuple (C, H, W) or None
        Shape of one image (images).

    Returns
    -------
    G, D : torch.nn.Module
        The generator and the discriminator, on the CPU (or the current default device).
    """
    with _BUILD_LOCK, torch.random.fork_rng(devices=[]):
        # the CPU generator only: torch.manual_seed would also reseed every CUDA/MPS
        # generator, which fork_rng(devices=[]) does not restore
        torch.default_generator.manual_seed(seed)
        if kind == "image":
            G = ImageGenerator(latent_dim, image_shape, width, n_classes)
            D = ImageDiscriminator(image_shape, discriminator_width, n_classes)
        elif conditioning == "anchor":
            G = AnchorGenerator(
                latent_dim, n_features, width, depth, spans,
            )
            D = PairDiscriminator(n_features, discriminator_width, depth)
        else:
            G = MLPGenerator(latent_dim, n_features, width, depth, n_classes, spans=spans)
            D = MLPDiscriminator(
                n_features, discriminator_width, depth, n_classes,
                sn=False,  # measured: SN critics blur or drop modes on tables
            )
    return G, D

"""Fresh generator and discriminator for a data kind and a conditioning mode (torch only).

Callers pass plain sizes; the estimators' defaults (``width`` None and so on) are
resolved in ``ganaug/_fitting.py``.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Sequence

import torch
from torch import nn
from torch.overrides import TorchFunctionMode

from .images import ImageDiscriminator, ImageGenerator
from .tabular import AnchorGenerator, MLPDiscriminator, MLPGenerator, PairDiscriminator

#: random ops whose ``generator`` argument :class:`seeded_init` fills in (the tensor
#: methods torch's layer initialisations draw with, and the factory functions)
_RANDOM_OPS = frozenset({
    torch.Tensor.uniform_, torch.Tensor.normal_, torch.Tensor.random_,
    torch.Tensor.bernoulli_, torch.Tensor.exponential_, torch.Tensor.geometric_,
    torch.Tensor.log_normal_, torch.Tensor.cauchy_,
    torch.rand, torch.randn, torch.randint, torch.randperm, torch.normal,
    torch.bernoulli, torch.multinomial, torch.rand_like, torch.randn_like,
    torch.randint_like,
})


#: torch.nn.init's functions take a ``generator`` (torch 2.2 and later); before, their
#: draws inside a mode's handler cannot be given one
_INIT_TAKES_GENERATOR = "generator" in inspect.signature(nn.init.kaiming_uniform_).parameters
# with an older torch, seeded_init seeds the process-wide CPU generator instead: one
# build at a time, or builds in threads (joblib, Dask thread workers) would interleave
_GLOBAL_SEED_LOCK = threading.Lock()


class seeded_init(TorchFunctionMode):
    """Initialise modules built inside from a local CPU generator seeded with ``seed``.

    Every random draw made in this thread inside the block (a layer's default
    initialisation, spectral norm's start vector) takes ``generator=`` a private
    ``torch.Generator`` unless it names one, so the weights are those that
    ``torch.manual_seed(seed)`` would give (the same CPU generator, the same draws in
    the same order), while torch's process-wide generators are neither read nor reset:
    other threads drawing from them during a fit neither change its weights nor see
    their own stream changed. With torch before 2.2, whose ``torch.nn.init`` functions
    take no generator, it seeds the process-wide CPU generator inside
    ``torch.random.fork_rng`` instead (restored afterwards; other threads' draws in
    the meantime are not isolated there).
    """

    def __init__(self, seed: int):
        super().__init__()
        self.seed = int(seed)
        self.generator = torch.Generator().manual_seed(self.seed)
        self._fallback = None

    def __enter__(self):
        if _INIT_TAKES_GENERATOR:
            return super().__enter__()
        _GLOBAL_SEED_LOCK.acquire()
        self._fallback = torch.random.fork_rng(devices=[])
        self._fallback.__enter__()
        # the CPU generator only: torch.manual_seed would also reseed CUDA/MPS ones,
        # which fork_rng(devices=[]) does not restore
        torch.default_generator.manual_seed(self.seed)
        return self

    def __exit__(self, *exc):
        if self._fallback is None:
            return super().__exit__(*exc)
        try:
            return self._fallback.__exit__(*exc)
        finally:
            self._fallback = None
            _GLOBAL_SEED_LOCK.release()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = dict(kwargs or {})
        # a random op without a generator, or one of torch.nn.init's functions, which
        # pass their own ``generator=None`` on to the draw
        if kwargs.get("generator") is None and ("generator" in kwargs or func in _RANDOM_OPS):
            kwargs["generator"] = self.generator
        return func(*args, **kwargs)


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
    with seeded_init(seed):
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

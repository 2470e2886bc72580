"""ganaug: GAN-based data augmentation as scikit-learn / imbalanced-learn over-samplers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__

__all__ = ["ConditionalGANAugmenter", "GANAugmenter", "__version__", "load", "save"]

# Lazy: ``import ganaug`` (and the ``ganaug`` command's --help) does not import torch
# until an estimator or save/load is first used (PEP 562).
_LAZY = {
    "ConditionalGANAugmenter": "augmenters",
    "GANAugmenter": "augmenters",
    "load": "io",
    "save": "io",
}

if TYPE_CHECKING:  # pragma: no cover
    from .augmenters import ConditionalGANAugmenter, GANAugmenter
    from .io import load, save


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'ganaug' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

"""ganaug: GAN-based data augmentation as scikit-learn / imbalanced-learn over-samplers."""

from ._version import __version__
from .augmenters import ConditionalGANAugmenter, GANAugmenter
from .io import load, save

__all__ = ["ConditionalGANAugmenter", "GANAugmenter", "__version__", "load", "save"]

"""ganaug: GAN-based data augmentation as scikit-learn / imbalanced-learn over-samplers."""

from ._version import __version__
from .augmenters import ConditionalGANAugmenter, GANAugmenter

__all__ = ["ConditionalGANAugmenter", "GANAugmenter", "__version__"]

"""The CIFAR-10 benchmark's downstream classifier: ganaug's one image classifier, configured.

The network and training loop are :func:`ganaug.metrics.train_classifier` (airbench94's
recipe, see ``ganaug/_classifier.py``); the benchmark uses its defaults with a fixed
training budget, :data:`TRAIN_EXAMPLES` examples for every arm, so arms that add images do
not get more steps than ``none``, and airbench's BatchNorm epsilon 1e-12 (the value of
the runs recorded before the two classifiers were merged; the core default is 1e-5).
"""

from __future__ import annotations

import numpy as np

from ganaug.metrics import ClassifierConfig, ImageClassifier, train_classifier

__all__ = ["TRAIN_EXAMPLES", "ClassifierConfig", "bench_config", "fit_classifier"]

#: examples every arm's classifier sees (~9.8 epochs of 50,000 at batch 1024, 489 steps)
TRAIN_EXAMPLES = 500_000


def bench_config(**overrides) -> ClassifierConfig:
    """The benchmark's classifier settings: the recipe's defaults, ``TRAIN_EXAMPLES``
    examples, BatchNorm epsilon 1e-12; ``overrides`` are further ClassifierConfig fields."""
    return ClassifierConfig(**{"train_examples": TRAIN_EXAMPLES, "bn_eps": 1e-12,
                               **overrides})


def fit_classifier(X: np.ndarray, y: np.ndarray, config: ClassifierConfig, device, seed: int,
                   n_classes: int = 10, **fit_kw) -> ImageClassifier:
    """Train on uint8 images ``X`` (N, H, W, C) with class codes ``y`` in ``0 .. n_classes-1``.

    ``fit_kw`` (``class_weights``, ``weights_from``, ``mixup_alpha``) go to
    :func:`~ganaug.metrics.train_classifier`; ``predict`` of the result returns codes.
    """
    return train_classifier(X, y, config=config, classes=np.arange(n_classes),
                            device=device, random_state=seed, **fit_kw)

"""CIFAR-10 downstream benchmark: does GAN oversampling make a classifier better?

Run ``python -m ganaug_bench.cifar10 --help`` (or, in a source checkout, the alias
``python -m benchmarks.cifar10``). Every arm trains the same classifier
(:mod:`ganaug_bench.cifar10.classifier`, or an SVC on PCA features with ``--track sklearn``) with
the same budget and seeds on a differently composed training set, and is tested on the
full, balanced CIFAR-10 test set. Arms:

- ``none``: the training split as it is.
- ``ros``: imbalanced-learn ``RandomOverSampler``.
- ``rose``: ``RandomOverSampler(shrinkage=0.5)``, a smoothed bootstrap (ROSE), as in
  ``ganaug bench`` (flattened pixels rounded back to uint8 on the torch track).
- ``smote``: imbalanced-learn ``SMOTE`` on flattened pixels (rounded back to uint8).
- ``reweight``: no new rows; class-balanced loss weights (effective number of samples,
  beta=0.9999, Cui et al. 2019, scaled to mean 1 over the training rows; the sklearn track
  uses ``SVC(class_weight="balanced")``).
- ``drw``: deferred re-weighting (Cao et al. 2019): the same class-balanced weights,
  switched on for the last 20 % of the classifier's steps (torch track only).
- ``mixup``: mixup (Zhang et al. 2018, alpha 1) on the training split as it is, with DRW
  as in ``drw`` (Mixup-DRW, the strongest classical recipe in the published LT tables;
  torch track only).
- ``gan``: ``GANAugmenter``, one unconditional GAN per class.
- ``cgan``: ``ConditionalGANAugmenter``, one class-conditional GAN.
- ``cgan+filter``: the same fitted cGAN; synthetic images are kept only when the
  ``reweight`` arm's classifier (``--filter-with``; trained on the real training split,
  same seed) assigns them to their class,
  generating more until the counts are filled (after ``--filter-rounds`` rounds the rest
  is filled with the rejected images that classifier scores highest for their class).

All over-samplers get the same ``sampling_strategy``: 'auto' (every class up to the
largest) for long-tailed protocols, and ``--low-data-multiplier`` times each class for
the balanced low-data ones. The GANs see only the training split.

Outputs (in ``--out``): ``cifar10_<track>_<protocol>[_smoke].json`` (every run, summary,
paired comparisons, configuration, versions, device), a markdown table ``.md`` and a bar
chart ``.png`` with error bars.

Modules: :mod:`~ganaug_bench.cifar10.settings` (protocols, arms, settings),
:mod:`~ganaug_bench.cifar10.data` (CIFAR-10 splits, fake data, packed files),
:mod:`~ganaug_bench.cifar10.arms` (one arm and seed: training set, classifier, scores),
:mod:`~ganaug_bench.cifar10.report` (summary, paired comparisons, markdown, files),
:mod:`~ganaug_bench.cifar10.cli` (the command line) and
:mod:`~ganaug_bench.cifar10.classifier` (the downstream classifier).
"""

from __future__ import annotations

from .arms import compute_metrics, filtered_sample, run_sklearn_arm, run_torch_arm
from .cli import build_parser, main
from .data import (
    class_balanced_weights,
    class_groups,
    load_data,
    make_fake_cifar,
    pack_data,
    sampling_strategy_for,
)
from .report import markdown_report, merge_results, summarise, write_outputs
from .settings import (
    ARMS,
    CB_BETA,
    CLASSIC,
    DRW_FROM,
    METRICS,
    MIXUP_ALPHA,
    PROTOCOLS,
    TORCH_ONLY,
    GANSettings,
    Settings,
)

__all__ = [
    "ARMS", "CB_BETA", "CLASSIC", "DRW_FROM", "GANSettings", "METRICS", "MIXUP_ALPHA",
    "PROTOCOLS", "Settings", "TORCH_ONLY", "build_parser", "class_balanced_weights",
    "class_groups", "compute_metrics", "filtered_sample", "load_data", "main",
    "make_fake_cifar", "markdown_report", "merge_results", "pack_data", "run_sklearn_arm",
    "run_torch_arm", "sampling_strategy_for", "summarise", "write_outputs",
]

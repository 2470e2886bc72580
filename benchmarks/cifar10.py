"""``python -m benchmarks.cifar10``: an alias of ``python -m ganaug_bench.cifar10``.

The CIFAR-10 benchmark lives in :mod:`ganaug_bench.cifar10`, shipped with the
distribution so that ``ganaug bench --dataset cifar10-lt`` runs from an installed package.
"""

from __future__ import annotations

import sys

from ganaug_bench.cifar10 import build_parser, main

__all__ = ["build_parser", "main"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

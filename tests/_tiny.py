"""Tiny, fast settings shared by the test files (import with ``from _tiny import TINY``).

pytest puts ``tests/`` on ``sys.path`` (rootdir-relative "rootdir" import mode without
``__init__.py``), so any test module can ``from _tiny import TINY``.
"""

from __future__ import annotations

TINY: dict = {
    "epochs": 1,
    "batch_size": 16,
    "width": 16,
    "latent_dim": 8,
    "depth": 1,
    "d_steps": 1,
    "random_state": 0,
    "device": "cpu",
}
"""Parameters that make either augmenter fit in well under a second on a CPU."""

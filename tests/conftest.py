"""Shared test helpers.

- ``TINY`` (fast augmenter parameters: 1 epoch, batch 16, width 16, latent 8, depth 1,
  CPU, seed 0) lives in ``tests/_tiny.py``: import it as ``from _tiny import TINY``
  (pytest puts ``tests/`` on ``sys.path``), or use the ``tiny`` fixture below, which
  returns a fresh copy a test may modify.
- torch runs single-threaded in the test session: the networks under test are tiny, and
  on a small shared machine intra-op threads cost far more in contention than they gain
  (measured: 15x slower fits with 2 threads on a busy 2-core box).
"""

from __future__ import annotations

import pytest
import torch
from _tiny import TINY

torch.set_num_threads(1)


@pytest.fixture
def tiny() -> dict:
    """A fresh copy of ``TINY`` that a test may modify."""
    return dict(TINY)

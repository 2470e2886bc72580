"""Where the shared data sets are, and what a test does when they (or a test-only
dependency) are missing.

The project's data live in ``shared/data`` beside the checkout (``../shared`` here and in
CI's clone). A test that needs them calls :func:`need`: without the data it is skipped
on a developer's machine, but under CI (``CI=true``) it fails, so a broken data path can
never pass as a green run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = (ROOT.parent / "shared" / "data", Path("/work/shared/data"))


def shared_data() -> Path:
    """The shared ``data`` folder (the first that exists, else the first candidate)."""
    return next((p for p in CANDIDATES if p.is_dir()), CANDIDATES[0])


def need(path: Path) -> Path:
    """``path`` if it exists; else skip (a developer's machine) or fail (CI)."""
    if not Path(path).exists():
        message = f"{path} not found (the shared data beside the checkout)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    return Path(path)


def need_module(name: str):
    """``import name``; if missing, skip (a developer's machine) or fail (CI).

    For the modules of the ``test`` extra (matplotlib, dask's distributed): CI installs
    it, so there a missing one is a broken environment, not a reason to skip.
    """
    if os.environ.get("CI", "").lower() == "true":
        import importlib

        try:
            return importlib.import_module(name)
        except ImportError as exc:
            pytest.fail(f"{name} is not installed ({exc}); CI installs the test extra")
    return pytest.importorskip(name, reason=f"{name} (the test extra) is not installed")

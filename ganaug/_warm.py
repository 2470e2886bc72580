"""Warm start and atomicity of ``fit``: all of it in one place.

A fit continues the last one when ``warm_start`` is set and a train state was kept
(:func:`warm_ready`); :func:`check_warm` refuses data or settings that do not fit the
kept networks, :func:`resume` hands each GAN its kept state, :func:`keep_train_state`
keeps (or drops) the new one, and :func:`all_or_nothing` undoes a fit that does not finish.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from ._sampling import _outside_levels
from .data import TabularEncoder


def warm_ready(est) -> bool:
    """Whether this fit continues the last one (``warm_start`` and a kept train state)."""
    return bool(est.warm_start) and getattr(est, "train_state_", None) is not None

def check_warm(est, kind: str, mixed: bool, X, y) -> None:
    """Refuse a warm refit whose data or settings do not fit the kept networks."""
    if kind != est.data_kind_:
        raise ValueError(
            f"warm_start=True but X holds {kind} data and the first fit saw "
            f"{est.data_kind_} data; set warm_start=False to start over."
        )
    if (y is None) != (est.classes_ is None):
        raise ValueError(
            "warm_start=True must be fitted the same way as the first fit (with y both "
            "times, or without y both times); set warm_start=False to start over."
        )
    problems, warns = [], []
    if kind == "tabular" and mixed != isinstance(est.codec_, TabularEncoder):
        problems.append("X now needs the other table encoder (categorical columns or "
                        "missing values appeared or went away)")
    else:
        problems, warns = est.codec_.check_compatible(X)
    for key, value in getattr(est, "arch_params_", {}).items():
        if arch_value(getattr(est, key)) != arch_value(value):
            problems.append(f"{key} changed from {value!r} to {getattr(est, key)!r}")
    if problems:
        raise ValueError(
            "warm_start=True continues the first fit's networks and encoding, but "
            + "; ".join(problems) + ". Use the first fit's settings and data layout, or "
            "set warm_start=False to start over."
        )
    for w in warns:
        warnings.warn(f"warm_start=True: {w}. Set warm_start=False to refit the "
                      "encoding.", UserWarning, stacklevel=_outside_levels())

def resume(est, k: int) -> dict | None:
    """Kept training state of GAN ``k`` to continue from (warm start), else None."""
    states = getattr(est, "_resume_states", None)
    return None if states is None else states[k]

def keep_train_state(est, states: list) -> None:
    """Keep the raw G, D and optimiser states for a later warm start (if asked)."""
    if est.warm_start:
        est.train_state_ = states
    else:
        est.__dict__.pop("train_state_", None)



@contextmanager
def all_or_nothing(est) -> Iterator[None]:
    """Undo every attribute change of a fit that does not finish.

    A ``KeyboardInterrupt`` (or any error) during ``fit`` leaves the estimator as it
    was before the call: unfitted, or with its last complete fitted state, whose
    sampling streams are put back too (a warm refit keeps the fitted table codec, whose
    stream a failed ``fit_resample`` had moved while drawing categories).
    """
    from .base import kept_sampling_streams  # base imports this module

    before = dict(est.__dict__)
    with kept_sampling_streams(est, on_error_only=True):
        try:
            yield
        except BaseException:
            est.__dict__.clear()
            est.__dict__.update(before)
            raise


def arch_value(value):
    """A setting as ``arch_params_`` compares it: sequences (``image_shape`` given as a
    list or of numpy ints, or read back from a saved file) as tuples of ints, an
    ``image_shape`` of (H, W) as (H, W, 1), the same layout."""
    if not isinstance(value, list | tuple | np.ndarray):
        return value
    value = tuple(int(v) for v in value)
    return (*value, 1) if len(value) == 2 else value

"""The one place where ganaug reaches into other libraries' private or unstable API.

imbalanced-learn does the same through its ``sklearn_compat`` dependency; ganaug needs
only a few names, so they live here. Modules import them from ``ganaug._compat``, never
from the private locations: when scikit-learn or torch moves one, only this file
changes. Where a public spelling exists it is used instead (the tensor flattening).
"""

from __future__ import annotations

import torch

# imbalanced-learn's helper that turns resampled arrays back into the caller's
# containers (DataFrame/Series, names, dtypes): the estimators run imbalanced-learn's
# fit_resample steps themselves (to pass validation results along instead of storing
# them), and this private class is how imbalanced-learn's own samplers do that step.
from imblearn.utils._validation import ArraysTransformer

# scikit-learn has no public way to run ``fit`` under its parameter validation and
# ``skip_parameter_validation`` context: ``_fit_context`` is what its own estimators
# (and imbalanced-learn's, via sklearn_compat) use; stable since scikit-learn 1.3.
from sklearn.base import _fit_context

# The constraint classes of ``_parameter_constraints``: scikit-learn's validator tests
# constraints against its own classes, so they must be these objects, not copies (the
# package's own constraints subclass ``Options``, as ``make_constraint`` refuses other
# ``_Constraint`` objects); the module is private, with no public equivalent. Its
# ``validate_parameter_constraints`` checks ``sample()``'s ``random_state`` by the rule
# the constructor's goes through, with the same message.
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

# Public, but only since scikit-learn 1.6 (before: the private estimator method
# ``_validate_data``); kept here so the version floor is decided in one place. The
# package also passes ``ensure_all_finite`` (1.6+) to check_array, so it needs
# scikit-learn >= 1.6 (pyproject.toml says so).
from sklearn.utils.validation import validate_data

__all__ = [
    "ArraysTransformer",
    "fitted_svc_gamma",
    "HasMethods",
    "Interval",
    "Options",
    "StrOptions",
    "_fit_context",
    "validate_parameter_constraints",
    "flatten_dense_tensors",
    "unflatten_dense_tensors",
    "validate_data",
]


def flatten_dense_tensors(tensors: list[torch.Tensor] | tuple[torch.Tensor, ...]) -> torch.Tensor:
    """One 1-D tensor holding ``tensors`` one after the other (a new copy).

    The public replacement for ``torch._utils._flatten_dense_tensors`` (``torch.cat``
    of flattened views): the same values in the same order. Unlike the private one, a
    single tensor is also copied, never returned as a view of its input.
    """
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten_dense_tensors(
    flat: torch.Tensor, tensors: list[torch.Tensor] | tuple[torch.Tensor, ...]
) -> list[torch.Tensor]:
    """Views into ``flat`` shaped like ``tensors`` (the inverse of the flattening).

    The public replacement for ``torch._utils._unflatten_dense_tensors``
    (``torch.split`` by element counts, then ``view_as``).
    """
    parts = torch.split(flat, [t.numel() for t in tensors])
    return [p.view_as(t) for p, t in zip(parts, tensors)]


def fitted_svc_gamma(svc) -> float | None:
    """The kernel coefficient a fitted scikit-learn ``SVC`` uses (its ``gamma`` resolved:
    ``'scale'`` and ``'auto'`` become numbers at ``fit``, kept only in the private
    ``_gamma``), or None where this scikit-learn keeps it elsewhere (callers then use the
    SVC's own ``predict``)."""
    gamma = getattr(svc, "_gamma", None)
    return float(gamma) if isinstance(gamma, int | float) and gamma > 0 else None

"""scikit-learn's and imbalanced-learn's estimator checks over both augmenters.

Both suites run on tiny settings (``_tiny.TINY``). Every check that is expected to fail is
listed in ``EXPECTED_FAILED`` with its reason; everything else must pass.
"""

from __future__ import annotations

import pytest
from _tiny import TINY
from imblearn.utils.estimator_checks import (
    parametrize_with_checks as imblearn_parametrize_with_checks,
)
from sklearn.utils.estimator_checks import (
    parametrize_with_checks as sklearn_parametrize_with_checks,
)

from ganaug import ConditionalGANAugmenter, GANAugmenter

# The checks fit on up to 1000 rows; a large batch keeps each tiny fit to a few steps.
COMMON = {**TINY, "batch_size": 256}
ESTIMATORS = [GANAugmenter(**COMMON), ConditionalGANAugmenter(**COMMON)]

_PANDAS_SPARSE = (
    "DataFrames of pandas SparseDtype columns are sparse input: the augmenters take dense "
    "data only (tag input_tags.sparse=False) and refuse them with a TypeError asking for "
    "dense data; imbalanced-learn runs this check for every sampler that accepts "
    "DataFrames, whatever its sparse tag."
)

# check name -> reason, per estimator class.
EXPECTED_FAILED: dict[str, dict[str, str]] = {
    "GANAugmenter": {"check_samplers_pandas_sparse": _PANDAS_SPARSE},
    "ConditionalGANAugmenter": {"check_samplers_pandas_sparse": _PANDAS_SPARSE},
}


def _expected_failed(estimator) -> dict[str, str]:
    return EXPECTED_FAILED[type(estimator).__name__]


@sklearn_parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed)
def test_sklearn_estimator_checks(estimator, check) -> None:
    check(estimator)


def _listed(mark: pytest.MarkDecorator) -> pytest.MarkDecorator:
    """The same parametrize mark with its argvalues as a list (imblearn passes a generator,
    which pytest deprecates)."""
    argnames, argvalues = mark.args
    return pytest.mark.parametrize(argnames, list(argvalues), **mark.kwargs)


@_listed(imblearn_parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed))
def test_imblearn_estimator_checks(estimator, check) -> None:
    check(estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_expected_failures_are_real_check_names(estimator) -> None:
    """Guard against typos: every listed check name exists in one of the two suites."""
    from imblearn.utils.estimator_checks import estimator_checks_generator as imb_gen
    from sklearn.utils.estimator_checks import estimator_checks_generator as skl_gen

    names = set()
    for gen in (skl_gen, imb_gen):
        for _, check in gen(estimator):
            func = getattr(check, "func", check)
            names.add(getattr(func, "__name__", ""))
    assert set(_expected_failed(estimator)) <= names

"""fit_resample against RandomOverSampler's contract, and sample()'s label handling."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler

import ganaug.augmenters
import ganaug.io
import ganaug.report
from ganaug import ConditionalGANAugmenter, GANAugmenter

TINY = dict(max_steps=3, width=8, random_state=0)
RS = np.random.RandomState(0)
X = RS.normal(size=(30, 3))


@pytest.mark.parametrize("Aug", [ConditionalGANAugmenter, GANAugmenter])
@pytest.mark.parametrize("y, strategy", [
    ([0] * 15 + [1] * 15, "auto"),  # balanced: nothing to add
    ([0] * 20 + [1] * 10, "not minority"),  # binary: the majority only, nothing to add
    ([0] * 20 + [1] * 10, "auto"),  # rows added
])
def test_output_index_is_fresh_whether_or_not_rows_are_added(Aug, y, strategy):
    Xdf = pd.DataFrame(X, columns=list("abc"), index=pd.RangeIndex(100, 130, name="id"))
    ys = pd.Series(y, name="t", index=Xdf.index)
    Xr, yr = Aug(sampling_strategy=strategy, **TINY).fit_resample(Xdf, ys)
    Xo, yo = RandomOverSampler(sampling_strategy=strategy, random_state=0).fit_resample(Xdf, ys)
    pd.testing.assert_index_equal(Xr.index, Xo.index)
    pd.testing.assert_index_equal(yr.index, yo.index)
    pd.testing.assert_frame_equal(Xr.iloc[:30], Xo.iloc[:30])


def test_callable_strategy_is_called_once_with_the_validated_labels():
    seen = []

    def strategy(labels):
        seen.append(type(labels))
        return {1 - labels[0]: 20}  # positional access, as on an array

    y = pd.Series([0] * 20 + [1] * 10, index=range(100, 130))
    _, yr = ConditionalGANAugmenter(sampling_strategy=strategy, **TINY).fit_resample(X, y)
    assert seen == [np.ndarray]
    assert np.bincount(yr).tolist() == [20, 20]
    RandomOverSampler(sampling_strategy=strategy).fit_resample(X, y)  # the same calls
    assert seen == [np.ndarray, np.ndarray]


def test_object_series_labels_come_back_as_the_series_sample_returns():
    y = pd.Series([0] * 20 + [1] * 10, name="label", dtype=object)
    aug = ConditionalGANAugmenter(**TINY)
    _, yr = aug.fit_resample(X, y)
    _, ys = aug.sample(2)
    for out in (yr, ys):
        assert isinstance(out, pd.Series) and out.name == "label" and out.dtype == object
    assert yr.tolist()[:30] == y.tolist() and sorted(set(yr.tolist()[30:])) == [1]


def test_rows_mixing_numbers_and_text_in_a_list_are_a_mixed_table():
    rows = [[float(v), c] for v, c in zip(RS.normal(size=30), RS.choice(["x", "y"], 30))]
    y = [0] * 20 + [1] * 10
    Xr, yr = ConditionalGANAugmenter(**TINY).fit_resample(rows, y)
    Xo, _ = RandomOverSampler(random_state=0).fit_resample(rows, y)
    assert type(Xr) is type(Xo) and len(Xr) == len(Xo) == 40
    assert Xr[:30] == rows  # originals unchanged, in order
    assert all(isinstance(r[0], float) and r[1] in ("x", "y") for r in Xr[30:])
    with pytest.raises(ValueError, match="numpy array of text"):
        ConditionalGANAugmenter(**TINY).fit_resample(np.array(rows), y)


def test_unknown_sample_labels_are_named_exactly():
    aug = ConditionalGANAugmenter(**TINY).fit(X, [0] * 20 + [1] * 10)
    with pytest.raises(ValueError, match=r"Unknown label\(s\) \['q'\]"):
        aug.sample(3, y=[1, "q", 1])


@pytest.mark.parametrize("labels", [
    [1.0, np.float64(2.0)] * 15,
    [True, np.True_, False] * 10,
])
def test_numpy_and_python_scalars_of_one_kind_are_one_label_type(labels):
    y = np.array(labels, dtype=object)
    _, yr = ConditionalGANAugmenter(**TINY).fit_resample(X, y)
    assert yr.tolist()[:30] == [v.item() if isinstance(v, np.generic) else v for v in labels]


@pytest.mark.parametrize("module", [ganaug.augmenters, ganaug.io, ganaug.report])
def test_docstring_examples_run_as_shown(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0

"""Property-based tests (hypothesis) over shapes, dtypes, label types and strategies.

Tiny settings (1 epoch, width 8-16) and few examples; each example checks exact counts,
dtypes, label values, and that the original rows come back unchanged and first.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from _tiny import TINY
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ganaug import ConditionalGANAugmenter, GANAugmenter

SETTINGS = settings(
    max_examples=15, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

X_DTYPES = [np.float64, np.float32, np.int64, np.int32, np.uint8]
LABEL_KINDS = ["int", "int32", "str", "object-str", "bool", "float", "category"]


@st.composite
def tables(draw):
    """A small numeric table with labels of a drawn type and at least 2 rows per class."""
    n_classes = draw(st.integers(2, 3))
    counts = draw(st.lists(st.integers(2, 12), min_size=n_classes, max_size=n_classes))
    n_features = draw(st.integers(1, 5))
    dtype = draw(st.sampled_from(X_DTYPES))
    seed = draw(st.integers(0, 2**16))
    rs = np.random.RandomState(seed)
    n = sum(counts)
    values = rs.normal(scale=draw(st.sampled_from([0.1, 1.0, 100.0])), size=(n, n_features))
    if np.issubdtype(dtype, np.unsignedinteger):
        values = np.abs(values) * 10
    X = values.astype(dtype)
    kind = draw(st.sampled_from(LABEL_KINDS if n_classes == 2 else
                                [k for k in LABEL_KINDS if k != "bool"]))
    codes = np.repeat(np.arange(n_classes), counts)
    rs.shuffle(codes)
    y = _labels(codes, kind)
    as_frame = draw(st.booleans())
    if as_frame:
        X = pd.DataFrame(X, columns=[f"c{i}" for i in range(n_features)])
    return X, y, kind


def _labels(codes: np.ndarray, kind: str):
    names = np.array(["alpha", "beta", "gamma"])
    if kind == "int":
        return codes.astype(np.int64) * 3 - 2
    if kind == "int32":
        return codes.astype(np.int32)
    if kind == "str":
        return names[codes]
    if kind == "object-str":
        return names[codes].astype(object)
    if kind == "bool":
        return codes.astype(bool)
    if kind == "float":
        return codes.astype(np.float64) * 2.0  # integral floats: classes, not a regression
    return pd.Series(pd.Categorical(names[codes]))


def _strategy(draw, y):
    classes, counts = np.unique(np.asarray(y), return_counts=True)
    choice = draw(st.sampled_from(["auto", "all", "not majority", "dict", "float"]))
    if choice == "dict":
        extra = draw(st.lists(st.integers(0, 7), min_size=len(classes), max_size=len(classes)))
        return {c: int(k + e) for c, k, e in zip(classes.tolist(), counts, extra)}
    if choice == "float":
        if len(classes) != 2:
            return "auto"
        ratio = counts.min() / counts.max()
        return float(draw(st.floats(min(1.0, ratio + 1e-6), 1.0)))
    return choice


def _params(draw):
    return {**TINY, "width": draw(st.sampled_from([8, 16])),
            "batch_size": draw(st.sampled_from([4, 16]))}


def _assert_originals_first(X, y, X_res, y_res):
    n = len(y)
    if isinstance(X, pd.DataFrame):
        assert isinstance(X_res, pd.DataFrame)
        pd.testing.assert_frame_equal(X_res.iloc[:n].reset_index(drop=True),
                                      X.reset_index(drop=True))
        assert dict(X_res.dtypes) == dict(X.dtypes)
        assert list(X_res.columns) == list(X.columns)
    else:
        assert X_res.dtype == X.dtype
        np.testing.assert_array_equal(X_res[:n], X)
    np.testing.assert_array_equal(np.asarray(y_res[:n]), np.asarray(y))


@pytest.mark.parametrize("cls", [ConditionalGANAugmenter, GANAugmenter])
@SETTINGS
@given(data=st.data())
def test_fit_resample_counts_dtypes_and_originals(cls, data):
    X, y, kind = data.draw(tables())
    strategy = _strategy(data.draw, y)
    X0 = X.copy()
    y0 = y.copy()
    aug = cls(sampling_strategy=strategy, **_params(data.draw))
    X_res, y_res = aug.fit_resample(X, y)
    # inputs untouched, originals first and unchanged
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(X, X0)
    else:
        np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(np.asarray(y), np.asarray(y0))
    _assert_originals_first(X, y, X_res, y_res)
    # exact counts per class, as imbalanced-learn computed them
    added = pd.Series(np.asarray(y_res[len(y):])).value_counts().to_dict()
    expected = {k: v for k, v in aug.sampling_strategy_.items() if v > 0}
    assert added == expected
    assert len(X_res) == len(y_res) == len(y) + sum(expected.values())
    # synthetic rows are finite and inside the training range of each column
    new = np.asarray(X_res[len(y):], dtype=np.float64)
    assert np.isfinite(new).all()
    if len(new):
        lo, hi = np.asarray(X0, dtype=np.float64).min(0), np.asarray(X0, dtype=np.float64).max(0)
        assert (new >= lo - 1e-6).all() and (new <= hi + 1e-6).all()


def _save_load(aug):
    import os
    import tempfile

    import ganaug

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "m.ganaug")
        ganaug.save(aug, path)
        return ganaug.load(path)


@SETTINGS
@given(data=st.data())
def test_sample_counts_and_label_types(data):
    X, y, kind = data.draw(tables())
    aug = ConditionalGANAugmenter(**_params(data.draw)).fit(X, y)
    classes = aug.classes_
    n = data.draw(st.integers(1, 40))
    X_new, y_new = aug.sample(n)
    assert len(X_new) == len(y_new) == n
    if isinstance(y, pd.Series):  # the container the user gave: a Series, its dtype
        assert isinstance(y_new, pd.Series) and y_new.dtype == y.dtype
        assert y_new.name == y.name
    else:
        assert y_new.dtype == classes.dtype
    assert set(np.unique(np.asarray(y_new))) <= set(classes.tolist())
    label = classes[data.draw(st.integers(0, len(classes) - 1))]
    X_one, y_one = aug.sample(n, y=label)
    assert len(X_one) == n and (y_one == label).all()
    per_row = classes[np.arange(n) % len(classes)]
    _, y_rows = aug.sample(n, y=per_row)
    np.testing.assert_array_equal(y_rows, per_row)
    if isinstance(X, pd.DataFrame):
        assert dict(X_new.dtypes) == dict(X.dtypes)
    else:
        assert X_new.dtype == X.dtype and X_new.shape == (n, X.shape[1])
    # save/load keeps labels (with their dtype), codec and sampling state
    twin = copy.deepcopy(aug)
    loaded = _save_load(aug)
    assert loaded.classes_.dtype == classes.dtype
    np.testing.assert_array_equal(loaded.classes_, classes)
    Xa, ya = twin.sample(n)
    Xb, yb = loaded.sample(n)
    np.testing.assert_array_equal(ya, yb)
    np.testing.assert_array_equal(np.asarray(Xa), np.asarray(Xb))


@SETTINGS
@given(
    n=st.integers(6, 20),
    layout=st.sampled_from(["NHWC", "NCHW", "NHW", "flat"]),
    dtype=st.sampled_from([np.uint8, np.float32]),
    side=st.sampled_from([4, 8]),
    channels=st.sampled_from([1, 3]),
    n_new=st.integers(1, 9),
)
def test_images_shapes_and_dtypes(n, layout, dtype, side, channels, n_new):
    rs = np.random.RandomState(n)
    imgs = rs.randint(0, 256, size=(n, side, side, channels)).astype(dtype)
    params = dict(TINY, width=8)
    if layout == "NCHW":
        imgs = imgs.transpose(0, 3, 1, 2)
    elif layout == "NHW":
        imgs = imgs[..., 0]
    elif layout == "flat":
        params["image_shape"] = (side, side, channels)
        imgs = imgs.reshape(n, -1)
    imgs0 = imgs.copy()
    aug = GANAugmenter(**params).fit(imgs)
    out = aug.sample(n_new)
    np.testing.assert_array_equal(imgs, imgs0)
    assert out.dtype == imgs.dtype
    assert out.shape == (n_new, *imgs.shape[1:])
    if dtype == np.float32:
        assert out.min() >= imgs.min() and out.max() <= imgs.max()

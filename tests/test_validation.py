"""Bad input is refused at once, before any training, with a message naming the problem.

The catalogue ``FIT_CASES`` / ``SAMPLE_CASES`` lists each bad input with the exception
type and a fragment of the message. Training is replaced by a function that fails the
test if it is ever called, which proves that every refusal happens before training.
Inputs are never modified in place, and read-only arrays are accepted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from _tiny import TINY
from scipy import sparse
from sklearn.exceptions import NotFittedError

import ganaug._fitting
import ganaug.train
from ganaug import ConditionalGANAugmenter, GANAugmenter

RS = np.random.RandomState(0)
X = RS.normal(size=(40, 3))
Y = np.r_[np.zeros(30), np.ones(10)].astype(int)
Y3 = np.r_[np.zeros(20), np.ones(10), np.full(10, 2)].astype(int)
IMG = RS.randint(0, 256, size=(12, 8, 8, 3)).astype(np.uint8)


def C(**kw):
    return ConditionalGANAugmenter(**{**TINY, **kw})


def G(**kw):
    return GANAugmenter(**{**TINY, **kw})


def _inf(a):
    a = a.copy()
    a[5, 0] = np.inf
    return a


# name -> (call, exception, message fragment); every call must fail before training
FIT_CASES = {
    # ---- found by the 2026-12-02 bug hunts
    "period column treated as numbers": (
        lambda: C(categorical_features=None).fit(
            pd.DataFrame({"x": X[:, 0], "m": pd.period_range("2020-01", periods=40,
                                                             freq="M")}), Y),
        ValueError, "periods cannot be rebuilt"),
    "object column of ints beyond 2**53": (
        lambda: C().fit(np.array([[2**62 + 10**12 * i, 0.5] for i in range(40)],
                                 dtype=object), Y),
        ValueError, "beyond 2**53"),
    "labels beyond 64 bits": (
        lambda: C().fit(X, np.array([2**70, 2**70 + 1], dtype=object)[Y]),
        ValueError, "beyond 64 bits"),
    # ---- X: shape and size
    "empty X": (lambda: C().fit(np.empty((0, 3)), np.empty(0)), ValueError, "0 sample"),
    "empty X unconditional": (lambda: G().fit(np.empty((0, 3))), ValueError, "0 sample"),
    "one row": (lambda: G().fit(X[:1]), ValueError, "1 sample"),
    "X is None": (lambda: G().fit(None), ValueError, "X is None"),
    "1-D X": (lambda: G().fit(X[:, 0]), ValueError, "Use X.reshape(-1, 1)"),
    "1-D Series X": (lambda: G().fit(pd.Series(X[:, 0])), ValueError, "Use X.to_frame()"),
    "0-D X": (lambda: G().fit(3.0), ValueError, "2-D"),
    "5-D X": (lambda: G().fit(RS.normal(size=(10, 2, 3, 4, 5))), ValueError, "2-D"),
    "no features": (lambda: G().fit(np.empty((10, 0))), ValueError, "0 feature"),
    "a DataFrame without columns": (
        lambda: C().fit(pd.DataFrame(index=range(10)), [0, 1] * 5), ValueError, "0 feature"
    ),
    "3-D array that is not images": (
        lambda: G().fit(RS.normal(size=(40, 2, 3))), ValueError, "at least 4x4"
    ),
    "4-D array of 2x2 'images'": (
        lambda: G().fit(RS.normal(size=(10, 2, 2, 3))), ValueError, "at least 4x4"
    ),
    "4-D array without a channel axis": (
        lambda: G().fit(RS.normal(size=(10, 5, 6, 7))), ValueError, "channel axis"
    ),
    "image_shape does not match the columns": (
        lambda: G(image_shape=(5, 5)).fit(RS.normal(size=(10, 24))), ValueError, "image_shape"
    ),
    "image_shape with a zero": (
        lambda: G(image_shape=(0, 3)).fit(RS.normal(size=(10, 24))), ValueError, "image_shape"
    ),
    "image_shape not a tuple": (
        lambda: G(image_shape="8x8").fit(RS.normal(size=(10, 64))), ValueError, "image_shape"
    ),
    # ---- X: values and types
    "inf in a numeric array": (lambda: G().fit(_inf(X)), ValueError,
                               "Column(s) [0] of X contain infinity"),
    "-inf in a numeric frame": (lambda: G().fit(pd.DataFrame(-_inf(X)).add_prefix("f")),
                                ValueError, "Column(s) ['f0'] of X contain infinity"),
    "inf in a Float64 (extension) frame": (
        lambda: G().fit(pd.DataFrame(_inf(X)).astype("Float64").add_prefix("f")),
        ValueError, "Column(s) ['f0'] of X contain infinity"),
    "NaN in images": (
        lambda: G().fit(np.full((10, 8, 8, 3), np.nan)), ValueError, "NaN or infinity"
    ),
    "strings in a numeric array": (
        lambda: G().fit(np.array([["a", "b"]] * 10)), ValueError, "numpy array of text"
    ),
    "string images": (
        lambda: G().fit(np.full((10, 8, 8, 3), "a")), TypeError, "numeric dtype"
    ),
    "complex numbers": (
        lambda: G().fit(X.astype(complex)), ValueError, "Column 0 of X holds complex"
    ),
    "a complex column in a mixed DataFrame": (
        lambda: C().fit(pd.DataFrame({"a": X[:, 0] + 1j, "c": ["u", "v"] * 20}), Y),
        ValueError, "Column 'a' of X holds complex",
    ),
    "complex numbers in an object column": (
        lambda: C().fit(pd.DataFrame({"a": np.array([1 + 2j, 3.0] * 20, dtype=object)}), Y),
        ValueError, "holds complex",
    ),
    "complex images": (
        lambda: G().fit(np.ones((10, 8, 8, 3), dtype=complex)), ValueError, "X holds complex"
    ),
    "lists in DataFrame cells": (
        lambda: C().fit(pd.DataFrame({"a": X[:, 0], "l": [[1, 2]] * 40}), Y),
        TypeError, "Column 'l' of X holds list values",
    ),
    "dicts in an object array": (
        lambda: C().fit(np.array([[0.5, {"k": 1}]] * 40, dtype=object), Y),
        TypeError, "Column 1 of X holds dict values",
    ),
    "sparse matrix": (lambda: G().fit(sparse.csr_matrix(X)), TypeError, "sparse"),
    "sparse matrix through fit_resample": (
        lambda: C().fit_resample(sparse.csr_matrix(X), Y), TypeError, "sparse"
    ),
    "duplicate DataFrame columns": (
        lambda: G().fit(pd.DataFrame(X, columns=["a", "a", "b"])), ValueError, "duplicate column"
    ),
    # ---- y
    "y=None for the conditional GAN": (
        lambda: C().fit(X, None), ValueError, "requires y to be passed"
    ),
    "y=None through fit_resample names the unconditional route": (
        lambda: C().fit_resample(X, None), ValueError,
        "requires y to be passed, but the target y is None. Pass the class labels; for new "
        "rows without labels use GANAugmenter().fit(X).sample(n)",
    ),
    "a single class": (lambda: C().fit(X, np.zeros(40)), ValueError, "more than 1 class"),
    "a class with one sample, label conditioning": (
        lambda: C(conditioning="label").fit(X, np.r_[np.zeros(39), 1]), ValueError,
        "fewer than 2 samples",
    ),
    "a class with one sample, per-class label GANs": (
        lambda: G(conditioning="label").fit(X, np.r_[np.zeros(38), 1, 2]), ValueError,
        "fewer than 2 samples",
    ),
    "X and y of different lengths": (
        lambda: C().fit(X, Y[:-1]), ValueError, "different lengths"
    ),
    "X and y of different lengths via fit_resample": (
        lambda: C().fit_resample(X[:-2], Y), ValueError, "different lengths"
    ),
    "NaN labels": (
        lambda: C().fit(X, np.r_[np.zeros(30), np.ones(9), np.nan]), ValueError, "missing labels"
    ),
    "None labels": (
        lambda: C().fit(X, np.array(["a"] * 30 + ["b"] * 9 + [None], dtype=object)),
        ValueError, "missing labels",
    ),
    "pandas NA labels (nullable Int64)": (
        lambda: C().fit_resample(X, pd.Series(pd.array([0] * 30 + [1] * 9 + [None],
                                                        dtype="Int64"))),
        ValueError, "missing labels",
    ),
    "continuous y": (lambda: C().fit(X, RS.normal(size=40)), ValueError, "continuous"),
    "2-D y (multilabel)": (lambda: C().fit(X, np.c_[Y, Y]), ValueError, "Multilabel"),
    "sparse y": (
        lambda: C().fit(X, sparse.csr_matrix(Y.reshape(-1, 1))), TypeError, "sparse"
    ),
    # ---- sampling_strategy
    "strategy dict asks for fewer rows than a class has": (
        lambda: C(sampling_strategy={0: 10, 1: 20}).fit(X, Y),
        ValueError, "greater or equal to the original number",
    ),
    "float strategy on a multiclass target": (
        lambda: C(sampling_strategy=0.5).fit(X, Y3), ValueError, "binary"
    ),
    "float strategy that would remove rows": (
        lambda: C(sampling_strategy=0.1).fit(X, Y), ValueError, "remove samples"
    ),
    "float strategy above 1": (
        lambda: C(sampling_strategy=1.5).fit(X, Y), ValueError, "sampling_strategy"
    ),
    "strategy dict with an unknown class": (
        lambda: C(sampling_strategy={5: 40}).fit(X, Y), ValueError, "not present"
    ),
    "strategy dict with a negative count": (
        lambda: C(sampling_strategy={1: -40}).fit(X, Y), ValueError, "negative"
    ),
    "unknown strategy name": (
        lambda: C(sampling_strategy="most").fit(X, Y), ValueError, "sampling_strategy"
    ),
    # ---- hyperparameters
    "epochs=0": (lambda: G(epochs=0).fit(X), ValueError, "'epochs' parameter"),
    "batch_size=0": (lambda: G(batch_size=0).fit(X), ValueError, "'batch_size' parameter"),
    "negative generator_lr": (
        lambda: G(generator_lr=-1e-3).fit(X), ValueError, "'generator_lr' parameter"
    ),
    "negative discriminator_lr": (
        lambda: G(discriminator_lr=-1e-3).fit(X), ValueError, "'discriminator_lr' parameter"
    ),
    "zero learning rate": (lambda: G(generator_lr=0.0).fit(X), ValueError, "generator_lr"),
    "unknown loss": (lambda: G(loss="wasserstein").fit(X), ValueError, "'loss' parameter"),
    "latent_dim=0": (lambda: G(latent_dim=0).fit(X), ValueError, "'latent_dim' parameter"),
    "width=0": (lambda: G(width=0).fit(X), ValueError, "'width' parameter"),
    "d_steps=0": (lambda: G(d_steps=0).fit(X), ValueError, "'d_steps' parameter"),
    "ema_decay above 1": (lambda: G(ema_decay=2.0).fit(X), ValueError, "'ema_decay'"),
    "adam_betas of one number": (lambda: G(adam_betas=(0.5,)).fit(X), ValueError, "adam_betas"),
    "unknown diffaug op": (lambda: G(diffaug="rotate").fit(IMG), ValueError, "DiffAugment"),
    "unknown data_kind": (lambda: G(data_kind="text").fit(X), ValueError, "'data_kind'"),
    "random_state of the wrong type": (
        lambda: G(random_state="seed").fit(X), ValueError, "'random_state'"
    ),
    "unknown device name": (lambda: G(device="tpu").fit(X), ValueError, "not a device name"),
}


@pytest.fixture
def no_training(monkeypatch):
    """Make any call of the training loop fail the test."""

    def forbidden(*args, **kwargs):
        raise AssertionError("training started before the input was validated")

    monkeypatch.setattr(ganaug._fitting, "train_gan", forbidden)
    monkeypatch.setattr(ganaug.train, "train_gan", forbidden)


@pytest.mark.parametrize(
    "call, exc, fragment", [pytest.param(*case, id=name) for name, case in FIT_CASES.items()]
)
def test_bad_fit_input_is_refused_before_training(no_training, call, exc, fragment):
    with pytest.raises(exc, match=_re(fragment)):
        call()


@pytest.mark.parametrize(
    "device, n_gpus, fragment",
    [("cuda", 0, "CUDA is not available"), ("cuda:0", 0, "CUDA is not available"),
     ("cuda:7", 2, "cuda:7"), ("cuda:2", 2, "cuda:2")],
)
def test_missing_gpu_is_refused_before_training(no_training, monkeypatch, device, n_gpus,
                                                fragment):
    # the machine's GPUs are faked (none, or two), so this runs on any machine
    monkeypatch.setattr(torch.cuda, "is_available", lambda: n_gpus > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: n_gpus)
    with pytest.raises(ValueError, match=_re(fragment)):
        G(device=device).fit(X)


def _re(fragment: str) -> str:
    import re

    return re.escape(fragment)


@pytest.fixture(scope="module")
def fitted():
    """One fitted estimator of each kind (fitted before any patching)."""
    return {
        "cond": ConditionalGANAugmenter(**TINY).fit(X, Y),
        "per_class": GANAugmenter(**TINY).fit(X, Y),
        "uncond": GANAugmenter(**TINY).fit(X),
    }


SAMPLE_CASES = {
    "sample(-1)": ("cond", lambda a: a.sample(-1), ValueError, "0 or more"),
    "sample(-1) unconditional": ("uncond", lambda a: a.sample(-1), ValueError, "0 or more"),
    "sample(0) with labels for other rows": (
        "cond", lambda a: a.sample(0, y=[0, 1]), ValueError, "n_samples=0 labels"),
    "sample(random_state=-1)": (
        "cond", lambda a: a.sample(3, random_state=-1), ValueError,
        "'random_state' parameter of sample"),
    "sample(random_state=a numpy Generator)": (
        "cond", lambda a: a.sample(3, random_state=np.random.default_rng(0)), TypeError,
        "'random_state' parameter of sample"),
    "sample(2.5)": ("cond", lambda a: a.sample(2.5), TypeError, "must be an int"),
    "sample(5.0)": ("uncond", lambda a: a.sample(5.0), TypeError, "must be an int"),
    "sample('3')": ("cond", lambda a: a.sample("3"), TypeError, "must be an int"),
    "sample(True)": ("cond", lambda a: a.sample(True), TypeError, "must be an int"),
    "sample(None)": ("cond", lambda a: a.sample(None), TypeError, "must be an int"),
    "unknown label in sample(y=...)": (
        "cond", lambda a: a.sample(3, y=7), ValueError, "Unknown label"
    ),
    "unknown label in an array of labels": (
        "per_class", lambda a: a.sample(3, y=[0, 1, 9]), ValueError, "Unknown label"
    ),
    "True for int classes (True == 1)": (
        "cond", lambda a: a.sample(3, y=True), ValueError, "Unknown label(s) [True]"
    ),
    "bool array for int classes": (
        "per_class", lambda a: a.sample(2, y=np.array([False, True])), ValueError,
        "Unknown label(s) [False, True]",
    ),
    "missing label (pd.NA in an Int64 array)": (
        "per_class", lambda a: a.sample(2, y=pd.array([0, pd.NA], dtype="Int64")),
        ValueError, "1 missing label(s)",
    ),
    "label of another type": ("cond", lambda a: a.sample(3, y="cat"), ValueError, "Unknown label"),
    "labels array of the wrong length": (
        "cond", lambda a: a.sample(5, y=[0, 1]), ValueError, "n_samples=5"
    ),
    "y for a GAN fitted without y": (
        "uncond", lambda a: a.sample(3, y=0), ValueError, "fitted without y"
    ),
}


@pytest.mark.parametrize(
    "which, call, exc, fragment",
    [pytest.param(*case, id=name) for name, case in SAMPLE_CASES.items()],
)
def test_bad_sample_input_is_refused(fitted, which, call, exc, fragment):
    est = fitted[which]
    before = est._sample_rng.get_state()[1].copy()
    with pytest.raises(exc, match=_re(fragment)):
        call(est)
    # a refused call does not advance the sampling RNG
    np.testing.assert_array_equal(est._sample_rng.get_state()[1], before)


@pytest.mark.parametrize("cls", [GANAugmenter, ConditionalGANAugmenter])
def test_sample_before_fit_is_refused(cls):
    with pytest.raises(NotFittedError, match="not fitted"):
        cls(**TINY).sample(3)


# ------------------------------------------------------------------ inputs untouched --
def _read_only(a: np.ndarray) -> np.ndarray:
    a = np.array(a)
    a.setflags(write=False)
    return a


@pytest.mark.parametrize(
    "make, data",
    [
        pytest.param(lambda: C(), lambda: (X, Y), id="cond-array"),
        pytest.param(lambda: G(), lambda: (X, Y), id="per-class-array"),
        pytest.param(lambda: C(), lambda: (X.astype(np.float32), Y.astype(str)), id="float32"),
        pytest.param(lambda: C(), lambda: (IMG, np.r_[np.zeros(6), np.ones(6)].astype(int)),
                     id="uint8-images"),
    ],
)
def test_read_only_inputs_work_and_stay_unchanged(make, data):
    X0, y0 = data()
    Xr, yr = _read_only(X0), _read_only(y0)
    X_res, y_res = make().fit_resample(Xr, yr)
    np.testing.assert_array_equal(Xr, X0)
    np.testing.assert_array_equal(yr, y0)
    np.testing.assert_array_equal(X_res[: len(X0)], X0)
    np.testing.assert_array_equal(y_res[: len(y0)], y0)
    assert X_res.dtype == X0.dtype
    assert not np.shares_memory(X_res, Xr)


def test_dataframe_and_series_unchanged():
    df = pd.DataFrame({"a": X[:, 0], "b": (X[:, 1] * 5).astype(int), "c": X[:, 2] > 0})
    ys = pd.Series(np.where(Y == 1, "yes", "no"), name="target")
    df0, ys0 = df.copy(deep=True), ys.copy(deep=True)
    aug = C()
    X_res, y_res = aug.fit_resample(df, ys)
    pd.testing.assert_frame_equal(df, df0)
    pd.testing.assert_series_equal(ys, ys0)
    pd.testing.assert_frame_equal(X_res.iloc[: len(df)].reset_index(drop=True), df0)
    aug.sample(5, y="yes")
    pd.testing.assert_frame_equal(df, df0)


def test_torch_tensors_are_read_as_numpy_arrays():
    # a tensor has .shape and .dtype, but a torch dtype (no numpy .kind): was AttributeError
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(Y)
    X_res, y_res = C().fit_resample(Xt, yt)
    np.testing.assert_array_equal(X_res[: len(X)], X.astype(np.float32))
    np.testing.assert_array_equal(y_res[: len(Y)], Y)
    assert X_res.dtype == np.float32 and len(X_res) == len(y_res)
    np.testing.assert_array_equal(Xt.numpy(), X.astype(np.float32))  # input untouched
    imgs = torch.tensor(IMG)
    assert G().fit(imgs).sample(3).shape == (3, *IMG.shape[1:])


@pytest.mark.parametrize("unit", ["D", "ns"])
def test_datetime_labels_resample_like_random_oversampler(unit):
    # classes_.tolist() turns datetime64[D] into dates and [ns] into ints, which matched
    # no key of sampling_strategy_: fit_resample raised a bare KeyError
    from imblearn.over_sampling import RandomOverSampler

    y = np.where(Y == 1, np.datetime64("2021-01-01"), np.datetime64("2020-01-01"))
    y = y.astype(f"datetime64[{unit}]")
    _, y_ros = RandomOverSampler(random_state=0).fit_resample(X, y)
    for aug in (C(), G()):
        X_res, y_res = aug.fit_resample(X, y)
        assert y_res.dtype == y.dtype and len(X_res) == len(y_res) == len(y_ros)
        np.testing.assert_array_equal(np.sort(y_res), np.sort(y_ros))
        np.testing.assert_array_equal(y_res[: len(y)], y)
    assert aug.generator_index_.tolist() == [-1, 0]  # only the rarer class trained
    rare = np.datetime64("2021-01-01", unit)
    fitted = C(sampling_strategy=lambda y: {rare: 35}).fit(X, y)  # was refused
    assert list(fitted.sampling_strategy_.values()) == [25]


def test_sample_labels_array_unchanged(fitted):
    labels = _read_only(np.array([1, 0, 1, 1]))
    _, y_new = fitted["cond"].sample(4, y=labels)
    np.testing.assert_array_equal(y_new, [1, 0, 1, 1])
    np.testing.assert_array_equal(labels, [1, 0, 1, 1])


def test_n_jobs_zero_is_refused_before_training():
    with pytest.raises(ValueError, match="'n_jobs' parameter"):  # not joblib's, later
        G(n_jobs=0).fit(X, Y)


def test_dataset_and_classifier_helpers_refuse_x_and_y_of_different_lengths():
    from ganaug.datasets import make_low_data
    from ganaug.metrics import kernel_distance, train_classifier

    with pytest.raises(ValueError, match="X has 20 rows but y has 15 labels"):
        make_low_data(RS.normal(size=(20, 2)), np.arange(15) % 2)
    with pytest.raises(ValueError, match="X has 10 images but y has 13 labels"):
        train_classifier(RS.rand(10, 8, 8), np.arange(13) % 2, device="cpu")
    a = RS.normal(size=(20, 3))
    for bad, match in [((a, a[:, :2]), "must match"), ((a[:, 0], a), "2D array"),
                       ((np.full((20, 3), np.nan), a), "NaN")]:
        with pytest.raises(ValueError, match=match):
            kernel_distance(*bad)
    with pytest.raises(ValueError, match="n_subsets"):
        kernel_distance(a, a, n_subsets=0)


def test_bool_classes_refuse_int_labels_and_take_bool_ones():
    y = Y.astype(bool)
    est = ConditionalGANAugmenter(**TINY).fit(X, y)
    with pytest.raises(ValueError, match=_re("Unknown label(s) [1]")):
        est.sample(2, y=1)
    labels = est.sample(2, y=[np.True_, False])[1]
    assert labels.dtype == bool and labels.tolist() == [True, False]


def test_missing_labels_among_text_labels_are_named_as_missing():
    # numpy reads ['a', nan] as the text ['a', 'nan']: it said "Unknown label(s) ['nan']"
    aug = ConditionalGANAugmenter(**TINY).fit(X, np.where(Y == 0, "a", "b"))
    for y in (["a", np.nan], ["a", None], pd.Series(["a", None], dtype="str")):
        with pytest.raises(ValueError, match=_re("y has 1 missing label(s)")):
            aug.sample(2, y=y)
    with pytest.raises(ValueError, match=_re("Unknown label(s) ['nan']")):
        aug.sample(2, y=["a", "nan"])  # the text 'nan' is a label, just not a class


def test_int_categorical_features_that_positions_and_int_names_read_differently_are_refused():
    from ganaug.data.categorical import resolve_categorical

    X = pd.DataFrame({1: ["a", "b", "a"], 0: [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=r"categorical_features=\[0\] is ambiguous.*"
                                         r"X.columns.isin\(\[0\]\)"):
        resolve_categorical(X, [0])  # position 0 is the column named 1: silently swapped
    assert resolve_categorical(X, X.columns.isin([1])).tolist() == [True, False]
    # no ambiguity: names equal positions, or ints that are no column's name
    assert resolve_categorical(pd.DataFrame({0: ["a"], 1: [1.0]}), [0]).tolist() == [True,
                                                                                  False]
    assert resolve_categorical(X, [-2]).tolist() == [True, False]


@pytest.mark.parametrize("dtype, labels", [
    ("Int64", [2**60 + 1, 2**60 + 1001]),  # ids beyond float64's exact integers
    ("UInt64", [2**63 + 1, 2**63 + 3]),
    ("boolean", [False, True]),
])
def test_nullable_label_series_keep_their_exact_labels(dtype, labels):
    # scikit-learn's target checks turned pandas' nullable labels into float64: 2**60 + 1
    # came back as 2**60 (original rows too), 2**63 + 1 and 2**63 + 3 merged into one
    # class, and boolean labels became classes 0.0 / 1.0 that refused y=True
    X = pd.DataFrame(np.random.RandomState(0).normal(size=(30, 3)), columns=list("abc"))
    y = pd.Series(np.repeat(np.array(labels, dtype=object), [22, 8]), dtype=dtype,
                  name="segment")
    aug = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0)
    Xr, yr = aug.fit_resample(X, y)
    assert isinstance(yr, pd.Series) and yr.dtype == dtype and yr.name == "segment"
    assert yr.iloc[:30].tolist() == y.tolist()
    assert yr.iloc[30:].tolist() == [labels[1]] * 14
    assert aug.classes_.tolist() == labels
    _, y_new = aug.sample(3, y=labels[1])
    assert y_new.tolist() == [labels[1]] * 3


def test_categorical_features_take_tuple_and_multiindex_column_names():
    # np.asarray split each tuple into its parts: "unknown column 'cat'"
    import pandas as pd

    from ganaug import ConditionalGANAugmenter

    rs = np.random.RandomState(0)
    X = pd.DataFrame(rs.normal(size=(40, 2)))
    X.columns = pd.MultiIndex.from_tuples([("num", "a"), ("cat", "c")])
    X[("cat", "c")] = np.r_[np.zeros(30), np.ones(10)] + 0.5
    y = np.repeat([0, 1], [30, 10])
    est = ConditionalGANAugmenter(categorical_features=[("cat", "c")], max_steps=2, width=16,
                                  random_state=0)
    Xr, _ = est.fit_resample(X, y)
    assert Xr.columns.equals(X.columns) and len(Xr) == 60
    assert set(Xr[("cat", "c")]) == {0.5, 1.5}  # kept as categories: only real values
    assert Xr[("num", "a")].nunique() > 40
    with pytest.raises(ValueError, match=r"unknown column \('cat', 'x'\)"):
        ConditionalGANAugmenter(categorical_features=[("cat", "x")]).fit(X, y)


@pytest.mark.parametrize("param", ["width", "latent_dim", "depth", "max_categories",
                                   "spread", "time_budget", "n_jobs", "cpu_threads",
                                   "lecam_weight", "epochs", "batch_size"])
def test_a_bool_for_a_number_parameter_is_refused_by_name(param):
    # True is an int to Python: width=True failed inside torch, max_categories=True and
    # spread=True silently meant 1
    from sklearn.utils._param_validation import InvalidParameterError

    from ganaug import ConditionalGANAugmenter

    X, y = np.random.RandomState(0).normal(size=(40, 2)), np.repeat([0, 1], [30, 10])
    for flag in (True, np.True_):
        with pytest.raises(InvalidParameterError, match=f"'{param}' parameter"):
            ConditionalGANAugmenter(**{param: flag}).fit(X, y)


def test_a_spread_that_overflows_float32_is_refused_before_training(monkeypatch):
    # it trained and failed as "diverged ... lower the learning rates" (the wrong knob)
    import ganaug._fitting as fitting

    monkeypatch.setattr(fitting, "train_gan", lambda *a, **k: pytest.fail("trained"))
    rs = np.random.RandomState(0)
    with pytest.raises(ValueError, match=r"spread=1e\+300 makes the generator's noise"):
        ConditionalGANAugmenter(max_steps=5, width=8, spread=1e300).fit(
            rs.normal(size=(60, 3)), np.repeat([0, 1], [45, 15]))


@pytest.mark.parametrize("which", ["cond", "per_class", "uncond"])
def test_sample_of_zero_rows_is_an_empty_sample_and_moves_no_stream(fitted, which):
    est = fitted[which]
    before = est._sample_rng.get_state()[1].copy()
    empty, one = est.sample(0), est.sample(1, random_state=5)
    np.testing.assert_array_equal(est._sample_rng.get_state()[1], before)
    if which == "uncond":  # rows only
        empty, one = (empty,), (one,)
    for got, like in zip(empty, one, strict=True):
        assert type(got) is type(like) and got.dtype == like.dtype
        assert got.shape == (0, *like.shape[1:])


def test_sample_of_zero_rows_keeps_a_frame_and_series_schema():
    frame = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(RS.choice(list("pq"), len(X))),
                          "n": pd.array(RS.randint(0, 3, len(X)), dtype="Int64")})
    labels = pd.Series(np.where(Y == 1, "rare", "common"), name="kind", dtype="category")
    est = ConditionalGANAugmenter(**TINY).fit(frame, labels)
    X0, y0 = est.sample(0, y="rare")
    X1, y1 = est.sample(1, y="rare", random_state=0)
    pd.testing.assert_frame_equal(X0, X1.iloc[:0])
    pd.testing.assert_series_equal(y0, y1.iloc[:0])
    assert list(X0.columns) == ["a", "c", "n"] and len(X0) == 0 and y0.name == "kind"
    with pytest.raises(ValueError, match="Unknown label"):
        est.sample(0, y="neither")  # a label is checked even for no rows


def test_sample_of_zero_rows_needs_no_generator():
    # fit_resample trains a GANAugmenter's oversampled classes only: a class with a
    # deficit of 0 has no generator, and asking it for 0 rows is still fine
    aug = GANAugmenter(**TINY)
    aug.fit_resample(X, Y)
    assert aug.generator_index_.tolist() == [-1, 0]
    X0, y0 = aug.sample(0, y=0)
    assert X0.shape == (0, 3) and y0.shape == (0,) and y0.dtype == Y.dtype
    with pytest.raises(ValueError, match="No GAN was trained for class 0"):
        aug.sample(1, y=0)
    balanced = np.r_[np.zeros(20, int), np.ones(20, int)]
    nothing = GANAugmenter(**TINY)
    nothing.fit_resample(X, balanced)  # nothing to add: no generator at all
    assert nothing.sample(0)[0].shape == (0, 3)
    with pytest.raises(ValueError, match="no generator for any class"):
        nothing.sample(1)

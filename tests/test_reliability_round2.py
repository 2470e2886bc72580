"""Reliability, round 2: cases that gave silently wrong output or unclear errors."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug.metrics import inception_features  # noqa: F401  (import check only)

RS = np.random.RandomState(0)
X = RS.normal(size=(60, 3))
Y = np.repeat([0, 1], [45, 15])
TINY = {"max_steps": 5, "width": 16}


def test_random_state_none_leaves_numpy_global_state_alone():
    np.random.seed(7)  # noqa: NPY002 - the global state is what is checked
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    aug = ConditionalGANAugmenter(**TINY).fit(X, Y)
    aug.sample(5)
    ConditionalGANAugmenter(**TINY).fit_resample(X, Y)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


@pytest.mark.parametrize("dtype", [np.int64, np.uint64])
def test_integers_at_their_limits_do_not_wrap(dtype):
    info = np.iinfo(dtype)
    Xi = RS.randint(0, 1000, size=(60, 2)).astype(dtype)
    Xi[:, 0] = info.max - Xi[:, 0].astype(dtype)
    X_new, _ = ConditionalGANAugmenter(**TINY, random_state=0).fit(Xi, Y).sample(200)
    assert X_new.dtype == dtype
    assert (X_new.min(0) >= Xi.min(0)).all() and (X_new.max(0) <= Xi.max(0)).all()


def _spread(col, lo) -> float:
    return float(np.std([int(v) - int(lo) for v in col]))


@pytest.mark.parametrize("table", ["numpy", "frame", "mixed frame", "nullable"])
@pytest.mark.parametrize("dtype, base", [(np.int64, 2**62), (np.int64, -2**63),
                                         (np.uint64, 2**64 - 5000)])
def test_large_integers_keep_their_variation_exactly(table, dtype, base):
    """IDs near 2**62 vary by hundreds; float64 (spacing 1024 there) would collapse them."""
    step = RS.randint(0, 1000, size=(60, 1))
    ints = np.array([base + int(s) for s in step.ravel()], dtype=dtype)
    if table == "numpy":
        X_in = ints.reshape(-1, 1)
    else:
        col = pd.array(ints, dtype="UInt64" if dtype == np.uint64 else "Int64") if (
            table == "nullable") else ints
        X_in = pd.DataFrame({"id": col, "v": X[:, 0]})
        if table == "nullable":
            X_in.loc[[3, 50], "id"] = pd.NA
        if table == "mixed frame":
            X_in["c"] = np.where(X[:, 1] > 0, "p", "q")
    before = X_in.copy()
    aug = ConditionalGANAugmenter(**TINY, random_state=0).fit(X_in, Y)
    X_new, _ = aug.sample(300)
    new = (pd.DataFrame(X_new) if table == "numpy" else X_new).iloc[:, 0]
    real = (pd.DataFrame(X_in) if table == "numpy" else X_in).iloc[:, 0]
    assert new.dtype == real.dtype
    present = new.dropna()
    assert present.min() >= real.min() and present.max() <= real.max()
    assert present.nunique() > 100  # was 1 or 2 distinct values
    assert _spread(present, real.min()) > 0.5 * _spread(real.dropna(), real.min())
    pd.testing.assert_frame_equal(pd.DataFrame(X_in), pd.DataFrame(before))


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_extreme_magnitudes_keep_their_spread(scale):
    Xs = X * scale
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow / collapse warnings either
        X_new, _ = ConditionalGANAugmenter(**TINY, random_state=0).fit(Xs, Y).sample(200)
    assert np.isfinite(X_new).all()
    assert all(len(np.unique(X_new[:, j])) > 50 for j in range(3))
    assert (X_new.min(0) >= Xs.min(0)).all() and (X_new.max(0) <= Xs.max(0)).all()


@pytest.mark.parametrize("images", [
    np.full((20, 8, 8, 1), 0.5),
    RS.uniform(-1e300, 1e300, size=(20, 8, 8, 1)),
    RS.randint(2**62, 2**63 - 1, size=(20, 8, 8, 1), dtype=np.int64),
], ids=["constant", "huge-float", "int64-limit"])
def test_images_stay_in_the_callers_range_and_dtype(images):
    X_new, _ = ConditionalGANAugmenter(**TINY, random_state=0).fit(
        images, np.arange(20) % 2).sample(30)
    assert X_new.dtype == images.dtype
    assert X_new.min() >= images.min() and X_new.max() <= images.max()


def test_all_missing_column_stays_missing():
    df = pd.DataFrame(X, columns=list("abc"))
    df["d"] = np.nan
    for est in (ConditionalGANAugmenter(**TINY), GANAugmenter(epochs=2, width=16),
                ConditionalGANAugmenter(conditioning="label", epochs=2, width=16)):
        X_res, _ = est.fit_resample(df, Y)
        assert X_res["d"].isna().all(), type(est).__name__


def test_nan_in_a_numeric_array_is_a_missing_value_as_in_a_dataframe():
    Xn = X.copy()
    Xn[RS.rand(*X.shape) < 0.2] = np.nan
    X_res, y_res = ConditionalGANAugmenter(max_steps=30, width=16, random_state=0).fit_resample(
        Xn, Y)
    assert isinstance(X_res, np.ndarray) and X_res.dtype == np.float64
    np.testing.assert_array_equal(X_res[:60], Xn)  # originals unchanged, NaN included
    assert 0 < np.isnan(X_res[60:]).mean() < 0.6
    assert ConditionalGANAugmenter().__sklearn_tags__().input_tags.allow_nan


def test_collapse_is_detected_and_warned():
    with pytest.warns(UserWarning, match="GAN training collapsed") as caught:
        ConditionalGANAugmenter(conditioning="label", generator_lr=10, discriminator_lr=10,
                                epochs=50, random_state=0).fit(X, Y)
    # pointed at the caller's line, not at ganaug or scikit-learn internals
    assert {w.filename for w in caught if "collapsed" in str(w.message)} == {__file__}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ConditionalGANAugmenter(max_steps=50, random_state=0).fit(X, Y)


def test_object_int_labels_work_and_mixed_labels_are_refused_clearly():
    y_obj = Y.astype(object)
    _, y_res = ConditionalGANAugmenter(**TINY, random_state=0).fit_resample(X, y_obj)
    assert sorted(set(y_res.tolist())) == [0, 1] and len(y_res) == 90
    aug = ConditionalGANAugmenter(**TINY, random_state=0).fit(X, y_obj)
    assert aug.classes_.tolist() == [0, 1]
    y_bool = (Y == 1).astype(object)  # one non-string type: its own dtype
    assert ConditionalGANAugmenter(**TINY).fit(X, y_bool).classes_.tolist() == [False, True]
    mixed = np.array([1] * 45 + ["a"] * 15, dtype=object)
    for call in (lambda: ConditionalGANAugmenter(**TINY).fit(X, mixed),
                 lambda: ConditionalGANAugmenter(**TINY).fit_resample(X, mixed)):
        with pytest.raises(ValueError, match="mixes label types"):
            call()


def _forbid_training(monkeypatch) -> None:
    """Make any training fail the test: the checks must come before it."""
    import ganaug._fitting

    def no_training(*a, **k):
        raise AssertionError("training started")

    monkeypatch.setattr(ganaug._fitting, "train_gan", no_training)


@pytest.mark.parametrize("answer, error, match", [
    ([1, 2], TypeError, "must return a dict"),
    (None, TypeError, "must return a dict"),
    ({1: 25.0}, TypeError, "counts must be ints"),
    ({7: 25}, ValueError, "not in y"),
])
def test_callable_sampling_strategy_is_checked_before_training(answer, error, match,
                                                               monkeypatch):
    _forbid_training(monkeypatch)
    for call in ("fit", "fit_resample"):
        est = ConditionalGANAugmenter(sampling_strategy=lambda y: answer, **TINY)
        with pytest.raises(error, match=match):
            getattr(est, call)(X, Y)


@pytest.mark.parametrize("strategy, error, match", [
    ({1: 25.0}, TypeError, "asks for 25.0 rows for class 1; counts must be ints"),
    ({1: np.float64(30.5)}, TypeError, "counts must be ints"),
    ({1: True}, TypeError, "counts must be ints"),
])
def test_dict_sampling_strategy_counts_are_checked_before_training(strategy, error, match,
                                                                   monkeypatch):
    # a float count (e.g. counts[0] * 0.8) trained the whole model, then failed in numpy
    _forbid_training(monkeypatch)
    for call in ("fit", "fit_resample"):
        est = ConditionalGANAugmenter(sampling_strategy=dict(strategy), **TINY)
        with pytest.raises(error, match=match):
            getattr(est, call)(X, Y)
    assert dict(strategy) == strategy  # the user's dict is left as passed


def test_fit_resample_beyond_memory_is_refused_before_training(monkeypatch):
    # sample() checked its output size; fit_resample trained, then ran out of memory
    _forbid_training(monkeypatch)
    est = ConditionalGANAugmenter(sampling_strategy={1: 10**12}, **TINY)
    with pytest.raises(ValueError, match="would return 1,000,000,000,045 rows.*fewer rows"):
        est.fit_resample(X, Y)


def test_fit_resample_refuses_extra_parameters_clearly():
    with pytest.raises(TypeError, match="takes no extra parameters"):
        ConditionalGANAugmenter(**TINY).fit_resample(X, Y, foo=1)


def test_sampling_more_than_memory_holds_says_how_to_chunk():
    aug = ConditionalGANAugmenter(**TINY).fit(X, Y)
    with pytest.raises(ValueError, match="Sample in chunks"):
        aug.sample(10**12)


def test_a_narrow_table_counts_labels_and_codes_against_memory(monkeypatch):
    """A bug hunt's case: a one-column sample(2_000_000_000) passed the check of its values
    alone (16 GiB on a 23 GiB machine), then grew past the memory with its labels and
    codes. Rows whose values fit in half the memory but whose labels do not are refused
    before anything is allocated."""
    import os

    from ganaug import _sampling

    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    aug = ConditionalGANAugmenter(**TINY).fit(X[:, :1], Y)

    def allocates(*args, **kwargs):  # a failing check fails here, not by exhausting memory
        raise AssertionError("sample() went on to allocate codes and rows")

    monkeypatch.setattr(_sampling, "codes_for", allocates)
    monkeypatch.setattr(_sampling, "generate", allocates)
    n = total // 16  # values: half the memory; with labels and codes: three times it
    with pytest.raises(ValueError, match="rows and their labels.*ganaug sample -n"):
        aug.sample(n)


def _warm(X0, X1, **changes):
    aug = ConditionalGANAugmenter(max_steps=2, width=8, warm_start=True, random_state=0)
    aug.fit(X0, Y)
    aug.set_params(**changes)
    return aug.fit(X1, Y)


FRAME = pd.DataFrame({"a": RS.choice(["x", "y"], 60), "b": RS.randint(0, 9, 60),
                      "c": RS.normal(size=60)})


@pytest.mark.parametrize("change, match", [
    (lambda d: d.assign(a=["zzz"] + d["a"].tolist()[1:]), "never saw: \\['zzz'\\]"),
    (lambda d: d.assign(b=d["b"].astype(float)), "'b' was int64 and is float64"),
    (lambda d: d.assign(a=RS.normal(size=60)), "other table encoder"),
    (lambda d: d.assign(a=[None] + d["a"].tolist()[1:]), "'a' has missing values"),
    (lambda d: d.assign(c=[np.nan] + d["c"].tolist()[1:]), "'c' has missing values"),
], ids=["unseen-category", "int-to-float", "categorical-to-numeric", "missing-category",
        "missing-number"])
def test_warm_refit_refuses_data_the_fitted_encoding_cannot_take(change, match):
    with pytest.raises(ValueError, match=match):
        _warm(FRAME, change(FRAME))
    _warm(FRAME, FRAME.copy())  # the same layout is fine


def test_warm_refit_refuses_changed_networks_and_image_dtypes():
    with pytest.raises(ValueError, match="width changed from 8 to 16"):
        _warm(X, X, width=16)
    with pytest.raises(ValueError, match="spread changed"):  # the noise start is kept
        _warm(X, X, spread=0.3)
    with pytest.raises(ValueError, match="latent_dim changed"):
        _warm(X, X, latent_dim=7)
    images = RS.randint(0, 255, (60, 8, 8, 1), dtype=np.uint8)
    with pytest.raises(ValueError, match="images were uint8 and are float64"):
        _warm(images, images / 255.0)
    with pytest.raises(ValueError, match="other table encoder"):
        _warm(X, pd.DataFrame({"a": ["s"] * 60, "b": X[:, 1], "c": X[:, 2]}))


def test_warm_refit_on_shifted_data_warns():
    with pytest.warns(UserWarning, match="outside the first fit's range") as caught:
        _warm(X, X + 1000)
    # pointed at the caller's line (here: _warm's fit), not at ganaug or contextlib
    assert {w.filename for w in caught if "outside" in str(w.message)} == {__file__}


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"a": pd.array([1, None] * 30, dtype="Int64"), "b": X[:, 0]}),
    pd.DataFrame({"a": pd.array([True, None] * 30, dtype="boolean"), "b": X[:, 0]}),
    pd.DataFrame({"a": pd.array(["x", None] * 30, dtype="string"), "b": X[:, 0]}),
    pd.DataFrame(X[:, :2], columns=pd.MultiIndex.from_tuples([("a", "x"), ("a", "y")])),
    pd.DataFrame({"a": pd.date_range("2020-01-01", periods=60), "b": X[:, 0]}),
    pd.DataFrame({"a": pd.date_range("2020-01-01", periods=60, tz="UTC"), "b": X[:, 0]}),
], ids=["Int64-NA", "boolean-NA", "string-NA", "MultiIndex", "datetime", "datetime-tz"])
def test_save_load_round_trips_whatever_fit_accepts(frame, tmp_path):
    import ganaug

    aug = ConditionalGANAugmenter(max_steps=3, width=8, random_state=0).fit(frame, Y)
    ganaug.save(aug, tmp_path / "m.ganaug")
    back = ganaug.load(tmp_path / "m.ganaug")
    a, _ = aug.sample(20, y=1)
    b, _ = back.sample(20, y=1)
    pd.testing.assert_frame_equal(a, b)
    assert a.columns.equals(frame.columns) and list(a.dtypes) == list(frame.dtypes)


def test_pandas_sparse_columns_get_a_clear_error():
    frame = pd.DataFrame({"a": pd.arrays.SparseArray(X[:, 0]), "b": X[:, 1]})
    with pytest.raises(TypeError, match="sparse.to_dense"):
        ConditionalGANAugmenter(**TINY).fit(frame, Y)


_IMAGES = np.random.RandomState(1).randint(0, 256, size=(24, 8, 8)).astype(np.uint8)
_IMAGE_Y = np.repeat([0, 1], [16, 8])
_TINY_IMAGE = {"max_steps": 2, "width": 8, "latent_dim": 8, "batch_size": 8}


@pytest.mark.parametrize("data", ["table", "image"])
def test_callers_torch_state_changes_nothing(data, tmp_path):
    """A fit inside torch.no_grad() / inference_mode(), or with a float64 default dtype,
    trains the same networks as a plain fit; a model fitted (or loaded) under either
    samples the same rows; the caller's torch state is left as it was."""
    import torch

    import ganaug

    Xd, yd, kw = (X, Y, TINY) if data == "table" else (_IMAGES, _IMAGE_Y, _TINY_IMAGE)
    make = lambda: ConditionalGANAugmenter(**kw, device="cpu", random_state=0)  # noqa: E731
    plain = make().fit(Xd, yd)
    ganaug.save(plain, tmp_path / "m.gan")  # before sampling: the file's next rows are want
    want = plain.sample(6)[0]
    for ctx, inference in ((torch.no_grad, False), (torch.inference_mode, True),
                           (lambda: torch.device("meta"), False)):
        with ctx():
            np.testing.assert_array_equal(make().fit(Xd, yd).sample(6)[0], want)
            # the caller's state holds again after each call
            assert torch.is_inference_mode_enabled() == inference
            assert torch.is_grad_enabled() == (ctx is not torch.no_grad and not inference)
            assert torch.empty(0).device.type == ("meta" if ctx not in (
                torch.no_grad, torch.inference_mode) else "cpu")
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        np.testing.assert_array_equal(make().fit(Xd, yd).sample(6)[0], want)
        fitted = make().fit(Xd, yd)  # fitted under float64, sampled after switching back
        loaded = ganaug.load(tmp_path / "m.gan")
        assert torch.get_default_dtype() == torch.float64  # left as the caller set it
    finally:
        torch.set_default_dtype(old)
    np.testing.assert_array_equal(fitted.sample(6)[0], want)
    torch.set_default_dtype(torch.float64)
    try:  # a float32 model samples under a float64 default, loaded or not
        np.testing.assert_array_equal(make().fit(Xd, yd).sample(6)[0], want)
        np.testing.assert_array_equal(loaded.sample(6)[0], want)
    finally:
        torch.set_default_dtype(old)


def test_torch_defaults_overlapping_in_threads_keep_float32_until_the_last_leaves():
    """The default dtype is process-wide: thread A enters, B enters, A leaves; B still
    builds float32 layers, and the caller's float64 comes back when B leaves."""
    import threading

    import torch

    from ganaug._device import torch_defaults

    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    built = {}

    def first():
        with torch_defaults():
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def second():
        a_in.wait(10)
        with torch_defaults():
            b_in.set()
            a_out.wait(10)
            built["dtype"] = torch.nn.Linear(2, 2).weight.dtype

    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        assert built["dtype"] == torch.float32
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(old)


def test_a_failed_warm_image_refit_leaves_the_sampled_container_as_it_was():
    rs = np.random.RandomState(0)
    X0, y0 = rs.randint(0, 17, (16, 64)), np.repeat([0, 1], [12, 4])
    aug = ConditionalGANAugmenter(image_shape=(8, 8), max_steps=2, width=8, random_state=0,
                                  warm_start=True).fit(X0, y0)
    frame = pd.DataFrame(rs.randint(0, 17, (14, 64))).add_prefix("px")
    with pytest.raises(ValueError, match="fewer than 2 samples"):  # a class of one row:
        aug.fit(frame, np.repeat([0, 1], [13, 1]))  # refused after the encoding
    assert isinstance(aug.sample(2, y=1)[0], np.ndarray)  # was a frame of px columns


@pytest.mark.parametrize("classes, label", [
    (np.array([2**60, 2**60 + 1], dtype=np.uint64), 2**60 + 1),  # Python int
    (np.array([2**60, 2**60 + 1], dtype=np.uint64), np.int64(2**60 + 1)),
    (np.array([2**60, 2**60 + 1], dtype=np.int64), np.uint64(2**60 + 1)),
    (np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[ns]"),
     pd.Timestamp("2021-01-01")),
])
def test_sample_finds_a_fitted_label_given_in_another_type(classes, label):
    aug = ConditionalGANAugmenter(**TINY, random_state=0).fit(X[:40], np.repeat(classes,
                                                                                 [30, 10]))
    # int64 against uint64 met as float64 (rounded above 2**53): a fitted label was
    # 'unknown'; a Timestamp could not be sorted with datetime64 classes
    assert (aug.sample(3, y=label)[1] == classes[1]).all()
    assert (aug.sample(2, y=[label, classes[0]])[1] == classes[[1, 0]]).all()


def test_unknown_datetime_labels_are_named_with_the_classes_as_dates():
    classes = np.array(["2020-01-01", "2021-01-01"], dtype="datetime64[ns]")
    aug = ConditionalGANAugmenter(**TINY, random_state=0).fit(X[:40], np.repeat(classes,
                                                                                 [30, 10]))
    with pytest.raises(ValueError, match=r"fitted on classes \[Timestamp\('2020-01-01 "):
        aug.sample(2, y=pd.Timestamp("2022-01-01"))  # were shown as nanosecond integers


def test_infinity_is_refused_when_scikit_learn_assumes_finite_data():
    from sklearn import config_context

    bad = X.copy()
    bad[3, 1] = np.inf
    with config_context(assume_finite=True), pytest.raises(
            ValueError, match=r"Column\(s\) \[1\] of X contain infinity"):
        ConditionalGANAugmenter(**TINY).fit(bad, Y)  # was LinAlgError in the noise model


def test_default_columns_stay_a_range_index_through_save_and_load(tmp_path):
    import ganaug

    aug = ConditionalGANAugmenter(**TINY, random_state=0).fit(pd.DataFrame(X), Y)
    ganaug.save(aug, tmp_path / "m.ganaug")
    columns = ganaug.load(tmp_path / "m.ganaug").sample(2)[0].columns
    assert isinstance(columns, pd.RangeIndex) and columns.equals(pd.RangeIndex(3))


@pytest.mark.parametrize("table", ["numeric", "mixed"])
def test_a_failed_sample_call_leaves_the_sampling_streams_where_they_were(table):
    import copy

    # a mixed table's codec draws categories from its own stream while decoding
    data = X if table == "numeric" else pd.DataFrame(
        {"a": X[:, 0], "c": RS.choice(list("pqrstuvw"), len(X))})
    labels = np.repeat([0, 1, 2], [10, 15, 35])
    aug = GANAugmenter(**TINY, max_categories=3, random_state=0)
    aug.fit_resample(data, labels)  # generators for the oversampled classes 0 and 1 only
    twin = copy.deepcopy(aug)
    with pytest.raises(ValueError, match="No GAN was trained for class 2"):
        aug.sample(4, y=[0, 0, 2, 2])  # fails after class 0's rows were decoded
    a, b = aug.sample(20, y=0)[0], twin.sample(20, y=0)[0]
    np.testing.assert_array_equal(np.asarray(a, dtype=object), np.asarray(b, dtype=object))


@pytest.mark.parametrize("bit_generator", ["MT19937", "PCG64", "Philox", "SFC64"])
def test_save_load_keeps_a_random_state_on_any_numpy_bit_generator(bit_generator, tmp_path):
    import ganaug

    rs = np.random.RandomState(getattr(np.random, bit_generator)(5))
    aug = ConditionalGANAugmenter(**TINY, random_state=rs).fit(X, Y)
    ganaug.save(aug, tmp_path / "m.ganaug")  # loading it failed: "state must be for a MT19937"
    back = ganaug.load(tmp_path / "m.ganaug")
    assert type(back.random_state._bit_generator).__name__ == bit_generator
    np.testing.assert_array_equal(back.random_state.randint(10**6, size=5),
                                  aug.random_state.randint(10**6, size=5))
    np.testing.assert_array_equal(back.sample(5, y=1)[0], aug.sample(5, y=1)[0])


@pytest.mark.parametrize("field, value, error, message", [
    ("epochs", 0, ValueError, r"epochs must be an int >= 1; got 0"),  # trained nothing
    ("epochs", 2.5, TypeError, r"epochs must be an int; got 2.5"),  # trained 3
    ("max_steps", -1, ValueError, r"max_steps must be an int >= 1"),
    ("batch_size", 0, ValueError, r"batch_size must be an int >= 1"),  # ZeroDivisionError
    ("d_steps", 0, ValueError, r"d_steps must be an int >= 1"),  # UnboundLocalError
    ("time_budget", 0, ValueError, r"time_budget must be a number of seconds > 0"),
    ("ema_decay", 2.0, ValueError, r"ema_decay must be a finite number in \[0, 1\]"),
])
def test_train_config_refuses_values_that_train_nothing_or_fail_in_a_step(field, value, error,
                                                                         message):
    from ganaug.train import TrainConfig

    base = dict(epochs=2, batch_size=16, latent_dim=4, g_lr=1e-3, d_lr=1e-3,
                betas=(0.5, 0.9), loss="hinge")
    with pytest.raises(error, match=message):
        TrainConfig(**{**base, field: value})


def test_training_and_generation_helpers_refuse_empty_or_mismatched_input():
    import torch

    from ganaug.train import TrainConfig, generate_chunks, train_gan

    cfg = TrainConfig(epochs=1, batch_size=4, latent_dim=2, g_lr=1e-3, d_lr=1e-3,
                      betas=(0.5, 0.9), loss="hinge")
    G, D = torch.nn.Linear(2, 3), torch.nn.Linear(3, 1)
    with pytest.raises(ValueError, match="data holds no rows"):  # was ZeroDivisionError
        train_gan(G, D, torch.zeros(0, 3), None, 0, cfg, torch.Generator())
    for kwargs, message in ((dict(chunk=0), r"chunk must be an int >= 1"),
                            (dict(n=-5), r"n must be an int >= 0"),  # yielded nothing
                            (dict(codes=np.zeros(3, dtype=int)), r"codes holds 3 class codes")):
        args = {"G": G, "codes": None, "n": 10, "latent_dim": 2, "device": "cpu",
                "seed": 0, **kwargs}
        with pytest.raises(ValueError, match=message):
            next(generate_chunks(**args))


def test_fit_resample_memory_check_counts_the_outputs_own_bytes(monkeypatch):
    # uint8 images come back as uint8: counting 8 bytes a value refused fits that fit
    import os

    _forbid_training(monkeypatch)
    monkeypatch.setattr(os, "sysconf", lambda name: 2**15 if name == "SC_PHYS_PAGES"
                        else 2**15)  # 1 GiB of memory
    rs = np.random.RandomState(0)
    images = rs.randint(0, 256, size=(60, 64)).astype(np.uint8)
    strategy = {1: 4_000_000}  # 256 MB as uint8, 2 GB as float64
    est = ConditionalGANAugmenter(image_shape=(8, 8), sampling_strategy=strategy, **TINY)
    with pytest.raises(AssertionError, match="training started"):  # the check passed
        est.fit_resample(images, Y)
    with pytest.raises(ValueError, match="would return 4,000,045 rows"):
        ConditionalGANAugmenter(sampling_strategy=strategy, **TINY).fit_resample(
            images.astype(np.float64), Y)


def test_nan_in_nullable_float_columns_is_missing_when_pandas_tells_nan_from_na():
    # pandas' opt-in future.distinguish_nan_and_na: isna() no longer flags NaN in Float64
    # columns, so fit failed ("Input X contains NaN") or named the column too wide
    try:
        pd.get_option("future.distinguish_nan_and_na")
    except KeyError:  # pandas OptionError is a KeyError
        pytest.skip("this pandas has no future.distinguish_nan_and_na option")
    from ganaug.report import quality_report

    rs = np.random.RandomState(0)
    a = rs.normal(size=60)
    a[::7] = np.nan
    y = np.arange(60) % 4 == 0
    with pd.option_context("future.distinguish_nan_and_na", True):
        for X in (pd.DataFrame({"a": a, "b": rs.normal(size=60)}).convert_dtypes(),
                  pd.DataFrame({"a": a, "c": rs.choice(["x", "y"], 60)}).convert_dtypes()):
            before = X.copy()
            Xr, _ = ConditionalGANAugmenter(**TINY, random_state=0).fit_resample(X, y)
            pd.testing.assert_frame_equal(X, before)  # the caller's frame untouched
            pd.testing.assert_frame_equal(Xr.iloc[:60], X)  # its rows back as given
            assert Xr["a"].iloc[60:].isna().any()  # missing rows made, as NaN read
            aug = ConditionalGANAugmenter(**TINY, random_state=0).fit(X, y)
            assert quality_report(aug, X, y).shape[0] == 2

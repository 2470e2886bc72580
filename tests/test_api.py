"""The API contract of issue 2: exact counts, containers, sampling, determinism, devices,
pickling, model selection and training bookkeeping, for both augmenters.

Every test runs on tiny data with ``_tiny.TINY`` settings (one epoch, tiny networks): it
checks behaviour, never sample quality or timing.
"""

from __future__ import annotations

import pickle
import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from _tiny import TINY
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.svm import SVC

from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug._device import resolve_device

AUGMENTERS = [GANAugmenter, ConditionalGANAugmenter]
AUG_IDS = ["GAN", "cGAN"]


def _multiclass(n: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """Three imbalanced classes (72 / 36 / 12 rows), four features."""
    X, y = make_classification(
        n_samples=n, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
        n_clusters_per_class=1, weights=[0.6, 0.3, 0.1], flip_y=0, random_state=0,
    )
    return X, y


def _binary(n: int = 80) -> tuple[np.ndarray, np.ndarray]:
    """Two classes (64 / 16 rows), four features."""
    X, y = make_classification(
        n_samples=n, n_features=4, n_informative=3, n_redundant=0, n_classes=2,
        weights=[0.8, 0.2], flip_y=0, random_state=1,
    )
    return X, y


def _read_only(*arrays: np.ndarray) -> None:
    for a in arrays:
        a.setflags(write=False)


def _first_param(module: torch.nn.Module) -> torch.Tensor:
    return next(module.parameters())


# --------------------------------------------------------------------- sampling_strategy
def _majority_minus_one(y: np.ndarray) -> dict:
    """A callable strategy: every minority class to (majority count - 1) rows."""
    counts = Counter(y.tolist())
    top = max(counts.values())
    return {c: top - 1 for c, n in counts.items() if n < top}


MULTICLASS_STRATEGIES = {
    "auto": "auto",
    "minority": "minority",
    "not minority": "not minority",
    "not majority": "not majority",
    "all": "all",
    "dict": {0: 80, 1: 50, 2: 12},
    "callable": _majority_minus_one,
}
BINARY_STRATEGIES = {
    **{k: v for k, v in MULTICLASS_STRATEGIES.items() if k != "dict"},
    "float": 0.5,
    "float-1": 1.0,
    "dict": {0: 64, 1: 40},
}


def _strategy_cases():
    for name, strategy in MULTICLASS_STRATEGIES.items():
        yield pytest.param(_multiclass, strategy, id=f"multiclass-{name}")
    for name, strategy in BINARY_STRATEGIES.items():
        yield pytest.param(_binary, strategy, id=f"binary-{name}")


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
@pytest.mark.parametrize("make_data, strategy", list(_strategy_cases()))
def test_sampling_strategy_counts_match_random_over_sampler(Aug, make_data, strategy):
    X, y = make_data()
    ros = RandomOverSampler(sampling_strategy=strategy, random_state=0)
    _, y_ros = ros.fit_resample(X, y)
    aug = Aug(sampling_strategy=strategy, **TINY)
    X_res, y_res = aug.fit_resample(X, y)
    assert aug.sampling_strategy_ == ros.sampling_strategy_
    assert Counter(y_res.tolist()) == Counter(y_ros.tolist())
    assert X_res.shape == (len(y_ros), X.shape[1])
    # the new rows carry exactly the labels the strategy asked for
    added = Counter(y_res[len(y) :].tolist())
    assert added == {c: n for c, n in ros.sampling_strategy_.items() if n > 0}


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_invalid_sampling_strategy_is_refused(Aug):
    X, y = _multiclass()
    with pytest.raises(ValueError):
        Aug(sampling_strategy=0.5, **TINY).fit_resample(X, y)  # float on multiclass
    with pytest.raises(ValueError):
        Aug(sampling_strategy={0: 10}, **TINY).fit_resample(X, y)  # below class count


# ----------------------------------------------------------------- fit_resample output
@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64, np.int32])
def test_fit_resample_keeps_rows_order_and_numpy_dtype(Aug, dtype):
    X, y = _multiclass()
    if np.issubdtype(dtype, np.integer):
        X = X * 10
    X = X.astype(dtype)
    X_before, y_before = X.copy(), y.copy()
    _read_only(X, y)
    X_res, y_res = Aug(**TINY).fit_resample(X, y)
    assert isinstance(X_res, np.ndarray) and X_res.dtype == dtype
    assert np.array_equal(X_res[: len(X)], X_before)  # originals first, unchanged, in order
    assert np.array_equal(y_res[: len(y)], y_before)
    assert len(X_res) == len(y_res) == 3 * 72
    np.testing.assert_array_equal(X, X_before)  # input untouched
    np.testing.assert_array_equal(y, y_before)
    # synthetic rows stay within the range seen in training
    assert (X_res[len(X) :] >= X.min(axis=0)).all()
    assert (X_res[len(X) :] <= X.max(axis=0)).all()


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
@pytest.mark.parametrize(
    "labels", [np.array([3, 7, 11]), np.array(["cat", "dog", "eel"]),
               np.array(["cat", "dog", "eel"], dtype=object)],
    ids=["int", "str", "object"],
)
def test_fit_resample_keeps_label_type(Aug, labels):
    X, codes = _multiclass()
    y = labels[codes]
    _read_only(X, y)
    _, y_res = Aug(**TINY).fit_resample(X, y)
    assert isinstance(y_res, np.ndarray)
    assert y_res.dtype == y.dtype
    assert np.array_equal(y_res[: len(y)], y)
    assert set(y_res[len(y) :].tolist()) == {labels[1], labels[2]}
    assert Counter(y_res.tolist()) == {lab: 72 for lab in labels.tolist()}


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_fit_resample_keeps_pandas_categorical_series(Aug):
    X, codes = _multiclass()
    cats = pd.CategoricalDtype(["low", "mid", "high", "unused"], ordered=True)
    y = pd.Series(pd.Categorical.from_codes(codes, dtype=cats), name="grade")
    y_before = y.copy()
    _, y_res = Aug(**TINY).fit_resample(X, y)
    assert isinstance(y_res, pd.Series)
    assert y_res.name == "grade"
    assert y_res.dtype == cats  # same categories, same order, still ordered
    pd.testing.assert_series_equal(y_res.iloc[: len(y)], y_before)
    assert y_res.value_counts()[["low", "mid", "high"]].tolist() == [72, 72, 72]
    pd.testing.assert_series_equal(y, y_before)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_fit_resample_keeps_dataframe_columns_and_dtypes(Aug):
    X, y = _multiclass()
    df = pd.DataFrame({
        "height": X[:, 0],
        "count": np.rint(X[:, 1] * 10).astype(np.int64),
        "ratio": X[:, 2].astype(np.float32),
        "flag": X[:, 3] > 0,
    })
    df_before = df.copy()
    X_res, y_res = Aug(**TINY).fit_resample(df, y)
    assert isinstance(X_res, pd.DataFrame)
    assert list(X_res.columns) == ["height", "count", "ratio", "flag"]
    pd.testing.assert_series_equal(X_res.dtypes, df.dtypes)
    pd.testing.assert_frame_equal(X_res.iloc[: len(df)], df_before)
    assert len(X_res) == len(y_res) == 3 * 72
    pd.testing.assert_frame_equal(df, df_before)  # input untouched
    X_new, _ = Aug(**TINY).fit(df, y).sample(6, y=2)  # sample() keeps the container too
    assert isinstance(X_new, pd.DataFrame) and len(X_new) == 6
    pd.testing.assert_series_equal(X_new.dtypes, df.dtypes)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_fit_resample_nothing_to_add_returns_copies(Aug):
    X, y = _multiclass()
    counts = Counter(y.tolist())
    X_res, y_res = Aug(sampling_strategy=dict(counts), **TINY).fit_resample(X, y)
    assert np.array_equal(X_res, X) and np.array_equal(y_res, y)
    assert X_res is not X and y_res is not y


# ------------------------------------------------------------------------------ sample
@pytest.fixture(scope="module")
def fitted_str():
    """Both augmenters fitted on string labels (72 a / 36 b / 12 c)."""
    X, codes = _multiclass()
    y = np.array(["a", "b", "c"])[codes]
    return {Aug: Aug(**TINY).fit(X, y) for Aug in AUGMENTERS}


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
@pytest.mark.parametrize("label", ["a", "c"])
def test_sample_one_label_gives_exactly_n_of_it(fitted_str, Aug, label):
    X_new, y_new = fitted_str[Aug].sample(37, y=label)
    assert X_new.shape == (37, 4)
    assert y_new.tolist() == [label] * 37


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_sample_label_array_gives_exactly_those_labels(fitted_str, Aug):
    wanted = np.array(["c", "a", "c", "b", "b", "c", "a"])
    X_new, y_new = fitted_str[Aug].sample(len(wanted), y=wanted)
    assert X_new.shape == (7, 4)
    assert np.array_equal(y_new, wanted)
    X_list, y_list = fitted_str[Aug].sample(3, y=["b", "a", "b"])
    assert y_list.tolist() == ["b", "a", "b"] and len(X_list) == 3
    for unordered in ({"a"}, frozenset({"a", "b"}), {"a": 1}):  # was "unhashable type"
        with pytest.raises(TypeError, match="has no order"):
            fitted_str[Aug].sample(2, y=unordered)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
@pytest.mark.parametrize("n, expected", [(10, {"a": 6, "b": 3, "c": 1}),
                                         (120, {"a": 72, "b": 36, "c": 12}),
                                         (7, {"a": 4, "b": 2, "c": 1})])
def test_sample_without_y_uses_training_proportions_exactly(fitted_str, Aug, n, expected):
    X_new, y_new = fitted_str[Aug].sample(n)
    assert len(X_new) == n
    assert Counter(y_new.tolist()) == expected


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_sample_refuses_bad_requests(fitted_str, Aug):
    aug = fitted_str[Aug]
    with pytest.raises(ValueError, match="Unknown label"):
        aug.sample(3, y="zebra")
    with pytest.raises(ValueError):
        aug.sample(3, y=["a", "b"])  # wrong length
    with pytest.raises(ValueError, match="0 or more"):
        aug.sample(-1)
    with pytest.raises(TypeError):
        aug.sample(2.5)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_sample_never_truncates_labels_into_known_classes(fitted_str, Aug):
    # '<U1' classes: 'ab' must not be cast to 'a'; int classes: 0.5 must not become 0
    with pytest.raises(ValueError, match="Unknown label"):
        fitted_str[Aug].sample(2, y=["ab", "b"])
    X, y = _multiclass()
    aug = Aug(**TINY).fit(X, y)
    with pytest.raises(ValueError, match="Unknown label"):
        aug.sample(2, y=[0.5, 1])
    with pytest.raises(ValueError, match="Unknown label"):
        aug.sample(2, y=["a", "b"])
    assert aug.sample(2, y=[2.0, 1.0])[1].tolist() == [2, 1]  # equal values are fine


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_sample_before_fit_raises_not_fitted(Aug):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        Aug(**TINY).sample(3)


def test_gan_augmenter_without_y_returns_x_only():
    X, _ = _multiclass()
    aug = GANAugmenter(**TINY).fit(X)
    X_new = aug.sample(9)
    assert isinstance(X_new, np.ndarray) and X_new.shape == (9, 4)
    assert aug.classes_ is None
    with pytest.raises(ValueError):
        aug.sample(3, y=0)


def test_conditional_augmenter_requires_y():
    X, _ = _multiclass()
    with pytest.raises(ValueError, match="requires y"):
        ConditionalGANAugmenter(**TINY).fit(X, None)


def _images(kind: str) -> tuple[np.ndarray, dict]:
    rs = np.random.RandomState(0)
    if kind == "NHWC-uint8":
        return rs.randint(0, 256, (32, 8, 8, 3)).astype(np.uint8), {}
    if kind == "NCHW-float32":
        return rs.uniform(-0.5, 2.0, (32, 3, 8, 8)).astype(np.float32), {}
    if kind == "rows-image_shape":
        return rs.uniform(0.0, 16.0, (32, 64)), {"image_shape": (8, 8)}
    if kind == "rows-image_shape-rgb":
        return rs.randint(0, 256, (32, 8 * 8 * 3)).astype(np.uint8), {"image_shape": (8, 8, 3)}
    return rs.uniform(0.0, 1.0, (32, 8, 8)), {}  # (N, H, W)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
@pytest.mark.parametrize(
    "kind", ["NHWC-uint8", "NCHW-float32", "rows-image_shape", "rows-image_shape-rgb", "NHW"]
)
def test_images_come_back_in_callers_layout_dtype_and_range(Aug, kind):
    X, extra = _images(kind)
    y = np.repeat([0, 1], 16)
    aug = Aug(**TINY, **extra).fit(X, y)
    assert aug.data_kind_ == "image"
    X_new, y_new = aug.sample(10, y=1)
    assert X_new.shape == (10, *X.shape[1:])
    assert X_new.dtype == X.dtype
    assert X_new.min() >= X.min() and X_new.max() <= X.max()
    assert y_new.tolist() == [1] * 10
    X_res, y_res = Aug(**TINY, **extra, sampling_strategy={0: 16, 1: 20}).fit_resample(X, y)
    assert X_res.shape == (36, *X.shape[1:]) and X_res.dtype == X.dtype
    assert np.array_equal(X_res[:32], X)


# --------------------------------------------------------------- per-class GANs, n_jobs
def test_gan_augmenter_trains_one_generator_per_class():
    X, codes = _multiclass()
    y = np.array(["a", "b", "c"])[codes]
    aug = GANAugmenter(**{**TINY, "epochs": 2}).fit(X, y)
    assert len(aug.generators_) == 3
    assert len({id(g) for g in aug.generators_}) == 3
    weights = [_first_param(g).detach() for g in aug.generators_]
    assert not torch.equal(weights[0], weights[1])
    assert set(aug.class_history_) == {"a", "b", "c"}
    assert all(len(h["d_loss"]) == 2 for h in aug.class_history_.values())
    assert not hasattr(aug, "generator_")


def test_gan_augmenter_n_jobs_gives_same_samples():
    X, y = _multiclass()
    one = GANAugmenter(**TINY, n_jobs=1).fit(X, y)
    two = GANAugmenter(**TINY, n_jobs=2).fit(X, y)
    X1, y1 = one.sample(30)
    X2, y2 = two.sample(30)
    assert np.array_equal(X1, X2) and np.array_equal(y1, y2)
    for g1, g2 in zip(one.generators_, two.generators_):
        for p1, p2 in zip(g1.parameters(), g2.parameters()):
            assert torch.equal(p1, p2)


def test_gan_augmenter_n_jobs_gives_same_samples_on_images_with_an_int_cpu_threads():
    # what the cpu_threads docs promise: joblib's worker processes run fewer torch
    # threads than a 2-thread fit, so the image networks' sums differ (1.4 % of pixels)
    # unless the count is fixed
    rs = np.random.RandomState(0)
    X, y = rs.randint(0, 256, (24, 8, 8)).astype(np.uint8), np.repeat([0, 1, 2], 8)
    kw = dict(max_steps=2, width=8, latent_dim=8, batch_size=8, device="cpu", random_state=0,
              cpu_threads=1)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        one = GANAugmenter(**kw, n_jobs=1).fit(X, y).sample(200)[0]
        two = GANAugmenter(**kw, n_jobs=2).fit(X, y).sample(200)[0]
    finally:
        torch.set_num_threads(before)
    assert np.array_equal(one, two)


# ---------------------------------------------------------------------------- determinism
@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_same_random_state_gives_bit_identical_samples(Aug):
    X, y = _multiclass()
    first = Aug(**TINY).fit(X, y)
    second = Aug(**TINY).fit(X, y)
    cloned = clone(first).fit(X, y)
    samples = [aug.sample(25) for aug in (first, second, cloned)]
    for X_new, y_new in samples[1:]:
        assert np.array_equal(X_new, samples[0][0]) and np.array_equal(y_new, samples[0][1])
    # and the whole fit_resample output
    X_a, y_a = Aug(**TINY).fit_resample(X, y)
    X_b, y_b = clone(Aug(**TINY)).fit_resample(X, y)
    assert np.array_equal(X_a, X_b) and np.array_equal(y_a, y_b)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_different_random_states_differ(Aug):
    X, y = _multiclass()
    a = Aug(**{**TINY, "random_state": 0}).fit(X, y).sample(20, y=0)[0]
    b = Aug(**{**TINY, "random_state": 1}).fit(X, y).sample(20, y=0)[0]
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_successive_samples_differ(Aug):
    X, y = _multiclass()
    aug = Aug(**TINY).fit(X, y)
    assert not np.array_equal(aug.sample(20, y=0)[0], aug.sample(20, y=0)[0])


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
@pytest.mark.parametrize("random_state", [0, "instance"])
def test_global_rng_state_untouched(Aug, random_state):
    X, y = _multiclass()
    if random_state == "instance":
        random_state = np.random.RandomState(3)
    np_before = np.random.get_state()  # noqa: NPY002 (the global state is the point)
    torch_before = torch.get_rng_state()
    aug = Aug(**{**TINY, "random_state": random_state}).fit(X, y)
    aug.sample(10)
    aug.fit_resample(X, y)
    np_after = np.random.get_state()  # noqa: NPY002
    assert np_before[0] == np_after[0] and np.array_equal(np_before[1], np_after[1])
    assert np_before[2:] == np_after[2:]
    assert torch.equal(torch_before, torch.get_rng_state())


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_fit_never_reseeds_accelerator_generators(Aug, monkeypatch):
    # torch.manual_seed reseeds every CUDA and MPS generator, which fork_rng(devices=[])
    # does not restore: on a GPU machine that would change the global CUDA RNG state.
    calls = []
    for module, name in [(torch, "manual_seed"), (torch.cuda, "manual_seed"),
                         (torch.cuda, "manual_seed_all"), (torch, "seed")]:
        monkeypatch.setattr(module, name, lambda *a, _n=name: calls.append(_n))
    if getattr(torch, "mps", None) is not None:
        monkeypatch.setattr(torch.mps, "manual_seed", lambda *a: calls.append("mps"))
    X, y = _multiclass()
    Aug(**TINY).fit(X, y).sample(5)
    assert calls == []


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_random_state_none_leaves_torch_rng_untouched(Aug):
    # None means "draw from numpy's global RandomState" (scikit-learn's convention), so
    # only the torch global state is required to be untouched here.
    X, y = _multiclass()
    torch_before = torch.get_rng_state()
    Aug(**{**TINY, "random_state": None}).fit(X, y).sample(5)
    assert torch.equal(torch_before, torch.get_rng_state())


# -------------------------------------------------------------------------------- device
def _no_cuda_no_mps(monkeypatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)
    if getattr(torch.backends, "mps", None) is not None:
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_resolve_device_auto_is_cpu_without_accelerators(monkeypatch):
    _no_cuda_no_mps(monkeypatch)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")


def test_resolve_device_auto_prefers_cuda_then_mps(monkeypatch):
    _no_cuda_no_mps(monkeypatch)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    assert resolve_device("mps") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda") == torch.device("cuda")
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(ValueError, match="index"):
        resolve_device("cuda:2")


def test_resolve_device_refuses_missing_or_unknown_devices(monkeypatch):
    _no_cuda_no_mps(monkeypatch)
    for name in ("cuda", "cuda:0", "mps", "tpu", "not a device", "meta"):
        with pytest.raises(ValueError):
            resolve_device(name)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_fit_with_device_auto_runs_on_cpu_here(Aug, monkeypatch):
    _no_cuda_no_mps(monkeypatch)
    X, y = _multiclass()
    aug = Aug(**{**TINY, "device": "auto"}).fit(X, y)
    assert aug.device == "auto"  # the parameter is never rewritten
    assert aug.device_ == torch.device("cpu")
    with pytest.raises(ValueError):
        Aug(**{**TINY, "device": "cuda"}).fit(X, y)


# ------------------------------------------------------------------------------ pickling
@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_pickle_round_trip_samples_identically(Aug):
    X, y = _multiclass()
    aug = Aug(**TINY).fit(X, y)
    loaded = pickle.loads(pickle.dumps(aug))
    X_a, y_a = aug.sample(15)
    X_b, y_b = loaded.sample(15)
    assert np.array_equal(X_a, X_b) and np.array_equal(y_a, y_b)
    assert loaded.get_params() == aug.get_params()


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_model_pickled_on_cuda_loads_and_samples_on_cpu(Aug, monkeypatch):
    X, y = _multiclass()
    aug = Aug(**TINY).fit(X, y)
    expected = pickle.loads(pickle.dumps(aug)).sample(12, y=2)
    aug.device_ = torch.device("cuda")  # as if it had been trained on a GPU
    assert aug.__getstate__()["device_"] == "cuda"  # the pickle carries the device name
    blob = pickle.dumps(aug)
    _no_cuda_no_mps(monkeypatch)  # ... and is loaded on a machine without one
    loaded = pickle.loads(blob)
    assert loaded.device_ == torch.device("cpu")
    gens = [loaded.generator_] if Aug is ConditionalGANAugmenter else list(loaded.generators_)
    assert all(_first_param(g).device.type == "cpu" for g in gens)
    X_new, y_new = loaded.sample(12, y=2)
    assert np.array_equal(X_new, expected[0]) and np.array_equal(y_new, expected[1])


@pytest.mark.parametrize("width_kept", [True, False], ids=["width-in-hparams", "older-file"])
def test_image_model_saved_from_a_gpu_loads_on_a_cpu_machine(tmp_path, monkeypatch,
                                                             width_kept):
    """A GPU fit with width=None builds 256-channel networks (64 on a CPU). The file says
    'cuda'; on a machine without CUDA, load must rebuild at the GPU's size (or the stored
    weights would not fit), then fall back to the CPU as documented, and sample the same
    images. The GPU model is made on the CPU: fit, then set device_ to cuda and rebuild
    the generator as a GPU fit would have built it (its hparams_ keep the width; files
    saved before they did are rebuilt by the saved device kind)."""
    import copy
    import json

    import ganaug

    rs = np.random.RandomState(0)
    X = rs.randint(0, 256, (24, 8, 8, 1)).astype(np.uint8)
    y = np.repeat([0, 1], [16, 8])
    aug = ConditionalGANAugmenter(**{**TINY, "width": None, "max_steps": 1}).fit(X, y)
    assert aug.generator_.width == 64  # the CPU default
    aug.device_ = torch.device("cuda")
    if width_kept:
        aug.hparams_["width"] = 256  # as a GPU fit resolves it
    else:
        del aug.hparams_["width"]
    from ganaug._fitting import build_generator

    aug.generator_ = build_generator(aug, len(aug.classes_)).eval().requires_grad_(False)
    assert aug.generator_.width == 256  # the GPU default
    on_cpu = copy.deepcopy(aug)
    on_cpu.device_ = torch.device("cpu")
    expected = on_cpu.sample(6, y=1)
    path = tmp_path / "gpu.ganaug"
    ganaug.save(aug, path)
    config = json.loads(torch.load(path, weights_only=True)["config"])
    assert config["fitted"]["device_"] == {"__device__": "cuda"}

    _no_cuda_no_mps(monkeypatch)  # a CPU-only machine
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fallback is silent, as documented
        loaded = ganaug.load(path)
    assert loaded.device_ == torch.device("cpu")
    assert loaded.generator_.width == 256
    assert _first_param(loaded.generator_).device.type == "cpu"
    X_new, y_new = loaded.sample(6, y=1)
    assert X_new.dtype == np.uint8 and X_new.shape == (6, 8, 8, 1)
    np.testing.assert_array_equal(X_new, expected[0])
    np.testing.assert_array_equal(y_new, expected[1])
    # asking for the missing GPU explicitly is an error, not a silent CPU
    with pytest.raises(ValueError, match="CUDA"):
        ganaug.load(path, device="cuda")


# ----------------------------------------------------------------------- model selection
@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_grid_search_over_augmenter_params_in_pipeline(Aug):
    X, y = _multiclass()
    pipe = Pipeline([("aug", Aug(**TINY)), ("clf", SVC())])
    grid = {"aug__latent_dim": [4, 8], "aug__sampling_strategy": ["auto", "minority"]}
    search = GridSearchCV(
        pipe, grid, cv=StratifiedKFold(2), scoring="balanced_accuracy", error_score="raise"
    )
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    assert search.best_params_["aug__latent_dim"] in (4, 8)
    best_aug = search.best_estimator_.named_steps["aug"]
    assert best_aug.latent_dim == search.best_params_["aug__latent_dim"]
    assert hasattr(best_aug, "device_")
    assert pipe.named_steps["aug"].latent_dim == TINY["latent_dim"]  # cloned, untouched
    assert not hasattr(pipe.named_steps["aug"], "device_")
    assert search.predict(X).shape == y.shape  # samplers are skipped at predict time


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_cross_val_score_in_parallel(Aug):
    X, y = _multiclass()
    pipe = Pipeline([("aug", Aug(**TINY)), ("clf", SVC())])
    scores = cross_val_score(pipe, X, y, cv=3, n_jobs=2, error_score="raise")
    assert scores.shape == (3,) and np.isfinite(scores).all()


# ------------------------------------------------------------------ training bookkeeping
def test_history_has_per_epoch_losses():
    X, y = _multiclass()
    aug = ConditionalGANAugmenter(**{**TINY, "epochs": 3}).fit(X, y)
    assert {"d_loss", "g_loss", "d_real", "d_fake"} <= set(aug.history_)
    for key in ("d_loss", "g_loss", "d_real", "d_fake"):
        values = aug.history_[key]
        assert len(values) == 3
        assert all(isinstance(v, float) and np.isfinite(v) for v in values)


@pytest.mark.parametrize("Aug", AUGMENTERS, ids=AUG_IDS)
def test_generator_is_in_eval_mode_after_fit_and_sample(Aug):
    X, y = _multiclass()
    aug = Aug(**TINY).fit(X, y)
    gens = [aug.generator_] if Aug is ConditionalGANAugmenter else list(aug.generators_)
    aug.sample(5)
    for g in gens:
        assert not any(m.training for m in g.modules())
        assert not any(p.requires_grad for p in g.parameters())
    # eval mode and no_grad: the same noise gives the same rows (no batch statistics)
    first = pickle.loads(pickle.dumps(aug)).sample(8, y=0)[0]
    again = pickle.loads(pickle.dumps(aug)).sample(8, y=0)[0]
    assert np.array_equal(first, again)


@pytest.mark.parametrize("verbose, shown", [(1, True), (0, False)])
def test_progress_bar_on_stderr_only_when_verbose(capsys, verbose, shown):
    X, y = _multiclass()
    ConditionalGANAugmenter(**{**TINY, "epochs": 2, "verbose": verbose}).fit(X, y)
    err = capsys.readouterr().err
    assert ("cGAN" in err and "2/2" in err) is shown
    if not shown:
        assert err == ""


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("tabular", {"generator_lr": 1e-3, "adam_betas": (0.0, 0.99), "d_steps": 2}),
     ("image", {"generator_lr": 2e-4, "adam_betas": (0.0, 0.999), "d_steps": 1})],
)
def test_kind_dependent_defaults_and_explicit_values_reach_the_training_loop(
    monkeypatch, kind, expected
):
    import ganaug._fitting

    seen = []
    real = ganaug._fitting.train_gan

    def spy(G, D, x, y, n_classes, cfg, *args, **kwargs):
        seen.append(cfg)
        return real(G, D, x, y, n_classes, cfg, *args, **kwargs)

    monkeypatch.setattr(ganaug._fitting, "train_gan", spy)
    rs = np.random.RandomState(0)
    X = rs.normal(size=(40, 64)) if kind == "tabular" else rs.rand(40, 8, 8, 1)
    y = np.arange(40) % 2
    params = {k: v for k, v in TINY.items() if k not in ("latent_dim", "d_steps")}
    est = ConditionalGANAugmenter(**params).fit(X, y)
    cfg = seen[-1]
    assert cfg.g_lr == cfg.d_lr == expected["generator_lr"]
    assert cfg.betas == expected["adam_betas"] and cfg.d_steps == expected["d_steps"]
    # images: z of 128; tables (anchor mode by default): the prior's 64 directions + 16
    assert cfg.latent_dim == est.hparams_["latent_dim"] == (128 if kind == "image" else 80)
    assert est.hparams_["conditioning"] == ("label" if kind == "image" else "anchor")
    assert cfg.diversity_weight == 0.0
    ConditionalGANAugmenter(
        **params, generator_lr=5e-4, d_steps=3, latent_dim=5, diversity_weight=0.5
    ).fit(X, y)
    cfg = seen[-1]
    assert (cfg.g_lr, cfg.d_steps, cfg.latent_dim, cfg.diversity_weight) == (5e-4, 3, 5, 0.5)

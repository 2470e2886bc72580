"""Behaviour fixed after the 2026-12-02 bug hunts (each test failed before its fix)."""

from __future__ import annotations

import copy
from collections import UserDict
from types import MappingProxyType

import numpy as np
import pandas as pd
import pytest
from _tiny import TINY

import ganaug
from ganaug import ConditionalGANAugmenter, GANAugmenter

RS = np.random.RandomState(0)
X = RS.normal(size=(60, 3))
Y = np.r_[np.zeros(45, int), np.ones(15, int)]


@pytest.mark.parametrize("wrap", [MappingProxyType, UserDict])
def test_any_mapping_is_a_sampling_strategy(wrap):
    aug = ConditionalGANAugmenter(**TINY, sampling_strategy=wrap({1: 50}))
    X_res, y_res = aug.fit_resample(X, Y)
    assert dict(aug.sampling_strategy_) == {1: 35}
    assert np.bincount(y_res).tolist() == [45, 50]


def test_labels_up_to_uint64_keep_their_values():
    labels = np.array([2**63, 2**63 + 1], dtype=object)[Y]
    _, y_res = ConditionalGANAugmenter(**TINY).fit_resample(X, labels)
    assert y_res.dtype == np.uint64
    assert sorted(set(y_res.tolist())) == [2**63, 2**63 + 1]
    assert np.unique(y_res, return_counts=True)[1].tolist() == [45, 45]


@pytest.mark.parametrize("k", [2, 3])
def test_one_hot_labels_come_back_one_hot_with_their_columns(k):
    y = np.r_[Y, np.full(10 * (k - 2), 2)]
    Xk = np.r_[X, RS.normal(size=(len(y) - len(X), 3))]
    one_hot = pd.DataFrame(np.eye(k, dtype=int)[y], columns=[f"c{j}" for j in range(k)])
    X_res, y_res = ConditionalGANAugmenter(**TINY).fit_resample(Xk, one_hot)
    assert isinstance(y_res, pd.DataFrame) and list(y_res.columns) == list(one_hot.columns)
    assert y_res.shape == (k * 45, k)
    assert y_res.sum(axis=0).tolist() == [45] * k
    pd.testing.assert_frame_equal(y_res.iloc[: len(y)], one_hot)
    # a binary one-hot array keeps its two columns (label_binarize would give one)
    _, y_arr = ConditionalGANAugmenter(**TINY).fit_resample(Xk, one_hot.to_numpy())
    assert y_arr.shape == (k * 45, k)


@pytest.mark.parametrize("container", ["frame", "array"])
def test_sample_returns_one_hot_rows_for_one_hot_labels_and_takes_them(container, tmp_path):
    from ganaug import load, save

    y = np.r_[Y, np.full(10, 2)]
    Xk = np.r_[X, RS.normal(size=(10, 3))]
    one_hot = pd.get_dummies(pd.Series(y).map({0: "c0", 1: "c1", 2: "c2"}))  # bool
    one_hot = one_hot.astype({"c1": np.uint8, "c2": np.int64})  # dtypes may differ
    labels = one_hot if container == "frame" else one_hot.to_numpy(dtype=np.float32)
    aug = ConditionalGANAugmenter(**TINY).fit(Xk, labels)
    X_new, y_new = aug.sample(60, random_state=0)
    if container == "frame":  # the caller's columns and dtypes, as fit_resample gives
        assert list(y_new.columns) == ["c0", "c1", "c2"]
        assert y_new.dtypes.tolist() == one_hot.dtypes.tolist()
        _, y_res = ConditionalGANAugmenter(**TINY).fit_resample(Xk, labels)
        assert y_res.dtypes.tolist() == y_new.dtypes.tolist()
    else:
        assert isinstance(y_new, np.ndarray) and y_new.dtype == int
    rows = np.asarray(y_new, dtype=int)
    assert (rows.sum(1) == 1).all()
    assert rows.sum(0).tolist() == [39, 13, 8]  # the training shares 45 : 15 : 10
    # labels to sample: column indices or one-hot rows, the same rows either way
    by_index = aug.sample(4, y=[2, 0, 1, 2], random_state=1)
    by_rows = aug.sample(4, y=np.eye(3)[[2, 0, 1, 2]], random_state=1)
    np.testing.assert_array_equal(by_index[0], by_rows[0])
    np.testing.assert_array_equal(np.asarray(by_rows[1], dtype=int), np.eye(3)[[2, 0, 1, 2]])
    if container == "frame":  # its own one-hot rows, or the caller's, by column name
        again = aug.sample(4, y=by_rows[1], random_state=1)
        pd.testing.assert_frame_equal(again[1], by_rows[1])
        shuffled = one_hot.iloc[[0, 65]][["c2", "c0", "c1"]]  # rows of classes 0 and 2
        assert aug.sample(2, y=shuffled)[1].idxmax(axis=1).tolist() == ["c0", "c2"]
        with pytest.raises(ValueError, match="not the one-hot columns"):
            aug.sample(1, y=shuffled.rename(columns={"c2": "other"}).iloc[:1])
    with pytest.raises(ValueError, match="one 1 per row"):
        aug.sample(2, y=[[1, 1, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="one-hot rows of 3 columns"):
        aug.sample(2, y=np.eye(2))
    assert np.asarray(aug.sample(0)[1]).shape == (0, 3)
    save(aug, tmp_path / "m.ganaug")
    back = load(tmp_path / "m.ganaug")
    again = back.sample(60, random_state=0)[1]
    if container == "frame":
        pd.testing.assert_frame_equal(again, y_new)
    else:
        np.testing.assert_array_equal(again, y_new)
    # refitted on plain labels: plain labels back
    assert aug.fit(Xk, y).sample(5)[1].ndim == 1


def test_nothing_to_add_returns_the_callers_rows():
    with pd.option_context("future.distinguish_nan_and_na", True):
        frame = pd.DataFrame({"a": pd.array([np.nan, 1.0, 2.0, 3.0] * 10, dtype="Float64"),
                              "b": RS.normal(size=40)})
        y = np.r_[np.zeros(20, int), np.ones(20, int)]
        X_res, y_res = ConditionalGANAugmenter(**TINY).fit_resample(frame, y)
        pd.testing.assert_frame_equal(X_res, frame)
        assert np.isnan(X_res["a"].iloc[0]) and X_res["a"].iloc[0] is not pd.NA


@pytest.mark.parametrize("Aug", [ConditionalGANAugmenter, GANAugmenter])
def test_sample_random_state(Aug):
    aug = Aug(**TINY).fit(X, Y)
    twin = copy.deepcopy(aug)
    a = aug.sample(50, y=1, random_state=7)[0]
    np.testing.assert_array_equal(a, aug.sample(50, y=1, random_state=7)[0])
    np.testing.assert_array_equal(a, aug.sample(50, y=1, random_state=np.random.RandomState(7))[0])
    assert not np.array_equal(a, aug.sample(50, y=1, random_state=8)[0])
    # the model's own stream did not move
    np.testing.assert_array_equal(aug.sample(50, y=1)[0], twin.sample(50, y=1)[0])
    # copies with their own seeds draw different rows (the docstring's advice)
    parts = [copy.deepcopy(aug).sample(40, y=1, random_state=i)[0] for i in range(3)]
    assert len(np.unique(np.vstack(parts), axis=0)) == 120
    with pytest.raises(ValueError, match="'random_state' parameter of sample"):
        aug.sample(5, random_state="x")


def test_long_durations_save_and_load(tmp_path):
    day = np.timedelta64(1, "D")
    frame = pd.DataFrame({
        "x": RS.normal(size=60),
        "d": pd.Series((RS.randint(1, 4, 60) * 300 * 365 * day).astype("timedelta64[s]")),
    })
    aug = ConditionalGANAugmenter(**TINY).fit(frame, Y)
    ganaug.save(aug, tmp_path / "m.ganaug")
    back = ganaug.load(tmp_path / "m.ganaug")
    a, b = aug.sample(20, random_state=1)[0], back.sample(20, random_state=1)[0]
    pd.testing.assert_frame_equal(a, b)
    assert set(a["d"]) <= set(frame["d"])


def test_fold_into_reflects_near_values_and_clips_far_ones():
    from ganaug.data.anchors import fold_into

    v = np.array([[-0.5, 1.2, 5.0, -3.0, 0.5]]).T
    np.testing.assert_allclose(fold_into(v.copy(), 0.0, 1.0)[:, 0], [0.5, 0.8, 1.0, 0.0, 0.5])
    np.testing.assert_allclose(fold_into(v.copy(), 0.0, 1.0, False, False)[:, 0],
                               [0.0, 1.0, 1.0, 0.0, 0.5])


def test_new_values_do_not_pile_up_on_a_range_end_one_row_holds():
    """A bug hunt's case: a class at the edge of the data put 15 % of its new values on
    a column's one training maximum (clipped onto it); an end many rows share (a
    zero-inflated column's 0) is a real point mass and still takes them."""
    rs = np.random.RandomState(1)
    n = 300
    y = np.r_[np.zeros(n - 30, int), np.ones(30, int)]
    edge = np.r_[rs.normal(size=n - 30), rs.normal(2.5, 0.3, 30)]  # minority at the top
    zeros = np.where(rs.uniform(size=n) < 0.5, 0.0, rs.exponential(size=n))
    Xe = np.c_[edge, zeros, rs.normal(size=n)]
    X_res, _ = ConditionalGANAugmenter(random_state=0).fit_resample(Xe, y)
    new = X_res[n:]
    assert (Xe[:, 0] == Xe[:, 0].max()).sum() == 1
    assert (new[:, 0] == Xe[:, 0].max()).mean() < 0.01
    assert (new >= Xe.min(0)).all() and (new <= Xe.max(0)).all()
    assert (new[:, 1] == 0.0).mean() > 0.1  # the shared 0 keeps its point mass


def test_range_ends_are_kept_in_encoded_units_and_survive_save(tmp_path):
    """The fold happens before the class check, so the codec keeps the training range in
    encoded units: the ends decode to the training range exactly, and a saved model
    samples the same rows after loading."""
    from ganaug.io import load, save

    rs = np.random.RandomState(0)
    X = np.c_[rs.normal(size=80), np.r_[np.zeros(40), rs.exponential(size=40)]]
    y = np.r_[np.zeros(60, int), np.ones(20, int)]
    aug = ConditionalGANAugmenter(max_steps=5, random_state=0).fit(X, y)
    low, high, fold_low, fold_high = aug.codec_.range_ends()
    assert low.dtype == high.dtype == np.float32
    np.testing.assert_array_equal(fold_low, [True, False])  # 40 rows share the 0
    np.testing.assert_array_equal(fold_high, [True, True])
    back = aug.codec_.inverse_transform(np.vstack([low, high]))
    np.testing.assert_array_equal(back, np.vstack([X.min(0), X.max(0)]))
    save(aug, tmp_path / "m")
    loaded = load(tmp_path / "m")
    for a, b in zip(aug.codec_.range_ends(), loaded.codec_.range_ends()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(aug.sample(30, random_state=3)[0],
                                  loaded.sample(30, random_state=3)[0])
    del loaded.codec_.encoded_min_  # a file saved before the ends were kept
    assert loaded.codec_.range_ends() is None
    assert loaded.sample(5, random_state=3)[0].shape == (5, 2)


@pytest.mark.parametrize("x_dtype, y_dtype", [(">f8", ">i4"), (">i4", ">i8"), ("<f4", "<u2")])
def test_fit_resample_keeps_the_byte_order_of_x_and_y(x_dtype, y_dtype):
    # np.concatenate returned big-endian input as native (sample() kept it): the
    # caller's dtype changed with the rows appended
    rs = np.random.RandomState(0)
    X = (rs.rand(60, 3) * 100).astype(x_dtype)
    y = np.repeat([0, 1], [45, 15]).astype(y_dtype)
    X0, y0 = X.copy(), y.copy()
    Xr, yr = ConditionalGANAugmenter(**TINY).fit_resample(X, y)
    assert Xr.dtype == np.dtype(x_dtype) and yr.dtype == np.dtype(y_dtype)
    np.testing.assert_array_equal(Xr[:60], X0)
    np.testing.assert_array_equal(np.bincount(yr), [45, 45])
    assert X.dtype == np.dtype(x_dtype) and np.array_equal(X, X0) and np.array_equal(y, y0)


def test_array_refusals_name_the_array_the_caller_passed():
    # a bool or int64 array with some columns in categorical_features was refused with
    # a message about "an object column" (its columns are checked as object Series)
    y = np.repeat([0, 1], [45, 15])
    rs = np.random.RandomState(0)
    with pytest.raises(ValueError, match="X is a bool array.*List every column"):
        ConditionalGANAugmenter(categorical_features=[0], **TINY).fit(rs.rand(60, 3) > .5, y)
    ids = np.column_stack([np.arange(60, dtype=np.int64) + 2**60, rs.randint(0, 3, 60)])
    with pytest.raises(ValueError, match=r"beyond 2\*\*53 \(an int64 array") as err:
        ConditionalGANAugmenter(categorical_features=[1], **TINY).fit(ids, y)
    assert "object column" not in str(err.value)


def test_network_weights_come_from_a_local_generator_not_torchs_global_one():
    # build_networks reseeded torch's process-wide CPU generator (inside fork_rng): a
    # thread drawing from it meanwhile changed the fit's weights and had its own stream
    # rewound. The weights must stay those of torch.manual_seed(seed), bit for bit
    import threading

    import torch

    from ganaug.nn.build import build_networks, seeded_init
    from ganaug.nn.classifier import ClassifierNet

    kw = dict(kind="tabular", conditioning="label", latent_dim=8, n_classes=3, seed=5,
              width=32, discriminator_width=32, n_features=6)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(5)
        from ganaug.nn.tabular import MLPDiscriminator, MLPGenerator
        G0 = MLPGenerator(8, 6, 32, 2, 3, spans=None)
        D0 = MLPDiscriminator(6, 32, 2, 3, sn=False)
    state = torch.get_rng_state()
    G, D = build_networks(**kw)
    assert torch.equal(torch.get_rng_state(), state)  # never read nor reset
    for a, b in ((G0, G), (D0, D)):
        for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
            assert torch.equal(p, q)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(3)
        net0 = ClassifierNet(3, 4, (8, 8, 8))
    with seeded_init(3):
        net = ClassifierNet(3, 4, (8, 8, 8))
    for p, q in zip(net0.state_dict().values(), net.state_dict().values(), strict=True):
        assert torch.equal(p, q)

    X, y = np.random.RandomState(0).randn(90, 5), np.repeat([0, 1, 2], [60, 20, 10])
    big = {**TINY, "width": 256, "depth": 3}
    ref = ConditionalGANAugmenter(**big).fit_resample(X, y)[0]
    stop = threading.Event()
    drawn = []

    def draw():  # another user of torch's global generator
        while not stop.is_set():
            drawn.append(torch.randn(64))

    t = threading.Thread(target=draw)
    t.start()
    try:
        for _ in range(3):
            np.testing.assert_array_equal(ConditionalGANAugmenter(**big).fit_resample(X, y)[0],
                                          ref)
    finally:
        stop.set()
        t.join()
    assert drawn


def test_a_model_whose_check_is_an_svc_saves_and_loads(tmp_path):
    # the check's kernel kind, SVC, was missing from the classes a file may name: save
    # refused it although the docstring says the check's kinds are stored
    from sklearn.svm import SVC

    X, y = np.random.RandomState(0).randn(80, 4), np.repeat([0, 1], [60, 20])
    aug = ConditionalGANAugmenter(class_filter=SVC(class_weight="balanced", random_state=0),
                                  **TINY).fit(X, y)
    ganaug.save(aug, tmp_path / "m.gan")
    again = ganaug.load(tmp_path / "m.gan")
    assert isinstance(again.class_filter, SVC)
    assert again.class_filter.get_params() == aug.class_filter.get_params()
    np.testing.assert_array_equal(again.sample(30, y=1)[0], aug.sample(30, y=1)[0])


def test_seeded_init_on_an_older_torch_seeds_the_global_generator_and_restores_it(
        monkeypatch):
    # torch < 2.2: torch.nn.init takes no generator, so the build falls back to seeding
    # the process-wide CPU generator inside fork_rng: the same weights, state restored
    import torch

    import ganaug.nn.build as build

    kw = dict(kind="image", conditioning="label", latent_dim=8, n_classes=2, seed=4,
              width=8, discriminator_width=8, image_shape=(1, 8, 8))
    G0, D0 = build.build_networks(**kw)
    monkeypatch.setattr(build, "_INIT_TAKES_GENERATOR", False)
    state = torch.get_rng_state()
    G, D = build.build_networks(**kw)
    assert torch.equal(torch.get_rng_state(), state)
    for a, b in ((G0, G), (D0, D)):
        for p, q in zip(a.state_dict().values(), b.state_dict().values(), strict=True):
            assert torch.equal(p, q)

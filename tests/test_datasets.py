"""CIFAR-10 loader (on a tiny fake of the pickle layout), LT and low-data protocols."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest
from _shared import need, shared_data

from ganaug.datasets import (
    load_cifar10,
    long_tailed_counts,
    make_long_tailed,
    make_low_data,
)

LT100 = [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50]


def write_fake_cifar(root: Path, n_per_batch: int = 20, seed: int = 0) -> Path:
    """Write ``cifar-10-batches-py`` with 5 train batches and a test batch of random images.

    Same layout as the official files: dict with b"data" (uint8, n x 3072, R plane, G
    plane, B plane, each 32x32 row-major) and b"labels" (list of ints).
    """
    rs = np.random.RandomState(seed)
    folder = root / "cifar-10-batches-py"
    folder.mkdir(parents=True, exist_ok=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        d = {
            b"batch_label": name.encode(),
            b"labels": [int(v) for v in rs.randint(0, 10, n_per_batch)],
            b"data": rs.randint(0, 256, (n_per_batch, 3072)).astype(np.uint8),
            b"filenames": [b"x.png"] * n_per_batch,
        }
        with open(folder / name, "wb") as f:
            pickle.dump(d, f, protocol=2)
    return folder


def test_load_fake_cifar_layout(tmp_path):
    folder = write_fake_cifar(tmp_path, n_per_batch=7)
    (X, y), (Xt, yt) = load_cifar10(tmp_path, download_if_missing=False)
    assert X.shape == (35, 32, 32, 3) and X.dtype == np.uint8
    assert Xt.shape == (7, 32, 32, 3) and y.dtype == np.int64 and len(yt) == 7
    with open(folder / "data_batch_1", "rb") as f:
        d = pickle.load(f, encoding="bytes")
    row = d[b"data"][0]
    # channel planes -> HWC: pixel (0, 1) of the first image
    assert X[0, 0, 1].tolist() == [row[1], row[1024 + 1], row[2048 + 1]]
    assert y[:7].tolist() == d[b"labels"]
    # the folder itself also works, and so does GANAUG_DATA
    (X2, _), _ = load_cifar10(folder, download_if_missing=False)
    np.testing.assert_array_equal(X, X2)


def test_load_from_env_and_missing(tmp_path, monkeypatch):
    write_fake_cifar(tmp_path, n_per_batch=3)
    monkeypatch.setenv("GANAUG_DATA", str(tmp_path))
    (X, _), _ = load_cifar10(download_if_missing=False)
    assert len(X) == 15
    with pytest.raises(FileNotFoundError, match="CIFAR-10 not found"):
        load_cifar10(tmp_path / "nowhere", download_if_missing=False)


def test_long_tailed_counts_reference():
    assert long_tailed_counts(5000, 10, 100) == LT100
    assert sum(long_tailed_counts(5000, 10, 100)) == 12406
    assert long_tailed_counts(5000, 10, 1) == [5000] * 10


def reference_lt_indices(y: np.ndarray, ratio: float) -> np.ndarray:
    """The LDAM-DRW reference: np.random.seed(0), per class in label order shuffle, take n_i."""
    rng = np.random.RandomState(0)
    keep = []
    for c in range(10):
        n = int(5000 * (1.0 / ratio) ** (c / 9.0))
        idx = np.where(y == c)[0]
        rng.shuffle(idx)
        keep.append(idx[:n])
    return np.concatenate(keep)


def test_make_long_tailed_matches_reference_shuffling():
    # a synthetic balanced label vector of CIFAR-10's size and a shuffled class order
    y = np.random.RandomState(1).permutation(np.repeat(np.arange(10), 5000))
    X = np.arange(len(y))
    X_lt, y_lt, idx = make_long_tailed(X, y, 100, random_state=0, return_indices=True)
    np.testing.assert_array_equal(idx, reference_lt_indices(y, 100))
    np.testing.assert_array_equal(np.bincount(y_lt), LT100)
    np.testing.assert_array_equal(X_lt, X[idx])
    assert len(y_lt) == 12406


def _reference_low_data_indices(y, fraction, seed):
    """The protocol as first written: shuffle each class's positions, keep the first k."""
    rs = np.random.RandomState(seed)
    keep = []
    for c in np.unique(y):
        idx = np.where(y == c)[0]
        rs.shuffle(idx)
        keep.append(idx[: max(1, int(round(fraction * len(idx))))])
    return np.concatenate(keep)


def test_make_low_data_fraction():
    y = np.repeat(np.arange(4), [10, 20, 30, 3])
    X = np.arange(len(y))[:, None]
    Xl, yl = make_low_data(X, y, 0.2, random_state=0)
    assert np.bincount(yl).tolist() == [2, 4, 6, 1]
    # the same rows as the original shuffle-and-take protocol (recorded runs used it)
    np.testing.assert_array_equal(Xl[:, 0], _reference_low_data_indices(y, 0.2, 0))
    np.testing.assert_array_equal(yl, y[Xl[:, 0]])
    assert len(set(Xl[:, 0].tolist())) == len(Xl)  # no row twice
    with pytest.raises(ValueError, match="fraction"):
        make_low_data(X, y, 0.0)
    with pytest.raises(ValueError, match="fraction"):
        make_low_data(X, y, 1.5)


@pytest.mark.parametrize("seed", [0, 1, 7])
@pytest.mark.parametrize("fraction", [0.05, 0.1, 0.5, 1.0])
def test_make_low_data_is_make_imbalance(seed, fraction):
    """make_low_data is imbalanced-learn's make_imbalance with per-class counts, for
    images too (it draws row positions), and equal to the original protocol."""
    from imblearn.datasets import make_imbalance

    rs = np.random.RandomState(100 + seed)
    y = np.array(["cat", "dog", "owl"])[rs.randint(0, 3, 211)]
    X = rs.randint(0, 256, (211, 4, 4, 3)).astype(np.uint8)
    Xl, yl = make_low_data(X, y, fraction, random_state=seed)
    idx = _reference_low_data_indices(y, fraction, seed)
    np.testing.assert_array_equal(Xl, X[idx])
    np.testing.assert_array_equal(yl, y[idx])
    assert Xl.dtype == np.uint8 and yl.dtype == y.dtype
    classes, sizes = np.unique(y, return_counts=True)
    want = {c: max(1, int(round(fraction * n))) for c, n in zip(classes, sizes)}
    rows, y_imb = make_imbalance(np.arange(len(y))[:, None], y, sampling_strategy=want,
                                 random_state=seed)
    np.testing.assert_array_equal(rows[:, 0], idx)
    np.testing.assert_array_equal(y_imb, yl)


def test_make_low_data_one_class_and_instance_seed():
    y = np.zeros(40, dtype=int)
    Xl, yl = make_low_data(np.arange(40), y, 0.25, random_state=np.random.RandomState(3))
    np.testing.assert_array_equal(Xl, _reference_low_data_indices(y, 0.25, 3))
    assert yl.tolist() == [0] * 10


def test_make_long_tailed_keeps_small_classes_whole():
    # class 0 has fewer rows than its long-tailed count: it is kept whole, not refused
    y = np.repeat([0, 1, 2], [5, 30, 30])
    _, y_lt, idx = make_long_tailed(np.arange(65), y, 4, random_state=0, return_indices=True)
    counts = long_tailed_counts(65 / 3, 3, 4)
    assert counts == [21, 10, 5]
    assert np.bincount(y_lt).tolist() == [5, 10, 5]
    rs = np.random.RandomState(0)
    expected = []
    for c, k in zip(range(3), counts):
        pos = np.where(y == c)[0]
        rs.shuffle(pos)
        expected.append(pos[:k])
    np.testing.assert_array_equal(idx, np.concatenate(expected))


def _real_cifar_home() -> Path | None:
    for cand in (os.environ.get("GANAUG_DATA"),
                 Path(__file__).resolve().parents[2] / "shared" / "data"):
        if cand and (Path(cand) / "cifar-10-batches-py" / "test_batch").is_file():
            return Path(cand)
    return None


def test_real_cifar10_and_lt100():
    home = _real_cifar_home() or need(
        shared_data() / "cifar-10-batches-py" / "test_batch").parents[1]
    (X, y), (Xt, yt) = load_cifar10(home, download_if_missing=False)
    assert X.shape == (50000, 32, 32, 3) and Xt.shape == (10000, 32, 32, 3)
    assert np.bincount(y).tolist() == [5000] * 10 and np.bincount(yt).tolist() == [1000] * 10
    np.testing.assert_allclose(X.reshape(-1, 3).mean(0), [125.31, 122.95, 113.87], atol=0.01)
    _, y_lt, idx = make_long_tailed(X, y, 100, random_state=0, return_indices=True)
    assert np.bincount(y_lt).tolist() == LT100
    np.testing.assert_array_equal(idx, reference_lt_indices(y, 100))


@pytest.mark.parametrize("ratio, message", [
    (100, "leaves the rarest class no rows"),  # 90 rows per class: the rarest would get 0
    (float("nan"), "finite number >= 1"), (float("inf"), "finite number >= 1"),
    (0.5, "finite number >= 1"),
])
def test_make_long_tailed_refuses_ratios_that_drop_a_class(ratio, message):
    X, y = np.zeros((900, 2)), np.repeat(np.arange(10), 90)
    with pytest.raises(ValueError, match=message):
        make_long_tailed(X, y, ratio)
    assert np.bincount(make_long_tailed(X, y, 89)[1]).min() == 1


def test_make_long_tailed_refuses_one_class_and_unequal_lengths():
    with pytest.raises(ValueError, match="at least 2 classes"):
        make_long_tailed(np.zeros((10, 2)), np.zeros(10), 5)
    with pytest.raises(ValueError, match="X has 10 rows but y has 12 labels"):
        make_long_tailed(np.zeros((10, 2)), np.repeat([0, 1], 6), 5)


@pytest.mark.parametrize("args, error, message", [
    ((100, 1, 10), ValueError, r"n_classes must be an int >= 2; got 1\."),  # was 1/0
    ((100, 0, 10), ValueError, r"n_classes must be an int >= 2; got 0\."),  # was []
    ((100, 3, True), TypeError, r"imbalance_ratio must be a number; got True"),  # was 1
    ((100, 3, 0), ValueError, r"imbalance_ratio must be a finite number >= 1; got 0"),
    ((100, 3, float("nan")), ValueError, r"finite number >= 1; got nan"),
    ((100, 3, "10"), TypeError, r"imbalance_ratio must be a number; got '10'"),
    ((-5, 3, 2), ValueError, r"n_max must be a finite number > 0; got -5"),
    ((100, 2.5, 2), TypeError, r"n_classes must be an int; got 2.5"),
])
def test_long_tailed_counts_refuses_arguments_that_make_no_sense(args, error, message):
    with pytest.raises(error, match=message):
        long_tailed_counts(*args)
    assert long_tailed_counts(100, 2, 10) == [100, 10]


def _nan_labels():
    y = np.repeat(np.arange(3.0), 30)
    y[4] = np.nan
    return y


@pytest.mark.parametrize("subsample", [
    lambda X, y: make_long_tailed(X, y, 2), lambda X, y: make_low_data(X, y, 0.5),
], ids=["make_long_tailed", "make_low_data"])
@pytest.mark.parametrize("y, error, message", [
    (_nan_labels(), ValueError, r"y has 1 missing label\(s\) \(NaN, None or pd.NA\)"),
    (np.array([None] * 45 + ["a"] * 45, dtype=object), ValueError,
     r"y has 45 missing label"),
    (np.repeat(np.arange(3), 30)[:, None], ValueError,  # was 'unhashable type'
     r"y must be 1-D, one label per row; got shape \(90, 1\). Pass np.ravel\(y\)"),
    (np.array([1, "a"] * 45, dtype=object), ValueError, r"y mixes label types \(int, str\)"),
], ids=["nan", "none", "column", "mixed-types"])
def test_subsampling_refuses_missing_column_and_mixed_labels(subsample, y, error, message):
    X = np.arange(90)[:, None]
    y_before = y.copy()
    with pytest.raises(error, match=message):
        subsample(X, y)
    np.testing.assert_array_equal(y, y_before)  # the caller's labels are left as given
    assert np.array_equal(X[:, 0], np.arange(90))


def test_subsampling_refuses_no_rows_and_bools_as_numbers_or_switches():
    X, y = np.zeros((90, 2)), np.repeat(np.arange(3), 30)
    for subsample in (lambda X, y: make_long_tailed(X, y, 2),
                      lambda X, y: make_low_data(X, y, 0.5)):
        with pytest.raises(ValueError, match="y holds no labels"):
            subsample(X[:0], y[:0])
    # True is an int to Python: it was taken as a ratio of 1 / a fraction of 1
    with pytest.raises(TypeError, match="imbalance_ratio must be a number; got True"):
        make_long_tailed(X, y, True)
    with pytest.raises(TypeError, match="fraction must be a number; got True"):
        make_low_data(X, y, True)
    with pytest.raises(TypeError, match="fraction must be a number; got '0.5'"):
        make_low_data(X, y, "0.5")
    with pytest.raises(TypeError, match="return_indices must be True or False; got 'no'"):
        make_long_tailed(X, y, 2, return_indices="no")
    assert len(make_long_tailed(X, y, 2, return_indices=np.bool_(True))) == 3


def test_load_cifar10_takes_only_true_or_false_as_download_switch(tmp_path, monkeypatch):
    import urllib.request

    def no_download(*args, **kwargs):
        raise AssertionError("must not download")

    monkeypatch.setattr(urllib.request, "urlretrieve", no_download)
    # the text 'no' is truthy: it started a download
    with pytest.raises(TypeError, match="download_if_missing must be True or False; got 'no'"):
        load_cifar10(tmp_path / "none", download_if_missing="no")
    assert not (tmp_path / "none").exists()


@pytest.mark.parametrize("kwargs, error, message", [
    # test_size was not named: the ratio was blamed for the split's doing
    (dict(test_size=0.99), ValueError,
     r"test_size=0.99 leaves 17 training rows \(1.7 per class\), too few for "
     r"imbalance_ratio=20: the rarest class would keep no row. Use a smaller test_size, or "
     r"a ratio below 1.7\."),
    (dict(test_size=1598), ValueError, r"test_size=1598 leaves 199 training rows"),
    (dict(test_size=5), ValueError, r"test_size = 5 should be greater or equal to the "
     r"number of classes = 10"),
    (dict(test_size=1.0), ValueError, r"'test_size' parameter of train_test_split must be"),
    (dict(test_size=True), TypeError, r"test_size must be a number; got True"),
    (dict(imbalance_ratio=True), TypeError, r"imbalance_ratio must be a number; got True"),
    (dict(imbalance_ratio=100), ValueError, r"test_size=0.5 leaves 898 training rows \(89.8 "
     r"per class\), too few for imbalance_ratio=100.* a ratio below 89.8\."),
    (dict(return_balanced=1), TypeError, r"return_balanced must be True or False; got 1"),
])
def test_load_digits_long_tailed_names_the_argument_at_fault(kwargs, error, message):
    from ganaug.datasets import load_digits_long_tailed

    with pytest.raises(error, match=message):
        load_digits_long_tailed(**kwargs)


def test_load_digits_long_tailed_limits_it_names_work():
    from ganaug.datasets import load_digits_long_tailed

    _, (_, y_te) = load_digits_long_tailed(test_size=None)  # train_test_split's default
    assert len(y_te) == 450

    # the largest ratio the message offers for the default split works
    (_, y_lt), _ = load_digits_long_tailed(imbalance_ratio=89.8)
    assert np.bincount(y_lt).min() == 1

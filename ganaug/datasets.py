"""Data sets: CIFAR-10 loader, the standard long-tailed and low-data protocols, demo sets.

Nothing here downloads at import time; ``load_cifar10`` downloads only when the files
are missing and ``download_if_missing`` is True, and checks the md5 of what it fetched.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tarfile
import urllib.request
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

from ._checks import check_flag, check_labels, check_number

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"
CIFAR10_CLASSES = (
    "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
)


def get_data_home(data_home: str | os.PathLike | None = None) -> Path:
    """``data_home``, else ``$GANAUG_DATA``, else ``~/ganaug_data``."""
    if data_home is None:
        data_home = os.environ.get("GANAUG_DATA", Path.home() / "ganaug_data")
    return Path(data_home).expanduser()


def _cifar_dir(home: Path) -> Path | None:
    for cand in (home, home / "cifar-10-batches-py"):
        if (cand / "data_batch_1").is_file() and (cand / "test_batch").is_file():
            return cand
    return None


def _read_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    with open(path, "rb") as f:
        d = pickle.load(f, encoding="bytes")
    X = np.asarray(d[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(X), np.asarray(d[b"labels"], dtype=np.int64)


def load_cifar10(
    data_home: str | os.PathLike | None = None, download_if_missing: bool = True
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load CIFAR-10 as uint8 images (N, 32, 32, 3) and int64 labels.

    Parameters
    ----------
    data_home : path or None, default=None
        A folder holding ``cifar-10-batches-py/`` (or that folder itself). None uses
        the ``GANAUG_DATA`` environment variable, else ``~/ganaug_data``.
    download_if_missing : bool, default=True
        Download the official archive into ``data_home`` when the files are missing,
        and check its md5 (files already on disk are read as they are).

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuples of ndarray
        50,000 and 10,000 images in the official order.
    """
    check_flag("download_if_missing", download_if_missing)
    home = get_data_home(data_home)
    folder = _cifar_dir(home)
    if folder is None:
        if not download_if_missing:
            raise FileNotFoundError(
                f"CIFAR-10 not found under {home} (looked for cifar-10-batches-py/); set "
                "data_home or GANAUG_DATA, or pass download_if_missing=True."
            )
        folder = _download_cifar10(home)
    names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:  # a partial folder is the user's: never downloaded over
        raise FileNotFoundError(
            f"CIFAR-10 under {folder} lacks {missing}; extract the whole archive there, or "
            "set data_home or GANAUG_DATA to a folder holding all of cifar-10-batches-py/."
        )
    parts = [_read_batch(folder / f"data_batch_{i}") for i in range(1, 6)]
    X_train = np.concatenate([p[0] for p in parts])
    y_train = np.concatenate([p[1] for p in parts])
    X_test, y_test = _read_batch(folder / "test_batch")
    return (X_train, y_train), (X_test, y_test)


def _download_cifar10(home: Path) -> Path:
    created = [p for p in (home, *home.parents) if not p.exists()]  # deepest first
    home.mkdir(parents=True, exist_ok=True)
    archive = home / "cifar-10-python.tar.gz"
    tmp = archive.with_suffix(".part")
    try:
        urllib.request.urlretrieve(CIFAR10_URL, tmp)  # noqa: S310 (fixed https URL)
    except OSError as exc:  # offline, a proxy, a typo in the path: say where we looked
        tmp.unlink(missing_ok=True)
        for folder in created:  # leave no empty folder at a wrong path
            folder.rmdir()
        raise OSError(
            f"CIFAR-10 not found under {home} and downloading {CIFAR10_URL} failed "
            f"({exc}); set data_home or GANAUG_DATA to the folder holding "
            "cifar-10-batches-py/, or download and extract the archive there."
        ) from exc
    digest = hashlib.md5(tmp.read_bytes()).hexdigest()
    if digest != CIFAR10_MD5:
        tmp.unlink()
        raise OSError(f"Downloaded CIFAR-10 has md5 {digest}, expected {CIFAR10_MD5}.")
    tmp.rename(archive)
    with tarfile.open(archive) as tar:
        tar.extractall(home, filter="data")
    return home / "cifar-10-batches-py"


def long_tailed_counts(n_max: float, n_classes: int, imbalance_ratio: float) -> list[int]:
    """Exponential profile of LDAM-DRW: ``int(n_max * (1/ratio) ** (i / (C - 1)))``.

    Parameters
    ----------
    n_max : float
        Rows of the commonest class (> 0).
    n_classes : int
        Number of classes ``C`` (at least 2: a tail needs a head).
    imbalance_ratio : float
        Rows of the commonest class over rows of the rarest (a finite number >= 1).

    Returns
    -------
    list of int
        Rows per class, commonest first.
    """
    check_number("n_max", n_max, 0.0, low_open=True)
    check_number("n_classes", n_classes, 2, integer=True)  # a tail needs a head
    check_number("imbalance_ratio", imbalance_ratio, 1.0)
    return [
        int(n_max * (1.0 / imbalance_ratio) ** (i / (n_classes - 1.0))) for i in range(n_classes)
    ]


def _tail_counts(n_rows: int, n_classes: int, ratio: float, test_size=None) -> list[int]:
    """Rows per class of the long tail, refused where the rarest class would keep no
    row, naming the cause: the ratio, or (``test_size`` given) the split that left too
    few training rows."""
    per_class = n_rows / n_classes
    counts = long_tailed_counts(per_class, n_classes, ratio)
    if min(counts) >= 1:
        return counts
    if test_size is None:
        raise ValueError(
            f"imbalance_ratio={ratio:g} leaves the rarest class no rows ({per_class:g} rows "
            f"per class to start from); use a smaller ratio (below {per_class:g}).")
    raise ValueError(
        f"test_size={test_size!r} leaves {n_rows} training rows ({per_class:g} per class), "
        f"too few for imbalance_ratio={ratio:g}: the rarest class would keep no row. Use a "
        f"smaller test_size, or a ratio below {per_class:g}.")


def make_long_tailed(
    X: np.ndarray,
    y: np.ndarray,
    imbalance_ratio: float = 100,
    random_state: int | None = 0,
    return_indices: bool = False,
):
    """Subsample a balanced set into the long-tailed version of the LDAM-DRW paper.

    Class ``i`` (in sorted label order) keeps ``int(n_max * ratio**(-i / (C - 1)))``
    rows, ``n_max = len(X) / C``, chosen by shuffling its indices with a numpy
    ``RandomState(random_state)`` in label order and taking the first ones. With CIFAR-10's
    training set and ``random_state=0`` this is exactly the reference CIFAR-10-LT
    (ratio 100: 5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50 = 12,406 images).

    Parameters
    ----------
    X : array-like of shape (n, ...)
        Rows or images (any array; rows are taken by position).
    y : array-like of shape (n,)
        Class labels, one per row, none missing.
    imbalance_ratio : float, default=100
        Rows of the commonest class over rows of the rarest (a finite number >= 1,
        below the rows per class).
    random_state : int, RandomState or None, default=0
        Seeds the per-class shuffles.
    return_indices : bool, default=False
        Also return the positions of the kept rows.

    Returns
    -------
    X_lt, y_lt : ndarray
        Rows grouped by class, in label order.
    indices : ndarray
        Positions in X (only with ``return_indices=True``).
    """
    imbalance_ratio = check_number("imbalance_ratio", imbalance_ratio, 1.0)
    check_flag("return_indices", return_indices)
    y = check_labels(y, X=X)
    classes = np.unique(y)
    if len(classes) < 2:
        raise ValueError(f"A long tail needs at least 2 classes; y has {len(classes)}.")
    counts = _tail_counts(len(y), len(classes), imbalance_ratio)
    indices = _per_class_subsample(y, dict(zip(classes, counts)), random_state)
    out = (np.asarray(X)[indices], y[indices])
    return (*out, indices) if return_indices else out


def _per_class_subsample(y: np.ndarray, counts: dict, random_state) -> np.ndarray:
    """Positions of ``counts[c]`` random rows of each class ``c`` (all rows if fewer).

    imbalanced-learn's ``make_imbalance`` (a ``RandomUnderSampler``) does the drawing: per
    class in label order, ``RandomState.choice(n_c, k, replace=False)``, which is
    ``permutation(n_c)[:k]``, the same draws as shuffling the class's positions and
    taking the first ``k`` (what this module did before; the outputs are identical).
    It runs on the row positions, so ``X`` may be images or any array. With one class
    the under-sampler refuses to run, so the draw is done here in the same way.
    """
    from imblearn.datasets import make_imbalance

    classes, sizes = np.unique(y, return_counts=True)
    want = {c: min(int(counts[c]), int(n)) for c, n in zip(classes, sizes)}
    rs = check_random_state(random_state)
    positions = np.arange(len(y))
    if len(classes) == 1:
        (c,) = classes
        return positions[rs.choice(len(y), want[c], replace=False)]
    kept, _ = make_imbalance(positions[:, None], y, sampling_strategy=want, random_state=rs)
    return kept[:, 0]


def make_low_data(
    X: np.ndarray, y: np.ndarray, fraction: float = 0.1, random_state: int | None = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Keep ``round(fraction * n_c)`` random rows of every class (at least one).

    The rows are drawn by imbalanced-learn's ``make_imbalance`` (see
    ``_per_class_subsample``); rows come out grouped by class, in label order.

    Parameters
    ----------
    X : array-like of shape (n, ...)
        Rows or images (any array; rows are taken by position).
    y : array-like of shape (n,)
        Class labels, one per row, none missing.
    fraction : float, default=0.1
        Share of each class's rows to keep, in (0, 1].
    random_state : int, RandomState or None, default=0
        Seeds the draws.

    Returns
    -------
    X_low, y_low : ndarray
        Rows grouped by class, in label order.
    """
    fraction = check_number("fraction", fraction, 0.0, 1.0, low_open=True)
    y = check_labels(y, X=X)
    classes, sizes = np.unique(y, return_counts=True)
    counts = {c: max(1, int(round(fraction * n))) for c, n in zip(classes, sizes)}
    indices = _per_class_subsample(y, counts, random_state)
    return np.asarray(X)[indices], y[indices]


def load_digits_long_tailed(
    imbalance_ratio: float = 20,
    random_state: int | None = 0,
    test_size: float = 0.5,
    return_balanced: bool = False,
):
    """scikit-learn's 8x8 digits, split in half (stratified), training half made long-tailed.

    The embedded default data set of ``ganaug bench``: no download.

    Parameters
    ----------
    imbalance_ratio : float, default=20
        Rows of the commonest class over rows of the rarest (a finite number >= 1,
        below the training rows per class: about 89 with the default ``test_size``).
    random_state : int or None, default=0
        Seeds the split and the long-tailed subsampling.
    test_size : float or int, default=0.5
        Share (a float in (0, 1)) or number (an int) of the 1,797 rows in the (balanced)
        test split. Both splits need at least one row per class, and the training split
        at least ``imbalance_ratio`` rows per class.
    return_balanced : bool, default=False
        Also return the whole training half before it was made long-tailed.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : float64 rows of 64 pixels (0-16), int labels
    (X_balanced, y_balanced) : the balanced training half (only with ``return_balanced``)
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    imbalance_ratio = check_number("imbalance_ratio", imbalance_ratio, 1.0)
    if test_size is not None:  # its range: train_test_split's check
        check_number("test_size", test_size, 0.0, low_open=True)
    check_flag("return_balanced", return_balanced)
    X, y = load_digits(return_X_y=True)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=random_state
    )
    _tail_counts(len(y_tr), len(np.unique(y_tr)), imbalance_ratio, test_size)
    X_lt, y_lt = make_long_tailed(X_tr, y_tr, imbalance_ratio, random_state)
    if return_balanced:
        return (X_lt, y_lt), (X_te, y_te), (X_tr, y_tr)
    return (X_lt, y_lt), (X_te, y_te)

"""CIFAR-10 training splits of the protocols, a fake stand-in, packed data files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .settings import CB_BETA, PROTOCOLS, Settings


# ------------------------------------------------------------------------------- data --
def make_fake_cifar(n_train_per_class: int, n_test_per_class: int, n_classes: int = 10,
                    seed: int = 0) -> tuple[tuple[np.ndarray, np.ndarray],
                                            tuple[np.ndarray, np.ndarray]]:
    """A tiny CIFAR-like stand-in: 32x32x3 uint8 images whose class sets colour and stripes.

    Parameters
    ----------
    n_train_per_class, n_test_per_class : int
        Images per class in the training and test sets.
    n_classes : int, default=10
    seed : int, default=0
        Seed of a local numpy Generator.

    Returns
    -------
    (X_train, y_train), (X_test, y_test) : tuple of tuples of ndarray
    """
    rng = np.random.default_rng(seed)
    palette = rng.uniform(40, 215, size=(n_classes, 3))
    yy, xx = np.mgrid[0:32, 0:32]

    def make(n_per: int):
        X, y = [], []
        for c in range(n_classes):
            freq = 1 + c % 5
            angle = (c // 5) * np.pi / 2
            wave = np.sin(2 * np.pi * freq * (np.cos(angle) * xx + np.sin(angle) * yy) / 32)
            for _ in range(n_per):
                phase = rng.uniform(0, 2 * np.pi)
                w = np.sin(np.arcsin(np.clip(wave, -1, 1)) + phase)
                img = palette[c] + 40 * w[..., None] + rng.normal(0, 25, size=(32, 32, 3))
                X.append(np.clip(img, 0, 255).astype(np.uint8))
                y.append(c)
        return np.stack(X), np.asarray(y, dtype=np.int64)

    return make(n_train_per_class), make(n_test_per_class)


def _subsample_per_class(X, y, k: int | None, seed: int = 0):
    if k is None:
        return X, y
    rs = np.random.RandomState(seed)
    keep = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        keep.append(np.sort(rs.permutation(idx)[:k]))
    idx = np.concatenate(keep)
    return X[idx], y[idx]


def _encode_images(X: np.ndarray, preset: int) -> np.ndarray:
    """Row-delta (mod 256) then lzma: lossless, ~60 % of raw size for CIFAR images."""
    import lzma

    delta = np.diff(X, axis=2, prepend=np.zeros_like(X[:, :, :1]))
    return np.frombuffer(lzma.compress(delta.tobytes(), preset=preset), dtype=np.uint8)


def _decode_images(blob: np.ndarray, shape) -> np.ndarray:
    import lzma

    delta = np.frombuffer(lzma.decompress(blob.tobytes()), dtype=np.uint8).reshape(shape)
    return np.cumsum(delta, axis=2, dtype=np.uint8)


def pack_data(settings: Settings, data_dir: str | None, path: str | Path,
              preset: int = 3) -> Path:
    """Write the protocol's training split and the test set into one compact file.

    For machines the CIFAR-10 folder cannot reach (e.g. a lent GPU that receives at most
    64 MiB): pass the file as ``--data-dir FILE`` there. Images are stored losslessly.

    Parameters
    ----------
    settings : Settings
        Protocol, ``pool_per_class`` and ``test_per_class`` decide what is stored.
    data_dir : str or None
        Where CIFAR-10 is (as for ``--data-dir``).
    path : str or Path
        The ``.npz`` file to write.
    preset : int, default=3
        lzma preset (higher: smaller and much slower).

    Returns
    -------
    path : Path
    """
    (X_tr, y_tr), (X_te, y_te), info = load_data(settings, data_dir)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as f:
        np.savez(f, protocol=np.array(settings.protocol), info=np.array(json.dumps(info)),
                 X_train=_encode_images(X_tr, preset), X_train_shape=np.array(X_tr.shape),
                 y_train=y_tr, X_test=_encode_images(X_te, preset),
                 X_test_shape=np.array(X_te.shape), y_test=y_te)
    return path


def _load_packed(settings: Settings, path: str):
    with np.load(path) as z:
        protocol = str(z["protocol"])
        if protocol != settings.protocol:
            raise ValueError(f"{path} holds protocol {protocol!r}, not {settings.protocol!r}")
        info = json.loads(str(z["info"]))
        X_tr = _decode_images(z["X_train"], tuple(z["X_train_shape"]))
        X_te = _decode_images(z["X_test"], tuple(z["X_test_shape"]))
        y_tr, y_te = z["y_train"].astype(np.int64), z["y_test"].astype(np.int64)
    info["source"] = f"{info['source']} (packed file {Path(path).name})"
    return (X_tr, y_tr), (X_te, y_te), info


def load_data(settings: Settings, data_dir: str | None,
              ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray], dict]:
    """Training split of the protocol and the (balanced) test set, plus provenance.

    Parameters
    ----------
    settings : Settings
        Protocol, track, subsampling and whether to use fake data.
    data_dir : str or None
        Folder with ``cifar-10-batches-py/``, or a file written by :func:`pack_data`.

    Returns
    -------
    (X_train, y_train), (X_test, y_test), info : arrays (uint8 NHWC, int64) and a dict
    """
    from ganaug.datasets import load_cifar10, make_long_tailed, make_low_data

    if data_dir is not None and str(data_dir).endswith(".npz"):
        if settings.track != "torch":
            raise ValueError("packed data files serve the torch track only")
        return _load_packed(settings, str(data_dir))
    info: dict = {}
    cifar = None
    if not settings.fake_data:
        try:
            cifar = load_cifar10(data_dir, download_if_missing=not settings.smoke)
            info["source"] = "cifar10"
        except FileNotFoundError:
            if not settings.smoke:
                raise
    if cifar is None:
        n_tr = settings.pool_per_class or 200
        n_te = settings.test_per_class or 20
        cifar = make_fake_cifar(n_tr, n_te)
        info["source"] = "fake (synthetic stripes, ganaug_bench.cifar10.data.make_fake_cifar)"
    (X_pool, y_pool), (X_test, y_test) = cifar
    X_pool, y_pool = _subsample_per_class(X_pool, y_pool, settings.pool_per_class)
    X_test, y_test = _subsample_per_class(X_test, y_test, settings.test_per_class)
    kind, value = PROTOCOLS[settings.protocol]
    if settings.track == "sklearn":
        X_pool, y_pool = _subsample_per_class(X_pool, y_pool, settings.sklearn_pool_per_class)
    if kind == "lt":
        X_tr, y_tr = make_long_tailed(X_pool, y_pool, value, random_state=0)
    elif kind == "frac":
        X_tr, y_tr = make_low_data(X_pool, y_pool, value, random_state=0)
    else:
        X_tr, y_tr = X_pool, y_pool
    info.update(
        pool_size=int(len(y_pool)),
        train_counts=np.bincount(y_tr, minlength=10).tolist(),
        test_counts=np.bincount(y_test, minlength=10).tolist(),
        split_seed=0,
    )
    return (X_tr, y_tr), (X_test, y_test), info


def class_groups(train_counts: list[int], n_many: int = 3,
                 n_few: int = 3) -> dict[str, list[int]]:
    """Many / medium / few-shot classes by training-count rank.

    The ``n_many`` classes with the most training images are 'many', the ``n_few`` with
    the fewest are 'few', the rest 'medium' (ties broken by class index). On CIFAR-10-LT
    ratio 100 this is many = {5000, 2997, 1796}, medium = {1077, 645, 387, 232},
    few = {139, 83, 50}.

    Parameters
    ----------
    train_counts : list of int
        Training images per class code.
    n_many, n_few : int, default=3

    Returns
    -------
    groups : dict
        ``{"many": [...], "medium": [...], "few": [...]}``, class codes sorted.
    """
    order = sorted(range(len(train_counts)), key=lambda c: (-train_counts[c], c))
    return {
        "many": sorted(order[:n_many]),
        "medium": sorted(order[n_many:len(order) - n_few]),
        "few": sorted(order[len(order) - n_few:]),
    }


def sampling_strategy_for(settings: Settings, counts: list[int]) -> str | dict[int, int]:
    """The one ``sampling_strategy`` all over-samplers get.

    Parameters
    ----------
    settings : Settings
    counts : list of int
        Training images per class code.

    Returns
    -------
    strategy : str or dict
        'auto', or the total images wanted per class code.
    """
    if settings.target_per_class is not None:
        return {c: max(int(settings.target_per_class), n) for c, n in enumerate(counts)}
    kind, _ = PROTOCOLS[settings.protocol]
    if kind == "frac":
        return {c: int(round(settings.low_data_multiplier * n)) for c, n in enumerate(counts)}
    return "auto"


def class_balanced_weights(counts: list[int] | np.ndarray, beta: float = CB_BETA) -> np.ndarray:
    """Class-balanced loss weights ``(1 - beta) / (1 - beta**n_c)``, mean 1 over rows.

    Parameters
    ----------
    counts : array-like of int
        Training images per class code.
    beta : float, default=0.9999

    Returns
    -------
    weights : ndarray of shape (n_classes,), float32
    """
    counts = np.asarray(counts, dtype=np.float64)
    w = (1.0 - beta) / (1.0 - np.power(beta, np.maximum(counts, 1)))
    return (w / (w * counts).sum() * counts.sum()).astype(np.float32)


"""Quality of generated images, offline: distances on features, k-NN fidelity, CAS.

Nothing here downloads anything. Features come from a network you give, by default a
small CIFAR-style classifier trained on the real training split
(:func:`train_classifier`), so Fréchet distance and KID here are comparable only with
themselves (same feature network, same sample sizes), not with published FID. The
standard FID is computed only when you pass the path of the Inception weights file
(:func:`inception_features`).

- :func:`frechet_distance`, :func:`kernel_distance` (KID, unbiased) on feature arrays;
- :func:`precision_recall` (Kynkäänniemi et al., 2019), :func:`density_coverage`
  (Naeem et al., 2020);
- :func:`train_classifier` -> :class:`ImageClassifier` (``predict``, ``features``,
  ``score``), settings in :class:`ClassifierConfig`; :func:`classification_accuracy_score`
  (CAS: train on synthetic images only, test on real ones); :func:`recognition_rate` (how
  often a real-data classifier assigns generated images to their intended class).

The classifier lives in ``ganaug/_classifier.py`` and is re-exported here; it is the one
image classifier of the project (the CIFAR-10 benchmark's arms train it too).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np
import torch
from sklearn.utils import check_array, check_random_state
from torch import Tensor

from ._checks import check_images, check_number
from ._classifier import (
    ClassifierConfig,
    ImageClassifier,
    classification_accuracy_score,
    recognition_rate,
    train_classifier,
)
from ._device import resolve_device
from .data import ImageCodec

__all__ = [
    "ClassifierConfig",
    "ImageClassifier",
    "classification_accuracy_score",
    "density_coverage",
    "fid_inception",
    "frechet_distance",
    "inception_features",
    "kernel_distance",
    "precision_recall",
    "recognition_rate",
    "train_classifier",
]


# ----------------------------------------------------------------------------- distances
def _two_sets(a, b, names: tuple[str, str], min_rows: int = 1) -> tuple[np.ndarray, ...]:
    """Two feature sets as float64 arrays after scikit-learn's checks (2-D, finite, at
    least ``min_rows`` rows) and a check that their widths match."""
    a, b = (check_array(x, dtype=np.float64, input_name=name, ensure_min_samples=min_rows)
            for x, name in zip((a, b), names, strict=True))
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"{names[0]} and {names[1]} have {a.shape[1]} and {b.shape[1]} "
                         "features; they must match.")
    return a, b


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets.

    ``||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2))`` in float64 (the FID formula;
    it is FID only when the features are Inception pool3 features).

    Parameters
    ----------
    feats_a, feats_b : ndarray of shape (n_a, d) and (n_b, d)
        Features of the two sets (at least 2 rows each).

    Returns
    -------
    float
        The distance (>= 0 up to rounding).
    """
    a, b = _two_sets(feats_a, feats_b, ("feats_a", "feats_b"), min_rows=2)
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    # Tr((S_a S_b)^(1/2)) = sum of sqrt(eigenvalues of S_a^(1/2) S_b S_a^(1/2)), a symmetric
    # PSD matrix: eigh only, stable for singular covariances (fewer rows than features)
    w, v = np.linalg.eigh(s_a)
    half = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    m = half @ s_b @ half
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvalsh((m + m.T) / 2), 0, None)).sum()
    diff = mu_a - mu_b
    return float(max(diff @ diff + np.trace(s_a) + np.trace(s_b) - 2.0 * tr_covmean, 0.0))


def kernel_distance(
    feats_a: np.ndarray,
    feats_b: np.ndarray,
    n_subsets: int = 10,
    subset_size: int = 1000,
    random_state=None,
) -> tuple[float, float]:
    """Kernel (Inception) distance: unbiased MMD^2 with the cubic polynomial kernel.

    ``k(x, y) = (x.y / d + 1)^3``, averaged over ``n_subsets`` random subsets of
    ``min(subset_size, n_a, n_b)`` rows of each set (Bińkowski et al., 2018). Unbiased:
    two samples of one distribution give values around 0 (negative ones too).

    Returns
    -------
    mean, std : float
        Mean and standard deviation over the subsets.
    """
    a, b = _two_sets(feats_a, feats_b, ("feats_a", "feats_b"), min_rows=2)
    for name, value, least in (("n_subsets", n_subsets, 1), ("subset_size", subset_size, 2)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < least:
            raise ValueError(f"{name} must be an integer of at least {least}; got {value!r}.")
    rs = check_random_state(random_state)
    m = min(subset_size, len(a), len(b))
    d = a.shape[1]
    vals = []
    for _ in range(n_subsets):
        x = a[rs.choice(len(a), m, replace=False)]
        y = b[rs.choice(len(b), m, replace=False)]
        kxx = (x @ x.T / d + 1) ** 3
        kyy = (y @ y.T / d + 1) ** 3
        kxy = (x @ y.T / d + 1) ** 3
        mmd = (
            (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
            + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean()
        )
        vals.append(mmd)
    return float(np.mean(vals)), float(np.std(vals))


#: elements of one block of distances (float64: 128 MiB): the k-NN metrics work block by
#: block, so their memory stays linear in the rows (a whole n x n matrix of a class of
#: 16,000 rows held 2 GB, of 100,000 rows 80 GB)
BLOCK_ELEMENTS = 2**24


def _blocks(a: Tensor, b: Tensor) -> Iterator[tuple[int, Tensor]]:
    """``(start, distances from a[start:start + m] to every row of b)``, block by block.

    Direct differences, not |a|^2 + |b|^2 - 2ab (torch's default past 25 rows), whose
    cancellation made a point's distance to itself exceed its neighbour's; each entry is
    computed on its own, so the blocks' values do not depend on their size."""
    m = max(1, min(4096, BLOCK_ELEMENTS // max(len(b), 1)))
    for i in range(0, len(a), m):
        yield i, torch.cdist(a[i : i + m], b, compute_mode="donot_use_mm_for_euclid_dist")


def _kth_radius(x: Tensor, k: int) -> Tensor:
    """Distance of each row to its k-th nearest neighbour in the same set (self excluded)."""
    out = torch.empty(len(x), dtype=x.dtype)
    for i, d in _blocks(x, x):
        rows = torch.arange(len(d))
        d[rows, rows + i] = 0.0  # the row itself
        out[i : i + len(d)] = d.kthvalue(k + 1, dim=1).values
    return out


def _feature_sets(real_feats, fake_feats, k: int, need_fake_k: bool) -> tuple[Tensor, Tensor]:
    """Both sets as float64 tensors centred on the real set's mean, after the checks the
    k-NN definitions need: 2-D, non-empty, finite, ``1 <= k < rows`` of each set whose
    balls are used."""
    real, fake = _two_sets(real_feats, fake_feats, ("real_feats", "fake_feats"))
    small = min(len(real), len(fake)) if need_fake_k else len(real)
    # k < the rows of the smaller set whose k-NN balls are used
    check_number("k", k, 1, small - 1, integer=True)
    centre = real.mean(0)  # distances do not change; their rounding does
    return torch.from_numpy(real - centre), torch.from_numpy(fake - centre)


def precision_recall(
    real_feats: np.ndarray, fake_feats: np.ndarray, k: int = 3
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) with k-NN balls.

    Precision: share of fake samples inside some real sample's k-NN ball (fidelity).
    Recall: share of real samples inside some fake sample's k-NN ball (diversity).
    """
    r, f = _feature_sets(real_feats, fake_feats, k, need_fake_k=True)
    rr, fr = _kth_radius(r, k), _kth_radius(f, k)
    fidelity = torch.zeros(len(f), dtype=torch.bool)  # inside some real ball
    covered = torch.zeros(len(r), dtype=torch.bool)  # inside some fake ball
    for i, d_fr in _blocks(f, r):  # (fake rows of the block, n_real)
        fidelity[i : i + len(d_fr)] = (d_fr <= rr.unsqueeze(0)).any(dim=1)
        covered |= (d_fr <= fr[i : i + len(d_fr)].unsqueeze(1)).any(dim=0)
    return float(fidelity.float().mean()), float(covered.float().mean())


def density_coverage(
    real_feats: np.ndarray, fake_feats: np.ndarray, k: int = 5
) -> tuple[float, float]:
    """Density and coverage (Naeem et al., 2020), robust versions of precision / recall.

    Density: mean number of real k-NN balls holding each fake sample, over k (about 1
    when fakes follow the real distribution). Coverage: share of real samples whose
    k-NN ball holds at least one fake sample.
    """
    r, f = _feature_sets(real_feats, fake_feats, k, need_fake_k=False)
    rr = _kth_radius(r, k)
    balls = torch.empty(len(f), dtype=torch.float32)  # real k-NN balls holding each fake row
    covered = torch.zeros(len(r), dtype=torch.bool)
    for i, d_fr in _blocks(f, r):
        inside = d_fr <= rr.unsqueeze(0)  # (fake rows of the block, n_real)
        balls[i : i + len(inside)] = inside.float().sum(dim=1)
        covered |= inside.any(dim=0)
    return float(balls.mean() / k), float(covered.float().mean())


# ------------------------------------------------------------------ standard Inception FID
def _pixel_range(X: np.ndarray) -> tuple[float, float]:
    """The documented convention: uint8 and floats above 1 are 0-255, other floats 0-1."""
    X = np.asarray(X)
    if X.dtype == np.uint8 or (X.size and float(X.max()) > 1.0):
        return 0.0, 255.0
    return 0.0, 1.0


def inception_features(
    X, weights_path: str | os.PathLike, device="auto", batch_size: int = 250,
    value_range: tuple[float, float] | None = None,
) -> np.ndarray:
    """Inception pool3 features (n, 2048) from a local TorchScript weights file.

    ``weights_path`` is the TorchScript Inception network of the StyleGAN2-ADA metrics
    (``inception-2015-12-05.pt``, a port of the TF-Inception used by the original FID):
    it takes uint8 NCHW images of any size and is called with ``return_features=True``.
    Nothing is downloaded: without the file there is no standard FID.

    Pixels are mapped to 0-255 with one fixed scale, never rescaled per set:
    ``value_range=(low, high)`` when given, else the convention of :func:`_pixel_range`
    (uint8 and floats above 1 as 0-255, other floats as 0-1). :func:`fid_inception`
    passes the real set's range to both sets, so a darker fake set scores worse.

    ``X`` needs at least one image, with finite pixels; ``batch_size`` is an int >= 1 and
    ``value_range`` a pair of finite numbers, low < high. These are checked before the
    network is loaded.
    """
    X = check_images(X, "X")
    check_number("batch_size", batch_size, 1, integer=True)
    if value_range is not None:
        try:
            bounds = np.asarray(value_range, dtype=np.float64)
        except (TypeError, ValueError):
            bounds = np.full(2, np.nan)
        if bounds.shape != (2,) or not np.isfinite(bounds).all() or bounds[1] <= bounds[0]:
            raise ValueError(f"value_range must be (low, high) with finite low < high (the "
                             f"pixel values of black and white); got {value_range!r}.")
    path = os.fspath(weights_path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"Inception weights not found at {path!r}; standard FID needs that file "
            "(nothing is downloaded). Use frechet_distance on train_classifier features."
        )
    dev = resolve_device(device)
    model = torch.jit.load(path, map_location=dev).eval()
    low, high = value_range or _pixel_range(X)
    data = ImageCodec().fit(X)._to_nchw(X)  # the layout only; values are scaled below
    out = []
    with torch.no_grad():
        for i in range(0, len(data), batch_size):
            # to uint8 on the CPU (MPS has no float64), then to the device
            x = np.asarray(data[i : i + batch_size], dtype=np.float64)
            x = np.clip(np.round((x - low) / max(high - low, 1e-12) * 255.0), 0, 255)
            x = torch.from_numpy(np.ascontiguousarray(x, dtype=np.uint8)).to(dev)
            if x.shape[1] == 1:
                x = x.repeat(1, 3, 1, 1)
            out.append(model(x, return_features=True).float().cpu().numpy())
    return np.concatenate(out)


def fid_inception(X_real, X_fake, weights_path: str | os.PathLike, device="auto") -> float:
    """Standard FID between two image sets, given the local Inception weights file.

    Each set needs at least 2 images (a covariance), with finite pixels.
    """
    X_real, X_fake = (check_images(X, name, min_images=2)
                      for X, name in ((X_real, "X_real"), (X_fake, "X_fake")))
    scale = _pixel_range(X_real)  # one scale for both sets: the real set's
    return frechet_distance(
        inception_features(X_real, weights_path, device, value_range=scale),
        inception_features(X_fake, weights_path, device, value_range=scale),
    )

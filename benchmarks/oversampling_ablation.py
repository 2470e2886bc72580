"""Design ablation for the oversampling issue: training-split cross-validation only.

Each design is scored on long-tailed digits (``ganaug bench``'s split, development seeds
that the main job does not use) by stratified k-fold cross-validation *inside the
training split*: the sampler and an ``SVC()`` are fitted on k-1 folds and scored on the
held-out fold (balanced accuracy). The test split is never loaded into a score. Every
run is appended to ``benchmarks/results/ablation/digits_lt_cv.jsonl`` (one JSON line per
design and run, with command, date, device, code version and fit times; past 1 MB that
file is closed as ``digits_lt_cv.<n>.jsonl`` and a new one begins), failures included,
and the markdown table ``digits_lt_cv.md`` is rebuilt from all lines of all parts.

Designs are ``name`` or ``name:key=value,key=value`` with GAN keyword arguments::

    python benchmarks/oversampling_ablation.py ros rose smote cgan "cgan:max_steps=1000"

Names: ``none``, ``ros``, ``rose`` (``RandomOverSampler(shrinkage=0.5)``, or
``shrinkage=...``), ``smote``, ``pooled`` (a non-GAN reference: anchors plus Gaussian
noise from the pooled within-class covariance, ``scale=...``), ``transfer`` (a non-GAN
reference: anchors plus noise from the within-class variation of their 20 nearest rows
of any class, ``scale=..., m=...``), ``ae`` (a non-GAN reference: pooled noise in an
autoencoder's latent space decoded at each anchor, ``scale=..., latent=...``),
``variant`` (a non-GAN reference: pooled noise with one change, ``kind=mixture|interp|
tangent|elastic|border|power|top``, ``p=...``, see :class:`PooledVariant`), ``shrunk``
(a non-GAN reference: anchors plus noise with the class's own covariance shrunk to the
pooled one, ``n0=...``),
``meanvar`` (a non-GAN reference: pooled noise rescaled per feature by a class spread
predicted from the class's mean, ``nmin=..., k=..., n0=..., power=...``, see
:class:`MeanVarGaussian`), ``lie`` (a non-GAN reference: anchor-dependent noise from
learned linear generators shared by all classes, ``rank=..., k=..., steps=...``, see
:class:`LieNoise`),
``oracle`` (insight, not a
design: anchors plus noise with the class covariance of the balanced training half,
which holds the rows the long tail dropped; never the test half nor the held-out fold;
``part=shape|scale|top8`` keeps one piece of that covariance),
``cgan`` (``ConditionalGANAugmenter``; ``prior_scale=...`` is an old name of its
``spread``; ``encoder=quantile`` feeds it the rows as an object array, so they go through
the mixed-table encoder) and ``gan`` (``GANAugmenter``).
"""

from __future__ import annotations

import argparse
import json
import re
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "ablation"


def parse(spec: str) -> tuple[str, dict]:
    name, _, rest = spec.partition(":")
    kw = {}
    # commas inside brackets belong to a value (image_shape=[8,8])
    for item in filter(None, re.split(r",(?![^\[]*\])", rest)):
        key, _, value = item.partition("=")
        try:
            kw[key] = json.loads(value)
        except json.JSONDecodeError:
            kw[key] = value
    return name, kw


class PooledGaussian:
    """Reference (not a GAN): real rows of the class plus pooled within-class noise."""

    def __init__(self, scale: float = 1.0, random_state: int = 0):
        self.scale, self.random_state = scale, random_state

    def fit_resample(self, X, y):
        from imblearn.utils import check_sampling_strategy

        rng = np.random.RandomState(self.random_state)
        classes, codes = np.unique(y, return_inverse=True)
        self._prepare(X, codes)
        Xs, ys = [X], [y]
        for c, m in check_sampling_strategy("auto", y, "over-sampling").items():
            rows = np.flatnonzero(y == c)
            pick = rows[self._pick(rows, m, rng)]
            Xs.append(X[pick] + self.scale * self._noise(X, c, pick, rng))
            ys.append(np.full(m, c))
        return np.vstack(Xs), np.concatenate(ys)

    def _prepare(self, X, codes):
        from ganaug.data import pooled_within_class_root

        self._root = pooled_within_class_root(X, codes, X.shape[1]).astype(np.float64)

    def _pick(self, rows, m, rng):
        return rng.randint(len(rows), size=m)

    def _noise(self, X, c, pick, rng):
        return rng.randn(len(pick), len(self._root)) @ self._root


class PooledVariant(PooledGaussian):
    """Reference (not a GAN): pooled noise with one change, to see whether it adds.

    ``kind``: 'mixture' (each row's noise scaled by the root of an exponential draw, a
    scale mixture of mean variance 1); 'interp' (plus a SMOTE step towards a random row
    of the class, uniform in [0, 1)); 'tangent' (plus a Gaussian combination of the
    anchor image's tangent vectors: x/y translation (0.5 px), rotation (0.15 rad),
    scaling and two shears (0.1); Simard et al.); 'elastic' (plus an elastic deformation
    of the anchor image: a smoothed random displacement field, sigma 2 px, rms 0.6 px);
    'border' (anchors drawn with weight 0.5 + the share of other classes among their 5
    nearest rows, as ADASYN does); 'power' (the pooled covariance's eigenvalues raised
    to ``p``, rescaled to the same trace: below 1 flattens its spectrum, above 1
    sharpens it); 'top' (only the pooled covariance's ``p`` leading eigen-directions,
    rescaled to the same trace). Image kinds read rows as square images.
    """

    def __init__(self, kind: str, scale: float = 1.0, random_state: int = 0,
                 p: float = 1.0):
        super().__init__(scale, random_state)
        self.kind, self.p = kind, p

    def _prepare(self, X, codes):
        from sklearn.neighbors import NearestNeighbors

        super()._prepare(X, codes)
        self._codes = codes
        if self.kind in ("power", "top"):  # reshape the pooled spectrum, same trace
            w, V = np.linalg.eigh(self._root.T @ self._root)
            w = w.clip(0)
            new = w ** self.p if self.kind == "power" else np.where(
                np.arange(len(w)) >= len(w) - int(self.p), w, 0.0)
            self._root = (V * np.sqrt(new * w.sum() / new.sum())).T
        if self.kind == "border":
            ind = NearestNeighbors(n_neighbors=6).fit(X).kneighbors(X, return_distance=False)
            self._weight = 0.5 + (codes[ind[:, 1:]] != codes[:, None]).mean(1)

    def _pick(self, rows, m, rng):
        if self.kind != "border":
            return super()._pick(rows, m, rng)
        w = self._weight[rows]
        return rng.choice(len(rows), size=m, p=w / w.sum())

    def _noise(self, X, c, pick, rng):
        from scipy.ndimage import gaussian_filter, map_coordinates

        eps = super()._noise(X, c, pick, rng)
        if not len(pick) or self.kind in ("border", "power", "top"):  # no row change
            return eps
        if self.kind == "mixture":
            return eps * np.sqrt(rng.exponential(1.0, (len(pick), 1)))
        if self.kind == "interp":
            other = rng.choice(np.flatnonzero(self._codes == self._codes[pick[0]]), len(pick))
            return eps + rng.uniform(0, 1, (len(pick), 1)) * (X[other] - X[pick])
        side = int(round(np.sqrt(X.shape[1])))
        imgs = X[pick].reshape(-1, side, side)
        yy, xx = np.mgrid[0:side, 0:side].astype(float) - (side - 1) / 2
        if self.kind == "tangent":
            gy, gx = np.gradient(imgs, axis=(1, 2))
            tangents = np.stack([gx, gy, xx * gy - yy * gx, xx * gx + yy * gy,
                                 xx * gx - yy * gy, yy * gx + xx * gy], 1)
            coef = rng.randn(len(pick), 6) * [0.5, 0.5, 0.15, 0.1, 0.1, 0.1]
            return eps + np.einsum("nk,nkd->nd", coef, tangents.reshape(len(pick), 6, -1))
        if self.kind == "elastic":
            field = gaussian_filter(rng.uniform(-1, 1, (2, *imgs.shape)), (0, 0, 2, 2))
            field *= 0.6 / np.sqrt((field ** 2).sum(0).mean((1, 2)))[None, :, None, None]
            moved = np.stack([map_coordinates(img, [yy + (side - 1) / 2 + dy,
                                                    xx + (side - 1) / 2 + dx], order=1)
                              for img, dy, dx in zip(imgs, *field, strict=True)])
            return eps + (moved - imgs).reshape(len(pick), -1)
        raise ValueError(f"Unknown kind {self.kind!r}.")


class TransferGaussian(PooledGaussian):
    """Reference (not a GAN): each anchor plus Gaussian weights on the within-class centred
    rows (row minus its class mean) of its ``m`` nearest training rows of any class, over
    ``sqrt(m)``: the local within-class covariance around the anchor, borrowed from
    whichever classes live there."""

    def __init__(self, scale: float = 1.0, m: int = 20, random_state: int = 0):
        super().__init__(scale, random_state)
        self.m = m

    def _prepare(self, X, codes):
        from sklearn.neighbors import NearestNeighbors

        self._centred = X - np.stack([X[codes == c].mean(0) for c in range(codes.max() + 1)])[codes]
        self._near = NearestNeighbors(n_neighbors=min(self.m, len(X))).fit(X)

    def _noise(self, X, c, pick, rng):
        ind = self._near.kneighbors(X[pick], return_distance=False)
        eps = rng.randn(*ind.shape, 1)
        return (eps * self._centred[ind]).sum(1) / np.sqrt(ind.shape[1])


class AutoencoderNoise(PooledGaussian):
    """Reference (not a GAN): noise pooled over classes in the latent space of an MLP
    autoencoder fitted on all training rows (standardised), decoded at each anchor:
    ``anchor + D(E(anchor) + eps) - D(E(anchor))`` (DeepSMOTE / BAGAN's idea that an
    autoencoder's latent directions transfer across classes; through the decoder they
    become directions specific to each anchor)."""

    def __init__(self, scale: float = 1.0, latent: int = 16, steps: int = 1500,
                 random_state: int = 0):
        super().__init__(scale, random_state)
        self.latent, self.steps = latent, steps

    def _prepare(self, X, codes):
        import torch

        from ganaug.data import pooled_within_class_root

        gen = torch.Generator().manual_seed(self.random_state)
        self._mu, self._sd = X.mean(0), X.std(0) + 1e-6
        Xs = torch.tensor((X - self._mu) / self._sd, dtype=torch.float32)
        d, nn = X.shape[1], torch.nn
        with torch.random.fork_rng(devices=[]):  # seeded weights, global state untouched
            torch.manual_seed(self.random_state)
            self._E = nn.Sequential(nn.Linear(d, 128), nn.ReLU(), nn.Linear(128, 128),
                                    nn.ReLU(), nn.Linear(128, self.latent))
            self._D = nn.Sequential(nn.Linear(self.latent, 128), nn.ReLU(),
                                    nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, d))
        opt = torch.optim.Adam([*self._E.parameters(), *self._D.parameters()], 1e-3)
        for _ in range(self.steps):
            b = Xs[torch.randint(0, len(Xs), (128,), generator=gen)]
            loss = ((self._D(self._E(b)) - b) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        with torch.no_grad():
            Z = self._E(Xs).numpy()
        self._root = pooled_within_class_root(Z, codes, self.latent).astype(np.float64)

    def _noise(self, X, c, pick, rng):
        import torch

        eps = rng.randn(len(pick), len(self._root)) @ self._root
        with torch.no_grad():
            za = self._E(torch.tensor((X[pick] - self._mu) / self._sd, dtype=torch.float32))
            delta = self._D(za + torch.tensor(eps, dtype=torch.float32)) - self._D(za)
        return delta.numpy() * self._sd


class MeanVarGaussian(PooledGaussian):
    """Reference (not a GAN): pooled noise rescaled per feature by the class's standard
    deviation over the pooled one, predicted from the class's mean in that feature (a
    pixel's spread depends on its mean: none where a digit is always blank or always
    on). The relation is a k-nearest-neighbour regression of that ratio on the
    standardised class mean, over the (class, feature) pairs of classes with at least
    ``nmin`` rows; each class's ratio is its own, shrunk to the prediction by
    ``n / (n + n0)``, raised to ``power``."""

    def __init__(self, scale=1.0, nmin=20, k=50, n0=20.0, power=1.0, random_state=0):
        super().__init__(scale, random_state)
        self.nmin, self.k, self.n0, self.power = nmin, k, n0, power

    def _prepare(self, X, codes):
        super()._prepare(X, codes)
        mu, sd = X.mean(0), X.std(0) + 1e-12
        classes = np.unique(codes)
        means = np.array([X[codes == c].mean(0) for c in classes])
        sds = np.array([X[codes == c].std(0, ddof=1) if (codes == c).sum() > 1
                        else np.zeros(X.shape[1]) for c in classes])
        resid = np.vstack([X[codes == c] - means[i] for i, c in enumerate(classes)])
        pooled = resid.std(0, ddof=1) + 1e-12
        n = np.bincount(codes)
        z = (means - mu) / sd  # classes x features
        ratio = sds / pooled
        big = n[classes] >= self.nmin
        from sklearn.neighbors import KNeighborsRegressor
        # one relation for all features: the ratio against the standardised class mean
        reg = KNeighborsRegressor(min(self.k, big.sum() * X.shape[1])).fit(
            z[big].reshape(-1, 1), ratio[big].reshape(-1))
        pred = reg.predict(z.reshape(-1, 1)).reshape(z.shape)
        w = (n[classes] / (n[classes] + self.n0))[:, None]
        self._ratio = {c: (w[i] * ratio[i] + (1 - w[i]) * pred[i]) ** self.power
                       for i, c in enumerate(classes)}
        self._codes = codes

    def _noise(self, X, c, pick, rng):
        eps = super()._noise(X, c, pick, rng)
        if not len(pick):
            return eps
        return eps * self._ratio[self._codes[pick[0]]][None, :]


class ShrunkGaussian(PooledGaussian):
    """Reference (not a GAN): each anchor plus Gaussian noise with its class's own
    covariance shrunk to the pooled one, ``(n S_c + n0 S_pooled) / (n + n0)``: the
    classical estimate of a rare class's covariance from the long-tailed rows alone (the
    'oracle' row uses the rows the tail dropped)."""

    def __init__(self, n0: float = 10.0, scale: float = 1.0, random_state: int = 0):
        super().__init__(scale, random_state)
        self.n0 = n0

    def _prepare(self, X, codes):
        super()._prepare(X, codes)
        pooled = self._root.T @ self._root
        self._roots = {}
        for c in np.unique(codes):
            rows = X[codes == c]
            own = np.cov(rows.T) if len(rows) > 1 else np.zeros_like(pooled)
            cov = (len(rows) * own + self.n0 * pooled) / (len(rows) + self.n0)
            w, v = np.linalg.eigh(cov)
            self._roots[c] = (v * np.sqrt(np.clip(w, 0.0, None))).T
        self._codes = codes

    def _noise(self, X, c, pick, rng):
        if not len(pick):
            return np.zeros((0, X.shape[1]))
        root = self._roots[self._codes[pick[0]]]  # pick: rows of one class
        return rng.randn(len(pick), len(root)) @ root


class LieNoise(PooledGaussian):
    """Reference (not a GAN): noise whose directions depend on the anchor, learned from
    all classes: ``U(x) t + s * e`` with ``U(x) = [A_1 [x, 1], ..., A_r [x, 1]]``, fitted
    by Gaussian likelihood to the displacements from every training row to its ``k``
    nearest same-class neighbours (learned Lie-group generators, as in Rao & Ruderman
    1999: shifts, slants and strokes are linear maps of a digit's pixels, shared by all
    classes). Scaled so the mean trace over the training rows is the pooled covariance's.
    """

    def __init__(self, scale: float = 1.0, rank: int = 8, k: int = 5, steps: int = 400,
                 random_state: int = 0):
        super().__init__(scale, random_state)
        self.rank, self.k, self.steps = rank, k, steps

    def _prepare(self, X, codes):
        import torch
        from sklearn.neighbors import NearestNeighbors

        super()._prepare(X, codes)
        gen = torch.Generator().manual_seed(self.random_state)  # torch's global one untouched
        self._mu, self._sd = X.mean(0), X.std(0).mean() + 1e-9
        src, dst = [], []
        for c in np.unique(codes):
            rows = np.flatnonzero(codes == c)
            k = min(self.k, len(rows) - 1)
            if k < 1:
                continue
            ind = NearestNeighbors(n_neighbors=k + 1).fit(X[rows]).kneighbors(
                X[rows], return_distance=False)[:, 1:]
            src.append(np.repeat(rows, k))
            dst.append(rows[ind.ravel()])
        if not src:
            raise ValueError("LieNoise needs a class of at least 2 rows.")
        src, dst = np.concatenate(src), np.concatenate(dst)
        z = self._lifted(X)
        d = torch.tensor((X[dst] - X[src]) / self._sd, dtype=torch.float32)
        dim = X.shape[1]
        A = torch.nn.Parameter(0.01 * torch.randn(self.rank, dim, dim + 1, generator=gen))
        log_s = torch.nn.Parameter(torch.full((dim,), 0.5 * float(np.log(d.var(0).mean() + 1e-6))))
        opt = torch.optim.Adam([A, log_s], lr=1e-2)
        for _ in range(self.steps):
            law = torch.distributions.LowRankMultivariateNormal(
                torch.zeros(dim), torch.einsum("kde,ne->ndk", A, z[src]),
                torch.exp(2 * log_s) + 1e-4)
            loss = -law.log_prob(d).mean() + 1e-3 * (A ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
        self._A, self._s = A.detach(), torch.exp(log_s.detach()).numpy()
        U = torch.einsum("kde,ne->ndk", self._A, z)
        trace = float((U ** 2).sum((1, 2)).mean()) + float((self._s ** 2).sum())
        self._gain = np.sqrt(float((self._root ** 2).sum()) / self._sd ** 2 / trace)

    def _lifted(self, X):
        import torch

        return torch.tensor(np.c_[(X - self._mu) / self._sd, np.ones(len(X))],
                            dtype=torch.float32)

    def _noise(self, X, c, pick, rng):
        import torch

        U = torch.einsum("kde,ne->ndk", self._A, self._lifted(X[pick])).double().numpy()
        e = (np.einsum("ndk,nk->nd", U, rng.randn(len(pick), self.rank))
             + rng.randn(len(pick), X.shape[1]) * self._s)
        return e * self._gain * self._sd


class OracleGaussian(PooledGaussian):
    """Insight only, not a design: each anchor plus Gaussian noise with its class's
    covariance in the *balanced* training half (the rows the long tail dropped, never the
    test half nor the held-out fold): what a perfect class covariance would give.

    ``part`` takes one piece of it, to see which piece matters: 'all' (the class
    covariance), 'shape' (its shape, scaled to the pooled covariance's trace), 'scale'
    (the pooled covariance scaled to its trace), 'top8' (its 8 leading directions).
    """

    def __init__(self, balanced, scale: float = 1.0, part: str = "all",
                 random_state: int = 0):
        super().__init__(scale, random_state)
        self.balanced, self.part = balanced, part

    def _prepare(self, X, codes):
        super()._prepare(X, codes)
        self._pooled = self._root.T @ self._root

    def _noise(self, X, c, pick, rng):
        Xb, yb = self.balanced
        cov = np.cov(Xb[yb == c].T)
        P = self._pooled
        if self.part == "shape":
            cov = cov * np.trace(P) / np.trace(cov)
        elif self.part == "scale":
            cov = P * np.trace(cov) / np.trace(P)
        elif self.part != "all" and not self.part.startswith("top"):
            raise ValueError(f"Unknown part {self.part!r}.")
        w, v = np.linalg.eigh(cov)
        if self.part.startswith("top"):
            w = np.where(np.arange(len(w)) >= len(w) - int(self.part[3:]), w, 0.0)
        root = (v * np.sqrt(np.clip(w, 0.0, None))).T
        return rng.randn(len(pick), len(root)) @ root


class QuantileRows:
    """Insight: a sampler fed the rows as an object array, so a numeric table goes through
    the mixed-table encoder (quantile maps and class reach) instead of the standardising
    one; its rows come back as floats. Design ``cgan:encoder=quantile``."""

    def __init__(self, sampler):
        self.sampler = sampler

    def fit_resample(self, X, y):
        Xr, yr = self.sampler.fit_resample(np.asarray(X, dtype=object), y)
        return np.asarray(Xr, dtype=np.float64), yr


def make(name: str, kw: dict, seed: int, balanced=None):
    from imblearn.over_sampling import SMOTE, RandomOverSampler

    from ganaug import ConditionalGANAugmenter, GANAugmenter

    if name == "none":
        return None
    if name == "ros":
        return RandomOverSampler(random_state=seed)
    if name == "rose":
        return RandomOverSampler(shrinkage=kw.get("shrinkage", 0.5), random_state=seed)
    if name == "smote":
        return SMOTE(k_neighbors=kw.get("k_neighbors", 1), random_state=seed)
    if name == "pooled":
        return PooledGaussian(kw.get("scale", 1.0), random_state=seed)
    if name == "variant":
        return PooledVariant(kw["kind"], kw.get("scale", 1.0), random_state=seed,
                             p=kw.get("p", 1.0))
    if name == "transfer":
        return TransferGaussian(kw.get("scale", 1.0), kw.get("m", 20), random_state=seed)
    if name == "ae":
        return AutoencoderNoise(kw.get("scale", 1.0), kw.get("latent", 16), random_state=seed)
    if name == "meanvar":
        return MeanVarGaussian(random_state=seed, **kw)
    if name == "lie":
        return LieNoise(random_state=seed, **kw)
    if name == "shrunk":
        return ShrunkGaussian(kw.get("n0", 10.0), kw.get("scale", 1.0), random_state=seed)
    if name == "oracle":
        return OracleGaussian(balanced, kw.get("scale", 1.0), kw.get("part", "all"),
                              random_state=seed)
    if name == "cgan":
        if "prior_scale" in kw:  # the name of `spread` in the first ablation runs
            kw["spread"] = kw.pop("prior_scale")
        if kw.pop("encoder", None) == "quantile":
            return QuantileRows(ConditionalGANAugmenter(random_state=seed, **kw))
        return ConditionalGANAugmenter(random_state=seed, **kw)
    if name == "gan":
        return GANAugmenter(random_state=seed, **kw)
    raise ValueError(f"Unknown design {name!r}.")


def cv_score(spec: str, seed: int, folds: int) -> dict:
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.svm import SVC

    from ganaug.datasets import load_digits_long_tailed

    name, kw = parse(spec)
    # the test half is unused; the balanced half only by the 'oracle' insight row
    (X, y), _, (Xb, yb) = load_digits_long_tailed(20, random_state=seed, return_balanced=True)
    scores, fit_s = [], []
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y):
        balanced = None
        if name == "oracle":  # the balanced half without the held-out fold's rows
            held = (Xb[:, None, :] == X[te][None]).all(2).any(1)
            balanced = (Xb[~held], yb[~held])
        sampler = make(name, kw, seed, balanced=balanced)
        t0 = time.perf_counter()
        Xr, yr = (X[tr], y[tr]) if sampler is None else sampler.fit_resample(X[tr], y[tr])
        fit_s.append(time.perf_counter() - t0)
        pred = SVC().fit(Xr, yr).predict(X[te])
        scores.append(balanced_accuracy_score(y[te], pred))
    return {"cv_balanced_accuracy": float(np.mean(scores)),
            "fit_seconds": float(np.mean(fit_s))}


#: a log part is closed (renamed ``digits_lt_cv.<n>.jsonl``) once it passes this size, so
#: no results file grows past what a repository should hold
PART_BYTES = 1_000_000


def log_parts(out: Path) -> list[Path]:
    """The log's files in order: the closed parts ``digits_lt_cv.<n>.jsonl``, then the
    open ``digits_lt_cv.jsonl``."""
    closed = sorted(out.glob("digits_lt_cv.*.jsonl"), key=lambda p: int(p.suffixes[0][1:]))
    current = out / "digits_lt_cv.jsonl"
    return closed + ([current] if current.exists() else [])


def read_log(out: Path) -> list[dict]:
    """Every line of the log, oldest first."""
    return [json.loads(x) for part in log_parts(out) for x in part.read_text().splitlines()
            if x.strip()]


def open_log(out: Path) -> Path:
    """The file new lines go to, closing the open part first when it has grown too big."""
    current = out / "digits_lt_cv.jsonl"
    if current.exists() and current.stat().st_size > PART_BYTES:
        current.rename(out / f"digits_lt_cv.{len(log_parts(out))}.jsonl")
    return current


def markdown(lines: list[dict]) -> str:
    from collections import defaultdict

    by = defaultdict(dict)
    for r in lines:
        if "error" not in r:
            by[(r["design"], r.get("note") or "")][r["seed"]] = r
    ref = {r["seed"]: r for r in lines if r["design"] == "rose" and "error" not in r}
    out = ["# Design ablation: digits-LT, training-split cross-validation", "",
           "Balanced accuracy of an SVC, stratified k-fold CV inside the long-tailed training "
           "split (dev seeds; the test split is never scored). `vs rose` is the mean paired "
           "difference to ROSE (`RandomOverSampler(shrinkage=0.5)`) over the seeds both "
           "have, with its 95 % t-interval. Latest run per design, note and seed (the note "
           "names what else differed, e.g. code between commits).", ""]
    from ganaug_bench.markdown import table
    from ganaug_bench.stats import paired_difference

    rows = []

    for (design, note), runs in sorted(by.items(), key=lambda kv: -np.mean(
            [r["cv_balanced_accuracy"] for r in kv[1].values()])):
        seeds = sorted(runs)
        acc = [runs[s]["cv_balanced_accuracy"] for s in seeds]
        common = [s for s in seeds if s in ref]
        d = paired_difference([runs[s]["cv_balanced_accuracy"] for s in common],
                              [ref[s]["cv_balanced_accuracy"] for s in common])
        ci = (f"{d['mean']:+.4f} [{d['ci_low']:+.4f}, {d['ci_high']:+.4f}]"
              if d["ci_low"] is not None else "n/a")
        fit = np.mean([runs[s]["fit_seconds"] for s in seeds])
        codes = sorted({str(runs[s]["code_version"]) for s in seeds})
        rows.append([f"`{design}`", note, len(seeds), f"{np.mean(acc):.4f}", ci,
                     f"{fit:.1f}", ", ".join(codes)])
    out.append(table(["design", "note", "seeds", "CV balanced accuracy", "vs rose [95 % CI]",
                      "fit s", "code"], rows))
    errors = [r for r in lines if "error" in r]
    if errors:
        out += ["", "Failed runs:", ""] + [f"- `{r['design']}` seed {r['seed']}: {r['error']}"
                                           for r in errors]
    return "\n".join(out) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("designs", nargs="*", help=(
        "designs to run ('none' is the no-oversampling arm); give no design to only "
        "rebuild the markdown table"))
    ap.add_argument("--seeds", type=int, nargs="+", default=[100, 101, 102, 103, 104])
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--note", default="")
    args = ap.parse_args()
    import torch

    from ganaug_bench.record import command_line, run_record

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.designs:
        render(out)
        return
    run = run_record(command_line(), "cpu")
    base = {"command": run["command"], "date": run["date"],
            "device": f"cpu ({run['device']['name']}), 1 torch thread",
            "code_version": run["git_commit"], "versions": run["versions"],
            "folds": args.folds, "note": args.note}
    for spec in args.designs:
        for seed in args.seeds:
            row = {**base, "design": spec, "seed": seed}
            try:
                row.update(cv_score(spec, seed, args.folds))
            except Exception as exc:  # failures are results too
                row["error"] = f"{type(exc).__name__}: {exc}"
            with open_log(out).open("a") as f:
                f.write(json.dumps(row) + "\n")
            print(json.dumps({k: row[k] for k in row if k not in base}), flush=True)
    render(out)


def render(out: Path) -> None:
    """Rebuild ``digits_lt_cv.md`` from every line of the log."""
    (out / "digits_lt_cv.md").write_text(markdown(read_log(out)))
    print((out / "digits_lt_cv.md").read_text())


if __name__ == "__main__":
    main()

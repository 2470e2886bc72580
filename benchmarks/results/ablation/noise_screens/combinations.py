"""Screen (non-GAN): parts of the noise with and without the class check, digits-LT.

Usage: ``python combinations.py 100 101 ...`` (development seeds); one JSON line per seed
with the training-split 3-fold CV balanced accuracy of an SVC after each resampling.
Kinds: p = pooled within-class noise (scale 1), t = 'transfer' noise (within-class
variation of the anchor's 20 nearest rows of any class), e = an elastic deformation of
the anchor image; parts are summed (p and t at 1 / sqrt(2) each when both are on);
'+chk' = a class-balanced logistic regression rejects rows it assigns to another class
(3 redraw rounds, as ``class_filter``).
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
from imblearn.utils import check_sampling_strategy  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from benchmarks.oversampling_ablation import (  # noqa: E402
    PooledGaussian,
    PooledVariant,
    TransferGaussian,
)
from benchmarks.results.ablation.noise_screens.common import checked_rows, run_seeds  # noqa: E402

KINDS = ["p", "p+chk", "t+chk", "pe+chk", "pt+chk", "pte+chk", "te+chk"]


def resample(X, y, kind, check, seed):
    rng = np.random.RandomState(seed)
    p = PooledGaussian(1.0, seed)
    p._prepare(X, y)
    t = TransferGaussian(1.0, 20, seed)
    t._prepare(X, y)
    e = PooledVariant("elastic", 0.0, seed)  # scale 0: the deformation only
    e._prepare(X, y)
    judge = LogisticRegression(class_weight="balanced", max_iter=2000).fit(X, y) if check else None
    n_parts = sum(k in kind for k in "pt")
    w = 1.0 / np.sqrt(n_parts) if n_parts else 0.0
    Xs, ys = [X], [y]
    for c, m in check_sampling_strategy("auto", y, "over-sampling").items():
        rows = np.flatnonzero(y == c)
        def noise(pick, c=c):
            out = np.zeros((len(pick), X.shape[1]))
            if "p" in kind:
                out += w * p._noise(X, c, pick, rng)
            if "t" in kind:
                out += w * t._noise(X, c, pick, rng)
            if "e" in kind:
                out += e._noise(X, c, pick, rng)
            return out

        got = checked_rows(X, rows, m, c, noise, judge, rng)
        Xs.append(got)
        ys.append(np.full(m, c))
    return np.vstack(Xs), np.concatenate(ys)


if __name__ == "__main__":
    run_seeds(map(int, sys.argv[1:]), lambda seed: {
        k: (lambda Xt, yt, k=k: resample(Xt, yt, k.split("+")[0], "chk" in k, seed))
        for k in KINDS})

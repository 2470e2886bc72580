"""Screen (non-GAN): noise towards the nearest rows of other classes, kept by the check.

Usage: ``python toward_other_classes.py 100 101 ...`` (development seeds); one JSON line
per seed with the training-split 3-fold CV balanced accuracy of an SVC after each
resampling. 'o': a step of U(0, u) towards one of the anchor's 5 nearest rows of other
classes (a between-class interpolation that fills the space up to the check's boundary;
u = 0.5, or 0.3 for '.3'); 'p': pooled within-class noise; 'po': both. Every row is
checked by a class-balanced logistic regression (3 redraw rounds, as ``class_filter``).
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
from imblearn.utils import check_sampling_strategy  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

from benchmarks.oversampling_ablation import PooledGaussian  # noqa: E402
from benchmarks.results.ablation.noise_screens.common import (  # noqa: E402
    checked_rows,
    run_seeds,
)

KINDS = {"p": ("p", .5), "o": ("o", .5), "po": ("po", .5), "o.3": ("o", .3),
         "po.3": ("po", .3)}


def resample(X, y, kind, seed, umax):
    rng = np.random.RandomState(seed)
    p = PooledGaussian(1.0, seed)
    p._prepare(X, y)
    judge = LogisticRegression(class_weight="balanced", max_iter=2000).fit(X, y)
    Xs, ys = [X], [y]
    for c, m in check_sampling_strategy("auto", y, "over-sampling").items():
        rows, other = np.flatnonzero(y == c), np.flatnonzero(y != c)
        near = other[NearestNeighbors(n_neighbors=5).fit(X[other]).kneighbors(
            X, return_distance=False)]

        def noise(pick, c=c, near=near):
            out = np.zeros((len(pick), X.shape[1]))
            if "p" in kind:
                out += p._noise(X, c, pick, rng)
            if "o" in kind:
                to = near[pick, rng.randint(5, size=len(pick))]
                out += rng.uniform(0, umax, (len(pick), 1)) * (X[to] - X[pick])
            return out

        Xs.append(checked_rows(X, rows, m, c, noise, judge, rng))
        ys.append(np.full(m, c))
    return np.vstack(Xs), np.concatenate(ys)


if __name__ == "__main__":
    run_seeds(map(int, sys.argv[1:]), lambda seed: {
        k: (lambda Xt, yt, v=v: resample(Xt, yt, v[0], seed, v[1])) for k, v in KINDS.items()})

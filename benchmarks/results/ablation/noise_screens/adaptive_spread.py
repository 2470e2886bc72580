"""Screen (non-GAN): a per-class spread grown while the class check accepts most rows.

Usage: ``python adaptive_spread.py TAU 100 101 ...`` (development seeds); one JSON line per
seed with the training-split 3-fold CV balanced accuracy of an SVC after each resampling
and the scales the adaptive rule chose in the first fold. Noise: pooled within-class
noise; every row checked by a class-balanced logistic regression (3 redraw rounds, as
``class_filter``). 'adaptive': per class, the largest scale of 0.7, 1, 1.5, 2, 3 (grown in
order, stopping at the first failure) whose probe of 200 draws has at most TAU of its
rows assigned to another class by the check.
"""

import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))
from imblearn.utils import check_sampling_strategy  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

from benchmarks.oversampling_ablation import PooledGaussian  # noqa: E402
from benchmarks.results.ablation.noise_screens.common import checked_rows, cv_scores  # noqa: E402
from ganaug.datasets import load_digits_long_tailed  # noqa: E402

SCALES = [0.7, 1.0, 1.5, 2.0, 3.0]
MODES = ["0.7", "1.5", "adaptive"]


def resample(X, y, mode, seed, tau):
    rng = np.random.RandomState(seed)
    p = PooledGaussian(1.0, seed)
    p._prepare(X, y)
    judge = LogisticRegression(class_weight="balanced", max_iter=2000).fit(X, y)
    Xs, ys, chosen = [X], [y], {}
    for c, m in check_sampling_strategy("auto", y, "over-sampling").items():
        rows = np.flatnonzero(y == c)
        s = SCALES[0] if mode == "adaptive" else float(mode)
        if mode == "adaptive":
            for cand in SCALES:
                pick = rows[rng.randint(len(rows), size=200)]
                probe = X[pick] + cand * p._noise(X, c, pick, rng)
                if (judge.predict(probe) != c).mean() > tau:
                    break
                s = cand
        chosen[int(c)] = s
        got = checked_rows(X, rows, m, c, lambda pick, c=c, s=s: s * p._noise(X, c, pick, rng),
                           judge, rng)
        Xs.append(got)
        ys.append(np.full(m, c))
    return np.vstack(Xs), np.concatenate(ys), chosen


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    tau = float(sys.argv[1])
    for seed in map(int, sys.argv[2:]):
        (X, y), _ = load_digits_long_tailed(20, random_state=seed)[:2]
        chosen = []

        def arm(Xt, yt, k, seed=seed, chosen=chosen):
            Xr, yr, ch = resample(Xt, yt, k, seed, tau)
            if k == "adaptive":
                chosen.append(ch)
            return Xr, yr

        acc = cv_scores(X, y, seed, {k: (lambda Xt, yt, k=k: arm(Xt, yt, k)) for k in MODES})
        first = chosen[0]
        print(json.dumps({"seed": seed, **acc, "chosen": first}), flush=True)

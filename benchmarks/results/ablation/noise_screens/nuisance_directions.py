"""Screen (non-GAN): pooled noise without (or only along) the directions that separate classes.

Usage: ``python nuisance_directions.py 100 101 ...`` (development seeds); one JSON line per
seed with the training-split 3-fold CV balanced accuracy of an SVC after each resampling.
'nuis<s>': pooled within-class noise at scale s with the 9 between-class (LDA) directions
projected out in the whitened space (noise only along directions that do not separate
the classes, so a wider spread should not cross into other classes); 'disc1': the noise
along those directions only; references: pooled noise (scale 1 and 1.5), the elastic
variant and the 'transfer' noise of ``benchmarks/oversampling_ablation.py``.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[4]))

from benchmarks.oversampling_ablation import (  # noqa: E402
    PooledGaussian,
    PooledVariant,
    TransferGaussian,
)
from benchmarks.results.ablation.noise_screens.common import run_seeds  # noqa: E402


class Nuisance(PooledGaussian):
    """Pooled noise with the between-class directions projected out (or kept only)."""

    def __init__(self, scale=1.0, random_state=0, mode="out"):
        super().__init__(scale, random_state)
        self.mode = mode

    def _prepare(self, X, codes):
        super()._prepare(X, codes)
        P = self._root.T @ self._root
        d = X.shape[1]
        w, v = np.linalg.eigh(P + 1e-3 * np.trace(P) / d * np.eye(d))
        means = np.stack([X[codes == c].mean(0) for c in np.unique(codes)])
        B = (means - X.mean(0)) @ (v / np.sqrt(w))  # class means, whitened
        U = np.linalg.svd(B, full_matrices=False)[2][: len(means) - 1].T
        Q = np.eye(d) - U @ U.T if self.mode == "out" else U @ U.T
        # z @ Q @ W: whitened noise projected, mapped back (W.T @ W = P)
        self._root = Q @ (v * np.sqrt(w)).T


def designs(seed):
    return {
        "pooled": PooledGaussian(1.0, seed),
        "pooled1.5": PooledGaussian(1.5, seed),
        "elastic": PooledVariant("elastic", 1.0, seed),
        "transfer": TransferGaussian(1.0, 20, seed),
        "nuis1": Nuisance(1.0, seed),
        "nuis1.5": Nuisance(1.5, seed),
        "nuis2": Nuisance(2.0, seed),
        "nuis3": Nuisance(3.0, seed),
        "disc1": Nuisance(1.0, seed, mode="in"),
    }


if __name__ == "__main__":
    run_seeds(map(int, sys.argv[1:]),
              lambda seed: {k: d.fit_resample for k, d in designs(seed).items()})

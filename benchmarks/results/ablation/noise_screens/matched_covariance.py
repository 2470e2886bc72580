"""Screen (non-GAN): a class's noise covariance borrowed from the classes that explain its rows.

Usage: ``python matched_covariance.py 100 101 ...`` (development seeds); one JSON line per
seed with the training-split 3-fold CV balanced accuracy of an SVC after each resampling.
Every class's noise covariance is ``(n S_c + 10 T_c) / (n + 10)`` (its own sample
covariance shrunk towards a target, as the library's pooled share): 'shrinkP10' with
the pooled within-class covariance as T; 'marg' with the covariance of the one class
(of at least 10 rows) under whose Ledoit-Wolf Gaussian the class's centred rows are most
likely; 'mtop3' the mean of the best three; 'msoft' likelihood weights; '_tr' versions
keep the trace of 'shrinkP10'. References: 'pooled' (pooled covariance for every class)
and 'oracle' (insight: the class covariance of the balanced training half).
"""
import json
import sys
import warnings

import numpy as np
from imblearn.utils import check_sampling_strategy
from sklearn.covariance import LedoitWolf
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC

from ganaug.data import pooled_within_class_root
from ganaug.datasets import load_digits_long_tailed


def root_of(cov):
    w, v = np.linalg.eigh(cov)
    return (v * np.sqrt(np.clip(w, 0, None))).T


def resample(X, y, covs, rng):
    Xs, ys = [X], [y]
    for c, m in check_sampling_strategy("auto", y, "over-sampling").items():
        rows = np.flatnonzero(y == c)
        pick = rows[rng.randint(len(rows), size=m)]
        R = root_of(covs[c])
        Xs.append(X[pick] + rng.randn(m, len(R)) @ R)
        ys.append(np.full(m, c))
    return np.vstack(Xs), np.concatenate(ys)


def designs(X, y, balanced):
    classes = np.unique(y)
    d = X.shape[1]
    R = pooled_within_class_root(X, y, d).astype(np.float64)
    P = R.T @ R
    n = {c: (y == c).sum() for c in classes}
    S = {c: np.cov(X[y == c].T) if n[c] > 1 else np.zeros((d, d)) for c in classes}
    LW = {c: LedoitWolf().fit(X[y == c]) for c in classes if n[c] >= 10}
    out = {"pooled": {c: P for c in classes}}
    for n0 in (10,):
        out[f"shrinkP{n0}"] = {c: (n[c] * S[c] + n0 * P) / (n[c] + n0) for c in classes}
    # likelihood match
    mix_arg, mix_t3, mix_soft = {}, {}, {}
    for c in classes:
        Z = X[y == c] - X[y == c].mean(0)
        if n[c] > 1:
            Z = Z * np.sqrt(n[c] / (n[c] - 1))
        cands = [k for k in LW if k != c]
        L = np.array([LW[k].score(Z + LW[k].location_) for k in cands])  # mean loglik per row
        order = np.argsort(-L)
        mix_arg[c] = S[cands[order[0]]]
        mix_t3[c] = np.mean([S[cands[i]] for i in order[:3]], 0)
        w = np.exp((L - L.max()) * n[c])
        w /= w.sum()
        mix_soft[c] = sum(wi * S[k] for wi, k in zip(w, cands))
    for name, T in (("marg", mix_arg), ("mtop3", mix_t3), ("msoft", mix_soft)):
        out[name] = {c: (n[c] * S[c] + 10 * T[c]) / (n[c] + 10) for c in classes}
        # keep the pooled scale: trace-matched
        out[name + "_tr"] = {
            c: out[name][c] * np.trace(out["shrinkP10"][c]) / np.trace(out[name][c])
            for c in classes}
    Xb, yb = balanced
    out["oracle"] = {c: np.cov(Xb[yb == c].T) for c in classes}
    return out


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    for seed in map(int, sys.argv[1:]):
        (X, y), _, (Xb, yb) = load_digits_long_tailed(20, random_state=seed,
                                                      return_balanced=True)
        acc = {}
        for tr, te in StratifiedKFold(3, shuffle=True, random_state=seed).split(X, y):
            held = (Xb[:, None, :] == X[te][None]).all(2).any(1)  # never the held-out rows
            D = designs(X[tr], y[tr], (Xb[~held], yb[~held]))
            for name, covs in D.items():
                rng = np.random.RandomState(seed)
                Xr, yr = resample(X[tr], y[tr], covs, rng)
                pred = SVC().fit(Xr, yr).predict(X[te])
                acc[name] = acc.get(name, 0) + balanced_accuracy_score(y[te], pred) / 3
        print(json.dumps({"seed": seed, **acc}), flush=True)

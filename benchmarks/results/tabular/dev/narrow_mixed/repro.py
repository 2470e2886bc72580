"""Weak spots of mixed tables found by a hunt (2026-12-01): a narrow minority that the
quantile encoding squeezes, so that noise a little past its rows decodes far away.

* ``gap``: a minority (70 rows, sd 0.3) between the two modes of the majority (1,400
  rows at -3 and 3, sd 0.7) in one column, five standard-normal columns and a category
  column beside it;
* ``tight``: the tight minority of ``../tight_minority/`` (sd 0.05 in 2 of 20
  standard-normal columns) with a category column, so it takes the mixed-table encoder.

Run: ``python benchmarks/results/tabular/dev/narrow_mixed/repro.py > <out>.md``
(3 seeds x 3-fold stratified CV; balanced accuracy and minority F1 in points; random
oversampling, SMOTE-NC and the default cGAN; ROSE takes no category column).
"""
import datetime
import platform
import sys
import warnings

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling import SMOTENC, RandomOverSampler
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from ganaug import ConditionalGANAugmenter
from ganaug_bench.record import code_version

torch.set_num_threads(1)
warnings.filterwarnings("ignore")


def table(kind: str, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    r = np.random.default_rng(100 + seed)
    n0, n1 = 1400, 70
    cols = {}
    if kind == "gap":
        cols["a"] = np.r_[np.where(r.random(n0) < 0.5, -3, 3) + r.normal(0, 0.7, n0),
                          r.normal(0, 0.3, n1)]
        others = 5
    else:
        for name in "ab":
            cols[name] = np.r_[r.normal(0, 1, n0), r.normal(0, 0.05, n1)]
        others = 18
    X = pd.DataFrame(cols)
    for j in range(others):
        X[f"x{j}"] = r.normal(0, 1, n0 + n1)
    X["c"] = pd.Categorical(r.choice(list("pqrs"), n0 + n1))
    return X, np.r_[np.zeros(n0, int), np.ones(n1, int)]


def main():
    print(f"# Narrow minorities in mixed tables\n\nCommand: `python {sys.argv[0]}`; "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"{platform.machine()}, 1 torch thread; code {code_version()}.\n")
    print("| table | arm | classifier | balanced accuracy | minority F1 | new minority rows "
          "more than 5 of the class's sd from its mean, column a (%) | new minority rows on the "
          "lowest or highest new value, column a (%) |\n|---|---|---|---|---|---|---|")
    for kind in ("gap", "tight"):
        res: dict = {}
        for s in range(3):
            X, y = table(kind, s)
            arms = {"ros": RandomOverSampler(random_state=s),
                    "smote-nc": SMOTENC([X.columns.get_loc("c")], random_state=s),
                    "cgan": ConditionalGANAugmenter(random_state=s)}
            for tr, te in StratifiedKFold(3, shuffle=True, random_state=s).split(X, y):
                for name, arm in arms.items():
                    Xr, yr = arm.fit_resample(X.iloc[tr], y[tr])
                    own = X["a"].iloc[tr][y[tr] == 1]
                    new = Xr["a"].to_numpy()[len(tr):][yr[len(tr):] == 1]
                    out = np.mean(np.abs(new - own.mean()) > 5 * own.std())
                    ends = np.mean((new == new.min()) | (new == new.max()))
                    Xr = Xr.assign(c=Xr["c"].cat.codes)
                    Xt = X.iloc[te].assign(c=X["c"].iloc[te].cat.codes)
                    for clf in (RandomForestClassifier(100, random_state=s),
                                HistGradientBoostingClassifier(random_state=s)):
                        p = clf.fit(Xr, yr).predict(Xt)
                        res.setdefault((name, type(clf).__name__), []).append(
                            (balanced_accuracy_score(y[te], p), f1_score(y[te], p), out, ends))
        for (name, clf), v in res.items():
            ba, f1, out, ends = 100 * np.mean(v, axis=0)
            print(f"| {kind} | {name} | {clf} | {ba:.1f} | {f1:.1f} | {out:.1f} | {ends:.1f} |")


if __name__ == "__main__":
    main()

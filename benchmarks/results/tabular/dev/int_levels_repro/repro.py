"""Reproducer for weak spot (a): integer-coded minority rule in a mixed table."""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
import torch
from sklearn.model_selection import StratifiedKFold

torch.set_num_threads(1)
warnings.filterwarnings("ignore")
root = os.environ["PYTHONPATH"].split(":")[0]
sys.path.insert(0, os.path.join(root, "benchmarks"))
import tabular_oversampling as t  # noqa: E402


def make(seed=0, n=2000):
    r = np.random.RandomState(seed)
    region = r.choice(["north", "south", "east", "west"], n, p=[.4, .3, .2, .1])
    code = r.choice(10, n, p=[.2, .15, .12, .1, .09, .1, .08, .07, .05, .04])  # 0..9
    visits = np.minimum(r.poisson(2.8 + (region == "east"), n), 9)
    items = r.binomial(5, 0.3, n)
    age = r.normal(45, 12, n).round(1)
    income = np.exp(r.normal(10, 0.5, n)).round(0)
    X = pd.DataFrame({"region": pd.Series(region, dtype=object), "code": code.astype(np.int64),
                      "visits": visits.astype(np.int64), "items": items.astype(np.int64),
                      "age": age, "income": income})
    y = ((X.code == 5) & (X.visits >= 4)).astype(int).to_numpy()
    return X, y

def rule(X):
    X = pd.DataFrame(X)
    return ((pd.to_numeric(X["code"]) == 5) & (pd.to_numeric(X["visits"]) >= 4)).to_numpy()

ARMS = ["cgan", "rose", "smote"]
if __name__ == "__main__":
    X, y = make()
    print("rows", len(X), "minority", y.mean().round(4), y.sum(), flush=True)
    out = {"kept": {}, "cv": []}
    # 1) rule kept in new minority rows (fit on the whole table; 3 seeds)
    for arm in ARMS:
        ks = []
        for s in (0, 1, 2):
            Xr, yr = t.resample(arm, X, y, s, {})
            Xr = pd.DataFrame(Xr, columns=X.columns)
            new = np.arange(len(Xr)) >= len(X)
            ks.append(rule(Xr[new & (np.asarray(yr) == 1)]).mean())
        out["kept"][arm] = ks
        print("kept", arm, np.round(ks, 4), flush=True)
    # 2) downstream: 5-fold stratified CV x 2 seeds
    for s in (0, 1):
        for f, (tr, te) in enumerate(StratifiedKFold(5, shuffle=True, random_state=s).split(X, y)):
            Xtr, ytr = X.iloc[tr].reset_index(drop=True), y[tr]
            Xte, yte = X.iloc[te].reset_index(drop=True), y[te]
            levels = {c: sorted(Xtr[c].dropna().astype(str).unique()) for c in t.cat_cols(Xtr)}
            for arm in ARMS + ["none"]:
                Xr, yr = t.resample(arm, Xtr, ytr, s, {})
                for clf in ("hgb", "lr"):
                    p = t.fit_predict(clf, Xtr, Xr, yr, Xte, levels, s)
                    sc = t.scores(yte, (p >= .5).astype(int), p)
                    out["cv"].append({"seed": s, "fold": f, "arm": arm, "clf": clf, **sc})
        print("seed done", s, flush=True)
    df = pd.DataFrame(out["cv"])
    metrics = ["balanced_accuracy", "minority_f1", "average_precision"]
    print(df.groupby(["clf", "arm"])[metrics].mean().round(4))
    json.dump(out, open(sys.argv[1], "w"))

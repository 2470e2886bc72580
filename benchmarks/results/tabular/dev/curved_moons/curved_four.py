"""Development screen: curved or low-dimensional classes (not other_data's held-out sets).

Run: ``python curved_four.py VARIANT ARMS`` (``ARMS``: comma-separated of rose, smote,
cgan; ``VARIANT``: ``base`` or parts joined by ``+``: ``n0=<rows>`` sets the pooled
share's prior rows, ``POOLED_ROWS``; ``nf`` passes ``class_filter=False``;
``spread=<x>``). Writes ``curved_four/<variant>_<arms>.json`` beside this file (command,
date, code version and one score per cell); ``python curved_four.py report`` writes
``curved_four.md`` from all of them.
"""

import json
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn import datasets as ds
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC

import ganaug.data.anchors as anchors
from ganaug import ConditionalGANAugmenter
from ganaug_bench.record import code_version, utc_now

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
OUT = Path(__file__).resolve().parent / "curved_four"
CLASSIFIERS = {
    "svc": SVC,
    "logistic": lambda: LogisticRegression(max_iter=1000),
    "knn": KNeighborsClassifier,
    "forest": lambda: RandomForestClassifier(100, random_state=0),
}


def spirals(n, noise, rs):
    t = np.sqrt(rs.rand(n)) * 3 * np.pi
    y = rs.randint(2, size=n)
    r = t * np.where(y == 0, 1, -1)
    return np.c_[r * np.cos(t), r * np.sin(t)] / 3 + noise * rs.randn(n, 2), y


def long_tailed(X, y, ratio, seed):
    rs = np.random.RandomState(seed)
    classes, keep = np.unique(y), []
    for i, c in enumerate(rs.permutation(classes)):
        rows = np.flatnonzero(y == c)
        k = max(6, int(max(np.bincount(y)) * ratio ** (-i / (len(classes) - 1))))
        keep.append(rs.choice(rows, min(k, len(rows)), replace=False))
    keep = np.concatenate(keep)
    return X[keep], y[keep]


def data(name, seed):
    s = seed + 1000
    if name == "moons15":
        X, y = ds.make_moons(600, noise=0.15, random_state=s)
    elif name == "circles":
        X, y = ds.make_circles(600, noise=0.08, factor=0.5, random_state=s)
    elif name == "spirals":
        X, y = spirals(800, 0.05, np.random.RandomState(s))
    else:
        X, y = ds.make_blobs(900, n_features=3, centers=3, cluster_std=2.0, random_state=s)
    return long_tailed(X, y, 10, seed)


def sampler(name, seed, kw):
    if name == "rose":
        return RandomOverSampler(shrinkage=0.5, random_state=seed)
    if name == "smote":
        return SMOTE(random_state=seed)
    return ConditionalGANAugmenter(random_state=seed, device="cpu", **kw)


def main():
    variant, arms = sys.argv[1], sys.argv[2].split(",")
    kw = {}
    for part in variant.split("+"):
        if part.startswith("n0="):
            anchors.POOLED_ROWS = float(part[3:])
        elif part == "nf":
            kw["class_filter"] = False
        elif part.startswith("spread="):
            kw["spread"] = float(part[7:])
    out = []
    for name in ["moons15", "circles", "spirals", "blobs3"]:
        for seed in range(3):
            X, y = data(name, seed)
            cv = StratifiedKFold(3, shuffle=True, random_state=seed)
            for fold, (tr, te) in enumerate(cv.split(X, y)):
                for arm in arms:
                    Xr, yr = sampler(arm, seed, kw).fit_resample(X[tr], y[tr])
                    for clf, make in CLASSIFIERS.items():
                        pred = make().fit(Xr, yr).predict(X[te])
                        out.append(dict(data=name, seed=seed, fold=fold, arm=arm,
                                        variant=variant, clf=clf,
                                        ba=balanced_accuracy_score(y[te], pred)))
    OUT.mkdir(exist_ok=True)
    record = {"command": "python " + " ".join(sys.argv), "date": utc_now(),
              "device": f"cpu ({platform.machine()}), torch 1 thread",
              "code_version": code_version(), "rows": out}
    (OUT / f"{variant}_{'_'.join(arms)}.json").write_text(json.dumps(record))
    print("done", variant, len(out))


def _table(frame, index_names):
    cols = list(frame.columns)
    lines = ["| " + " | ".join(index_names + cols) + " |",
             "|---" * (len(index_names) + len(cols)) + "|"]
    for idx, row in frame.iterrows():
        idx = idx if isinstance(idx, tuple) else (idx,)
        lines.append("| " + " | ".join([str(i) for i in idx]
                                       + [f"{v:.2f}" for v in row]) + " |")
    return "\n".join(lines)


def report():
    import pandas as pd

    runs = [json.loads(f.read_text()) for f in sorted(OUT.glob("*.json"))]
    df = pd.DataFrame([r for run in runs for r in run["rows"]])
    df["key"] = np.where(df.arm == "cgan", "cgan:" + df.variant, df.arm)
    t = df.pivot_table(index=["data", "clf"], columns="key", values="ba") * 100
    lines = ["# Four curved or low-dimensional development problems (not other_data's)", "",
             "Problems: make_moons (600 rows, noise 0.15), make_circles (600, noise 0.08, "
             "factor 0.5), two spirals (800, noise 0.05), make_blobs (900 rows, 3 columns, "
             "3 centres, sd 2), each long-tailed at ratio 10 (at least 6 rows a class), "
             "seeds 0-2 (data seeds +1000), stratified 3-fold CV; balanced accuracy (%) of "
             "four classifiers at their defaults. Variants of the cGAN: `n0=0` no pooled "
             "noise (`POOLED_ROWS` 0), `nf` `class_filter=False`. `ka` and `ka+shrink=0.5` ran "
             "from prototype branch keep-anchor (its script's knobs): rows the class check "
             "rejects redrawn from their own anchors (before: from uniformly drawn "
             "anchors), and with the step from the anchor halved each round, the design "
             "adopted as the default in the commit after `134c323` (`base`, run at "
             "`661f192`, is the design before it). `default` is the library's default as committed "
             "(no knob; run on main): the same rows as `ka+shrink=0.5`; since `a707509` a "
             "class's new rows come in another order, so the random forest's cells "
             "(which draw over row positions) moved by chance, the others are equal. "
             "`misanchor=keep` / `misanchor=random` ran from prototype branch "
             "misclassified-anchor (`GANAUG_MISANCHOR`, its knob unset is main's code): rows "
             "grown from a real row the check itself misclassifies are accepted at the "
             "first draw (`keep`) or redrawn from a random row of the class (`random`). "
             "`masspin=0.1` ran from prototype branch mass-pin with `GANAUG_MASSPIN=0.1` "
             "(a column where the real row sits on a value 10 % of its class hold keeps "
             "it as often as the row's neighbours share it; these problems have no such "
             "values, so every cell is as `default`). `inward` ran from prototype branch "
             "inward with `GANAUG_INWARD=1` (the neighbour noise mirrored when its step "
             "leads away from the mean of the anchor's neighbours; ../inward/). `tree` "
             "ran from prototype branch judge-tree with `GANAUG_TREEJUDGE=1` (a gradient-"
             "boosting check competes in the check's choice; ../tree_check/). "
             "`trainneeded` ran from prototype branch train-needed with "
             "`GANAUG_TRAIN_NEEDED=1` (fit_resample trains the generator on the anchors "
             "of the classes it oversamples only; ../train_needed/). `treeiter50` ran "
             "from prototype branch tree-cheap with `GANAUG_TREE_ITER=50` (the boosting "
             "check with 50 rounds at learning rate 0.2; ../tree_cheap/).",
             "", "Runs:", ""]
    lines += [f"- `{r['command']}`, {r['date']}, {r['device']}, code {r['code_version']}"
              for r in runs]
    lines += ["", _table(t, ["data", "classifier"]), "", "Mean over classifiers:", "",
              _table(t.groupby(level=0).mean(), ["data"]), "", "Mean over all cells:", "",
              _table(t.mean().to_frame("mean").T, [""]), ""]
    path = OUT.parent / "curved_four.md"
    path.write_text("\n".join(lines))
    print(path.read_text())


if __name__ == "__main__":
    report() if sys.argv[1:] == ["report"] else main()

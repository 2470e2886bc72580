"""A weak spot found by a hunt: a minority defined by a small spread in a few columns,
inside the majority's range (sd 0.05 in 2 of 20 standard-normal columns, 70 of 1,470
rows). The cGAN's noise takes most of its scale from the pooled (here: the majority's)
within-class spread, so its new minority rows cover the majority's region there.

Run: ``python benchmarks/results/tabular/dev/tight_minority/repro.py > <out>.md``
(3 seeds x 3-fold stratified CV; balanced accuracy and minority F1 in points).
"""
import datetime
import platform
import sys
import warnings

import numpy as np
import torch
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.metrics import balanced_accuracy_score, f1_score
from sklearn.model_selection import StratifiedKFold

from ganaug import ConditionalGANAugmenter
from ganaug_bench.record import code_version

torch.set_num_threads(1)
warnings.filterwarnings("ignore")


def arms(s):
    return {"ros": RandomOverSampler(random_state=s),
            "rose": RandomOverSampler(shrinkage=0.5, random_state=s),
            "smote": SMOTE(random_state=s),
            "cgan": ConditionalGANAugmenter(random_state=s),
            "cgan, class_filter=False": ConditionalGANAugmenter(random_state=s,
                                                                class_filter=False)}


def main():
    print(f"# Tight minority (sd 0.05 in 2 of 20 columns)\n\nCommand: `python {sys.argv[0]}`; "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; "
          f"{platform.machine()}, 1 torch thread; code {code_version()}.\n")
    res: dict = {}
    for s in range(3):
        r = np.random.default_rng(s)
        X0 = r.normal(0, 1, (1400, 20))
        X1 = r.normal(0, 1, (70, 20))
        X1[:, :2] *= 0.05
        X = np.vstack([X0, X1])
        y = np.r_[np.zeros(1400, int), np.ones(70, int)]
        for tr, te in StratifiedKFold(3, shuffle=True, random_state=s).split(X, y):
            for name, a in arms(s).items():
                Xr, yr = a.fit_resample(X[tr], y[tr])
                for clf in (RandomForestClassifier(100, random_state=s),
                            HistGradientBoostingClassifier(random_state=s)):
                    p = clf.fit(Xr, yr).predict(X[te])
                    key = (name, type(clf).__name__)
                    res.setdefault(key, []).append(
                        (balanced_accuracy_score(y[te], p), f1_score(y[te], p)))
    print("| arm | classifier | balanced accuracy | minority F1 |\n|---|---|---|---|")
    for (name, clf), v in res.items():
        ba, f1 = 100 * np.mean(v, axis=0)
        print(f"| {name} | {clf} | {ba:.1f} | {f1:.1f} |")


if __name__ == "__main__":
    main()

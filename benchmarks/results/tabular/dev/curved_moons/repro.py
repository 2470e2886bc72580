"""A development analogue of other_data's half-moons loss.

The same generator as other_data's ``moons`` (``make_moons(600, noise)``, long-tailed at
ratio 15, so about 14 minority rows per training fold) on seeds 100 and up (other_data
uses 0-2), stratified 3-fold CV, other_data's four classifiers, each oversampler at its
defaults; the cGAN also without its class check and with 1 training step. Also: the share
of new minority rows on the minority's side of the Bayes boundary (balanced priors; a
50-nearest-neighbour vote over 200,000 fresh rows).

Run: ``python benchmarks/results/tabular/dev/curved_moons/repro.py [NOISE] [N_SEEDS] > out.md``
"""
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from imblearn.over_sampling import SMOTE, RandomOverSampler
from sklearn import datasets as ds
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

ROOT = Path(__file__).resolve().parents[5]
sys.path.insert(0, str(ROOT))

from benchmarks.other_data import long_tailed  # noqa: E402
from ganaug import ConditionalGANAugmenter  # noqa: E402
from ganaug_bench.record import code_version, utc_now  # noqa: E402

ARMS = ["ros", "rose", "smote", "cgan", "cgan_nofilter", "cgan_steps1"]
GAN_PARAMS = {"cgan": {}, "cgan_nofilter": {"class_filter": False},
              "cgan_steps1": {"max_steps": 1}}
CLASSIFIERS = {
    "svc": lambda: make_pipeline(StandardScaler(), SVC()),
    "logistic": lambda: make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
    "knn": lambda: make_pipeline(StandardScaler(), KNeighborsClassifier()),
    "forest": lambda: RandomForestClassifier(random_state=0),
}


def sampler(arm: str, seed: int):
    if arm == "ros":
        return RandomOverSampler(random_state=seed)
    if arm == "rose":
        return RandomOverSampler(shrinkage=0.5, random_state=seed)
    if arm == "smote":
        return SMOTE(random_state=seed)
    return ConditionalGANAugmenter(random_state=seed, device="cpu", **GAN_PARAMS[arm])


def main() -> None:
    warnings.simplefilter("ignore")
    noise = float(sys.argv[1]) if len(sys.argv) > 1 else 0.25
    seeds = list(range(100, 100 + (int(sys.argv[2]) if len(sys.argv) > 2 else 12)))
    big_X, big_y = ds.make_moons(200_000, noise=noise, random_state=999)
    bayes = KNeighborsClassifier(50).fit(big_X, big_y)  # balanced priors
    scores = {a: {c: [] for c in CLASSIFIERS} for a in ARMS}
    side = {a: [] for a in ARMS}
    fit = {a: [] for a in ARMS}
    for s in seeds:
        X, y = long_tailed(*ds.make_moons(600, noise=noise, random_state=s), 15, s)
        for tr, te in StratifiedKFold(3, shuffle=True, random_state=s).split(X, y):
            minority = np.argmin(np.bincount(y[tr]))
            for a in ARMS:
                t = time.perf_counter()
                Xr, yr = sampler(a, s).fit_resample(X[tr], y[tr])
                fit[a].append(time.perf_counter() - t)
                new = Xr[len(tr):][yr[len(tr):] == minority]
                side[a].append(float((bayes.predict(new) == minority).mean()))
                for c, make in CLASSIFIERS.items():
                    pred = make().fit(Xr, yr).predict(X[te])
                    scores[a][c].append(balanced_accuracy_score(y[te], pred))
    print("# Half-moons, long-tailed (development seeds)\n")
    print(f"Command: `python {' '.join(sys.argv)}`; {utc_now()}; code {code_version()}; "
          "one process.\n")
    print(f"Noise {noise}, seeds {seeds[0]}-{seeds[-1]}, stratified 3-fold CV; "
          f"{(y[tr] == minority).sum()} minority rows in the last training fold. Balanced "
          "accuracy (%) per classifier, mean over seeds and folds.\n")
    print("| arm | " + " | ".join(CLASSIFIERS) + " | mean | new minority rows on the "
          "minority's Bayes side | fit s |")
    print("|---" * (len(CLASSIFIERS) + 4) + "|")
    for a in ARMS:
        m = [100 * np.mean(scores[a][c]) for c in CLASSIFIERS]
        print(f"| {a} | " + " | ".join(f"{v:.1f}" for v in m)
              + f" | {np.mean(m):.1f} | {100 * np.mean(side[a]):.1f} % | "
              f"{np.mean(fit[a]):.2f} |")


if __name__ == "__main__":
    main()

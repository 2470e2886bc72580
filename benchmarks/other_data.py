"""The default cGAN on data the project never developed on: scikit-learn's own data sets
made long-tailed, and generated data with known geometry.

A measurement, not a development set: nothing here chooses a default. Every design choice
was made on long-tailed digits (by cross-validation inside its training split) and on six
development tables; the acceptance numbers come from the 20 core tables and the main job.
This asks what a user with other data gets, including geometries where copies of real
rows are hard to beat: two interleaved half-moons, concentric shells (Gaussian
quantiles), a high-dimensional table with few rows, integer-valued features.

Protocol: each data set is drawn or cut per seed (``long_tailed``: class ``i`` of a
random class order keeps ``n_max * ratio ** (-i / (k - 1))`` rows, at least 6), then
stratified 3-fold cross-validation; inside each training fold only an arm resamples
every class to the largest one (imbalanced-learn's 'auto'), four classifiers are fitted
(SVC, logistic regression and k-nearest neighbours after standardisation; a random
forest) and scored on the untouched test fold by balanced accuracy. Arms: random
oversampling, ROSE (``RandomOverSampler(shrinkage=0.5)``), SMOTE (``k_neighbors`` capped
by the smallest class) and ``ConditionalGANAugmenter()`` at its defaults.

Output (``--out``): ``other_data.json`` (command, date, machine, code version, every
fold's score), ``other_data.md`` (per data set and classifier: each arm's mean and the
cGAN minus the best classical arm; cells won / tied / lost with a Wilcoxon p-value) and
``other_data.png`` (that difference per cell)::

    python benchmarks/other_data.py --out benchmarks/results/other_data
    python benchmarks/other_data.py --gan-params '{"class_filter": false}' --note ... --out ...
    python benchmarks/other_data.py --render FILE.json   # markdown and PNG again
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from ganaug_bench.markdown import table  # noqa: E402

#: name -> what it is (the generator or loader is in ``dataset``)
DATASETS = {
    "iris": "scikit-learn iris, long-tailed (ratio 10)",
    "wine": "scikit-learn wine, long-tailed (ratio 10)",
    "breast_cancer": "scikit-learn breast cancer, long-tailed (ratio 15)",
    "digits_lt10": "scikit-learn digits, long-tailed (ratio 10; the main job uses 20; the "
                   "digits screens' development data, so not new to the project)",
    "classification": "make_classification: 1,000 rows, 20 columns (5 informative), 5 % "
                      "minority, 2 % label noise",
    "wide": "make_classification: 300 rows, 200 columns (10 informative), 10 % minority",
    "four_classes": "make_classification: 1,500 rows, 10 columns, classes 70 / 20 / 7 / 3 %",
    "integers": "make_classification rounded to integers: 800 rows, 8 columns, 7 % minority",
    "moons": "make_moons (noise 0.25), long-tailed (ratio 15)",
    "shells": "make_gaussian_quantiles: 3 concentric classes in 4 dimensions, long-tailed "
              "(ratio 10)",
}
ARMS = ["ros", "rose", "smote", "cgan"]
CLASSICAL = ["ros", "rose", "smote"]
CLASSIFIERS = ["svc", "logistic", "knn", "forest"]
OUT = ROOT / "benchmarks" / "results" / "other_data"


def long_tailed(X: np.ndarray, y: np.ndarray, ratio: float, seed: int):
    """Rows of ``X, y`` with class sizes falling geometrically by ``ratio`` (random order)."""
    rng = np.random.RandomState(seed)
    classes = rng.permutation(np.unique(y))
    n_max = min(int((y == c).sum()) for c in classes)
    keep = []
    for i, c in enumerate(classes):
        n = max(6, int(round(n_max * ratio ** (-i / (len(classes) - 1)))))
        keep.append(rng.choice(np.flatnonzero(y == c), n, replace=False))
    keep = np.sort(np.concatenate(keep))
    return X[keep], y[keep]


def dataset(name: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows and labels of one data set for one seed."""
    from sklearn import datasets as ds

    if name in ("iris", "wine", "breast_cancer"):
        X, y = getattr(ds, f"load_{name}")(return_X_y=True)
        return long_tailed(X, y, 15 if name == "breast_cancer" else 10, seed)
    if name == "digits_lt10":
        return long_tailed(*ds.load_digits(return_X_y=True), 10, seed)
    if name == "classification":
        return ds.make_classification(1000, 20, n_informative=5, weights=[0.95], flip_y=0.02,
                                      random_state=seed)
    if name == "wide":
        return ds.make_classification(300, 200, n_informative=10, weights=[0.9],
                                      random_state=seed)
    if name == "four_classes":
        return ds.make_classification(1500, 10, n_informative=6, n_classes=4,
                                      weights=[0.7, 0.2, 0.07, 0.03],
                                      n_clusters_per_class=1, random_state=seed)
    if name == "integers":
        X, y = ds.make_classification(800, 8, n_informative=4, weights=[0.93],
                                      random_state=seed)
        return np.round(3 * X).astype(np.int64), y
    if name == "moons":
        return long_tailed(*ds.make_moons(600, noise=0.25, random_state=seed), 15, seed)
    if name == "shells":
        X, y = ds.make_gaussian_quantiles(n_samples=800, n_features=4, n_classes=3,
                                          random_state=seed)
        return long_tailed(X, y, 10, seed)
    raise ValueError(f"Unknown data set {name!r}; known: {sorted(DATASETS)}.")


def sampler(arm: str, y: np.ndarray, seed: int, gan_kw: dict | None = None):
    """The arm's over-sampler: the CIFAR-10 bench's classical arms (SMOTE's neighbours
    capped by the rarest class), or the default cGAN."""
    from ganaug import ConditionalGANAugmenter
    from ganaug_bench.cifar10.arms import classic_sampler

    if arm == "cgan":
        return ConditionalGANAugmenter(random_state=seed, **(gan_kw or {}))
    if arm in CLASSICAL:
        return classic_sampler(arm, "auto", np.bincount(y), seed)[0]
    raise ValueError(f"Unknown arm {arm!r}; known: {ARMS}.")


def classifier(name: str, seed: int):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    if name == "forest":
        return RandomForestClassifier(100, random_state=seed, n_jobs=1)
    inner = {"svc": SVC(), "logistic": LogisticRegression(max_iter=2000),
             "knn": KNeighborsClassifier()}[name]
    return make_pipeline(StandardScaler(), inner)


def run_fold(name: str, seed: int, fold: int, folds: int, arms: list[str],
             gan_kw: dict | None = None) -> list[dict]:
    """Every arm x classifier on one (data set, seed, fold)."""
    import torch
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    X, y = dataset(name, seed)
    y = np.unique(y, return_inverse=True)[1]
    tr, te = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y))[fold]
    out = []
    for arm in arms:
        t0 = time.perf_counter()
        Xr, yr = sampler(arm, y[tr], seed, gan_kw).fit_resample(X[tr], y[tr])
        seconds = time.perf_counter() - t0
        for clf in CLASSIFIERS:
            pred = classifier(clf, seed).fit(Xr, yr).predict(X[te])
            out.append({"dataset": name, "seed": seed, "fold": fold, "arm": arm,
                        "classifier": clf, "resample_seconds": seconds,
                        "balanced_accuracy": float(balanced_accuracy_score(y[te], pred))})
    return out


def summarise(rows: list[dict], arms: list[str]) -> dict:
    """Cell means (data set x classifier x arm) and the cGAN against each classical arm
    and against the best of them per cell."""
    import pandas as pd

    from ganaug_bench.stats import by_group, win_tie_loss

    df = pd.DataFrame(rows)
    cells = df.groupby(["dataset", "classifier", "arm"])["balanced_accuracy"].mean().unstack()
    classical = [a for a in CLASSICAL if a in cells]
    versus = {}
    if "cgan" in cells and classical:
        cells["best classical"] = cells[classical].max(axis=1)
        data_sets = cells.index.get_level_values(0)
        for other in [*classical, "best classical"]:
            versus[other] = {**win_tie_loss(cells["cgan"], cells[other]),
                             "by_dataset": by_group(data_sets, cells["cgan"], cells[other])}
    seconds = df.groupby(["dataset", "arm"])["resample_seconds"].mean().unstack()
    return {"cells": cells, "versus": versus, "seconds": seconds}


def markdown(report: dict, summary: dict) -> str:
    cells, cfg = summary["cells"], report["config"]
    arms = [a for a in cfg["arms"] if a in cells]
    lines = [
        "# The default cGAN on data it was never developed on",
        "",
        f"Command: `{report['command']}`. Run {report['started']} to {report['finished']} "
        f"UTC ({report['wall_minutes']:.1f} min wall) on {report['machine']}; code version "
        f"`{report['code_version']}`. Stratified {cfg['folds']}-fold CV x seeds "
        f"{cfg['seeds']}, resampling inside the training folds only; balanced accuracy on "
        "the test folds. "
        + (f"The cGAN with {cfg['gan_params']}, the other arms at their defaults"
           if cfg.get("gan_params") else "Every arm at its defaults")
        + "; a measurement: it chose nothing."
        + (f" Note: {cfg['note']}" if cfg.get("note") else ""),
        "",
        "Data sets: " + "; ".join(f"`{d}`: {DATASETS[d]}" for d in cfg["datasets"]) + ".",
        "",
    ]
    if summary["versus"]:
        lines += [
            "## cGAN against the classical arms",
            "",
            "Cells are (data set, classifier); a tie is a difference of at most 0.001; mean "
            "difference in points (x100). 'best classical' is the best of "
            f"{', '.join(a for a in CLASSICAL if a in cells)} in each cell (chosen after "
            "the fact, so a hard reference). The classifiers of one data set are fitted "
            "on the same resampled rows, so its cells are not independent: the Wilcoxon p "
            "over cells overstates the evidence; the last two columns count each data set "
            "once (its mean difference over the classifiers).",
            "",
            table(["cGAN vs", "won / tied / lost", "Wilcoxon p", "mean difference (points)",
                   "data sets won / tied / lost", "Wilcoxon p (data sets)"],
                  [[o, f"{v['win']} / {v['tie']} / {v['loss']}", f"{v['wilcoxon_p']:.3g}",
                    f"{100 * v['mean_difference']:+.2f}",
                    f"{v['by_dataset']['win']} / {v['by_dataset']['tie']} / "
                    f"{v['by_dataset']['loss']}", f"{v['by_dataset']['wilcoxon_p']:.3g}"]
                   for o, v in summary["versus"].items()]),
            "",
        ]
    head = ["data set", "classifier", *arms]
    if "best classical" in cells:
        head.append("cGAN - best classical (points)")
    rows = []
    for (d, c), r in cells.iterrows():
        row = [d, c, *[f"{r[a]:.3f}" for a in arms]]
        if "best classical" in cells:
            row.append(f"{100 * (r['cgan'] - r['best classical']):+.1f}")
        rows.append(row)
    sec = summary["seconds"]
    lines += ["## Balanced accuracy per data set and classifier", "", table(head, rows), "",
              "## Resampling time per fit (seconds, mean)", "",
              table(["data set", *arms], [[d, *[f"{sec.loc[d, a]:.2f}" for a in arms]]
                                         for d in sec.index]), ""]
    return "\n".join(lines) + "\n"


def plot(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cells = summary["cells"]
    if "best classical" not in cells:
        return
    diff = 100 * (cells["cgan"] - cells["best classical"]).unstack("classifier")
    diff = diff[[c for c in CLASSIFIERS if c in diff]]
    fig, ax = plt.subplots(figsize=(1.1 * len(diff) + 2, 4))
    width = 0.8 / diff.shape[1]
    for i, c in enumerate(diff.columns):
        ax.bar(np.arange(len(diff)) + i * width, diff[c], width, label=c)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(np.arange(len(diff)) + 0.4 - width / 2, diff.index, rotation=25)
    ax.set_ylabel("cGAN - best of ROS / ROSE / SMOTE\n(balanced accuracy, points)")
    ax.set_title("Default cGAN on data it was never developed on (above 0: cGAN better)")
    ax.legend(fontsize=8, ncol=len(diff.columns))
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    from joblib import Parallel, delayed

    from ganaug_bench.record import code_version, command_line

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    ap.add_argument("--arms", nargs="+", default=ARMS, choices=ARMS)
    ap.add_argument("--folds", type=int, default=3)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--gan-params", default="{}",
                    help="JSON of cGAN keyword arguments (default: none, its defaults)")
    ap.add_argument("--note", default="", help="why the run was made (recorded)")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started, t0, load0 = time.strftime("%Y-%m-%d %H:%M", time.gmtime()), time.time(), \
        os.getloadavg()
    parts = Parallel(n_jobs=args.n_jobs)(
        delayed(run_fold)(d, s, f, args.folds, args.arms, json.loads(args.gan_params))
        for d in args.datasets for s in args.seeds for f in range(args.folds))
    rows = [r for part in parts for r in part]
    report = {
        "command": command_line(), "started": started,
        "finished": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "wall_minutes": (time.time() - t0) / 60,
        "machine": (f"CPU, {os.cpu_count()} cores, load average {load0[0]:.2f} at start, "
                    f"torch 1 thread per worker, {args.n_jobs} workers"),
        "code_version": code_version() or "unknown",
        "config": {"datasets": args.datasets, "arms": args.arms, "folds": args.folds,
                   "seeds": args.seeds, "classifiers": CLASSIFIERS,
                   "gan_params": json.loads(args.gan_params), "note": args.note},
        "rows": rows,
    }
    summary = summarise(rows, args.arms)
    report["versus"] = summary["versus"]
    (out / "other_data.json").write_text(json.dumps(report, indent=1, default=float))
    md = markdown(report, summary)
    (out / "other_data.md").write_text(md)
    plot(summary, out / "other_data.png")
    print(md)


def render(path: str) -> None:
    """Rebuild the markdown and the PNG beside a result JSON from its rows (no re-run)."""
    report = json.loads(Path(path).read_text())
    summary = summarise(report["rows"], report["config"]["arms"])
    report["versus"] = summary["versus"]
    Path(path).write_text(json.dumps(report, indent=1, default=float))
    Path(path).with_suffix(".md").write_text(markdown(report, summary))
    plot(summary, Path(path).with_suffix(".png"))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:  # python other_data.py --render FILE.json
        for file in sys.argv[2:]:
            render(file)
    else:
        main()

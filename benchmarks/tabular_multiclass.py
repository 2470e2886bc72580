"""Oversampling on multi-class tables: the core data sets whose own target has several
imbalanced classes, with that target (not the suite's binary minority rule).

A measurement, not a development set: nothing here chooses a default. The binary suite
(``tabular_oversampling.py``) asks "one rare class against the rest"; users also bring
several rare classes at once, where a rare class can borrow variation from classes like
it (what the default generator's pooled noise does).

Protocol: for each data set, classes with fewer than ``--min-rows`` rows are dropped (a
class needs a few rows in every training fold), then stratified k-fold cross-validation
x seeds; inside each training fold only, an arm resamples every class to the largest
class's count (imbalanced-learn's 'auto'), two classifiers are trained on the rows and
scored on the untouched test fold. Arms, classifiers and the preparation of rows are the
binary suite's (``resample``, ``classifier``: LogisticRegression and
HistGradientBoosting; SMOTE's ``k_neighbors`` shrinks to the smallest class). Metrics:
balanced accuracy (mean recall over classes), macro-F1 and the mean recall of the three
rarest classes of the training fold.

Output (``--out``): ``tabular_multiclass.json`` (command, date, machine, code version,
every fold's scores, the summary), ``tabular_multiclass.md`` (per data set means, the
cGAN's wins / ties / losses against each classical arm over (data set, classifier,
metric) cells with a Wilcoxon signed-rank p-value) and ``tabular_multiclass.png``
(balanced accuracy per data set and arm)::

    python benchmarks/tabular_multiclass.py --out benchmarks/results/tabular/multiclass
    python benchmarks/tabular_multiclass.py --render FILE.json   # markdown and PNG again
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
import pandas as pd
from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.tabular_oversampling import (  # noqa: E402
    CLASSIFIERS,
    DEFAULT_DATA,
    cat_cols,
    cells_versus,
    completed,
    fit_classifier,
    resample,
    scored_fold,
)
from ganaug_bench.markdown import table  # noqa: E402

DATASETS = ["ecoli", "yeast", "abalone", "glass", "page_blocks", "wine_quality_red",
            "wine_quality_white", "car_eval"]
ARMS = ["none", "ros", "rose", "smote", "cgan"]
METRICS = ["balanced_accuracy", "macro_f1", "rare_recall"]
OUT = ROOT / "benchmarks" / "results" / "tabular" / "multiclass"


def load(name: str, data: Path, min_rows: int) -> tuple[pd.DataFrame, np.ndarray, list]:
    """Features, class codes (0..K-1) and the class labels kept."""
    meta = {d["name"]: d for d in json.loads((data / "MANIFEST.json").read_text())["datasets"]}
    df = pd.read_csv(data / meta[name]["file"])
    target = df.pop("target").astype(str)
    counts = target.value_counts()
    kept = sorted(counts[counts >= min_rows].index)
    rows = target.isin(kept).to_numpy()
    df = df.loc[rows, df.notna().any()].reset_index(drop=True)
    codes = pd.Categorical(target[rows], categories=kept).codes.astype(int)
    return df, codes, kept


def run_fold(name: str, data: Path, min_rows: int, seed: int, fold: int, folds: int,
             arms: list[str], gan_kw: dict | None = None) -> list[dict]:
    """All arms x classifiers on one (data set, seed, fold)."""
    import torch
    from sklearn.metrics import balanced_accuracy_score, f1_score, recall_score
    from sklearn.model_selection import StratifiedKFold

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    X, y, _ = load(name, data, min_rows)
    tr, te = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y))[fold]
    Xtr, ytr = X.iloc[tr].reset_index(drop=True), y[tr]
    Xte, yte = X.iloc[te].reset_index(drop=True), y[te]
    levels = {c: sorted(Xtr[c].dropna().astype(str).unique()) for c in cat_cols(Xtr)}
    rare = np.argsort(np.bincount(ytr, minlength=y.max() + 1), kind="stable")[:3]
    out = []
    for arm in arms:
        t0 = time.perf_counter()
        try:
            Xr, yr = resample(arm, Xtr, ytr, seed, dict(gan_kw or {}))
        except Exception as exc:  # recorded, never hidden
            out.append({"dataset": name, "seed": seed, "fold": fold, "arm": arm,
                        "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        seconds = time.perf_counter() - t0
        for clf_name in CLASSIFIERS:
            clf, B = fit_classifier(clf_name, Xtr, Xr, yr, scored_fold(arm, Xte, Xtr), levels,
                                    seed)
            pred = clf.predict(B)
            recalls = recall_score(yte, pred, labels=rare, average=None, zero_division=0)
            out.append({"dataset": name, "seed": seed, "fold": fold, "arm": arm,
                        "classifier": clf_name, "resample_seconds": seconds,
                        "balanced_accuracy": float(balanced_accuracy_score(yte, pred)),
                        "macro_f1": float(f1_score(yte, pred, average="macro",
                                                   zero_division=0)),
                        "rare_recall": float(np.mean(recalls))})
    return out


#: the GAN arms, in the order one is picked for the comparison, with their table names
GAN_NAMES = {"cgan": "cGAN", "gan": "GANAugmenter"}


def summarise(rows: pd.DataFrame, arms: list[str]) -> dict:
    """Means per (data set, classifier, arm) and the GAN arm (the cGAN when it ran,
    else ``gan``) against each classical arm."""
    ok = completed(rows)  # units where an arm failed are left out for every arm
    mean = ok.groupby(["dataset", "classifier", "arm"])[METRICS].mean()
    cells = mean.unstack("arm")
    gan = next((a for a in GAN_NAMES if a in arms), "cgan")
    versus = {}
    for other in [a for a in arms if a not in (*GAN_NAMES, "none")]:
        if gan not in cells[METRICS[0]] or other not in cells[METRICS[0]]:
            continue
        versus[other] = {**cells_versus(cells, gan, other, METRICS),
                         "per_metric": {m: float((cells[m][gan] - cells[m][other]).mean())
                                        for m in METRICS}}
    overall = ok.groupby("arm")[METRICS].mean().reindex([a for a in arms if a in set(ok.arm)])
    return {"mean": mean, "versus": versus, "overall": overall, "gan": GAN_NAMES[gan]}


def markdown(report: dict, summary: dict, arms: list[str]) -> str:
    cfg = report["config"]
    lines = [
        "# Oversampling on multi-class tables (their own targets)",
        "",
        f"Command: `{report['command']}`. Run {report['started']} to {report['finished']} "
        f"UTC ({report['wall_minutes']:.1f} min wall) on {report['machine']}; code version "
        f"`{report['code_version']}`. Stratified {cfg['folds']}-fold CV x seeds "
        f"{cfg['seeds']}, resampling inside the training folds only; classes with fewer than "
        f"{cfg['min_rows']} rows dropped; "
        + (f"the cGAN with {cfg['gan_params']}, the other arms at their defaults."
           if cfg.get("gan_params") else
           "every arm at its defaults ("
           + ("the cGAN is `ConditionalGANAugmenter()`)." if "cgan" in arms else
              "`gan` is `GANAugmenter()`)."))
        + (f" Note: {cfg['note']}" if cfg.get("note") else
           " A measurement on core data sets: it chose nothing."),
        "",
        "Classes kept (rows per class, largest first): "
        + "; ".join(f"{d} {v}" for d, v in report["classes"].items()) + ".",
        "",
        "## Mean over data sets and classifiers",
        "",
        table(["arm", *METRICS],
              [[a, *[f"{summary['overall'].loc[a, m]:.3f}" for m in METRICS]]
               for a in summary["overall"].index]),
        "",
        f"## {summary['gan']} against each classical arm",
        "",
        "Cells are (data set, classifier, metric); a tie is a difference of at most 0.001. "
        "Mean differences in points (x100). One data set's cells share its folds and "
        "resampled rows, so they are not independent: the Wilcoxon p over cells overstates "
        "the evidence; the data-set columns count each data set once (its mean difference "
        "over classifiers and metrics).",
        "",
        table([f"{summary['gan']} vs", "won / tied / lost", "Wilcoxon p",
               "data sets won / tied / lost", "Wilcoxon p (data sets)",
               *[f"{m} (points)" for m in METRICS]],
              [[o, f"{v['win']} / {v['tie']} / {v['loss']}", f"{v['wilcoxon_p']:.3g}",
                f"{v['by_dataset']['win']} / {v['by_dataset']['tie']} / "
                f"{v['by_dataset']['loss']}", f"{v['by_dataset']['wilcoxon_p']:.3g}",
                *[f"{100 * v['per_metric'][m]:+.2f}" for m in METRICS]]
               for o, v in summary["versus"].items()]),
        "",
        "## Per data set (balanced accuracy, logistic regression / gradient boosting)",
        "",
    ]
    mean = summary["mean"]["balanced_accuracy"].unstack("arm")
    present = [a for a in arms if a in mean.columns]
    rows = []
    for d in cfg["datasets"]:
        if d not in mean.index.get_level_values(0):
            continue
        sub = mean.loc[d]
        rows.append([d, *[" / ".join(f"{sub.loc[c, a]:.3f}" for c in CLASSIFIERS
                                     if c in sub.index) for a in present]])
    lines += [table(["data set", *present], rows), ""]
    if report["errors"]:
        lines += ["## Errors (their (data set, seed, fold) units are left out for every arm)",
                  ""] + [f"- {e['dataset']} seed {e['seed']} fold {e['fold']} "
                                      f"{e['arm']}: {e['error']}" for e in report["errors"]]
    return "\n".join(lines) + "\n"


def plot(summary: dict, arms: list[str], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mean = summary["mean"]["balanced_accuracy"].groupby(level=["dataset", "arm"]).mean()
    tab = mean.unstack("arm")
    present = [a for a in arms if a in tab.columns]
    fig, ax = plt.subplots(figsize=(1.3 * len(tab) + 2, 4))
    width = 0.8 / len(present)
    for i, a in enumerate(present):
        ax.bar(np.arange(len(tab)) + i * width, tab[a], width, label=a)
    ax.set_xticks(np.arange(len(tab)) + 0.4 - width / 2, tab.index, rotation=20)
    lo = float(np.nanmin(tab[present].to_numpy()))
    ax.set_ylim(max(0.0, lo - 0.05), 1.0)
    ax.set_ylabel("balanced accuracy (mean of LR and HGB)")
    ax.set_title("Multi-class tables: oversamplers at their defaults", pad=24)
    ax.legend(ncol=len(present), fontsize=8, loc="lower center", bbox_to_anchor=(0.5, 1.0),
              frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    from ganaug_bench.record import code_version, command_line

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=DATASETS)
    ap.add_argument("--arms", nargs="+", default=ARMS)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--min-rows", type=int, default=10)
    ap.add_argument("--gan-params", default="{}",
                    help="JSON of cGAN keyword arguments (default: none, the estimator's "
                    "defaults); recorded in the report")
    ap.add_argument("--note", default="", help="why the run was made (recorded)")
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    data, out = Path(args.data), Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    started, t0 = time.strftime("%Y-%m-%d %H:%M", time.gmtime()), time.time()
    load0 = os.getloadavg()
    version = code_version() or "unknown"
    rows = []
    with Parallel(n_jobs=args.n_jobs) as parallel:
        for name in args.datasets:
            parts = parallel(delayed(run_fold)(name, data, args.min_rows, s, f, args.folds,
                                               args.arms, json.loads(args.gan_params))
                             for s in args.seeds for f in range(args.folds))
            rows += [r for part in parts for r in part]
            print(f"[{time.strftime('%H:%M:%S')}] {name} done", flush=True)
    classes = {}
    for name in args.datasets:
        _, y, _ = load(name, data, args.min_rows)
        classes[name] = sorted(np.bincount(y).tolist(), reverse=True)
    df = pd.DataFrame(rows)
    summary = summarise(df, args.arms)
    report = {
        "command": command_line(), "started": started,
        "finished": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "wall_minutes": (time.time() - t0) / 60,
        "machine": (f"CPU, {os.cpu_count()} cores, load average {load0[0]:.2f} at start and "
                    f"{os.getloadavg()[0]:.2f} at the end, torch 1 thread per worker, "
                    f"{args.n_jobs} workers"),
        "code_version": version,
        "config": {"datasets": args.datasets, "arms": args.arms, "folds": args.folds,
                   "seeds": args.seeds, "min_rows": args.min_rows,
                   "gan_params": json.loads(args.gan_params), "note": args.note,
                   "classifiers": CLASSIFIERS, "metrics": METRICS},
        "classes": classes,
        "errors": [r for r in rows if isinstance(r.get("error"), str)],
        "versus": summary["versus"],
        "overall": summary["overall"].reset_index().to_dict("records"),
        "rows": [r for r in rows if not isinstance(r.get("error"), str)],
    }
    (out / "tabular_multiclass.json").write_text(json.dumps(report, indent=1, default=float))
    md = markdown(report, summary, args.arms)
    (out / "tabular_multiclass.md").write_text(md)
    plot(summary, args.arms, out / "tabular_multiclass.png")
    print(md)


def render(path: str) -> None:
    """Rebuild the markdown and the PNG beside a result JSON from its rows (no re-run)."""
    report = json.loads(Path(path).read_text())
    arms = report["config"]["arms"]
    summary = summarise(pd.DataFrame(report["rows"] + report["errors"]), arms)
    Path(path).with_suffix(".md").write_text(markdown(report, summary, arms))
    plot(summary, arms, Path(path).with_suffix(".png"))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:  # python tabular_multiclass.py --render FILE.json
        for file in sys.argv[2:]:
            render(file)
    else:
        main()

"""Oversampling suite on the core tabular data sets (issue 5).

Protocol: for each core data set of ``MANIFEST.json`` (binary minority definition from
its ``minority_rule``), stratified k-fold cross-validation x seeds; inside each training
fold only, an arm resamples the rows, then two classifiers are trained on them and
scored on the untouched test fold.

Arms: ``none``, ``ros`` (RandomOverSampler), ``rose`` (``RandomOverSampler(shrinkage=0.5)``;
on mixed tables the same smoothed bootstrap of the numeric columns with categories copied
from the drawn row), ``smote`` (SMOTE, SMOTENC where there are
categorical columns, SMOTEN where all columns are categorical), ``adasyn`` (ADASYN; on
the one-hot representation where there are categorical columns, decoded back by arg-max
per block), ``gan`` (GANAugmenter, one GAN
per class) and ``cgan`` (ConditionalGANAugmenter). ROSE, SMOTE and ADASYN need complete
rows, so their training fold is imputed first (median / most frequent, fitted on the
fold) and their test fold with the same values (as ``Pipeline([imputer, sampler,
classifier])``); ``none``, ROS and the GAN arms take the folds as they are (missing
values, categories, dtypes).

Classifiers: LogisticRegression (median imputation + StandardScaler for numbers,
one-hot for categories) and HistGradientBoostingClassifier (native categories and
missing values). Metrics: balanced accuracy, G-mean, minority F1, average precision.

Output: a per-data-set table, mean ranks of the arms, and the win/tie/loss of each GAN
arm against SMOTE over (data set, classifier, metric) cells with a Wilcoxon
signed-rank p-value, as JSON and markdown in ``benchmarks/results/tabular/``.

Example (the full protocol)::

    python benchmarks/tabular_oversampling.py --folds 5 --seeds 0 1 2 --steps 600

GAN training length: about ``--steps`` generator steps per GAN, i.e. ``--steps`` divided
by the steps per epoch of the training fold, at most ``--epochs`` epochs (the effective
epochs are recorded in the JSON rows).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

ROOT = Path(__file__).resolve().parents[1]
#: the shared data sets: ``$GANAUG_DATA/tabular``, else ``shared/data/tabular`` beside the
#: checkout (``../shared`` from the repository root)
DEFAULT_DATA = Path(os.environ.get("GANAUG_DATA") or ROOT.parent / "shared" / "data") / "tabular"
OUT = ROOT / "benchmarks" / "results" / "tabular"
ARMS = ["none", "ros", "rose", "smote", "adasyn", "gan", "cgan"]
CLASSIFIERS = ["logreg", "hgb"]
METRICS = ["balanced_accuracy", "g_mean", "minority_f1", "average_precision"]


# ------------------------------------------------------------------------- data --
def load(name: str, data: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """Features and the binary target (1 = minority) of a data set."""
    meta = {d["name"]: d for d in json.loads((data / "MANIFEST.json").read_text())["datasets"]}
    df = pd.read_csv(data / meta[name]["file"])
    target = df.pop("target")
    rule = meta[name]["minority_rule"]
    value, op = rule["value"], rule["op"]
    t = pd.to_numeric(target, errors="coerce") if isinstance(value, int | float) else (
        target.astype(str))
    v = value if isinstance(value, int | float) else str(value)
    y = {"eq": t == v, "ne": t != v, "le": t <= v, "ge": t >= v, "gt": t > v}[op]
    df = df.loc[:, df.notna().any()]  # drop all-missing columns
    return df, y.to_numpy().astype(int)


def cat_cols(X: pd.DataFrame) -> list[str]:
    return [c for c in X.columns if not pd.api.types.is_numeric_dtype(X[c])
            or pd.api.types.is_bool_dtype(X[c])]


# ------------------------------------------------------------------------- arms --
def impute(X: pd.DataFrame, ref: pd.DataFrame | None = None) -> pd.DataFrame:
    """Median / most-frequent imputation fitted on ``ref`` (the training fold; default:
    the frame itself)."""
    X, ref = X.copy(), X if ref is None else ref
    for c in X.columns:
        if X[c].isna().any():
            if c in cat_cols(ref):
                X[c] = X[c].fillna(ref[c].mode(dropna=True).iloc[0])
            else:
                X[c] = X[c].fillna(ref[c].median())
    return X


#: arms whose training fold is imputed first (they need complete rows): their test fold
#: is imputed with the training fold's values too, as Pipeline([imputer, sampler, clf])
#: would (it kept its missing values, filled by each classifier: logistic regression's
#: own imputer with the medians of the resampled rows, gradient boosting by its default
#: branch; `none`, ROS and the GAN arms see missing values on both sides)
IMPUTED_ARMS = ("rose", "smote", "adasyn")


def scored_fold(arm: str, Xte: pd.DataFrame, Xtr: pd.DataFrame) -> pd.DataFrame:
    """The test fold as ``arm``'s classifiers see it: imputed with the training fold's
    values for :data:`IMPUTED_ARMS`, as it is for the others."""
    return impute(Xte, Xtr) if arm in IMPUTED_ARMS else Xte


def resample(arm: str, X: pd.DataFrame, y: np.ndarray, seed: int, gan_kw: dict,
             numeric_as_mixed: bool = False):
    from imblearn.over_sampling import ADASYN, SMOTE, SMOTEN, SMOTENC, RandomOverSampler

    from ganaug import ConditionalGANAugmenter, GANAugmenter

    if arm == "none":
        return X, y
    if arm == "ros":
        return RandomOverSampler(random_state=seed).fit_resample(X, y)
    if arm in ("gan", "cgan"):
        Aug = GANAugmenter if arm == "gan" else ConditionalGANAugmenter
        aug = Aug(random_state=seed, device="cpu", **gan_kw)
        if numeric_as_mixed and not cat_cols(X) and not X.isna().to_numpy().any():
            # an ablation: a plain numeric table as an object array of numbers goes
            # through the mixed-table encoder (quantile maps, class reach) instead of the
            # standardising one (an object-dtype DataFrame would read as categories)
            Xr, yr = aug.fit_resample(X.to_numpy(dtype=object), y)
            return pd.DataFrame(Xr, columns=X.columns).astype(X.dtypes.to_dict()), yr
        return aug.fit_resample(X, y)
    Xi = impute(X)
    cats = cat_cols(Xi)
    if arm == "rose":
        if not cats:
            return RandomOverSampler(shrinkage=0.5, random_state=seed).fit_resample(Xi, y)
        # mixed rows: RandomOverSampler(shrinkage=0.5)'s smoothed bootstrap on the numeric
        # columns (its bandwidth: shrinkage * class std * (4 / ((d + 2) n))^(1 / (d + 4))),
        # categories copied from the drawn row
        idx, yr = RandomOverSampler(random_state=seed).fit_resample(
            np.arange(len(Xi)).reshape(-1, 1), y)
        idx = idx.ravel()
        out = Xi.iloc[idx].reset_index(drop=True)
        num = [c for c in Xi.columns if c not in cats]
        out[num] = out[num].astype(float)  # jittered ints are no longer ints (as in imblearn)
        rng = np.random.RandomState(seed)
        for c in np.unique(y):
            new = np.flatnonzero((np.arange(len(idx)) >= len(Xi)) & (yr == c))
            if not len(new) or not num:
                continue
            vals = Xi.loc[y == c, num].to_numpy(dtype=float)
            d, n = len(num), len(vals)
            h = 0.5 * vals.std(0) * (4 / ((d + 2) * n)) ** (1 / (d + 4))
            out.loc[new, num] = out.loc[new, num].to_numpy(float) + rng.randn(len(new), d) * h
        return out, yr
    k = int(max(1, min(5, np.bincount(y).min() - 1)))
    if arm == "smote":
        if cats and len(cats) == Xi.shape[1]:  # only categorical columns
            return SMOTEN(k_neighbors=k, random_state=seed).fit_resample(Xi, y)
        if cats:
            return SMOTENC(categorical_features=cats, k_neighbors=k,
                           random_state=seed).fit_resample(Xi, y)
        return SMOTE(k_neighbors=k, random_state=seed).fit_resample(Xi, y)
    # adasyn: numeric space; categories one-hot, decoded by arg-max per block
    if not cats:
        return ADASYN(n_neighbors=k, random_state=seed).fit_resample(Xi, y)
    dummies = pd.get_dummies(Xi[cats].astype(str), prefix_sep="\x1f")
    num = [c for c in Xi.columns if c not in cats]
    Z = pd.concat([Xi[num].astype(float), dummies.astype(float)], axis=1)
    Zr, yr = ADASYN(n_neighbors=k, random_state=seed).fit_resample(Z, y)
    out = pd.DataFrame(index=range(len(Zr)))
    for c in Xi.columns:
        if c in cats:
            block = [d for d in dummies.columns if d.startswith(f"{c}\x1f")]
            labels = np.array([d.split("\x1f", 1)[1] for d in block], dtype=object)
            vals = labels[np.argmax(Zr[block].to_numpy(), axis=1)]
            orig = Xi[c]
            lookup = {str(v): v for v in orig.unique()}
            out[c] = pd.Series([lookup[v] for v in vals]).astype(orig.dtype)
        else:
            out[c] = Zr[c].to_numpy()
    return out, yr


# ----------------------------------------------------------------- classifiers --
def classifier(name: str, X: pd.DataFrame, seed: int):
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats = cat_cols(X)
    num = [c for c in X.columns if c not in cats]
    if name == "hgb":
        return HistGradientBoostingClassifier(categorical_features="from_dtype",
                                              random_state=seed)
    pre = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), num),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), cats),
    ])
    return make_pipeline(pre, LogisticRegression(max_iter=2000))


def as_categories(X: pd.DataFrame, levels: dict) -> pd.DataFrame:
    """Categorical columns as pandas categories with the training fold's levels."""
    X = X.copy()
    for c, lv in levels.items():
        X[c] = pd.Categorical(X[c].astype(object).where(X[c].notna(), None), categories=lv)
    return X


def as_strings(X: pd.DataFrame, levels: dict) -> pd.DataFrame:
    """Categorical columns as strings (None for missing): every arm's rows and the test
    fold reach the classifiers with the same types."""
    X = pd.DataFrame(X).copy()
    for c in levels:
        X[c] = X[c].astype(object).where(X[c].notna(), None)
        X[c] = X[c].map(lambda v: v if v is None else str(v))
    return X


def fit_classifier(clf_name: str, Xtr: pd.DataFrame, Xr, yr, Xte: pd.DataFrame,
                   levels: dict, seed: int):
    """Fit one classifier on resampled rows; return it and the test fold in the column
    types it was fitted with."""
    Xr = as_strings(pd.DataFrame(Xr, columns=Xtr.columns), levels)
    Xte = as_strings(Xte, levels)
    A, B = (as_categories(Xr, levels), as_categories(Xte, levels)) if (
        clf_name == "hgb") else (Xr.astype({c: object for c in levels}),
                                 Xte.astype({c: object for c in levels}))
    return classifier(clf_name, Xtr, seed).fit(A, np.asarray(yr).astype(int)), B


def fit_predict(clf_name: str, Xtr: pd.DataFrame, Xr, yr, Xte: pd.DataFrame, levels: dict,
                seed: int) -> np.ndarray:
    """Fit one classifier on resampled rows; its minority probabilities on the test fold."""
    clf, B = fit_classifier(clf_name, Xtr, Xr, yr, Xte, levels, seed)
    return clf.predict_proba(B)[:, 1]


def scores(y: np.ndarray, pred: np.ndarray, proba: np.ndarray) -> dict:
    from sklearn.metrics import (
        average_precision_score,
        balanced_accuracy_score,
        f1_score,
        recall_score,
    )

    tpr = recall_score(y, pred, pos_label=1, zero_division=0)
    tnr = recall_score(y, pred, pos_label=0, zero_division=0)
    return {
        "balanced_accuracy": float(balanced_accuracy_score(y, pred)),
        "g_mean": float(np.sqrt(tpr * tnr)),
        "minority_f1": float(f1_score(y, pred, pos_label=1, zero_division=0)),
        "average_precision": float(average_precision_score(y, proba)),
    }


def split_fold(name: str, data: Path, seed: int, fold: int, folds: int):
    """One (data set, seed, fold) of the protocol, in a worker set up as the suite's.

    Returns ``Xtr, ytr, Xte, yte, levels`` (``levels``: the training fold's categories
    per categorical column).
    """
    import torch
    from sklearn.model_selection import StratifiedKFold

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    X, y = load(name, data)
    tr, te = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(X, y))[fold]
    Xtr, ytr = X.iloc[tr].reset_index(drop=True), y[tr]
    Xte, yte = X.iloc[te].reset_index(drop=True), y[te]
    levels = {c: sorted(Xtr[c].dropna().astype(str).unique()) for c in cat_cols(Xtr)}
    return Xtr, ytr, Xte, yte, levels


def run_fold(name: str, data: Path, seed: int, fold: int, folds: int, arms: list[str],
             gan: dict) -> list[dict]:
    """All arms x classifiers on one (data set, seed, fold)."""
    Xtr, ytr, Xte, yte, levels = split_fold(name, data, seed, fold, folds)
    if gan.get("defaults"):  # what a user gets: the estimators' own defaults
        epochs, gan_kw = None, dict(gan.get("params") or {})
    else:
        steps_per_epoch = int(np.ceil(len(Xtr) / gan["batch_size"]))
        epochs = int(max(1, min(gan["epochs"], round(gan["steps"] / steps_per_epoch))))
        gan_kw = {"epochs": epochs, "batch_size": gan["batch_size"]}
        if gan.get("width"):
            gan_kw["width"] = gan["width"]
    rows = []
    for arm in arms:
        t0 = time.perf_counter()
        try:
            Xr, yr = resample(arm, Xtr, ytr, seed, gan_kw,
                              bool(gan.get("numeric_as_mixed")))
        except Exception as exc:  # recorded, never hidden
            rows.append({"dataset": name, "seed": seed, "fold": fold, "arm": arm,
                         "error": f"{type(exc).__name__}: {exc}"[:300]})
            continue
        t_res = time.perf_counter() - t0
        Xte_arm = scored_fold(arm, Xte, Xtr)
        for clf_name in CLASSIFIERS:
            proba = fit_predict(clf_name, Xtr, Xr, yr, Xte_arm, levels, seed)
            rows.append({"dataset": name, "seed": seed, "fold": fold, "arm": arm,
                         "classifier": clf_name, "resample_seconds": t_res,
                         "gan_epochs": epochs if arm in ("gan", "cgan") else None,
                         **scores(yte, (proba >= 0.5).astype(int), proba)})
    return rows


# ------------------------------------------------------------------- reporting --
def cells_versus(cells: pd.DataFrame, arm: str, other: str, metrics: list[str]) -> dict:
    """Cells won / tied / lost by ``arm`` against ``other`` over every (row, metric) cell of
    ``cells`` (rows: (data set, classifier); columns: (metric, arm)), with the Wilcoxon
    p-value; ``by_dataset``: the same with data sets as the unit (their mean difference
    over classifiers and metrics), since one data set's cells are not independent."""
    from ganaug_bench.stats import by_group, win_tie_loss

    a = np.concatenate([cells[m][arm].to_numpy() for m in metrics])
    b = np.concatenate([cells[m][other].to_numpy() for m in metrics])
    groups = np.tile(cells.index.get_level_values(0).to_numpy(), len(metrics))
    return {**win_tie_loss(a, b), "by_dataset": by_group(groups, a, b)}


def completed(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of the (data set, seed, fold) units where no arm failed: an arm that
    failed on a hard fold was otherwise compared, unpaired, with arms that ran it."""
    if "error" not in df:
        return df
    failed = df["error"].notna()
    unit = pd.MultiIndex.from_frame(df[["dataset", "seed", "fold"]])
    return df[~failed & ~unit.isin(unit[failed.to_numpy()])]


def summarise(df: pd.DataFrame, arms: list[str]) -> dict:
    from scipy.stats import rankdata

    ok = completed(df)
    mean = ok.groupby(["dataset", "classifier", "arm"])[METRICS].mean()
    cells = mean.unstack("arm")  # rows (dataset, classifier); columns (metric, arm)
    ranks = {}
    for m in METRICS:
        tab = cells[m][[a for a in arms if a in cells[m].columns]].dropna()
        if tab.empty:
            continue
        r = np.vstack([rankdata(-row) for row in tab.to_numpy()])
        ranks[m] = dict(zip(tab.columns, r.mean(axis=0).round(3).tolist()))
    versus = {}
    for arm in ("gan", "cgan"):
        if arm not in mean.index.get_level_values("arm") or "smote" not in (
                mean.index.get_level_values("arm")):
            continue
        versus[arm] = cells_versus(cells, arm, "smote", METRICS)
        per_metric = {}
        for m in METRICS:
            one = cells_versus(cells, arm, "smote", [m])
            per_metric[m] = {k: one[k] for k in ("win", "tie", "loss", "wilcoxon_p",
                                                 "by_dataset")}
        versus[arm]["per_metric"] = per_metric
    return {"mean": mean, "ranks": ranks, "versus_smote": versus}


def markdown(report: dict, summary: dict, arms: list[str]) -> str:
    cfg = report["config"]
    lines = [
        "# Oversampling suite on the core tabular data sets",
        "",
        (f"Command: `{report['command']}`. " if report.get("command") else "")
        + f"Run {report['started']} UTC, finished {report['finished']} UTC "
        f"({report['wall_minutes']:.1f} min wall). Data sets ({len(cfg['datasets'])}): "
        f"{', '.join(cfg['datasets'])}. Stratified {cfg['folds']}-fold CV x seeds "
        f"{cfg['seeds']}; resampling inside the training folds only. "
        + ("GAN arms at the estimators' defaults"
           + (f" except {cfg['gan_params']}" if cfg.get("gan_params") else "") + "."
           + (" Plain numeric tables reach them as object arrays (the mixed-table "
              "encoder)." if cfg.get("numeric_as_mixed") else "")
           if cfg.get("defaults") else
           f"GAN arms: about {cfg['steps']} generator steps (epochs = steps / steps per "
           f"epoch of the training fold, at most {cfg['epochs']}), batch size "
           f"{cfg['batch_size']}, width {cfg['width'] or 'default'}; other parameters at "
           "their defaults."),
        "",
        f"**Scope**: {report['scope_note']}"
        + (f" Not run (time limit): {', '.join(report['datasets_not_run'])}."
           if report["datasets_not_run"] else "")
        + ("" if report["complete"] else " (partial file: the run was still going)"),
        "",
        f"**Machine**: {report['machine']['note']} Load average at start "
        f"{report['machine']['loadavg_start']}, at end {report['machine']['loadavg_end']}. "
        f"{report['machine'].get('platform', '')}; "
        f"{json.dumps(report['machine'].get('versions', {}))}.",
        "",
    ]
    if report["errors"]:
        lines += [f"Errors ({len(report['errors'])}; their (data set, seed, fold) units are "
                  "left out of the tables for every arm, so arms stay paired): " +
                  "; ".join(sorted({f"{e['dataset']}/{e['arm']}: {e['error'][:120]}"
                                    for e in report["errors"]}))[:2000], ""]
    from ganaug_bench.markdown import table

    overall = summary["mean"].groupby("arm").mean()  # mean over (data set, classifier)
    lines += ["## Mean scores over (data set, classifier) cells", "",
              table(["metric", *arms], ([m, *(f"{overall.loc[a, m]:.4f}" if a in overall.index
                                              else "n/a" for a in arms)] for m in METRICS))]
    lines += ["", "## Mean ranks (1 = best) over (data set, classifier) cells", "",
              table(["metric", *arms], ([m, *(f"{r.get(a, float('nan')):.2f}" for a in arms)]
                                        for m, r in summary["ranks"].items()))]
    rows = []

    def by_data_set(v: dict) -> list[str]:
        d = v.get("by_dataset")  # files summarised before it existed: absent
        return (["n/a", "n/a"] if d is None else
                [f"{d['win']} / {d['tie']} / {d['loss']}", f"{d['wilcoxon_p']:.3g}"])

    for arm, v in summary["versus_smote"].items():
        rows.append([arm, v["win"], v["tie"], v["loss"], f"{v['mean_difference']:+.4f}",
                     f"{v['wilcoxon_p']:.3g}", *by_data_set(v)])
        rows += [[f"{arm}: {m}", pm["win"], pm["tie"], pm["loss"], "", f"{pm['wilcoxon_p']:.3g}",
                  *by_data_set(pm)] for m, pm in v["per_metric"].items()]
    lines += ["", "## GAN arms vs SMOTE (cells: data set x classifier x metric; "
              "tie = |difference| <= 0.001)", "",
              "One data set's cells share its folds and resampled rows, so they are not "
              "independent: the Wilcoxon p over cells overstates the evidence. The last two "
              "columns count each data set once (its mean difference over classifiers and "
              "the metrics of the row).", "",
              table(["arm", "win", "tie", "loss", "mean difference", "Wilcoxon p",
                     "data sets won / tied / lost", "Wilcoxon p (data sets)"], rows)]
    mean = summary["mean"]

    def cell(name: str, clf: str, a: str, m: str) -> str:
        try:
            return f"{mean.loc[(name, clf, a), m]:.3f}"
        except KeyError:
            return "-"

    for clf in CLASSIFIERS:
        lines += ["", f"## Per data set, {clf} (mean over folds x seeds)", "",
                  table(["data set", "metric", *arms],
                        ([name, m, *(cell(name, clf, a, m) for a in arms)]
                         for name in cfg["datasets"] for m in METRICS))]
    lines += ["", f"Code version: `{report['code_version']}`.", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["core"],
                    help="names, or 'core' for every core data set of MANIFEST.json")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--epochs", type=int, default=300, help="cap on GAN epochs")
    ap.add_argument("--steps", type=int, default=600,
                    help="target generator steps per GAN: epochs = steps / (steps per "
                    "epoch of the training fold), at most --epochs")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--gan-params", default="{}",
                    help="JSON of GAN keyword arguments on top of --defaults, e.g. "
                    "'{\"spread\": 1.5}' (recorded in the report)")
    ap.add_argument("--defaults", action="store_true",
                    help="GAN arms at the estimators' defaults (ignores --epochs, --steps, "
                    "--batch-size, --width)")
    ap.add_argument("--width", type=int, default=0, help="GAN width (0: default)")
    ap.add_argument("--numeric-as-mixed", action="store_true",
                    help="ablation: GAN arms get plain numeric tables as object arrays, "
                    "so they go through the mixed-table encoder (recorded in the report)")
    ap.add_argument("--arms", nargs="+", default=ARMS)
    ap.add_argument("--n-jobs", type=int, default=2)
    ap.add_argument("--time-limit", type=float, default=0,
                    help="minutes; no new data set is started after this (0: no limit)")
    ap.add_argument("--data", default=str(DEFAULT_DATA),
                    help="folder of the tabular CSVs (default: $GANAUG_DATA/tabular, "
                         "else shared/data/tabular beside the checkout)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--scope-note", default="the full protocol.")
    ap.add_argument("--note", default="",
                    help="what else ran on the machine (stated beside the load averages)")
    args = ap.parse_args()
    data = Path(args.data)
    manifest = json.loads((data / "MANIFEST.json").read_text())["datasets"]
    names = ([d["name"] for d in manifest if d.get("core")] if args.datasets == ["core"]
             else args.datasets)
    gan = {"epochs": args.epochs, "steps": args.steps, "defaults": args.defaults,
           "params": json.loads(args.gan_params),
           "batch_size": args.batch_size, "width": args.width or None,
           "numeric_as_mixed": args.numeric_as_mixed}
    size = {d["name"]: d["rows"] for d in manifest}
    names = sorted(names, key=lambda n: size.get(n, 0))  # small data sets first
    started, t0, load0 = time.strftime("%Y-%m-%d %H:%M", time.gmtime()), time.time(), \
        os.getloadavg()
    from ganaug_bench.record import code_version, command_line

    args.code_version = code_version() or "unknown"  # the code that runs, read at the start
    args.command = command_line()
    print(f"{len(names)} data sets x {len(args.seeds)} seeds x {args.folds} folds, arms "
          f"{args.arms}", flush=True)
    rows, done, skipped = [], [], []
    with Parallel(n_jobs=args.n_jobs, verbose=5) as parallel:
        for name in names:  # one data set at a time, its (seed, fold) grid in parallel
            if args.time_limit and (time.time() - t0) / 60 > args.time_limit:
                skipped.append(name)
                continue
            parts = parallel(
                delayed(run_fold)(name, data, s, f, args.folds, args.arms, gan)
                for s in args.seeds for f in range(args.folds)
            )
            rows += [r for part in parts for r in part]
            done.append(name)
            print(f"[{time.strftime('%H:%M:%S')}] {name} done", flush=True)
            write(args, rows, done, skipped, started, t0, load0, gan)
    write(args, rows, done, skipped, started, t0, load0, gan, final=True)


def write(args, rows, done, skipped, started, t0, load0, gan, final: bool = False) -> None:
    """Summarise the rows so far and write JSON + markdown (after every data set)."""
    from ganaug_bench.record import versions

    names = done
    df = pd.DataFrame(rows)
    errors = [r for r in rows if "error" in r and isinstance(r.get("error"), str)]
    summary = summarise(df, args.arms)
    rev = args.code_version
    report = {
        "command": args.command,
        "started": started, "finished": time.strftime("%Y-%m-%d %H:%M", time.gmtime()),
        "wall_minutes": (time.time() - t0) / 60,
        "complete": final,
        "datasets_not_run": skipped,
        "config": {"datasets": names, "folds": args.folds, "seeds": args.seeds,
                   "epochs": args.epochs, "steps": args.steps, "defaults": args.defaults,
                   "gan_params": json.loads(args.gan_params),
                   "batch_size": args.batch_size, "width": args.width or None,
                   "numeric_as_mixed": args.numeric_as_mixed, "arms": args.arms,
                   "classifiers": CLASSIFIERS, "metrics": METRICS,
                   "n_jobs": args.n_jobs},
        "scope_note": args.scope_note,
        "machine": {"cpus": os.cpu_count(), "loadavg_start": [round(x, 2) for x in load0],
                    "loadavg_end": [round(x, 2) for x in os.getloadavg()],
                    "platform": platform.platform(), "processor": platform.processor(),
                    # floating-point results differ between CPUs and library builds
                    "versions": versions("pandas", "imblearn"), "note": args.note},
        "code_version": rev,
        "errors": errors,
        "ranks": summary["ranks"],
        "versus_smote": summary["versus_smote"],
        "mean": [{"dataset": d, "classifier": c, "arm": a, **v}
                 for (d, c, a), v in summary["mean"].to_dict("index").items()],
        "rows": [r for r in rows if "error" not in r or not isinstance(r.get("error"), str)],
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tabular_oversampling.json").write_text(json.dumps(report, indent=1, default=float))
    md = markdown(report, summary, args.arms)
    (out / "tabular_oversampling.md").write_text(md)
    if final:
        print(md)


def render(path: str) -> None:
    """Rebuild the markdown report beside a result JSON from its rows (no re-run)."""
    report = json.loads(Path(path).read_text())
    arms = report["config"]["arms"]
    summary = summarise(pd.DataFrame(report["rows"] + report.get("errors", [])), arms)
    Path(path).with_suffix(".md").write_text(markdown(report, summary, arms))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--render"]:  # python tabular_oversampling.py --render FILE.json
        for file in sys.argv[2:]:
            render(file)
    else:
        main()

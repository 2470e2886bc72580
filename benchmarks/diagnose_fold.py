"""Why an arm fails on a table: one (data set, seed, fold) of the tabular suite, looked into.

For each arm it resamples the training fold as ``tabular_oversampling.py`` does, fits the
suite's classifiers and records, besides the four scores, the test fold's true and false
positives, and where the synthetic minority rows sit against the real ones: per numeric
column, the share of synthetic minority values outside the real minority's 5-95 %
range (about 10 % for rows drawn like the real ones) and their quartiles. A diagnosis,
not a selection: nothing here chooses a default. Lines go to
``benchmarks/results/diagnosis/<data set>_fold.jsonl`` (with command, date, device and
code version) and the markdown next to it is rebuilt from all lines::

    python benchmarks/diagnose_fold.py thyroid_sick --arms ros rose smote cgan \\
        --gan-params '{"max_steps": 1}' --note "untrained generator"
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.tabular_oversampling import (  # noqa: E402
    CLASSIFIERS,
    DEFAULT_DATA,
    fit_predict,
    resample,
    scored_fold,
    scores,
    split_fold,
)
from ganaug_bench.markdown import table  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "diagnosis"


def placement(real: pd.DataFrame, synth: pd.DataFrame) -> dict:
    """Per numeric column: synthetic minority values outside the real 5-95 % range."""
    out = {}
    for c in real.columns:
        r = pd.to_numeric(real[c], errors="coerce").dropna().to_numpy(float)
        s = pd.to_numeric(synth[c], errors="coerce").dropna().to_numpy(float)
        if len(r) < 2 or len(s) == 0:
            continue
        lo, hi = np.quantile(r, [0.05, 0.95])
        out[c] = {"outside_real_5_95": float(np.mean((s < lo) | (s > hi))),
                  "real_quartiles": np.quantile(r, [0.25, 0.5, 0.75]).round(4).tolist(),
                  "synthetic_quartiles": np.quantile(s, [0.25, 0.5, 0.75]).round(4).tolist()}
    return out


def diagnose(name: str, data: Path, seed: int, fold: int, folds: int, arms: list[str],
             gan_kw: dict) -> list[dict]:
    Xtr, ytr, Xte, yte, levels = split_fold(name, data, seed, fold, folds)
    num = [c for c in Xtr.columns if c not in levels]
    rows = []
    for arm in arms:
        Xr, yr = resample(arm, Xtr, ytr, seed, gan_kw if arm in ("gan", "cgan") else {})
        Xr, yr = pd.DataFrame(Xr, columns=Xtr.columns), np.asarray(yr).astype(int)
        # every arm keeps the training rows first and appends the new ones
        synth = Xr.iloc[len(Xtr):][yr[len(Xtr):] == 1]
        where = placement(Xtr.loc[ytr == 1, num], synth[num])
        for clf_name in CLASSIFIERS:
            proba = fit_predict(clf_name, Xtr, Xr, yr, scored_fold(arm, Xte, Xtr), levels,
                                seed)
            pred = (proba >= 0.5).astype(int)
            rows.append({
                "dataset": name, "seed": seed, "fold": fold, "arm": arm,
                "classifier": clf_name, **scores(yte, pred, proba),
                "tp": int(((pred == 1) & (yte == 1)).sum()),
                "fp": int(((pred == 1) & (yte == 0)).sum()),
                "fn": int(((pred == 0) & (yte == 1)).sum()),
                "synthetic_minority_rows": len(synth), "placement": where,
            })
    return rows


def render(log: Path) -> None:
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.strip()]
    cols = sorted({c for r in lines for c in r["placement"]})
    rows = [[f"`{r['arm']}`", r["classifier"], r["note"], f"{r['balanced_accuracy']:.3f}",
             f"{r['minority_f1']:.3f}", r["tp"], r["fp"], r["fn"],
             *[f"{r['placement'][c]['outside_real_5_95']:.2f}" if c in r["placement"]
               else "" for c in cols], r["code_version"][:7]] for r in lines]
    first = lines[0]
    md = [f"# Fold diagnosis: {first['dataset']}, seed {first['seed']}, fold {first['fold']}",
          "", "One test fold of the tabular suite, looked into (a diagnosis: nothing here "
          "selects a default). TP / FP / FN: the test fold's minority rows found, "
          "majority rows called minority, minority rows missed. Columns after FN: per "
          "numeric column, the share of synthetic minority values outside the real "
          "training minority's 5-95 % range (about 0.10 for rows drawn like the real "
          "ones). Quartiles, commands, dates and versions are in the `.jsonl` file.", "",
          table(["arm", "classifier", "note", "bal. acc.", "minority F1", "TP", "FP", "FN",
                 *[f"{c} outside" for c in cols], "code"], rows)]
    log.with_suffix(".md").write_text("\n".join(md) + "\n")
    print(log.with_suffix(".md").read_text())


def main() -> None:
    from ganaug_bench.record import command_line, run_record

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dataset")
    ap.add_argument("--arms", nargs="+", default=["ros", "rose", "smote", "cgan"])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fold", type=int, default=0)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--gan-params", default="{}", help="JSON keyword arguments of the GAN")
    ap.add_argument("--class-filter", choices=["default", "hgb", "off"], default="default",
                    help="the GAN's class_filter: its default, a class-balanced "
                    "HistGradientBoostingClassifier, or off")
    ap.add_argument("--note", default="")
    ap.add_argument("--data", default=str(DEFAULT_DATA),
                    help="folder of the tabular CSVs (default: $GANAUG_DATA/tabular, "
                         "else shared/data/tabular beside the checkout)")
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    run = run_record(command_line(), "cpu")
    base = {"command": run["command"], "date": run["date"], "code_version": run["git_commit"],
            "versions": run["versions"], "note": args.note}
    gan_kw = json.loads(args.gan_params)
    if args.class_filter == "hgb":
        from sklearn.ensemble import HistGradientBoostingClassifier

        gan_kw["class_filter"] = HistGradientBoostingClassifier(class_weight="balanced")
    elif args.class_filter == "off":
        gan_kw["class_filter"] = False
    base["class_filter"] = args.class_filter
    rows = diagnose(args.dataset, Path(args.data), args.seed, args.fold, args.folds,
                    args.arms, gan_kw)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"{args.dataset}_fold.jsonl"
    with log.open("a") as f:
        for r in rows:
            f.write(json.dumps({**base, **r}) + "\n")
    render(log)


if __name__ == "__main__":
    main()

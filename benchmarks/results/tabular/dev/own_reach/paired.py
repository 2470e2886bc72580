"""Paired differences of the own-reach runs against their control, per metric and data
set (same seeds, folds and classifiers), with the standard error over cells; the
multi-class runs the same way.

Run: ``python benchmarks/results/tabular/dev/own_reach/paired.py > <out>.md``
"""
import json
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
MULTI = HERE.parents[1] / "multiclass_dev"


def rows(path: Path) -> pd.DataFrame:
    return pd.DataFrame(json.loads(path.read_text())["rows"])


def paired(control: Path, run: Path, metrics: list[str]) -> list[str]:
    a, b = rows(control), rows(run)
    key = ["dataset", "seed", "fold", "classifier", "arm"]
    m = a.merge(b, on=key, suffixes=("_a", "_b"))
    out = []
    for met in metrics:
        d = 100 * (m[met + "_b"] - m[met + "_a"])
        per = ", ".join(f"{k} {v:+.2f}" for k, v in d.groupby(m["dataset"]).mean().items())
        out.append(f"| `{run.parent.name}/{run.name}` | {met} | {d.mean():+.2f} | "
                   f"{d.std(ddof=1) / np.sqrt(len(d)):.2f} | {len(d)} | {per} |")
    return out


print("# The class reach from a narrow class's own spread: paired development runs\n")
print("Command: `python benchmarks/results/tabular/dev/own_reach/paired.py`. Run minus "
      "control, in points (x100), over the (data set, seed, fold, classifier) cells.\n")
print("| run | metric | mean difference | standard error | cells | per data set |")
print("|---|---|---|---|---|---|")
for run in ("every_narrower", "four_times_narrower", "not_below_range"):
    for line in paired(HERE / "control" / "tabular_oversampling.json",
                       HERE / run / "tabular_oversampling.json",
                       ["balanced_accuracy", "g_mean", "minority_f1", "average_precision"]):
        print(line.replace(f"`{run}/tabular_oversampling.json`", f"`{run}`"))
for line in paired(HERE / "four_times_narrower" / "tabular_oversampling.json",
                   HERE / "redraw_past_bounds" / "tabular_oversampling.json",
                   ["balanced_accuracy", "g_mean", "minority_f1", "average_precision"]):
    print(line.replace("`redraw_past_bounds/tabular_oversampling.json`",
                       "`redraw_past_bounds` (against four_times_narrower)"))
for line in paired(MULTI / "own_reach_control" / "tabular_multiclass.json",
                   MULTI / "own_reach_four_times" / "tabular_multiclass.json",
                   ["balanced_accuracy", "macro_f1", "rare_recall"]):
    print(line.replace("`own_reach_four_times/tabular_multiclass.json`",
                       "`multiclass_dev/own_reach_four_times`"))

"""Paired differences between benchmark runs of the same cells (development decisions).

Two result files of ``tabular_oversampling.py`` or ``tabular_multiclass.py`` that share
(data set, seed, fold, classifier, arm) cells, or two ``results.json`` of ``ganaug bench``
(seed, arm): the mean difference of each metric (run minus control, points), its
standard error over the cells, and the mean per data set (per arm for ``ganaug bench``)::

    python benchmarks/paired_runs.py CONTROL.json RUN.json [RUN.json ...] [--arm ARM]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

KEY = ["dataset", "seed", "fold", "classifier", "arm"]
#: metrics compared when present in both files
METRICS = ["balanced_accuracy", "g_mean", "minority_f1", "average_precision", "macro_f1",
           "rare_recall", "tail_recall"]
HEAD = ("| run | metric | mean difference | standard error | cells | per data set |\n"
        "|---|---|---|---|---|---|")


def rows(path: Path) -> pd.DataFrame:
    """The per-cell rows of one result file (``ganaug bench``'s per-seed ``runs``)."""
    data = json.loads(Path(path).read_text())
    return pd.DataFrame(data["rows"] if "rows" in data else data["runs"])


def paired(control: Path, run: Path, name: str | None = None,
           arm: str | None = None) -> list[str]:
    """Markdown table rows: ``run`` minus ``control`` per metric, over shared cells (of
    one ``arm`` when given)."""
    a, b = rows(control), rows(run)
    if arm is not None:
        a, b = a[a["arm"] == arm], b[b["arm"] == arm]
    m = a.merge(b, on=[k for k in KEY if k in a and k in b], suffixes=("_a", "_b"))
    group = m["dataset"] if "dataset" in m else m["arm"]
    label = name or Path(run).parent.name
    out = []
    for met in [x for x in METRICS if x in a and x in b]:
        d = 100 * (m[met + "_b"] - m[met + "_a"])
        per = ", ".join(f"{k} {v:+.2f}" for k, v in d.groupby(group).mean().items())
        out.append(f"| `{label}` | {met} | {d.mean():+.2f} | "
                   f"{d.std(ddof=1) / np.sqrt(len(d)):.2f} | {len(d)} | {per} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("control")
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--arm", help="only this arm's cells")
    args = ap.parse_args()
    print(HEAD)
    for run in args.runs:
        print("\n".join(paired(Path(args.control), Path(run), arm=args.arm)))


if __name__ == "__main__":
    main()

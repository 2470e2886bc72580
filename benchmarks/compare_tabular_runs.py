"""Side-by-side summary of several tabular-suite runs (``tabular_oversampling.py`` JSONs).

For development runs that each hold one GAN variant: for every run and metric, the mean
difference of its GAN arms (``gan``, ``cgan``) to SMOTE over the (data set, classifier)
cells, with the classical arms of the first run that has them as references. The runs must cover the
same data sets, folds and seeds (checked). Writes Markdown to stdout or ``--out``::

    python benchmarks/compare_tabular_runs.py benchmarks/results/tabular/dev/*/ \\
        --out benchmarks/results/tabular/dev/README.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.tabular_oversampling import METRICS  # noqa: E402
from ganaug_bench.markdown import table  # noqa: E402


def _cells(rows: list[dict], arm: str) -> dict:
    """``{(data set, classifier): {metric: mean over folds x seeds}}`` of one arm."""
    out: dict = {}
    for r in rows:
        if r["arm"] == arm:
            out.setdefault((r["dataset"], r["classifier"]), []).append(r)
    return {k: {m: float(np.mean([r[m] for r in v])) for m in METRICS} for k, v in out.items()}


def compare(folders: list[Path]) -> str:
    """The Markdown summary of the runs in ``folders`` (see the module docstring)."""
    runs = [(f.name, json.loads((f / "tabular_oversampling.json").read_text()))
            for f in folders]
    setups = {(tuple(sorted(r["config"]["datasets"])), r["config"]["folds"],
               tuple(r["config"]["seeds"])) for _, r in runs}
    if len(setups) != 1:
        raise SystemExit(f"The runs differ in data sets, folds or seeds: {sorted(setups)}")
    failed = [name for name, r in runs if r.get("errors")]
    if failed:  # their cell means would cover other folds than the other runs': unpaired
        raise SystemExit(f"Runs with failed folds cannot be compared cell by cell: {failed}.")
    smote = next((_cells(r["rows"], "smote") for _, r in runs
                  if any(x["arm"] == "smote" for x in r["rows"])), None)
    if smote is None:
        raise SystemExit("No run has a smote arm to compare with.")
    lines = []
    classical = next(r for _, r in runs if any(x["arm"] == "smote" for x in r["rows"]))
    arms = [(name, arm, r) for name, r in runs for arm in ("gan", "cgan")
            if any(x["arm"] == arm for x in r["rows"])] + [
        (arm, arm, classical) for arm in ("ros", "rose")
        if any(x["arm"] == arm for x in classical["rows"])]
    for name, arm, r in arms:
        cells = _cells(r["rows"], arm)
        diff = {m: np.mean([cells[k][m] - smote[k][m] for k in smote]) for m in METRICS}
        wins = sum(cells[k][m] - smote[k][m] > 0.001 for k in smote for m in METRICS)
        losses = sum(cells[k][m] - smote[k][m] < -0.001 for k in smote for m in METRICS)
        what = (f"`{name}` ({arm}; {r['scope_note']}"
                + (f"; knobs {r['config'].get('ablation_env')}"
                   if r["config"].get("ablation_env") else "")
                + f"; gan params {r['config'].get('gan_params') or {}}"
                + f"; code {str(r['code_version'])[:7]})")
        lines.append([what, *(f"{100 * diff[m]:+.2f}" for m in METRICS),
                      f"{wins} / {losses}"])
    datasets, folds, seeds = next(iter(setups))
    head = ["run (arm)", *(f"{m} vs SMOTE (points)" for m in METRICS), "cells won / lost"]
    return "\n".join([
        "# Tabular development runs side by side", "",
        f"Data sets: {', '.join(datasets)}; {folds}-fold CV x seeds {list(seeds)}. Mean "
        "difference to SMOTE over (data set, classifier) cells, in points (x100); cells "
        "are (data set, classifier, metric), a tie is |difference| <= 0.001. Written by "
        "`python benchmarks/compare_tabular_runs.py " + " ".join(
            str(f.relative_to(ROOT)) if f.is_relative_to(ROOT) else str(f)
            for f in folders) + "`.", "",
        table(head, lines), ""])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="+", type=Path)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    text = compare([f.resolve() for f in args.folders])
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()

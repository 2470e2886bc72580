"""Paired differences between two designs of the digits ablation, over their common seeds.

``digits_lt_cv.md`` compares every design with ROSE; a design is often better judged
against another (a prototype against the library design it changes). Each comparison in
``pairs.json`` names two sets of rows of ``digits_lt_cv.jsonl`` by design and by text in
their note (``|`` separates alternatives: rows of two runs that together cover the
seeds)::

    [{"label": "untrained generator vs trained",
      "a": {"design": "cgan:max_steps=1", "note": "1 generator step"},
      "b": {"design": "cgan", "note": "adopted design (control|as a paired control"}}]

and the table (mean difference in points with a 95 % t-interval, seeds in common) is
written to ``pairs.md``::

    python benchmarks/ablation_pairs.py
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

from benchmarks.oversampling_ablation import read_log  # noqa: E402
from ganaug_bench.markdown import table  # noqa: E402
from ganaug_bench.stats import paired_difference  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "ablation"


def scores(lines: list[dict], sel: dict) -> dict[int, float]:
    """``{seed: CV balanced accuracy}`` of the rows a selector names (a later row of the
    same run, design and note, replaces an earlier one).

    A seed that rows of two different runs (notes) with different scores match is
    refused: a selector's text found in another run's note too had mixed that run's
    rows into the comparison (runs of a deterministic design that agree, as ROSE's, may
    share seeds).
    """
    notes = sel.get("note", "").split("|")
    runs: dict[int, dict[str, float]] = {}  # seed -> {note: its latest score}
    for r in lines:
        if (r.get("design") == sel["design"] and "cv_balanced_accuracy" in r
                and any(n in r.get("note", "") for n in notes)):
            runs.setdefault(r["seed"], {})[r.get("note", "")] = r["cv_balanced_accuracy"]
    for seed, by_note in runs.items():
        if len(set(by_note.values())) > 1:
            raise SystemExit(
                f"Selector {sel} matches runs that disagree for seed {seed}:\n  "
                + "\n  ".join(repr(n) for n in by_note) + "\nMake its note text specific "
                "to one.")
    return {seed: next(iter(by_note.values())) for seed, by_note in runs.items()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=str(OUT))
    args = ap.parse_args()
    folder = Path(args.dir)
    lines = read_log(folder)
    rows = []
    for pair in json.loads((folder / "pairs.json").read_text()):
        a, b = scores(lines, pair["a"]), scores(lines, pair["b"])
        common = sorted(set(a) & set(b))
        if len(common) < 2:
            raise SystemExit(f"{pair['label']!r}: fewer than 2 seeds in common")
        d = paired_difference([a[s] for s in common], [b[s] for s in common])
        rows.append([pair["label"], len(common), f"{np.mean([a[s] for s in common]):.4f}",
                     f"{np.mean([b[s] for s in common]):.4f}",
                     f"{100 * d['mean']:+.2f} [{100 * d['ci_low']:+.2f}, "
                     f"{100 * d['ci_high']:+.2f}]"])
    md = ["# Digits ablation: designs against each other", "",
          "Paired over the development seeds both designs ran (training-split CV balanced "
          "accuracy, `digits_lt_cv.jsonl`); difference A - B in points with a 95 % "
          "t-interval. Written by `python benchmarks/ablation_pairs.py` from "
          "`pairs.json`.", "",
          table(["comparison (A vs B)", "seeds", "A", "B", "A - B, points [95 % CI]"], rows)]
    (folder / "pairs.md").write_text("\n".join(md) + "\n")
    print((folder / "pairs.md").read_text())


if __name__ == "__main__":
    main()

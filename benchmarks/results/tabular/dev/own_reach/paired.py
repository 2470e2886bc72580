"""Paired differences of the own-reach runs against their control, per metric and data
set (same seeds, folds and classifiers), with the standard error over cells; the
multi-class runs the same way (:mod:`benchmarks.paired_runs`).

Run: ``python benchmarks/results/tabular/dev/own_reach/paired.py > <out>.md``
"""
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
MULTI = HERE.parents[1] / "multiclass_dev"
sys.path.insert(0, str(HERE.parents[4]))

from benchmarks.paired_runs import HEAD, paired  # noqa: E402

FILE = "tabular_oversampling.json"
print("# The class reach from a narrow class's own spread: paired development runs\n")
print("Command: `python benchmarks/results/tabular/dev/own_reach/paired.py`. Run minus "
      "control, in points (x100), over the (data set, seed, fold, classifier) cells.\n")
print(HEAD)
for run in ("every_narrower", "four_times_narrower", "not_below_range"):
    print("\n".join(paired(HERE / "control" / FILE, HERE / run / FILE, run)))
print("\n".join(paired(HERE / "four_times_narrower" / FILE, HERE / "redraw_past_bounds" / FILE,
                       "redraw_past_bounds (against four_times_narrower)")))
print("\n".join(paired(MULTI / "own_reach_control" / "tabular_multiclass.json",
                       MULTI / "own_reach_four_times" / "tabular_multiclass.json",
                       "multiclass_dev/own_reach_four_times")))

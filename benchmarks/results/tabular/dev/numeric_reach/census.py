"""Which recorded benchmarks the numeric narrow-class reach would touch: per data set,
how many of the training splits the benchmark fits on hold a class of 20+ rows whose
upper 99 % bound of its own standard deviation is under a quarter of the pooled one in
some column (standardised units), i.e. where the prototype (branch ``numeric-reach``,
``5c08f52``) sets a bound. Mixed tables are counted as such (they have the class reach
already). A split that gets a bound may still sample the same rows (a bound that no new
value crosses). No GAN is fitted; the CIFAR-10 track (features) is not covered.

Run: ``python benchmarks/results/tabular/dev/numeric_reach/census.py > census.md``
"""
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

ROOT = Path(__file__).resolve().parents[5]
sys.path.insert(0, str(ROOT))

from benchmarks import other_data, tabular_multiclass  # noqa: E402
from benchmarks.tabular_oversampling import DEFAULT_DATA, split_fold  # noqa: E402
from ganaug.data import NumericEncoder  # noqa: E402
from ganaug.data.anchors import NARROW_FACTOR, TRUSTED_ROWS, variance_upper  # noqa: E402
from ganaug.datasets import load_digits_long_tailed  # noqa: E402

warnings.filterwarnings("ignore")
CORE = ["glass", "ecoli", "pima", "vehicle", "oil_spill", "german_credit", "yeast",
        "wine_quality_red", "car_eval", "us_crime", "thyroid_sick", "abalone",
        "wine_quality_white", "page_blocks", "optdigits", "pendigits", "mammography",
        "credit_card_default", "adult", "bank_marketing"]


def bounded(X, y) -> bool | None:
    """Whether the rule bounds some class in some column; None for a mixed table."""
    if isinstance(X, pd.DataFrame) and (X.select_dtypes(exclude="number").shape[1]
                                        or X.isna().any().any()):
        return None
    E = np.asarray(NumericEncoder().fit(X).transform(np.asarray(X, dtype=np.float64)),
                   dtype=np.float64)
    codes = np.unique(y, return_inverse=True)[1]
    parts = [E[codes == c] for c in np.unique(codes)]
    dev = np.concatenate([p - p.mean(0) for p in parts])
    pooled = 2.0 * np.sqrt((dev**2).sum(0) / max(len(E) - len(parts), 1))
    for p in parts:
        if len(p) >= TRUSTED_ROWS:
            own = 2.0 * np.sqrt(variance_upper(p))
            if ((np.ptp(p, axis=0) > 0) & (own > 0) & (own < pooled / NARROW_FACTOR)).any():
                return True
    return False


def line(bench: str, name: str, splits: list) -> str:
    if any(s is None for s in splits):
        return f"| {bench} | {name} | mixed table |"
    return f"| {bench} | {name} | {sum(splits)} / {len(splits)} |"


def main() -> None:
    data = Path(DEFAULT_DATA)
    print("# Where a numeric narrow-class reach would set bounds\n")
    print("Command: `python benchmarks/results/tabular/dev/numeric_reach/census.py`.\n")
    print("| benchmark | data set | training splits with a bound |\n|---|---|---|")
    for name in CORE:
        print(line("core tables", name, [bounded(*split_fold(name, data, s, f, 5)[:2])
                                         for s in range(3) for f in range(5)]))
    for name in tabular_multiclass.DATASETS:
        X, y, _ = tabular_multiclass.load(name, data, 10)
        splits = []
        for s in range(3):
            for tr, _te in StratifiedKFold(5, shuffle=True, random_state=s).split(X, y):
                splits.append(bounded(X.iloc[tr], y[tr]))
        print(line("multi-class", name, splits))
    for name in other_data.DATASETS:
        splits = []
        for s in range(3):
            X, y = other_data.dataset(name, s)
            y = np.unique(y, return_inverse=True)[1]
            for tr, _te in StratifiedKFold(3, shuffle=True, random_state=s).split(X, y):
                splits.append(bounded(X[tr], y[tr]))
        print(line("other_data", name, splits))
    splits = [bounded(*load_digits_long_tailed(20, random_state=s)[0]) for s in range(50)]
    print(line("main job (digits-LT, seeds 0-49)", "digits", splits))


if __name__ == "__main__":
    main()

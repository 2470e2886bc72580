"""Costs of the default cGAN that bug hunts found and the README states, measured.

1. ``check_fit``: many rare classes beside one big class. The class check's class-balanced
   logistic regression needs many iterations there (it is fitted on at most 200,000 /
   classes rows since 0bdabc6; on all 30,100 rows it took about 46 s); the fit is timed
   with the check off, on (the default) and with ``time_budget=1`` (which bounds the
   training, not the check).
2. ``reach_outlier``: a mixed table (one category column) whose single minority row has
   an extreme value (1e6) in one column; the class reach margin (2 pooled within-class
   standard deviations in the column's units) widens with it, so the majority's new
   rows reach far beyond the majority's own values.
3. ``many_classes``: 400 classes of 30 rows (5 columns, Gaussian blobs). The class check
   compared a class-balanced RBF SVC with the logistic check (the SVC's one-against-one
   SVMs grow with the square of the classes, in the fit and in every checked row);
   since f4ea433 it stays logistic beyond 50 classes. Fit and ``sample(2000)`` seconds,
   with the check and without, and which check was chosen.

Writes ``known_costs.json`` and ``known_costs.md`` (command, date, device, code
version) into ``--out``::

    python benchmarks/known_costs.py --out benchmarks/results/known_costs
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))


def check_fit() -> list[dict]:
    """Fit seconds of the default cGAN on one 30,000-row class and 99 of 1-3 rows."""
    from ganaug import ConditionalGANAugmenter

    rng = np.random.RandomState(0)
    sizes = [30000] + [1 + k % 3 for k in range(1, 100)]
    X = np.vstack([rng.normal(loc=rng.normal(scale=3, size=5), size=(m, 5)) for m in sizes])
    y = np.repeat(np.arange(100), sizes)
    out = []
    for kw in ({"class_filter": False}, {}, {"time_budget": 1.0}):
        t = time.perf_counter()
        ConditionalGANAugmenter(random_state=0, **kw).fit(X, y)
        out.append({"params": kw, "fit_seconds": time.perf_counter() - t})
    return out


def reach_outlier() -> list[dict]:
    """The majority's new values of a column, without and with a 1e6 in a minority row."""
    import pandas as pd

    from ganaug import ConditionalGANAugmenter

    rng = np.random.RandomState(0)
    n = 2000
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=list("abc"))
    X["cat"] = rng.choice(list("pq"), n)
    y = (np.arange(n) < 40).astype(int)  # rows 0-39: the minority
    out = []
    for outlier in (None, 1e6):
        Xi = X.copy()
        if outlier is not None:
            Xi.loc[0, "c"] = outlier
        new, _ = ConditionalGANAugmenter(random_state=0).fit(Xi, y).sample(5000, y=0)
        real_max = float(Xi.c[y == 0].max())
        out.append({"minority_outlier": outlier, "majority_real_max": real_max,
                    "majority_new_max": float(new.c.max()),
                    "new_rows_above_real_max": int((new.c > real_max).sum()),
                    "new_rows_above_100": int((new.c > 100).sum()), "new_rows": 5000})
    return out


def many_classes() -> list[dict]:
    """Fit and sampling seconds with 400 classes of 30 rows, check on and off."""
    from ganaug import ConditionalGANAugmenter

    rng = np.random.RandomState(0)
    y = np.repeat(np.arange(400), 30)
    X = rng.normal(size=(len(y), 5)) + 3 * rng.normal(size=(400, 5))[y]
    out = []
    for kw in ({"class_filter": False}, {}):
        t = time.perf_counter()
        aug = ConditionalGANAugmenter(random_state=0, **kw).fit(X, y)
        fit_s = time.perf_counter() - t
        t = time.perf_counter()
        aug.sample(2000)
        out.append({"params": kw, "fit_seconds": fit_s,
                    "sample_2000_seconds": time.perf_counter() - t,
                    "check": type(aug._class_judge).__name__ if kw == {} else "off"})
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "known_costs"))
    args = ap.parse_args()
    import torch

    from ganaug_bench.record import run_record

    torch.set_num_threads(1)
    record = {**run_record(None, "cpu"), "check_fit": check_fit(),
              "reach_outlier": reach_outlier(), "many_classes": many_classes()}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "known_costs.json").write_text(json.dumps(record, indent=1, default=str))
    fits = "; ".join(f"{r['params'] or 'defaults'}: {r['fit_seconds']:.1f} s"
                     for r in record["check_fit"])
    reach = "; ".join(
        f"minority outlier {r['minority_outlier']}: the majority's values end at "
        f"{r['majority_real_max']:.2f}, its new rows reach {r['majority_new_max']:.1f} "
        f"({r['new_rows_above_real_max']} of {r['new_rows']} above its maximum, "
        f"{r['new_rows_above_100']} above 100)" for r in record["reach_outlier"])
    many = "; ".join(
        f"{r['params'] or 'defaults'}: fit {r['fit_seconds']:.1f} s, sample(2000) "
        f"{r['sample_2000_seconds']:.2f} s (check: {r['check']})"
        for r in record["many_classes"])
    (out / "known_costs.md").write_text(
        "# Known costs of the default cGAN, measured\n\n"
        f"Command `{record['command']}`, {record['date']}, CPU "
        f"({record['device'].get('name')}, {record['device'].get('cpu_count')} cores, torch "
        f"1 thread, load average {record['device'].get('load_average_1m')} at the start), "
        f"commit {record['git_commit']}; the estimator at its defaults except the "
        "setting named.\n\n"
        f"- Fit, one class of 30,000 rows and 99 of 1-3 rows (5 columns): {fits}.\n"
        f"- Mixed table of 2,000 rows, 40 of them the minority: {reach}.\n"
        f"- 400 classes of 30 rows (5 columns): {many}.\n")
    print((out / "known_costs.md").read_text())


if __name__ == "__main__":
    main()

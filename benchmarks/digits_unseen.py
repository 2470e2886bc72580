"""The main job's protocol on digits the design work never saw.

Every design of the cGAN was screened by cross-validation on long-tailed splits of
scikit-learn's digits (development seeds 100-159,
``benchmarks/oversampling_ablation.py``). Those splits never score the main job's test
half of the same seed, but together they hold almost all 1,797 rows, so the main job's
test rows of one seed were training or held-out rows of some screen (a protocol audit
counted 94-95 % per seed). This benchmark runs the main job's protocol on rows no screen
has seen: the UCI optdigits rows that are not in scikit-learn's digits (other writers, the
same 8 x 8 format), drawn per seed with digits' class counts.

Per seed ``s`` (seeds fixed before the run: 0-19): 1,797 of those rows with digits' class
counts (``RandomState(1000 + s)``), a stratified half-and-half split
(``random_state=s``), the training half made long-tailed (ratio 20, as ``ganaug bench``);
every arm of the main job at its defaults in ``Pipeline([sampler, SVC()])``; balanced
accuracy on the test half, and the balanced ceiling (the same SVC on the whole training
half). The best GAN arm against the best classical arm: paired 95 % t-intervals
(:func:`ganaug_bench.digits.compare_best`)::

    python benchmarks/digits_unseen.py --out benchmarks/results/digits_unseen

``--data`` (default ``$GANAUG_DATA``, else ``../shared/data``) is the folder holding
``tabular/optdigits.csv``.
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

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

SEEDS = tuple(range(20))


def unseen_rows(data: Path) -> tuple[np.ndarray, np.ndarray]:
    """The optdigits rows (features, labels) that are not rows of scikit-learn's digits."""
    import pandas as pd
    from sklearn.datasets import load_digits

    frame = pd.read_csv(data / "tabular" / "optdigits.csv")
    y = frame.pop("target").to_numpy().astype(int)
    X = frame.to_numpy(dtype=np.float64)
    known = {row.tobytes() for row in load_digits().data.astype(np.float64)}
    fresh = np.array([row.tobytes() not in known for row in X])
    return X[fresh], y[fresh]


def run(data: Path, seeds=SEEDS, verbose: bool = True) -> dict:
    """Every main-job arm and the ceiling on each seed's draw of unseen rows."""
    from imblearn.pipeline import Pipeline
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.svm import SVC

    from ganaug.datasets import make_long_tailed
    from ganaug_bench.digits import (
        ARMS,
        CEILING,
        GAN_PARAMS,
        IMBALANCE_RATIO,
        compare_best,
        make_sampler,
        score,
        tail_classes,
    )
    from ganaug_bench.record import run_record

    X_all, y_all = unseen_rows(data)
    counts = np.bincount(load_digits().target)
    record = {**run_record(None, "cpu"), "n_unseen_rows": int(len(y_all)),
              "unseen_class_counts": np.bincount(y_all).tolist(), "seeds": list(seeds),
              "arms": list(ARMS), "runs": []}
    for seed in seeds:
        rs = np.random.RandomState(1000 + seed)
        idx = np.concatenate([rs.choice(np.flatnonzero(y_all == c), counts[c], replace=False)
                              for c in range(len(counts))])
        X_tr, X_te, y_tr, y_te = train_test_split(X_all[idx], y_all[idx], test_size=0.5,
                                                  stratify=y_all[idx], random_state=seed)
        X_lt, y_lt = make_long_tailed(X_tr, y_tr, IMBALANCE_RATIO, seed)
        tail = tail_classes(y_lt)
        ceiling = SVC().fit(X_tr, y_tr).predict(X_te)
        record["runs"].append({"seed": seed, "arm": CEILING, **score(y_te, ceiling, tail)})
        for arm in ARMS:
            sampler = make_sampler(arm, seed, {**GAN_PARAMS, "device": "cpu"},
                                   int(np.bincount(y_lt).min()))
            steps = [("clf", SVC())] if sampler is None else [("aug", sampler), ("clf", SVC())]
            t0 = time.perf_counter()
            pipe = Pipeline(steps).fit(X_lt, y_lt)
            row = {"seed": seed, "arm": arm, **score(y_te, pipe.predict(X_te), tail),
                   "fit_seconds": time.perf_counter() - t0}
            record["runs"].append(row)
            if verbose:
                print(f"seed {seed:2d} {arm:24s} balanced accuracy "
                      f"{row['balanced_accuracy']:.4f}", flush=True)
    record["comparison"] = compare_best(record["runs"], ARMS)
    return record


def markdown(record: dict) -> str:
    """The record as a short report: mean per arm, and the best GAN arm's comparison."""
    from ganaug_bench.digits import ARMS, CEILING

    arms = [CEILING, *ARMS]
    lines = [
        "# The main job's protocol on digits the design work never saw", "",
        f"Command `{record['command']}`, {record['date']}, CPU "
        f"({record['device'].get('name')}, {record['device'].get('cpu_count')} cores), "
        f"commit {record['git_commit']}. Data: the {record['n_unseen_rows']:,} UCI optdigits "
        "rows that are not rows of scikit-learn's digits (other writers; no design screen "
        "has seen them), drawn per seed with digits' class counts; the main job's split, "
        "long tail (ratio 20), arms at their defaults and SVC; seeds "
        f"{record['seeds'][0]}-{record['seeds'][-1]}, fixed before the run.", "",
        "| arm | balanced accuracy | macro F1 | tail recall | fit s |", "|---|---|---|---|---|",
    ]
    for arm in arms:
        rows = [r for r in record["runs"] if r["arm"] == arm]
        fit = np.mean([r.get("fit_seconds", 0.0) for r in rows]) if arm != CEILING else None
        lines.append(
            f"| {arm} | {np.mean([r['balanced_accuracy'] for r in rows]):.4f} | "
            f"{np.mean([r['macro_f1'] for r in rows]):.4f} | "
            f"{np.mean([r['tail_recall'] for r in rows]):.4f} | "
            f"{'' if fit is None else f'{fit:.1f}'} |")
    comp = record["comparison"]
    if comp:
        lines += ["", f"The GAN arm ({comp['gan_arm']}) against the best classical arm "
                  f"({comp['classical_arm']}, chosen after the fact by mean balanced "
                  "accuracy), paired over seeds, points (x100):", ""]
        for metric in ("balanced_accuracy", "macro_f1", "tail_recall"):
            e = comp[metric]
            ci = "" if e["ci95"] is None else \
                f" [{100 * e['ci95'][0]:+.2f}, {100 * e['ci95'][1]:+.2f}]"
            share = e.get("share_of_ros_to_ceiling_gap_closed")
            lines.append(f"- {metric}: {100 * e['mean_difference']:+.2f}{ci} over {e['n']} "
                         "seeds" + ("" if share is None else
                                    f"; closes {100 * share:.0f} % of the ROS-to-ceiling gap"))
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    default_data = os.environ.get("GANAUG_DATA", str(ROOT.parent / "shared" / "data"))
    ap.add_argument("--data", default=default_data,
                    help="folder holding tabular/optdigits.csv (default: $GANAUG_DATA, "
                         "else ../shared/data)")
    ap.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "digits_unseen"))
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    warnings.filterwarnings("ignore", category=UserWarning)
    record = run(Path(args.data), args.seeds, verbose=not args.quiet)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "digits_unseen.json").write_text(json.dumps(record, indent=1, default=str))
    (out / "digits_unseen.md").write_text(markdown(record))
    print(markdown(record))


if __name__ == "__main__":
    main()

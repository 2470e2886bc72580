"""How far the default cGAN's synthetic rows move a class's category shares.

For each data set (binary target of the suite's ``minority_rule``; a stratified subsample
of ``--rows`` rows), ``ConditionalGANAugmenter(random_state=seed, **params)`` is fitted,
``--n`` rows of each class are sampled, and for every categorical column the total
variation distance between the class's real category shares and the synthetic ones is
computed (0: the same shares). Its mean over columns is recorded per class. A
diagnosis of fidelity, not a downstream score: nothing here chooses a default.

Lines go to ``benchmarks/results/category_shares/category_shares.jsonl`` (command, date,
device, code version, note, parameters) and the markdown next to it is rebuilt from all
lines::

    python benchmarks/category_shares.py --note "library default"
    python benchmarks/category_shares.py --params '{"class_filter": false}' --note "no check"
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.tabular_oversampling import DEFAULT_DATA, cat_cols, load  # noqa: E402
from ganaug_bench.markdown import table  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "category_shares"
DATASETS = ["adult", "bank_marketing", "solar_flare"]


def tvd(real: pd.Series, synth: pd.Series) -> float:
    """Total variation distance between two columns' category shares (missing included)."""
    p = real.astype(str).value_counts(normalize=True)
    q = synth.astype(str).value_counts(normalize=True)
    return float(0.5 * p.subtract(q, fill_value=0.0).abs().sum())


def measure(name: str, data: Path, rows: int, n: int, seed: int, params: dict) -> dict:
    """Mean category TVD per class of one fitted cGAN."""
    from sklearn.model_selection import train_test_split

    from ganaug import ConditionalGANAugmenter

    X, y = load(name, data)
    if len(X) > rows:
        X, _, y, _ = train_test_split(X, y, train_size=rows, stratify=y, random_state=seed)
        X = X.reset_index(drop=True)
    cats = cat_cols(X)
    est = ConditionalGANAugmenter(random_state=seed, **params).fit(X, y)
    out = {}
    for c in np.unique(y):
        synth = est.sample(n, y=np.full(n, c))
        synth = synth[0] if isinstance(synth, tuple) else synth
        real = X[y == c]
        out[int(c)] = float(np.mean([tvd(real[col], synth[col]) for col in cats]))
    return {"dataset": name, "categorical_columns": len(cats), "rows": len(X),
            "mean_tvd_per_class": out}


def render(out: Path) -> None:
    lines = [json.loads(x) for x in (out / "category_shares.jsonl").read_text().splitlines()
             if x.strip()]
    rows = [[r["date"][:16], r["note"], f"`{json.dumps(r['params'])}`", r["dataset"],
             " / ".join(f"{v:.4f}" for v in r["mean_tvd_per_class"].values()),
             str(r["code_version"])[:12]] for r in lines]
    text = "\n".join([
        "# Category shares of the default cGAN's synthetic rows",
        "",
        "Mean over categorical columns of the total variation distance between a class's "
        "real and synthetic category shares (class 0 / class 1; 0 = the same shares). "
        "Written by `benchmarks/category_shares.py` from `category_shares.jsonl`.",
        "",
        table(["date (UTC)", "note", "parameters", "data set", "mean TVD per class",
               "code"], rows),
        "",
    ])
    (out / "category_shares.md").write_text(text)


def main() -> None:
    import torch

    from ganaug_bench.record import command_line, run_record

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=DATASETS)
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--n", type=int, default=20000, help="synthetic rows per class")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--params", default="{}", help="JSON of estimator keyword arguments")
    ap.add_argument("--note", default="")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args()
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run = run_record(command_line(), "cpu")
    base = {"command": run["command"], "date": run["date"], "device": "cpu, 1 torch thread",
            "code_version": run["git_commit"], "note": args.note,
            "params": json.loads(args.params), "seed": args.seed}
    for name in args.datasets:
        row = {**base, **measure(name, Path(args.data), args.rows, args.n, args.seed,
                                 base["params"])}
        with (out / "category_shares.jsonl").open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(name, row["mean_tvd_per_class"], flush=True)
    render(out)


if __name__ == "__main__":
    main()

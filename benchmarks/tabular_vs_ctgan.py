"""ganaug vs CTGAN on mixed-type tables, side by side in one run (issue 5).

For each data set (Adult: its own test split; Bank Marketing: a stratified 80/20 split)
and each method, one fresh subprocess (so peak memory is per method) fits a generator
on the training rows (same epochs, same batch size), samples 100,000 rows, and reports

* fit wall time and the time to sample 100,000 rows (decoded DataFrame),
* peak resident memory of the process (and its resident memory before fitting),
* machine-learning efficacy: a HistGradientBoostingClassifier trained on as many
  synthetic rows as there are real training rows, tested on the real test split
  (balanced accuracy, F1 of the minority class); the same classifier on the real
  training rows is the reference,
* fidelity against the real training rows: per-column KS statistic (numeric) and
  total-variation distance (categorical), and the mean / max absolute difference of
  the numeric columns' correlation matrices.

ganaug is ``ConditionalGANAugmenter`` (the class is its conditioning input; rows are
sampled in the training class proportions); CTGAN models the target as one more
discrete column, as in its ML-efficacy protocol. CTGAN (Business Source License) is
used as an installed package only; it is not a dependency of ganaug. Its PyPI release
pins pandas<3, so it is installed without dependencies into a separate folder that is
put on ``PYTHONPATH`` of its subprocess only (see benchmarks/README_tabular.md)::

    pip install --no-deps --target /work/ctgan_site ctgan==0.12.1 rdt==2.0.0 Faker
    python benchmarks/tabular_vs_ctgan.py --epochs 10 --batch-size 500 \\
        --ctgan-site /work/ctgan_site

Results: ``benchmarks/results/tabular/tabular_vs_ctgan.{json,md}``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from ganaug.report import marginal_fidelity
from ganaug_bench.markdown import table
from ganaug_bench.record import memory_mb

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from benchmarks.tabular_oversampling import DEFAULT_DATA  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "tabular"
N_SAMPLE = 100_000


def load(name: str, data: Path, seed: int = 0, train_rows: int = 0
         ) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """Training and test DataFrames (features + 'target') and the minority label.

    ``train_rows`` > 0 keeps a stratified subsample of that many training rows (the
    same rows for every method); the test split is always whole.
    """
    train, test, minority = _split(name, data, seed)
    if 0 < train_rows < len(train):
        train, _ = train_test_split(train, train_size=train_rows, stratify=train["target"],
                                    random_state=seed)
        train = train.reset_index(drop=True)
    return train, test, minority


def _split(name: str, data: Path, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    manifest = json.loads((data / "MANIFEST.json").read_text())
    meta = {d["name"]: d for d in manifest["datasets"]}[name]
    minority = meta["minority_rule"]["value"]
    df = pd.read_csv(data / f"{name}.csv")
    df["target"] = df["target"].astype(str).str.rstrip(".")
    if name == "adult":
        test = pd.read_csv(data / "aux" / "adult_test.csv")
        test["target"] = test["target"].astype(str).str.rstrip(".")
        return df, test, str(minority)
    train, test = train_test_split(df, test_size=0.2, stratify=df["target"],
                                   random_state=seed)
    return train.reset_index(drop=True), test.reset_index(drop=True), str(minority)


def categorical_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])
            or pd.api.types.is_bool_dtype(df[c])]


def efficacy(train: pd.DataFrame, test: pd.DataFrame, minority: str, ref: pd.DataFrame,
             seed: int = 0) -> dict:
    """HistGradientBoosting on ``train`` rows, scored on the real ``test`` rows."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import balanced_accuracy_score, f1_score

    feats = [c for c in ref.columns if c != "target"]
    cats = categorical_columns(ref[feats])

    def prep(df: pd.DataFrame) -> pd.DataFrame:
        out = df[feats].copy()
        for c in cats:
            levels = sorted(ref[c].dropna().astype(str).unique())
            out[c] = pd.Categorical(out[c].astype(object).where(out[c].notna(), None),
                                    categories=levels)
        return out

    y = train["target"].astype(str).to_numpy()
    if len(np.unique(y)) < 2:
        return {"balanced_accuracy": 0.5, "minority_f1": 0.0, "note": "one class only"}
    clf = HistGradientBoostingClassifier(categorical_features="from_dtype",
                                         random_state=seed)
    clf.fit(prep(train), y)
    pred = clf.predict(prep(test))
    truth = test["target"].astype(str).to_numpy()
    return {
        "balanced_accuracy": float(balanced_accuracy_score(truth, pred)),
        "minority_f1": float(f1_score(truth, pred, pos_label=minority)),
    }


# ---------------------------------------------------------------------- one arm --
def worker(args: argparse.Namespace) -> dict:
    import torch

    torch.set_num_threads(args.threads)
    train, test, minority = load(args.dataset, Path(args.data), args.seed, args.train_rows)
    rss_before = memory_mb()["rss_mb"]
    t0 = time.perf_counter()
    if args.method == "ganaug":
        from ganaug import ConditionalGANAugmenter

        X, y = train.drop(columns="target"), train["target"].to_numpy()
        if args.ganaug_defaults:  # what a user gets: ConditionalGANAugmenter()
            model = ConditionalGANAugmenter(device="cpu", random_state=args.seed)
        else:
            model = ConditionalGANAugmenter(
                epochs=args.epochs, batch_size=args.batch_size, class_balanced=False,
                device="cpu", random_state=args.seed, width=args.width or None,
                d_steps=args.d_steps or None,
            )
        model.fit(X, y)
        fit_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        X_s, y_s = model.sample(N_SAMPLE)
        sample_s = time.perf_counter() - t1
        synth = X_s.assign(target=y_s)
        extra = {"params": {k: v for k, v in model.get_params().items()
                            if k in ("epochs", "batch_size", "width", "latent_dim", "depth",
                                     "generator_lr", "discriminator_lr", "loss",
                                     "max_categories", "class_balanced")},
                 "resolved": {k: (list(v) if isinstance(v, tuple) else v)
                              for k, v in getattr(model, "hparams_", {}).items()},
                 "encoded_width": int(model.codec_.n_features_)}
    else:
        from ctgan import CTGAN

        torch.manual_seed(args.seed)  # CTGAN draws from global torch RNG
        model = CTGAN(epochs=args.epochs, batch_size=args.batch_size, verbose=False,
                      enable_gpu=False)
        model.fit(train, discrete_columns=categorical_columns(train))
        fit_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        synth = model.sample(N_SAMPLE)
        sample_s = time.perf_counter() - t1
        import ctgan

        extra = {"params": {"epochs": args.epochs, "batch_size": args.batch_size,
                            "version": getattr(ctgan, "__version__", "?")}}
    peak = memory_mb()["peak_rss_mb"]
    n = len(train)
    # a random n of the 100,000 rows, whatever order a method returns them in (before
    # a707509 ganaug's sample() put the rows its class check redrew last within each
    # class, so its first n rows leaned away from class boundaries)
    rows = synth.sample(n, random_state=args.seed).reset_index(drop=True)
    res = {
        "dataset": args.dataset, "method": args.method, "n_train": n, "n_test": len(test),
        "fit_seconds": fit_s, "sample_100k_seconds": sample_s,
        "rss_before_fit_mb": rss_before, "peak_rss_mb": peak,
        "efficacy": efficacy(rows, test, minority, train, args.seed),
        "fidelity": marginal_fidelity(train.drop(columns="target"),
                                      rows.drop(columns="target")),
        "target_tvd": float(0.5 * train["target"].value_counts(normalize=True).subtract(
            rows["target"].astype(str).value_counts(normalize=True), fill_value=0
        ).abs().sum()),
        **extra,
    }
    return res


# ----------------------------------------------------------------------- driver --
def run_arm(method: str, dataset: str, args: argparse.Namespace) -> dict:
    env = dict(os.environ)
    if method == "ctgan" and args.ctgan_site:
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (args.ctgan_site, env.get("PYTHONPATH", "")) if p)
    cmd = [sys.executable, __file__, "--worker", "--method", method, "--dataset", dataset,
           "--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
           "--seed", str(args.seed), "--threads", str(args.threads), "--data", args.data,
           "--train-rows", str(args.train_rows), "--width", str(args.width),
           "--d-steps", str(args.d_steps)] + (["--ganaug-defaults"] if args.ganaug_defaults
                                             else [])
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        return {"dataset": dataset, "method": method, "error": proc.stderr[-3000:]}
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    res["subprocess_seconds"] = time.perf_counter() - t0
    return res


def real_reference(dataset: str, args: argparse.Namespace) -> dict:
    train, test, minority = load(dataset, Path(args.data), args.seed, args.train_rows)
    return efficacy(train, test, minority, train, args.seed)


def markdown(report: dict) -> str:
    lines = [
        "# ganaug vs CTGAN on mixed-type tables",
        "",
        (f"Command: `{report['command']}`. " if report.get("command") else "")
        + f"Run {report['started']} UTC, {report['epochs']} epochs, batch size "
        f"{report['batch_size']}, training rows: "
        f"{report['train_rows'] or 'all'} (stratified subsample, same rows for both "
        f"methods; test split whole), {report['threads']} torch thread(s) per process, CPU "
        f"only; each method in its own subprocess, one after the other, same machine. "
        + ("**ganaug ran at the estimator's defaults** (`ConditionalGANAugmenter()`: its "
           "step budget, not these epochs); the epochs and batch size are CTGAN's."
           if report.get("ganaug_defaults") else
           f"ganaug critic steps per generator step: "
           f"{report.get('ganaug_d_steps', 'recipe default')}."),
        "",
        f"**Machine**: {report['machine']['note']} Load average at start "
        f"{report['machine']['loadavg_start']}, at end {report['machine']['loadavg_end']} "
        f"({report['machine']['cpus']} cores). Both methods ran under the same "
        "conditions, one after the other.",
        "",
    ]
    rows = []
    for r in report["results"]:
        if "error" in r:
            rows.append([r["dataset"], r["method"], "error", *[""] * 7])
            continue
        e, f = r["efficacy"], r["fidelity"]
        rows.append([
            r["dataset"], r["method"], f"{r['fit_seconds']:.1f}",
            f"{r['sample_100k_seconds']:.2f}", f"{r['peak_rss_mb']:.0f}",
            f"{e['balanced_accuracy']:.3f}", f"{e['minority_f1']:.3f}",
            *(f"{f[k + '_mean']:.3f} / {f[k + '_max']:.3f}" for k in ("ks", "tvd", "corr_diff")),
        ])
    rows += [[name, "real rows (reference)", "", "", "", f"{ref['balanced_accuracy']:.3f}",
              f"{ref['minority_f1']:.3f}", "", "", ""]
             for name, ref in report["real_reference"].items()]
    lines.append(table(["data set", "method", "fit (s)", "sample 100k (s)", "peak RSS (MB)",
                        "bal. acc", "minority F1", "KS mean / max", "TVD mean / max",
                        "corr diff mean / max"], rows))
    lines += ["", "## Ratios (CTGAN / ganaug; > 1 means ganaug is faster or smaller)", "",
              table(["data set", "fit speed-up", "sampling speed-up", "peak memory ratio"],
                    ([name, f"{r['fit']:.1f}x", f"{r['sample']:.1f}x", f"{r['memory']:.2f}x"]
                     for name, r in report["ratios"].items()))]
    lines += ["", "Targets (issue 5): fit >= 5x, sampling >= 10x faster on CPU, efficacy and "
              "fidelity at least as good.", "",
              f"Code version: `{report['code_version']}`. Software: "
              f"{json.dumps(report['software'])}.", ""]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="+", default=["adult", "bank_marketing"])
    ap.add_argument("--methods", nargs="+", default=["ganaug", "ctgan"])
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--batch-size", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads per process (1 is fastest on a crowded CPU)")
    ap.add_argument("--d-steps", type=int, default=0,
                    help="ganaug critic steps per generator step (0: the table recipe's)")
    ap.add_argument("--width", type=int, default=128,
                    help="ganaug MLP width (0: the estimator default)")
    ap.add_argument("--ganaug-defaults", action="store_true",
                    help="ganaug at the estimator's defaults (its step budget; ignores "
                    "--epochs, --batch-size, --width, --d-steps for ganaug)")
    ap.add_argument("--train-rows", type=int, default=0,
                    help="stratified subsample of the training split (0: all rows)")
    ap.add_argument("--data", default=str(DEFAULT_DATA))
    ap.add_argument("--ctgan-site", default=os.environ.get("CTGAN_SITE", ""),
                    help="folder with ctgan installed (pip install --target)")
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--note", default="",
                    help="how loaded the machine was (recorded with the load averages)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--method", help=argparse.SUPPRESS)
    ap.add_argument("--dataset", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args)))
        return
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    load_start = os.getloadavg()
    results = []
    for name in args.datasets:
        for method in args.methods:
            print(f"[{time.strftime('%H:%M:%S')}] {name} / {method} ...", flush=True)
            r = run_arm(method, name, args)
            print(json.dumps({k: v for k, v in r.items() if k != "fidelity"})[:600],
                  flush=True)
            results.append(r)
    ratios = {}
    for name in args.datasets:
        by = {r["method"]: r for r in results if r["dataset"] == name and "error" not in r}
        if "ganaug" in by and "ctgan" in by:
            g, c = by["ganaug"], by["ctgan"]
            ratios[name] = {
                "fit": c["fit_seconds"] / g["fit_seconds"],
                "sample": c["sample_100k_seconds"] / g["sample_100k_seconds"],
                "memory": c["peak_rss_mb"] / g["peak_rss_mb"],
            }
    from ganaug_bench.record import code_version, command_line, versions

    rev = code_version() or "unknown"
    report = {
        "command": command_line(),
        "started": started, "epochs": args.epochs, "batch_size": args.batch_size,
        "ganaug_d_steps": args.d_steps or "recipe default",
        "ganaug_defaults": args.ganaug_defaults,
        "threads": args.threads, "seed": args.seed, "train_rows": args.train_rows,
        "machine": {"cpus": os.cpu_count(), "loadavg_start": [round(x, 2) for x in load_start],
                    "loadavg_end": [round(x, 2) for x in os.getloadavg()],
                    "platform": platform.platform(), "note": args.note},
        "software": {**versions("pandas"), "ctgan": "0.12.1 (pip --target)"},
        "code_version": rev,
        "results": results,
        "real_reference": {name: real_reference(name, args) for name in args.datasets},
        "ratios": ratios,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "tabular_vs_ctgan.json").write_text(json.dumps(report, indent=2))
    (out / "tabular_vs_ctgan.md").write_text(markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()

"""Default fit time of ``ConditionalGANAugmenter()`` (the oversampling issue's cost targets).

Two cases, each fitted ``--repeats`` times with the estimator's defaults (only
``random_state`` set, and ``cpu_threads`` when ``--cpu-threads`` is given) in this
process, on the CPU (torch's own thread count left at its default; ``--device cuda``
measures a GPU instead). ``--load N`` runs
N busy-looping processes during the measurement, as a loaded machine:

- ``table-10k-20``: ``make_classification(n_samples=10_000, n_features=20,
  weights=[0.9], random_state=0)`` (target: at most 60 s);
- ``digits-lt``: the main job's long-tailed digits training split, seed 0 (target: 30 s).

Writes ``benchmarks/results/fit_time/fit_time[_<tag>].json`` and ``.md`` with the command,
date, device, load average and code version (``--tag`` names a variant).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {"table-10k-20": 60.0, "digits-lt": 30.0}


def cases():
    from sklearn.datasets import make_classification

    from ganaug.datasets import load_digits_long_tailed

    X, y = make_classification(n_samples=10_000, n_features=20, weights=[0.9], random_state=0)
    yield "table-10k-20", X, y
    (X, y), _ = load_digits_long_tailed(20, random_state=0)
    yield "digits-lt", X, y


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cpu-threads", default="auto",
                    help="the estimators' cpu_threads: auto (default), none, or an int")
    ap.add_argument("--load", type=int, default=0, help="busy processes running alongside")
    ap.add_argument("--device", default="cpu",
                    help="the estimators' device: cpu (default; the targets' device), cuda, auto")
    ap.add_argument("--tag", default="")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "fit_time"))
    args = ap.parse_args()

    from ganaug import ConditionalGANAugmenter
    from ganaug_bench.markdown import table
    from ganaug_bench.record import command_line, run_record, write_record

    threads = {"auto": "auto", "none": None}.get(args.cpu_threads, None)
    if args.cpu_threads not in ("auto", "none"):
        threads = int(args.cpu_threads)
    kw = {} if args.cpu_threads == "auto" else {"cpu_threads": threads}
    if args.device != "cpu":
        kw["device"] = args.device
    burners = [subprocess.Popen([sys.executable, "-c", "while True: pass"])
               for _ in range(args.load)]
    rows = []
    try:
        for name, X, y in cases():
            times = []
            for r in range(args.repeats):
                t0 = time.perf_counter()
                aug = ConditionalGANAugmenter(random_state=r, **kw).fit(X, y)
                times.append(time.perf_counter() - t0)
            rows.append({"case": name, "shape": list(X.shape), "seconds": times,
                         "median_seconds": float(np.median(times)),
                         "target_seconds": TARGETS[name],
                         "hparams": {k: (list(v) if isinstance(v, tuple) else v)
                                     for k, v in aug.hparams_.items()}})
            print(f"{name}: {X.shape}, median {np.median(times):.1f} s "
                  f"(target {TARGETS[name]:.0f} s)", flush=True)
    finally:
        for p in burners:
            p.kill()
    run = run_record(command_line(), args.device)
    dev = run["device"]
    record = {"command": run["command"], "date": run["date"],
              "device": f"{dev['device']} ({dev['name']}; {dev['cpu_count']} CPU cores), torch "
                        f"default threads {dev['torch_threads']}",
              "cpu_threads": args.cpu_threads, "busy_processes": args.load,
              "load_average_1m_at_end": dev["load_average_1m"],
              "code_version": run["git_commit"], "torch": run["versions"]["torch"],
              "versions": run["versions"], "rows": rows}
    md = ["# Default fit time of ConditionalGANAugmenter()", "",
          f"- command: `{record['command']}`", f"- date: {record['date']}",
          f"- device: {record['device']}; estimator cpu_threads={args.cpu_threads}; "
          f"{args.load} busy processes alongside; load average at the end "
          f"{record['load_average_1m_at_end']}", f"- code: {record['code_version']}", "",
          table(["case", "shape", "median fit s", "runs (s)", "target s"],
                ([r["case"], f"{r['shape'][0]} x {r['shape'][1]}", f"{r['median_seconds']:.1f}",
                  ", ".join(f"{t:.1f}" for t in r["seconds"]), f"{r['target_seconds']:.0f}"]
                 for r in rows))]
    write_record(args.out, "fit_time", args.tag, record, md)


if __name__ == "__main__":
    main()

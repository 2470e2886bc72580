"""Which device trains the default table models faster: the CPU or a GPU.

``ConditionalGANAugmenter()`` on tables trains small MLPs (width 128) for a fixed number
of generator steps (300, batch 64) whatever the number of rows, so a GPU's arithmetic
cannot pay off the way it does for images; kernel launches may dominate instead. This
measures it, so that ``device='auto'`` can be set from numbers: for each case and each
device in ``--devices``, one warm-up fit (the first CUDA fit also creates the context),
then ``--repeats`` timed fits at the defaults (only ``random_state`` and ``device`` set)
and a timed ``sample`` of ``--n-sample`` rows of the rarest class.

Cases (all made here, no data needed):

- ``table-10k-20``: ``make_classification(10_000, 20, weights=[0.9])`` (the fit-time
  target's table);
- ``digits-lt``: the main job's long-tailed digits training split, seed 0;
- ``wide-mixed``: 20,000 rows, 100 numeric columns and 20 categorical columns of 30
  levels each (a pandas frame; about 700 encoded columns), two classes 90 / 10;
- ``many-rows``: ``make_classification(100_000, 30, n_classes=5, n_informative=10)``,
  class shares 50 / 25 / 15 / 7 / 3 %.

Writes ``device_choice[_<tag>].json`` and ``.md`` into ``--out`` with the command, date,
device and code version.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def cases(small: bool = False):
    """(name, X, y) of each case; ``small`` shrinks them for a dry run."""
    import pandas as pd
    from sklearn.datasets import make_classification

    from ganaug.datasets import load_digits_long_tailed

    s = 10 if small else 1
    X, y = make_classification(n_samples=10_000 // s, n_features=20, weights=[0.9],
                               random_state=0)
    yield "table-10k-20", X, y
    (X, y), _ = load_digits_long_tailed(20, random_state=0)
    yield "digits-lt", X, y
    rng = np.random.default_rng(0)
    n = 20_000 // s
    Xn, y = make_classification(n_samples=n, n_features=100, weights=[0.9], random_state=1)
    frame = pd.DataFrame(Xn, columns=[f"x{i}" for i in range(100)])
    for j in range(20):  # levels drawn with class-dependent shares, so they carry signal
        p = rng.dirichlet(np.ones(30), size=2)
        frame[f"c{j}"] = [f"v{rng.choice(30, p=p[c])}" for c in y]
    yield "wide-mixed", frame, y
    X, y = make_classification(n_samples=100_000 // s, n_features=30, n_informative=10,
                               n_classes=5, weights=[0.5, 0.25, 0.15, 0.07, 0.03],
                               random_state=2)
    yield "many-rows", X, y


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--devices", default="cpu,cuda")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--n-sample", type=int, default=100_000)
    ap.add_argument("--small", action="store_true", help="cases a tenth the size (dry run)")
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all)")
    ap.add_argument("--tag", default="")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "device_check"))
    args = ap.parse_args()

    from ganaug import ConditionalGANAugmenter

    devices = [d.strip() for d in args.devices.split(",") if d.strip()]
    wanted = {c.strip() for c in args.cases.split(",") if c.strip()}
    rows = []
    for name, X, y in cases(args.small):
        if wanted and name not in wanted:
            continue
        labels, counts = np.unique(y, return_counts=True)
        rare = labels[counts.argmin()]
        for dev in devices:
            ConditionalGANAugmenter(random_state=99, device=dev).fit(X, y)  # warm-up
            fits, samples = [], []
            for r in range(args.repeats):
                t0 = time.perf_counter()
                aug = ConditionalGANAugmenter(random_state=r, device=dev).fit(X, y)
                fits.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                aug.sample(args.n_sample, y=np.full(args.n_sample, rare))
                samples.append(time.perf_counter() - t0)
            rows.append({"case": name, "shape": list(np.shape(X)), "device": dev,
                         "encoded_width": int(aug.codec_.n_features_),
                         "fit_seconds": fits, "median_fit_seconds": float(np.median(fits)),
                         "sample_seconds": samples,
                         "median_sample_seconds": float(np.median(samples))})
            print(f"{name} {dev}: fit {np.median(fits):.2f} s, sample {args.n_sample} rows "
                  f"{np.median(samples):.2f} s", flush=True)
            write(args, devices, rows)  # after every case: a run stopped early keeps them


def write(args, devices: list[str], rows: list[dict]) -> None:
    """The JSON and markdown record of the rows measured so far."""
    from ganaug_bench.markdown import table
    from ganaug_bench.record import command_line, run_record, write_record

    run = run_record(command_line(), devices[-1])
    dev = run["device"]
    record = {"command": run["command"], "date": run["date"],
              "machine": f"{dev['name']}; {dev['cpu_count']} CPU cores, torch default "
                         f"threads {dev['torch_threads']}",
              "code_version": run["git_commit"], "versions": run["versions"],
              "repeats": args.repeats, "n_sample": args.n_sample, "rows": rows}
    md = ["# Default table fits: CPU or GPU", "",
          f"- command: `{record['command']}`", f"- date: {record['date']}",
          f"- machine: {record['machine']}", f"- code: {record['code_version']}", "",
          f"Median of {args.repeats} fits after one warm-up fit per device; sampling "
          f"{args.n_sample:,} rows of the rarest class.", "",
          table(["case", "shape", "device", "fit s", "runs (s)", "sample s"],
                ([r["case"], " x ".join(map(str, r["shape"])), r["device"],
                  f"{r['median_fit_seconds']:.2f}",
                  ", ".join(f"{t:.2f}" for t in r["fit_seconds"]),
                  f"{r['median_sample_seconds']:.2f}"] for r in rows))]
    write_record(args.out, "device_choice", args.tag, record, md)


if __name__ == "__main__":
    main()

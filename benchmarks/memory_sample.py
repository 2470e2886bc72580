"""Peak memory of ``sample`` on a large n: is it bounded by the output plus a constant?

Each scenario runs in a fresh subprocess: fit a small augmenter on a 10-feature table,
then sample ``--n`` rows (default 10 million) and record

- ``output_mb``: bytes of what ``sample`` returns (X plus labels),
- ``peak_rss_above_baseline_mb``: peak resident memory during the call (polled from
  /proc/self/status every 2 ms, cross-checked with ``getrusage`` ru_maxrss) minus the
  resident memory just before it,
- ``overhead_mb``: the difference, i.e. memory used beyond the output itself,
- ``tracemalloc_peak_mb``: in a second call, the peak of Python/numpy allocations alone.

Usage::

    python benchmarks/memory_sample.py --n 10000000 --out benchmarks/results/memory/
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import tracemalloc

MB = 2**20
SCENARIOS = ("conditional-array", "unconditional-array", "conditional-dataframe")


def _rss() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


class _PeakPoller:
    def __init__(self, interval: float = 0.002):
        self.interval, self.peak, self._stop = interval, _rss(), threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _rss())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss())


def run_scenario(name: str, n: int, d: int) -> dict:
    """Fit a small augmenter and measure ``sample(n)`` (runs in this process)."""
    import numpy as np
    import pandas as pd
    import torch

    import ganaug
    from ganaug import ConditionalGANAugmenter, GANAugmenter

    rs = np.random.RandomState(0)
    X = rs.normal(size=(400, d))
    y = np.r_[np.zeros(300), np.ones(100)].astype(int)
    params = dict(epochs=1, batch_size=64, width=32, latent_dim=16, depth=1,
                  random_state=0, device="cpu")
    if name == "conditional-array":
        est = ConditionalGANAugmenter(**params).fit(X, y)
    elif name == "unconditional-array":
        est = GANAugmenter(**params).fit(X)
    elif name == "conditional-dataframe":
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(d)])
        est = ConditionalGANAugmenter(**params).fit(frame, y)
    else:
        raise ValueError(name)
    est.sample(1000)  # warm up allocator, threads and modules

    def call():
        return est.sample(n)

    def nbytes(out) -> int:
        parts = out if isinstance(out, tuple) else (out,)
        total = 0
        for p in parts:
            total += int(p.memory_usage(index=False).sum()) if hasattr(p, "memory_usage") \
                else p.nbytes
        return total

    base_rss = _rss()
    t0 = time.perf_counter()
    with _PeakPoller() as poll:
        out = call()
    seconds = time.perf_counter() - t0
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    out_bytes = nbytes(out)
    X_out = out[0] if isinstance(out, tuple) else out
    finite = bool(np.isfinite(np.asarray(X_out, dtype=np.float64)[:100_000]).all())
    shape = list(X_out.shape)
    del out, X_out
    tracemalloc.start()
    out = call()
    _, tm_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del out
    peak = max(poll.peak, maxrss)
    return {
        "scenario": name,
        "n_samples": n,
        "n_features": d,
        "output_shape": shape,
        "output_mb": round(out_bytes / MB, 1),
        "baseline_rss_mb": round(base_rss / MB, 1),
        "peak_rss_above_baseline_mb": round((peak - base_rss) / MB, 1),
        "overhead_mb": round((peak - base_rss - out_bytes) / MB, 1),
        "polled_peak_mb": round(poll.peak / MB, 1),
        "ru_maxrss_mb": round(maxrss / MB, 1),
        "tracemalloc_peak_mb": round(tm_peak / MB, 1),
        "tracemalloc_overhead_mb": round((tm_peak - out_bytes) / MB, 1),
        "seconds": round(seconds, 1),
        "finite_sample_check": finite,
        "ganaug_version": ganaug.__version__,
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
    }


def main(argv: list[str] | None = None) -> int:
    """Run every scenario in its own process and write one JSON file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="rows to sample")
    ap.add_argument("--features", type=int, default=10)
    ap.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=SCENARIOS)
    ap.add_argument("--out", default="benchmarks/results/memory/")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one scenario
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_scenario(args.one, args.n, args.features)))
        return 0
    results = []
    for name in args.scenarios:
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--one", name, "--n", str(args.n),
             "--features", str(args.features)],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(res))
        results.append(res)
    from ganaug.bench import code_version

    record = {
        "benchmark": "memory_sample",
        "command": " ".join([os.path.basename(sys.executable), *sys.argv]),
        "git_commit": code_version(),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "results": results,
    }
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"sample_{args.n}_rows.json")
    with open(path, "w") as fh:
        json.dump(record, fh, indent=2)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

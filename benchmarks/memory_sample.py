"""Peak memory of ``sample`` on a large n: is it bounded by the output plus a constant?

Each scenario runs in a fresh subprocess: fit a small augmenter on a 10-feature table,
then sample ``--n`` rows (default 10 million) and record

- ``output_mb``: bytes of what ``sample`` returns (X plus labels),
- ``peak_rss_above_baseline_mb``: the process's peak resident memory during the call
  minus its resident memory just before it,
- ``overhead_mb``: the difference, i.e. memory used beyond the output itself,
- with ``--device cuda``, ``cuda_peak_above_baseline_mb``: the same for torch's CUDA
  allocator.

All readings come from the benchmarks' one helper, ``ganaug_bench.record.memory_mb``
(``getrusage`` ``ru_maxrss`` on the CPU, which counts every allocation of the process:
numpy's, torch's and C libraries'; ``torch.cuda.max_memory_allocated`` on a GPU), and
the peak is restarted just before the call with ``ganaug_bench.record.reset_peak_memory``
(Linux: ``/proc/self/clear_refs``).
Where the CPU peak cannot be restarted (not Linux), ``peak_reset`` is false and the
baseline is the peak so far, so the numbers are lower bounds. Linux carries the
launching process's peak into a child (``ru_maxrss`` starts there), so the scenarios are
launched by a parent that imports neither numpy nor torch.

Files recorded before 2026-11-29 (``benchmarks/results/memory/``) came from an earlier
version that polled ``/proc/self/status`` and also ran ``tracemalloc``; their extra
fields (``polled_peak_mb``, ``ru_maxrss_mb``, ``tracemalloc_*``) are not written now.

Usage::

    python benchmarks/memory_sample.py --n 10000000 --out benchmarks/results/memory/
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time

from ganaug_bench.record import code_version, memory_mb, reset_peak_memory

MB = 2**20
SCENARIOS = ("conditional-array", "unconditional-array", "conditional-dataframe")


def _peak_bytes(device: str = "cpu") -> int:
    """Peak since the last reset, in bytes: resident (``device='cpu'``) or CUDA."""
    mem = memory_mb(device)
    return int(round(1e6 * mem["gpu_peak_mb" if device.startswith("cuda") else
                             "peak_rss_mb"]))


def run_scenario(name: str, n: int, d: int, device: str = "cpu") -> dict:
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
                  random_state=0, device=device)
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

    devices = ["cpu"] + ([device] if device.startswith("cuda") else [])
    reset = reset_peak_memory(device)
    base = {dev: _peak_bytes(dev) for dev in devices}
    t0 = time.perf_counter()
    out = call()
    seconds = time.perf_counter() - t0
    peak = {dev: _peak_bytes(dev) for dev in devices}
    out_bytes = nbytes(out)
    X_out = out[0] if isinstance(out, tuple) else out
    finite = bool(np.isfinite(np.asarray(X_out, dtype=np.float64)[:100_000]).all())
    shape = list(X_out.shape)
    del out, X_out
    extra = {}
    if len(devices) == 2:
        extra["cuda_peak_above_baseline_mb"] = round((peak[device] - base[device]) / MB, 1)
    return {
        "scenario": name,
        "n_samples": n,
        "n_features": d,
        "output_shape": shape,
        "output_mb": round(out_bytes / MB, 1),
        "baseline_rss_mb": round(base["cpu"] / MB, 1),
        "peak_rss_above_baseline_mb": round((peak["cpu"] - base["cpu"]) / MB, 1),
        "overhead_mb": round((peak["cpu"] - base["cpu"] - out_bytes) / MB, 1),
        "peak_reset": reset,
        **extra,
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
    ap.add_argument("--device", default="cpu", help="where to fit and sample (cpu, cuda)")
    ap.add_argument("--scenarios", nargs="*", default=list(SCENARIOS), choices=SCENARIOS)
    ap.add_argument("--out", default="benchmarks/results/memory/")
    ap.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one scenario
    args = ap.parse_args(argv)
    if args.one:
        print(json.dumps(run_scenario(args.one, args.n, args.features, args.device)))
        return 0
    results = []
    for name in args.scenarios:
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), "--one", name, "--n", str(args.n),
             "--features", str(args.features), "--device", args.device],
            capture_output=True, text=True,
        )
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return proc.returncode
        res = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(res))
        results.append(res)
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

"""How ganaug's fits scale with processes: joblib per-class jobs and DDP ranks (issue 7).

Two measurements, each 1 vs 2 CPU processes (one torch thread per process):

* ``n_jobs``: ``GANAugmenter(n_jobs=k).fit(X, y)`` with one GAN per class, the classes as
  joblib (loky) jobs. The loky workers are started and import torch and ganaug in a
  warm-up fit first (its time is recorded as ``cold_start_s``), so the time is training,
  not interpreter start-up. Same seeds, same work: the fits are
  bit-identical, only the wall time changes.
* ``ddp``: ``ConditionalGANAugmenter.fit`` of one GAN, plain single process vs 2 ranks
  of ``torch.distributed`` (gloo, started like torchrun by setting its environment).
  Under DDP each rank trains on half the rows with the same per-rank ``batch_size``, so
  an epoch takes half the steps per rank (global batch 2x); the time is that of the
  same number of epochs (the same rows seen in total), measured inside the ranks
  between barriers (process start and group set-up excluded, reported separately).
  Two per-rank batch sizes: 64 (the default; small MLP steps, so the per-step
  ``all_reduce`` weighs) and 512 (8x the compute per ``all_reduce``).

Usage::

    python benchmarks/scaling.py                      # full run, writes JSON
    python benchmarks/scaling.py --quick              # a smoke run (seconds)

Results go to ``benchmarks/results/scaling/scaling-<UTC time>.json`` with the command,
the date, the machine (CPU count, load average before and after, torch version) and
the git commit. On a shared machine the load average tells how much the numbers are
worth: other processes compete for the same cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import socket
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean

import numpy as np
import torch

RESULTS = Path(__file__).resolve().parent / "results" / "scaling"

# Workload, in one visible place (units in comments).
SETTINGS = {
    "n_classes": 4,  # classes = per-class GANs of GANAugmenter
    "rows_per_class": 600,  # rows of each class (2400 in all)
    "n_features": 16,  # columns
    "epochs": 20,  # passes over the rows (per class for GANAugmenter)
    "batch_size": 64,  # rows per step (per rank under DDP)
    "width": 128,  # hidden units of the MLPs
    "latent_dim": 32,  # size of z
    "depth": 2,  # residual blocks
    "ddp_batch_sizes": [64, 512],  # per rank; 512: 8x the compute per all_reduce
}


def make_data(s: dict) -> tuple[np.ndarray, np.ndarray]:
    """Gaussian blobs, one per class (float32)."""
    rng = np.random.RandomState(0)
    k, m, d = s["n_classes"], s["rows_per_class"], s["n_features"]
    X = np.concatenate([rng.normal(c, 1.0, size=(m, d)) for c in range(k)])
    y = np.repeat(np.arange(k), m)
    return X.astype(np.float32), y


def gan_params(s: dict) -> dict:
    return {k: s[k] for k in ("epochs", "batch_size", "width", "latent_dim", "depth")} | {
        "device": "cpu", "random_state": 0}


def _fmt(times: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in times)


def _warm(_: int) -> int:
    return os.getpid()


def bench_n_jobs(s: dict, repeats: int) -> dict:
    """Wall time of GANAugmenter per-class fits with n_jobs=1 and n_jobs=2."""
    from joblib import Parallel, delayed, parallel_config

    from ganaug import GANAugmenter

    X, y = make_data(s)
    # cold start: loky workers start and import torch + ganaug (not counted below)
    t = time.perf_counter()
    Parallel(n_jobs=2)(delayed(_warm)(i) for i in range(4))
    GANAugmenter(**{**gan_params(s), "epochs": 1}, n_jobs=2).fit(X, y)
    out = {"cold_start_s": time.perf_counter() - t}
    GANAugmenter(**{**gan_params(s), "epochs": 1}, n_jobs=1).fit(X, y)  # this process too
    print(f"loky workers started and warmed in {out['cold_start_s']:.1f} s", flush=True)
    for n_jobs in (1, 2):
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            # one torch thread per worker, like the n_jobs=1 baseline (joblib would
            # otherwise give each worker cpu_count // n_jobs threads, which slows tiny
            # MLPs down: measured 0.96x instead of a speed-up on an idle 16-core box)
            with parallel_config(backend="loky", inner_max_num_threads=1):
                GANAugmenter(**gan_params(s), n_jobs=n_jobs).fit(X, y)
            times.append(time.perf_counter() - t)
        out[f"n_jobs={n_jobs}"] = {"seconds": times, "mean": mean(times), "min": min(times)}
        print(f"n_jobs={n_jobs}: {_fmt(times)} s", flush=True)
    out["speedup_mean"] = out["n_jobs=1"]["mean"] / out["n_jobs=2"]["mean"]
    out["speedup_min"] = out["n_jobs=1"]["min"] / out["n_jobs=2"]["min"]
    return out


def _rank(rank: int, world: int, port: int, s: dict, repeats: int, out: str) -> None:
    os.environ.update(WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    import torch.distributed as dist

    from ganaug import ConditionalGANAugmenter

    X, y = make_data(s)
    t0 = time.perf_counter()
    dist.init_process_group("gloo")
    setup = time.perf_counter() - t0
    ConditionalGANAugmenter(**{**gan_params(s), "epochs": 1}).fit(X, y)  # warm-up
    times: dict[str, list[float]] = {}
    for b in s["ddp_batch_sizes"]:
        times[str(b)] = []
        for _ in range(repeats):
            dist.barrier()
            t = time.perf_counter()
            ConditionalGANAugmenter(**{**gan_params(s), "batch_size": b}).fit(X, y)
            dist.barrier()
            times[str(b)].append(time.perf_counter() - t)
    if rank == 0:
        Path(out).write_text(json.dumps({"seconds": times, "group_setup_s": setup}))
    dist.destroy_process_group()


def bench_ddp(s: dict, repeats: int) -> dict:
    """Wall time of one ConditionalGANAugmenter fit: 1 process vs 2 DDP ranks (gloo)."""
    from ganaug import ConditionalGANAugmenter

    torch.set_num_threads(1)
    X, y = make_data(s)
    ConditionalGANAugmenter(**{**gan_params(s), "epochs": 1}).fit(X, y)  # warm-up
    single: dict[str, list[float]] = {}
    for b in s["ddp_batch_sizes"]:
        single[str(b)] = []
        for _ in range(repeats):
            t = time.perf_counter()
            ConditionalGANAugmenter(**{**gan_params(s), "batch_size": b}).fit(X, y)
            single[str(b)].append(time.perf_counter() - t)
        print(f"batch {b}, 1 process: {_fmt(single[str(b)])} s", flush=True)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    path = Path(tempfile.gettempdir()) / f"ganaug-scaling-ddp-{os.getpid()}.json"
    t = time.perf_counter()
    torch.multiprocessing.spawn(_rank, args=(2, port, s, repeats, str(path)), nprocs=2)
    total = time.perf_counter() - t
    r = json.loads(path.read_text())
    path.unlink()
    out: dict = {"group_setup_s": r["group_setup_s"], "spawn_to_exit_s": total}
    for b in s["ddp_batch_sizes"]:
        one, two = single[str(b)], r["seconds"][str(b)]
        out[f"batch_size={b}"] = {
            "1 process": {"seconds": one, "mean": mean(one), "min": min(one)},
            "2 ranks": {"seconds": two, "mean": mean(two), "min": min(two)},
            "speedup_mean": mean(one) / mean(two), "speedup_min": min(one) / min(two),
        }
        print(f"batch {b}, 2 DDP ranks: {_fmt(two)} s", flush=True)
    print(f"(spawn to exit {total:.1f} s)", flush=True)
    return out


def _machine() -> dict:
    from ganaug_bench.record import code_version, versions

    v = versions()
    return {"platform": platform.platform(), "processor": platform.processor(),
            "python": v["python"], "torch": v["torch"], "versions": v,
            "cpu_count": os.cpu_count(), "git_commit": code_version()}


def main(argv: list[str] | None = None) -> dict:
    """Run both measurements and write the JSON record; returns it."""
    from ganaug_bench.record import command_line, utc_now

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=2, help="fits per setting")
    ap.add_argument("--epochs", type=int, default=None, help="override epochs")
    ap.add_argument("--quick", action="store_true", help="tiny smoke run, not recorded")
    ap.add_argument("--only", choices=("n_jobs", "ddp"), default=None)
    ap.add_argument("--note", default="", help="free text stored in the record")
    args = ap.parse_args(argv)
    s = dict(SETTINGS)
    if args.quick:
        s.update(rows_per_class=100, epochs=2, width=32, latent_dim=8, depth=1,
                 ddp_batch_sizes=[16])
    if args.epochs:
        s["epochs"] = args.epochs
    torch.set_num_threads(1)
    record = {
        "command": command_line(Path(sys.executable).name + " " + sys.argv[0]),
        "date_utc": utc_now(),
        "machine": _machine(), "load_average_before": os.getloadavg(),
        "settings": s, "repeats": args.repeats, "note": args.note,
        "threads_per_process": 1,
    }
    if args.only in (None, "n_jobs"):
        record["n_jobs"] = bench_n_jobs(s, args.repeats)
    if args.only in (None, "ddp"):
        record["ddp"] = bench_ddp(s, args.repeats)
    record["load_average_after"] = os.getloadavg()
    if not args.quick:
        RESULTS.mkdir(parents=True, exist_ok=True)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        path = RESULTS / f"scaling-{stamp}.json"
        path.write_text(json.dumps(record, indent=2) + "\n")
        print(f"wrote {path}")
    parts = [("n_jobs", record.get("n_jobs"))] + [
        (f"ddp {k}", v) for k, v in record.get("ddp", {}).items() if k.startswith("batch")]
    for name, r in parts:
        if r:
            print(f"{name}: speed-up 1 -> 2 processes {r['speedup_mean']:.2f}x (mean), "
                  f"{r['speedup_min']:.2f}x (best)")
    return record


if __name__ == "__main__":
    main()

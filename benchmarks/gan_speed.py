"""Training speed of the CIFAR-10 conditional GAN: ganaug's loop vs a plain fp32 loop.

Both arms train the same networks (conditional ResNet G with class-conditional BN,
projection D with spectral norm, hinge loss, DiffAugment, ``d_steps`` D updates per G
update, EMA of G) on the same data, one after the other in one process:

- ``plain``: the textbook PyTorch loop. A ``DataLoader`` (shuffle, ``num_workers=0``)
  over float32 images on the host, each batch copied to the GPU, fp32, NCHW,
  ``torch.optim.Adam`` (for-each), per-step ``loss.item()`` for logging.
- ``ganaug``: :class:`ganaug.train.GANTrainer` — uint8 data resident on the device,
  batches and augmentation drawn on the device, bf16 autocast, channels_last, fused
  Adam, no host sync in the step; optionally ``torch.compile`` (``ganaug+compile``).

Images/s counts every image a network processes per iteration: ``d_steps * 2 * batch``
(real + fake through D) plus ``batch`` (fake through G and D) in the G step. Model
FLOPs per iteration are counted once with ``torch.utils.flop_counter`` (forward and
backward of convolutions and matmuls) and divided by the measured time (TFLOP/s).
Timing: CUDA events around ``--steps`` iterations after ``--warmup`` iterations.

    python benchmarks/gan_speed.py --data-home DIR --out benchmarks/results
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch

from ganaug.nn.diffaug import diff_augment, parse_policy
from ganaug.nn.images import ImageDiscriminator, ImageGenerator
from ganaug.nn.losses import d_loss, g_loss
from ganaug.train import GANTrainer, TrainConfig
from ganaug_bench.record import command_line, memory_mb, reset_peak_memory, run_record


def run_info(args: argparse.Namespace) -> dict:
    """Command, date, device, library versions and code version of this run."""
    rec = run_record(command_line(os.path.basename(sys.executable) + " " + sys.argv[0]),
                     "auto")
    dev = rec["device"]
    return {
        "command": rec["command"],
        "args": vars(args),
        "date_utc": rec["date"],
        "device": dev["name"] if dev["device"].startswith("cuda") else "cpu",
        "torch": rec["versions"]["torch"],
        "cuda": torch.version.cuda,
        "python": rec["versions"]["python"],
        "versions": rec["versions"],
        "git_commit": rec["git_commit"] or "unknown",
    }


def load_cifar_available(data_home):
    """CIFAR-10 from ``data_home`` like ``load_cifar10``, but reading whichever of the five
    train batches are present (a device may hold only part of the training split)."""
    from ganaug.datasets import _cifar_dir, _read_batch, get_data_home

    folder = _cifar_dir(get_data_home(data_home)) if data_home else None
    if folder is None:
        base = get_data_home(data_home) / "cifar-10-batches-py" if data_home else None
        if base is None or not (base / "test_batch").is_file():
            raise FileNotFoundError(f"no CIFAR-10 batches under {data_home}")
        folder = base
    parts = [_read_batch(folder / f"data_batch_{i}") for i in range(1, 6)
             if (folder / f"data_batch_{i}").is_file()]
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    return (X, y), _read_batch(folder / "test_batch")


def load_images(data_home: str | None, n: int, seed: int):
    """CIFAR-10 train images (uint8 NHWC) if available, else random ones (speed only)."""
    if data_home:
        try:
            (X, y), _ = load_cifar_available(data_home)
            return X[:n], y[:n], "cifar10"
        except (FileNotFoundError, ValueError):
            pass
    rs = np.random.RandomState(seed)
    return (rs.randint(0, 256, (n, 32, 32, 3), dtype=np.uint8),
            rs.randint(0, 10, n).astype(np.int64), "random")


def build(args, n_classes: int, seed: int):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        G = ImageGenerator(args.latent_dim, (3, 32, 32), args.width, n_classes)
        D = ImageDiscriminator((3, 32, 32), args.d_width, n_classes)
    return G, D


def config(args, fast: bool, compile: bool | str = False) -> TrainConfig:
    return TrainConfig(
        epochs=1, batch_size=args.batch_size, latent_dim=args.latent_dim, g_lr=2e-4,
        d_lr=2e-4, betas=(0.0, 0.999), loss="hinge", d_steps=args.d_steps,
        ema_decay=0.999, policy=parse_policy(args.diffaug), class_balanced=True,
        amp_dtype=torch.bfloat16 if fast else None, channels_last=fast, compile=compile,
    )


class PlainLoop:
    """The textbook loop: DataLoader on the host, fp32, NCHW, for-each Adam, .item()."""

    def __init__(self, G, D, X, y, args, device):
        from torch.utils.data import DataLoader, TensorDataset

        x = torch.from_numpy(X).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        ds = TensorDataset(x, torch.from_numpy(y))
        self.loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, drop_last=True)
        self.it = iter(self.loader)
        self.G, self.D = G.to(device).train(), D.to(device).train()
        import copy

        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        self.opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.0, 0.999))
        self.opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.0, 0.999))
        self.args, self.device = args, device
        self.policy = parse_policy(args.diffaug)
        self.gen = torch.Generator(device=device).manual_seed(0)
        self.log: list[float] = []

    def next(self):
        try:
            x, y = next(self.it)
        except StopIteration:
            self.it = iter(self.loader)
            x, y = next(self.it)
        return x.to(self.device), y.to(self.device)

    def aug(self, x):
        return diff_augment(x, self.policy, self.gen) if self.policy else x

    def step(self):
        a, dev = self.args, self.device
        for _ in range(a.d_steps):
            x, y = self.next()
            with torch.no_grad():
                fake = self.G(torch.randn(len(x), a.latent_dim, device=dev), y)
            loss_d = d_loss(self.D(self.aug(x), y), self.D(self.aug(fake), y), "hinge")
            self.opt_d.zero_grad()
            loss_d.backward()
            self.opt_d.step()
        _, y = self.next()
        loss_g = g_loss(self.D(self.aug(self.G(torch.randn(len(y), a.latent_dim,
                                                             device=dev), y)), y), "hinge")
        self.opt_g.zero_grad()
        loss_g.backward()
        self.opt_g.step()
        with torch.no_grad():
            for pe, p in zip(self.G_ema.parameters(), self.G.parameters()):
                pe.lerp_(p, 0.001)
        self.log.append(loss_d.item())
        self.log.append(loss_g.item())


def count_flops(step_fn) -> float:
    """Model FLOPs of one call of ``step_fn`` (forward + backward convs and matmuls)."""
    from torch.utils.flop_counter import FlopCounterMode

    counter = FlopCounterMode(display=False)
    with counter:
        step_fn()
    return float(counter.get_total_flops())


def time_steps(step_fn, warmup: int, steps: int, device) -> dict:
    """Median-free simple timing: CUDA events around ``steps`` calls after warm-up."""
    t0 = time.perf_counter()
    for _ in range(warmup):
        step_fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    warm_s = time.perf_counter() - t0
    reps = []
    for _ in range(3):  # three timed windows: spread shows the noise
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            for _ in range(steps):
                step_fn()
            end.record()
            torch.cuda.synchronize()
            reps.append(start.elapsed_time(end) / 1000.0)
        else:
            t = time.perf_counter()
            for _ in range(steps):
                step_fn()
            reps.append(time.perf_counter() - t)
    return {"warmup_s": warm_s, "window_s": reps, "s_per_step": float(np.median(reps)) / steps}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default=os.environ.get("GANAUG_DATA"))
    p.add_argument("--n-images", type=int, default=50000)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--d-width", type=int, default=128)
    p.add_argument("--latent-dim", type=int, default=128)
    p.add_argument("--d-steps", type=int, default=2)
    p.add_argument("--diffaug", default="translation,cutout")
    p.add_argument("--warmup", type=int, default=15)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--arms", default="plain,ganaug,ganaug+compile,ganaug+compile-ro")
    p.add_argument("--device", default="auto")
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--tag", default="")
    args = p.parse_args(argv)
    from ganaug._device import resolve_device

    device = resolve_device(args.device)
    X, y, source = load_images(args.data_home, args.n_images, 0)
    n_classes = int(y.max()) + 1
    b = args.batch_size
    images_per_step = args.d_steps * 2 * b + b
    result = {**run_info(args), "data": source, "n_images": len(X),
              "images_per_step": images_per_step, "arms": {}}
    flops = None
    for arm in args.arms.split(","):
        reset_peak_memory(device)  # each arm's own peak (the previous arm's models freed)
        G, D = build(args, n_classes, 0)
        rec: dict = {}
        try:
            if arm == "plain":
                loop = PlainLoop(G, D, X, y, args, device)
                step = loop.step
            else:
                mode = {"ganaug": False, "ganaug+compile": True,
                        "ganaug+compile-ro": "reduce-overhead"}[arm]
                cfg = config(args, fast=device.type == "cuda", compile=mode)
                data = torch.from_numpy(np.ascontiguousarray(X.transpose(0, 3, 1, 2))).to(device)
                labels = torch.from_numpy(y).to(device)
                gen = torch.Generator(device=device).manual_seed(1)
                tr = GANTrainer(G, D, data, labels, n_classes, cfg, gen, 2 / 255, -1.0)
                step = tr.step
            if flops is None and arm == "plain":
                flops = count_flops(step)
                result["model_flops_per_step"] = flops
            rec.update(time_steps(step, args.warmup, args.steps, device))
            rec["images_per_s"] = images_per_step / rec["s_per_step"]
            if flops:
                rec["tflops"] = flops / rec["s_per_step"] / 1e12
            if device.type == "cuda":
                rec["max_memory_gib"] = memory_mb(device)["gpu_peak_mb"] * 1e6 / 2**30
        except Exception as exc:  # record and go on with the other arms
            rec["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        result["arms"][arm] = rec
        print(arm, {k: v for k, v in rec.items() if k != "window_s"}, flush=True)
        del G, D
        if device.type == "cuda":
            torch.cuda.empty_cache()
    base = result["arms"].get("plain", {}).get("s_per_step")
    if base:
        for rec in result["arms"].values():
            if "s_per_step" in rec:
                rec["speedup_vs_plain"] = base / rec["s_per_step"]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = f"gan_speed{('_' + args.tag) if args.tag else ''}.json"
    (out / name).write_text(json.dumps(result, indent=2))
    print("\narm               s/step   images/s   TFLOP/s  speed-up")
    for arm, rec in result["arms"].items():
        if "s_per_step" in rec:
            print(f"{arm:16s} {rec['s_per_step']*1e3:8.2f}ms {rec['images_per_s']:9.0f} "
                  f"{rec.get('tflops', float('nan')):8.1f} {rec.get('speedup_vs_plain', 1):8.2f}x")
        else:
            print(f"{arm:16s} {rec.get('error')}")
    return result


if __name__ == "__main__":
    main()

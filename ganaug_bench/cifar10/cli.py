"""The command line of the CIFAR-10 benchmark (``python -m ganaug_bench.cifar10``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from ..record import code_version, command_line, device_info, utc_now, versions
from .arms import run_sklearn_arm, run_torch_arm
from .data import class_groups, load_data, pack_data, sampling_strategy_for
from .report import markdown_report, merge_results, summarise, write_outputs
from .settings import ARMS, PROTOCOLS, TORCH_ONLY, GANSettings, Settings

PROG = "python -m ganaug_bench.cifar10"


def _device_name(device) -> str:
    """``cuda: <GPU>`` or ``cpu: <processor>, <n> torch threads``."""
    info = device_info(device)
    if device.type == "cuda":
        return f"cuda: {info['name']}"
    return f"{device.type}: {info['name']}, {info['torch_threads']} torch threads"


def build_parser(prog: str = PROG, parser_class: type = argparse.ArgumentParser
                 ) -> argparse.ArgumentParser:
    """The command-line interface of ``python -m ganaug_bench.cifar10``.

    Parameters
    ----------
    prog : str, default=PROG
        The program name in usage and errors.
    parser_class : type, default=argparse.ArgumentParser
        The parser's class (``ganaug bench`` passes its one-line-error parser).

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    p = parser_class(
        prog=prog,
        description="CIFAR-10 long-tailed / low-data downstream benchmark of GAN oversampling.",
    )
    p.add_argument("--protocol", choices=sorted(PROTOCOLS), default="lt100")
    p.add_argument("--methods", default="none,ros,rose,smote,reweight,gan,cgan",
                   help=f"comma list of arms from {','.join(ARMS)}")
    p.add_argument("--seeds", type=int, default=None,
                   help="number of seeds (offset, offset + 1, ...); default 5 (smoke: 1)")
    p.add_argument("--seed-offset", type=int, default=0)
    p.add_argument("--data-dir", default=os.environ.get("GANAUG_DATA"),
                   help="folder with cifar-10-batches-py/ (default: $GANAUG_DATA)")
    p.add_argument("--out", default="benchmarks/results/cifar10")
    p.add_argument("--track", choices=("torch", "sklearn"), default="torch")
    p.add_argument("--smoke", action="store_true",
                   help="a few hundred images, tiny models, one seed (CPU, minutes)")
    p.add_argument("--fake-data", action="store_true",
                   help="use a synthetic CIFAR-like array instead of CIFAR-10")
    p.add_argument("--device", default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.add_argument("--compile", action="store_true", help="torch.compile classifier and GANs")
    g = p.add_argument_group("classifier")
    g.add_argument("--clf-examples", type=int, default=None,
                   help="training examples seen per fit, same for every arm (default 500000)")
    g.add_argument("--clf-batch-size", type=int, default=None)
    g.add_argument("--clf-widths", default=None, help="e.g. 64,256,256")
    g.add_argument("--clf-tta", type=int, choices=(0, 1, 2), default=None)
    g = p.add_argument_group("GAN arms")
    g.add_argument("--gan-steps", type=int, default=None, help="cGAN generator steps")
    g.add_argument("--gan-batch-size", type=int, default=None)
    g.add_argument("--gan-width", type=int, default=None)
    g.add_argument("--gan-latent", type=int, default=None)
    g.add_argument("--gan-d-steps", type=int, default=None)
    g.add_argument("--gan-lecam", type=float, default=None)
    g.add_argument("--gan-gsr", type=float, default=None)
    g.add_argument("--gan-time-budget", type=float, default=None, help="seconds per GAN fit")
    g.add_argument("--gan-n-jobs", type=int, default=None)
    g.add_argument("--tabular-epochs", type=int, default=None,
                   help="sklearn track GAN epochs (default: the augmenters' own budget)")
    g = p.add_argument_group("protocol details")
    g.add_argument("--target-per-class", type=int, default=None)
    g.add_argument("--low-data-multiplier", type=float, default=2.0)
    g.add_argument("--pool-per-class", type=int, default=None,
                   help="subsample each class of the training pool first")
    g.add_argument("--test-per-class", type=int, default=None)
    g.add_argument("--filter-rounds", type=int, default=None, help="default 4 (smoke 2)")
    g.add_argument("--filter-with", choices=("reweight", "none"), default="reweight",
                   help="cgan+filter: the arm whose classifier (trained on the real split, "
                        "same seed) filters the synthetic images")
    g.add_argument("--pca-components", type=int, default=None)
    g.add_argument("--sklearn-pool-per-class", type=int, default=None)
    p.add_argument("--pack", default=None, metavar="FILE.npz",
                   help="only write the protocol's training split and the test set into "
                        "FILE.npz (lossless, compact) for use as --data-dir FILE.npz")
    p.add_argument("--pack-preset", type=int, default=3, choices=range(10), metavar="0-9",
                   help="lzma preset of --pack (9: smallest, slowest)")
    p.add_argument("--tag", default=None, help="suffix of the output file names")
    p.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                   help="only merge these result files (runs of other seeds/arms) into "
                        "one result in --out (name from --tag, default 'merged')")
    p.add_argument("--quiet", action="store_true")
    return p


def _settings_from_args(a) -> tuple[Settings, object]:
    from .classifier import bench_config

    s = Settings(protocol=a.protocol, track=a.track, smoke=a.smoke, fake_data=a.fake_data,
                 device=a.device, low_data_multiplier=a.low_data_multiplier,
                 target_per_class=a.target_per_class, filter_with=a.filter_with)
    clf = bench_config()
    if a.smoke:
        s.pool_per_class, s.test_per_class = 200, 20
        s.pca_components, s.sklearn_pool_per_class = 16, 200
        s.filter_rounds, s.filter_oversample = 2, 1.5
        s.gan = GANSettings(steps=8, batch_size=32, width=8, latent_dim=16, d_steps=1,
                            time_budget=None, tabular_epochs=2, tabular_width=16)
        clf = bench_config(widths=(8, 16, 16), train_examples=512, batch_size=64, tta=1,
                           eval_batch_size=500)
    s.filter_rounds = a.filter_rounds or s.filter_rounds
    s.pool_per_class = a.pool_per_class or s.pool_per_class
    s.test_per_class = a.test_per_class or s.test_per_class
    s.pca_components = a.pca_components or s.pca_components
    s.sklearn_pool_per_class = a.sklearn_pool_per_class or s.sklearn_pool_per_class
    g = s.gan
    for name, attr in [("gan_steps", "steps"), ("gan_batch_size", "batch_size"),
                       ("gan_width", "width"), ("gan_latent", "latent_dim"),
                       ("gan_d_steps", "d_steps"), ("gan_lecam", "lecam_weight"),
                       ("gan_gsr", "gsr_weight"), ("gan_time_budget", "time_budget"),
                       ("gan_n_jobs", "n_jobs"), ("tabular_epochs", "tabular_epochs")]:
        if getattr(a, name) is not None:
            setattr(g, attr, getattr(a, name))
    g.compile = a.compile
    if a.clf_examples is not None:
        clf.train_examples = a.clf_examples
    if a.clf_batch_size is not None:
        clf.batch_size = a.clf_batch_size
    if a.clf_widths is not None:
        clf.widths = tuple(int(v) for v in a.clf_widths.split(","))
    if a.clf_tta is not None:
        clf.tta = a.clf_tta
    clf.compile = a.compile
    return s, clf


def main(argv: list[str] | None = None,
         parser: argparse.ArgumentParser | None = None) -> int:
    """Run the benchmark and write JSON, markdown and PNG; returns an exit status.

    Parameters
    ----------
    argv : list of str or None, default=None
        Command-line arguments (None: ``sys.argv[1:]``); see ``--help``.
    parser : argparse.ArgumentParser or None, default=None
        The parser to read them with (None: :func:`build_parser`'s).

    Returns
    -------
    status : int
        0 on success, 2 on invalid arguments.
    """
    parser = parser or build_parser()
    a = parser.parse_args(argv)
    if a.merge:
        merged = merge_results([json.loads(Path(f).read_text()) for f in a.merge])
        stem = (f"cifar10_{merged['track']}_{merged['protocol']}"
                + ("_smoke" if merged["smoke"] else "") + f"_{a.tag or 'merged'}")
        paths = write_outputs(merged, Path(a.out), stem)
        if not a.quiet:
            print(markdown_report(merged))
            print(f"wrote {paths[0]}", file=sys.stderr)
        return 0
    arms = [m.strip() for m in a.methods.split(",") if m.strip()]
    bad = [m for m in arms if m not in ARMS]
    if bad:
        parser.error(f"unknown arm(s) {bad}; choose from {list(ARMS)}")
    if a.track == "sklearn" and any(m in TORCH_ONLY for m in arms):
        parser.error(f"arms {list(TORCH_ONLY)} train the torch classifier: use --track torch")
    if a.protocol == "full" and arms != ["none"]:
        parser.error("protocol 'full' (the classifier check) takes --methods none only")
    arms = [m for m in ARMS if m in arms]  # canonical order: none first, cgan before filter
    import torch

    from ganaug._device import resolve_device

    s, clf_cfg = _settings_from_args(a)
    if a.pack:
        path = pack_data(s, a.data_dir, a.pack, preset=a.pack_preset)
        print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB)", file=sys.stderr)
        return 0
    n_seeds = a.seeds if a.seeds is not None else (1 if a.smoke else 5)
    if n_seeds < 1:
        parser.error("--seeds must be at least 1")
    seeds = list(range(a.seed_offset, a.seed_offset + n_seeds))
    if a.threads:
        torch.set_num_threads(a.threads)
    device = resolve_device(a.device)
    log = (lambda msg: None) if a.quiet else (lambda msg: print(msg, file=sys.stderr,
                                                                 flush=True))
    skipped: dict[str, str] = {}
    if s.track == "sklearn" and "cgan+filter" in arms:
        arms.remove("cgan+filter")
        skipped["cgan+filter"] = "not part of the sklearn track (no Pipeline step for it)"

    (X_tr, y_tr), (X_te, y_te), info = load_data(s, a.data_dir)
    counts = np.bincount(y_tr, minlength=10).tolist()
    groups = class_groups(counts)
    strategy = sampling_strategy_for(s, counts)
    log(f"protocol {a.protocol} ({info['source']}): train {len(y_tr)} {counts}, "
        f"test {len(y_te)}, device {device}, arms {arms}, seeds {seeds}")

    runs: list[dict] = []
    t0 = time.perf_counter()

    def report(runs: list[dict], complete: bool) -> tuple[dict, list[Path]]:
        """Summarise ``runs`` and write JSON, markdown and PNG (again after every seed)."""
        elapsed = time.perf_counter() - t0
        done = sorted({r["seed"] for r in runs})
        summary, comparisons = summarise(runs, arms)
        cfg = {"settings": {k: v for k, v in asdict(s).items() if k != "gan"},
               "gan": asdict(s.gan)}
        if s.track == "torch":
            cfg["classifier"] = clf_cfg.to_dict()
        result = {
            "benchmark": "cifar10",
            "schema_version": 1,
            "track": s.track,
            "protocol": a.protocol,
            "smoke": bool(a.smoke),
            "created": utc_now(),
            "command": command_line(PROG, argv),
            "git": code_version(short=True) or "unknown",
            "device": _device_name(device),
            "versions": versions(),
            "seeds": done,
            "complete": complete,
            "arms": arms,
            "skipped_arms": skipped,
            "sampling_strategy": strategy if isinstance(strategy, str) else {
                str(k): v for k, v in strategy.items()},
            "groups": groups,
            "data": info,
            "config": cfg,
            "elapsed_s": elapsed,
            "runs": runs,
            "summary": summary,
            "comparisons": comparisons,
        }
        stem = f"cifar10_{s.track}_{a.protocol}" + ("_smoke" if a.smoke else "")
        paths = write_outputs(result, Path(a.out), stem + (f"_{a.tag}" if a.tag else ""))
        if not complete:
            log(f"seeds {done} done: partial results in {paths[0]}")
        return result, paths

    if s.track == "torch":
        if device.type == "cuda":  # warm-up: cuDNN autotuning / compilation off the clock
            from dataclasses import replace

            from .classifier import fit_classifier

            warm = replace(clf_cfg, train_examples=3 * clf_cfg.batch_size)
            fit_classifier(X_tr, y_tr, warm, device, 0).predict(X_te[:100])
        cache: dict = {}
        for seed in seeds:
            for arm in arms:
                runs.append(run_torch_arm(arm, seed, X_tr, y_tr, X_te, y_te, strategy, s,
                                          clf_cfg, device, groups, cache, log))
            cache.clear()
            if seed != seeds[-1]:  # what is done survives a run stopped at its time limit
                report(runs, complete=False)
    else:
        from sklearn.decomposition import PCA

        pca = PCA(n_components=s.pca_components, random_state=0)
        Z_tr = pca.fit_transform(X_tr.reshape(len(X_tr), -1) / 255.0)
        Z_te = pca.transform(X_te.reshape(len(X_te), -1) / 255.0)
        info["pca_explained_variance"] = float(pca.explained_variance_ratio_.sum())
        for seed in seeds:
            for arm in arms:
                runs.append(run_sklearn_arm(arm, seed, Z_tr, y_tr, Z_te, y_te, strategy, s,
                                            device, groups, log))
            if seed != seeds[-1]:
                report(runs, complete=False)
    result, paths = report(runs, complete=True)
    elapsed = result["elapsed_s"]
    log(f"wrote {paths[0]} (+ .md, .png) in {elapsed:.0f} s")
    if not a.quiet:
        print(markdown_report(result))
    return 0



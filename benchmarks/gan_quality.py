"""Sample quality of the conditional GAN on CIFAR-10 within a fixed wall-clock budget.

Protocols (``--protocol``): ``full`` (the training split), ``frac20`` (20 % of every
class, ``make_low_data``) and ``lt100`` (CIFAR-10-LT, ratio 100, ``make_long_tailed``).
One run:

1. trains the real-data classifier (``ganaug.metrics.train_classifier``) on the whole
   available training split: its test accuracy, and the feature network of the metrics;
2. fits ``ConditionalGANAugmenter`` on the protocol's training set for ``--budget``
   seconds of training (``time_budget``);
3. draws ``--per-class`` images of every class (class-uniform) and records:
   recognition rate (the real-data classifier assigns a sample to its class), CAS
   (a fresh classifier trained on the synthetic images only, tested on the real test
   set), Fréchet distance and KID on the classifier's features against the real test
   set (plus the real-train vs real-test floor), precision / recall and density /
   coverage, and standard FID when ``--inception`` names the weights file;
4. writes ``gan_quality_<protocol>.json``, a 10 x 10 sample grid (one row per class) and
   the loss curves as PNGs.

    python benchmarks/gan_quality.py --data-home DIR --protocol full --budget 420
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gan_speed import load_cifar_available, run_info  # noqa: E402

from ganaug import ConditionalGANAugmenter  # noqa: E402
from ganaug.datasets import CIFAR10_CLASSES, make_long_tailed, make_low_data  # noqa: E402
from ganaug.metrics import (  # noqa: E402
    density_coverage,
    fid_inception,
    frechet_distance,
    kernel_distance,
    precision_recall,
    train_classifier,
)
from ganaug.plotting import save_image_grid, save_loss_curves  # noqa: E402


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default=os.environ.get("GANAUG_DATA"))
    p.add_argument("--protocol", choices=("full", "frac20", "lt100"), default="full")
    p.add_argument("--budget", type=float, default=420.0, help="GAN training seconds")
    p.add_argument("--width", type=int, default=256)
    p.add_argument("--d-width", type=int, default=128)
    p.add_argument("--latent-dim", type=int, default=128)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--d-steps", type=int, default=2)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--ema-decay", type=float, default=0.999)
    p.add_argument("--lecam", type=float, default=None, help="default: 0 full, 0.1 others")
    p.add_argument("--gsr", type=float, default=None, help="default: 0.5 for lt100, else 0")
    p.add_argument("--diffaug", default=None, help="default: translation,cutout (+color)")
    p.add_argument("--compile", default="", help="'' (off), 'default' or a torch.compile mode")
    p.add_argument("--clf-epochs", type=int, default=15)
    p.add_argument("--per-class", type=int, default=5000, help="synthetic images per class")
    p.add_argument("--n-eval", type=int, default=10000, help="images per set for FD/KID/PR")
    p.add_argument("--inception", default=None, help="TorchScript Inception weights path")
    p.add_argument("--device", default="auto")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default="benchmarks/results")
    p.add_argument("--tag", default="", help="suffix of the output file names")
    p.add_argument("--as-is", action="store_true",
                   help="the data home already holds the protocol's training set (e.g. a "
                        "CIFAR-10-LT bundle): train on it without subsampling")
    args = p.parse_args(argv)
    stem = f"gan_quality_{args.protocol}{('_' + args.tag) if args.tag else ''}"
    t_start = time.perf_counter()
    timings: dict[str, float] = {}
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    (X_all, y_all), (X_test, y_test) = load_cifar_available(args.data_home)
    if args.protocol == "full" or args.as_is:
        X_tr, y_tr = X_all, y_all
    elif args.protocol == "frac20":
        X_tr, y_tr = make_low_data(X_all, y_all, 0.2, random_state=args.seed)
    else:
        X_tr, y_tr = make_long_tailed(X_all, y_all, 100, random_state=0)
    lecam = args.lecam if args.lecam is not None else (0.0 if args.protocol == "full" else 0.1)
    gsr = args.gsr if args.gsr is not None else (0.5 if args.protocol == "lt100" else 0.0)
    diffaug = args.diffaug or (
        "translation,cutout" if args.protocol == "full" else "color,translation,cutout"
    )
    result = {**run_info(args), "protocol": args.protocol,
              "n_train_available": int(len(X_all)),
              "train_class_counts": np.bincount(y_tr, minlength=10).tolist(),
              "n_test": int(len(X_test)),
              "gan": {"width": args.width, "d_width": args.d_width, "batch_size":
                      args.batch_size, "d_steps": args.d_steps, "lr": args.lr,
                      "lecam": lecam, "gsr": gsr, "diffaug": diffaug,
                      "ema_decay": args.ema_decay, "compile": args.compile,
                      "budget_s": args.budget}}
    if len(X_all) < 50000:
        result["note"] = (f"only {len(X_all)} of CIFAR-10's 50,000 training images were on "
                          "the device for this run")

    def save():
        result["timings_s"] = timings
        (out / f"{stem}.json").write_text(json.dumps(result, indent=2))

    # 1. real-data classifier: test accuracy, recogniser and feature network
    t = time.perf_counter()
    clf = train_classifier(X_all, y_all, epochs=args.clf_epochs, device=args.device,
                           random_state=args.seed)
    timings["real_classifier"] = time.perf_counter() - t
    result["real_classifier_test_acc"] = clf.score(X_test, y_test)
    result["real_classifier_n_train"] = int(len(X_all))
    print("real classifier test acc", result["real_classifier_test_acc"], flush=True)
    save()

    # 2. the conditional GAN
    aug = ConditionalGANAugmenter(
        epochs=10**6, time_budget=args.budget, batch_size=args.batch_size,
        latent_dim=args.latent_dim, width=args.width, discriminator_width=args.d_width,
        generator_lr=args.lr, discriminator_lr=args.lr, adam_betas=(0.0, 0.999),
        loss="hinge", d_steps=args.d_steps, ema_decay=args.ema_decay, lecam_weight=lecam,
        gsr_weight=gsr, diffaug=diffaug, class_balanced=True, device=args.device,
        compile={"": False, "default": True}.get(args.compile, args.compile),
        random_state=args.seed,
    )
    t = time.perf_counter()
    try:
        aug.fit(X_tr, y_tr)
    except Exception as exc:  # a compile failure must not cost the run: refit eagerly
        if not args.compile:
            raise
        result["compile_error"] = f"{type(exc).__name__}: {exc}"[:2000]
        print("compile failed, training eagerly:", result["compile_error"][:300], flush=True)
        left = max(30.0, args.budget - (time.perf_counter() - t))
        aug.set_params(compile=False, time_budget=left)
        aug.fit(X_tr, y_tr)
    timings["gan_training"] = time.perf_counter() - t
    hist = aug.history_
    steps_per_epoch = int(np.ceil(len(X_tr) / min(args.batch_size, len(X_tr))))
    result["gan_epochs"] = len(hist["d_loss"])
    result["gan_g_steps_approx"] = len(hist["d_loss"]) * steps_per_epoch
    result["history"] = hist
    print("GAN trained", timings["gan_training"], "s,", result["gan_epochs"], "epochs",
          flush=True)
    save_loss_curves(hist, out / f"{stem}_losses.png",
                     title=f"cGAN CIFAR-10 {args.protocol}, {args.budget:.0f} s")

    # 3. samples and metrics
    classes = np.arange(10)
    t = time.perf_counter()
    X_fake, y_fake = aug.sample(args.per_class * 10, y=np.repeat(classes, args.per_class))
    timings["sampling"] = time.perf_counter() - t
    grid = [aug.sample(10, y=int(c))[0] for c in classes]
    save_image_grid(grid, out / f"{stem}_samples.png",
                    row_labels=list(CIFAR10_CLASSES),
                    title=f"cGAN CIFAR-10 {args.protocol} ({args.budget:.0f} s training)")

    result["recognition_rate"] = clf.score(X_fake, y_fake)
    per_class = [float(np.mean(clf.predict(X_fake[y_fake == c]) == c)) for c in classes]
    result["recognition_rate_per_class"] = per_class
    print("recognition", result["recognition_rate"], flush=True)
    save()
    t = time.perf_counter()
    cas_clf = train_classifier(X_fake, y_fake, epochs=args.clf_epochs, device=args.device,
                               random_state=args.seed)
    timings["cas_classifier"] = time.perf_counter() - t
    result["cas"] = cas_clf.score(X_test, y_test)
    print("CAS", result["cas"], flush=True)
    save()

    try:
        feature_metrics(result, clf, X_tr, X_test, X_fake, args)
    except Exception as exc:  # record, keep the classifier-based numbers
        result["feature_metrics_error"] = f"{type(exc).__name__}: {exc}"[:2000]
    timings["total"] = time.perf_counter() - t_start
    save()
    print(json.dumps({k: v for k, v in result.items() if k not in ("history", "args")},
                     indent=1))
    return result


def feature_metrics(result, clf, X_tr, X_test, X_fake, args) -> None:
    """FD, KID, precision/recall, density/coverage on the classifier's features."""
    rs = np.random.RandomState(args.seed)
    m = min(args.n_eval, len(X_test), len(X_fake))
    f_test = clf.features(X_test[rs.choice(len(X_test), m, replace=False)])
    f_fake = clf.features(X_fake[rs.choice(len(X_fake), m, replace=False)])
    f_train = clf.features(X_tr[rs.choice(len(X_tr), min(m, len(X_tr)), replace=False)])
    result["fd_classifier_fake_vs_test"] = frechet_distance(f_fake, f_test)
    result["fd_classifier_train_vs_test"] = frechet_distance(f_train, f_test)
    kid = kernel_distance(f_fake, f_test, random_state=0)
    result["kid_classifier_fake_vs_test"] = {"mean": kid[0], "std": kid[1]}
    kid0 = kernel_distance(f_train, f_test, random_state=0)
    result["kid_classifier_train_vs_test"] = {"mean": kid0[0], "std": kid0[1]}
    k = min(5000, m)
    result["precision_recall_k3"] = precision_recall(f_test[:k], f_fake[:k], k=3)
    result["density_coverage_k5"] = density_coverage(f_test[:k], f_fake[:k], k=5)
    if args.inception:
        result["fid_inception_fake_vs_train"] = fid_inception(X_tr, X_fake, args.inception)


if __name__ == "__main__":
    main()

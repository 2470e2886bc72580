"""The ``ganaug`` command.

``ganaug bench`` is the main job; its harness is the package :mod:`ganaug_bench`, shipped
with the same distribution and imported only when ``ganaug bench`` runs
(:mod:`ganaug_bench.digits` for digits-lt, :mod:`ganaug_bench.cifar10` for cifar10-lt).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .commands import CommandError, as_flags, number_at_least

_positive_int = number_at_least(int, 1)


class _OneLineParser(argparse.ArgumentParser):
    """argparse with its errors on one line, as every other ``ganaug`` error (the usage
    block is in ``--help``); sub-command parsers are of this class too."""

    def error(self, message: str):  # noqa: D102 - argparse's hook
        self.exit(2, f"ganaug: error: {' '.join(message.split())} "
                     f"(see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ganaug`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
    """
    from ._version import __version__

    parser = _OneLineParser(
        prog="ganaug",
        description="GAN-based oversampling as scikit-learn / imbalanced-learn samplers.",
    )
    parser.add_argument("--version", action="version", version=f"ganaug {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    bench = sub.add_parser(
        "bench",
        help="the main job: none / RandomOverSampler / ROSE / SMOTE / a default "
        "ConditionalGANAugmenter in front of SVC on long-tailed digits",
        description="Compare oversamplers in front of SVC over several seeds, oversampling "
        "inside the training split only; print a table and write results.json, "
        "results.md, samples.png, summary.png, cgan_losses.png and quality.csv into --out.",
    )
    bench.add_argument("--dataset", choices=("digits-lt", "cifar10-lt"), default="digits-lt",
                       help="digits-lt (embedded, no download; default) or cifar10-lt "
                       "(runs the CIFAR-10 benchmark of ganaug_bench.cifar10; reads or downloads "
                       "CIFAR-10; other options, e.g. its --data-dir, are passed on, see below)")
    bench.add_argument("--seeds", type=_positive_int, default=None,
                       help="number of seeds, 0..N-1 (digits-lt default 50)")
    bench.add_argument("--out", default=None, help="output folder, created if missing; files of "
                       "an earlier run there are replaced (digits-lt default bench_out/)")
    bench.add_argument("--epochs", type=_positive_int, default=None,
                       help="GAN epochs of digits-lt (default: the estimator's own default, "
                       "a budget of generator steps)")
    bench.add_argument("--device", default=None,
                       help="device of the GAN arms: cpu (digits-lt default), auto, cuda, "
                       "cuda:N, mps")
    bench.add_argument("--threads", type=_positive_int, default=None,
                       help="torch CPU threads (digits-lt default 1: its networks are tiny "
                       "and extra threads cost more than they gain on a busy machine)")
    bench.add_argument("--quiet", action="store_true",
                       help="no per-seed progress: print the result tables and output paths")
    bench.epilog = (
        "With --dataset cifar10-lt, other options are passed on to the CIFAR-10 benchmark "
        "(see `python -m ganaug_bench.cifar10 --help`)."
    )
    from .commands import add_parsers  # pandas / numpy only: --help stays fast

    add_parsers(sub)
    return parser


def _out_folder(path: str) -> None:
    """Create the bench's output folder, or a one-line error before the run."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise CommandError(f"--out {path} is a file; name a folder (the bench writes "
                           "results.json, results.md and pictures into it)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out {path}: cannot create the folder ({exc.strerror})") from exc
    if not os.access(folder, os.W_OK):
        raise CommandError(f"--out {path}: the folder is not writable")


def _harness(name: str):
    """Import a module of the benchmark harness :mod:`ganaug_bench` (None, and a one-line
    message on stderr, when it is missing: a partial install)."""
    try:
        return importlib.import_module(f"ganaug_bench.{name}")
    except ImportError as exc:
        print(f"ganaug bench needs the package ganaug_bench, installed with ganaug; it could "
              f"not be imported ({exc}): reinstall ganaug", file=sys.stderr)
        return None


def _run_cifar10(args: argparse.Namespace, extra: list[str]) -> int:
    """Hand over to :func:`ganaug_bench.cifar10.main`."""
    module = _harness("cifar10")
    if module is None:
        return 2
    if args.epochs is not None:
        print("ganaug: error: --epochs is for digits-lt; cifar10-lt sets GAN length with "
              "--gan-steps", file=sys.stderr)
        return 2
    argv = []
    for flag, value in (("--seeds", args.seeds), ("--out", args.out), ("--device", args.device),
                        ("--threads", args.threads)):
        if value is not None:
            argv += [flag, str(value)]
    if args.quiet:
        argv.append("--quiet")
    # its errors on one line, as every other ganaug error (pointing to its own --help)
    parser = module.build_parser(parser_class=_OneLineParser)
    return int(module.main(argv + extra, parser) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ganaug`` command.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Arguments without the program name (None: ``sys.argv[1:]``).

    Returns
    -------
    status : int
        0 on success, 2 on a usage error or a missing optional part.
    """
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args, extra = parser.parse_known_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return _run(parser, args, extra, argv)
    except KeyboardInterrupt:
        print("ganaug: interrupted", file=sys.stderr)
        return 130
    except CommandError as exc:
        print(f"ganaug: error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 2
    except Exception as exc:  # a command-line user gets one line, not a traceback
        print(f"ganaug: error: {_one_line(exc, args)}", file=sys.stderr)
        return 2


def _one_line(exc: BaseException, args: argparse.Namespace) -> str:
    """The error as one line, with a hint where the cause is a known setup problem."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if getattr(args, "dataset", None) == "cifar10-lt" and isinstance(exc, OSError):
        text += (" (CIFAR-10 could not be read or downloaded: pass --data-dir with a folder "
                 "holding cifar-10-batches-py/, or set GANAUG_DATA)")
    return text


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace, extra: list[str],
         argv: list[str]) -> int:
    if args.command in ("resample", "sample", "report"):
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        from . import commands

        return getattr(commands, f"run_{args.command}")(args)
    if args.command == "bench":
        if args.out is not None or args.dataset == "digits-lt":  # before hours of work
            _out_folder("bench_out" if args.out is None else args.out)
        if args.device is not None:
            from ._device import resolve_device

            try:  # an unavailable device, before the first arm
                resolve_device(args.device)
            except ValueError as exc:
                raise CommandError(as_flags(str(exc))) from exc
        if args.dataset == "cifar10-lt":
            return _run_cifar10(args, extra)
        if extra:
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        module = _harness("digits_report")
        if module is None:
            return 2
        return module.main_digits(
            seeds=50 if args.seeds is None else args.seeds,
            out="bench_out" if args.out is None else args.out,
            epochs=args.epochs,
            device="cpu" if args.device is None else args.device,
            threads=1 if args.threads is None else args.threads,
            quiet=args.quiet,
            command=" ".join(["ganaug", *argv]),
        )
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse checks
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

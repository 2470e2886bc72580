"""``ganaug resample``, ``sample`` and ``report``: oversample a data file without Python.

Files are read with pandas (CSV; Parquet through pyarrow, optional) with the dtypes pandas
infers, and written in the format their extension names (``.csv``, ``.parquet``).
Every user error is a :class:`CommandError` with one line of text; the ``ganaug``
entry point prints it and exits with status 2.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

STRATEGY_WORDS = ("auto", "minority", "not minority", "not majority", "all")


class CommandError(Exception):
    """A user error of a command, said in one line."""


def add_parsers(sub) -> None:
    """Add the ``resample``, ``sample`` and ``report`` sub-commands to a sub-parser set."""
    r = sub.add_parser(
        "resample", help="oversample a CSV / Parquet file and write the result",
        description="Read a table, oversample its classes with a GAN augmenter, and write "
        "the original rows first, then the new ones, with the same columns and dtypes.",
    )
    r.add_argument("data", help="input file (.csv, or .parquet with pyarrow installed)")
    r.add_argument("--target", required=True, help="name of the class column")
    r.add_argument("--out", required=True, help="output file (.csv or .parquet)")
    r.add_argument("--strategy", default="auto",
                   help="auto, minority, 'not minority', 'not majority', all, a float "
                   "(binary targets), or class=count pairs like 'yes=500,no=1000'")
    r.add_argument("--categorical", default="auto",
                   help="comma list of columns to treat as categorical besides those their "
                   "dtypes make categorical (text, category, bool; default: those only)")
    r.add_argument("--method", choices=("cgan", "gan"), default="cgan",
                   help="cgan: ConditionalGANAugmenter (default); gan: one GAN per class")
    seed = number_at_least(int, 0, high=2**32 - 1)
    r.add_argument("--seed", type=seed, default=0)
    r.add_argument("--device", default="auto")
    r.add_argument("--time-budget", type=number_at_least(float, 0, strict=True), default=None,
                   help="seconds of training")
    r.add_argument("--save-model", default=None, help="also save the fitted model here")
    r.add_argument("--mark-synthetic", default=None, metavar="COLUMN",
                   help="add a boolean column of this name, True on the new rows")
    r.add_argument("--force", action="store_true", help="overwrite existing output files")
    s = sub.add_parser(
        "sample", help="generate rows from a model saved by resample --save-model",
        description="Load a model written by ganaug.save and write n generated rows.",
    )
    s.add_argument("model", help="a .ganaug file")
    s.add_argument("-n", type=int, required=True, help="number of rows")
    s.add_argument("--class", dest="label", default=None,
                   help="generate rows of this class only (default: the training shares)")
    s.add_argument("--out", required=True, help="output file (.csv or .parquet)")
    s.add_argument("--target", default="target",
                   help="name of the label column written beside the rows (default target)")
    s.add_argument("--seed", type=seed, default=None,
                   help="reseed sampling (default: the saved model's own sampling state)")
    s.add_argument("--force", action="store_true", help="overwrite an existing output file")
    q = sub.add_parser(
        "report", help="per-class quality report of a saved model's rows against real data",
        description="Fidelity, diversity and memorisation (distance to the closest real "
        "record) of a saved model's synthetic rows, class by class, against the real rows.",
    )
    q.add_argument("model", help="a .ganaug file")
    q.add_argument("data", help="the real (training) rows: .csv or .parquet")
    q.add_argument("--target", required=True, help="name of the class column")
    q.add_argument("--out", default=None, help="also write the table (.csv)")
    q.add_argument("--plot", default=None, help="also write a PNG of the report")
    q.add_argument("--force", action="store_true", help="overwrite existing output files")


def number_at_least(kind: type, low: float, strict: bool = False, high: float | None = None):
    """An argparse ``type``: a number of ``kind`` >= ``low`` (> with ``strict``), at most
    ``high``; its name is what argparse shows ("invalid whole number value: 'abc'")."""
    def parse(text: str):
        value = kind(text)
        if value < low or (strict and value == low) or (high is not None and value > high):
            span = f"{'above' if strict else 'at least'} {low}" + (
                f" and at most {high}" if high is not None else "")
            raise argparse.ArgumentTypeError(f"must be {span}; got {text}")
        return value

    parse.__name__ = "whole number" if kind is int else "number"
    return parse


#: file types ``report --plot`` writes (matplotlib picks the format by the suffix)
PLOT_SUFFIXES = (".png", ".pdf", ".svg", ".jpg", ".jpeg")


def read_table(path: str, labels: str | None = None) -> pd.DataFrame:
    """A CSV or Parquet file as a DataFrame, or a one-line CommandError.

    The column ``labels`` of a CSV is read as text, as written: class labels such as
    ``007`` and ``7`` stay apart, and the original rows are written back unchanged.
    """
    if not os.path.exists(path):
        raise CommandError(f"no such file: {path}")
    if os.path.isdir(path):
        raise CommandError(f"{path} is a directory, not a data file")
    _check_table_name(path, "read")
    if not _is_parquet(path):
        _check_header(path)
    try:
        if _is_parquet(path):
            frame = pd.read_parquet(path)
        else:
            frame = _read_csv(path, labels)
    except ImportError as exc:
        raise CommandError(f"cannot read {path}: Parquet needs pyarrow (pip install "
                           "pyarrow)") from exc
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"cannot read {path}: it is not UTF-8 text (byte {exc.object[exc.start]:#04x} "
            f"at position {exc.start}); save it as UTF-8 and pass that (`iconv -f "
            "ENCODING -t UTF-8 old.csv > new.csv`, e.g. ENCODING latin1 or utf-16, or "
            "'CSV UTF-8' in a spreadsheet's Save As)") from exc
    except (ValueError, OSError, pd.errors.ParserError) as exc:
        raise CommandError(f"cannot read {path}: {' '.join(str(exc).split())}") from exc
    if len(frame) == 0:
        raise CommandError(f"{path} has no data rows")
    return frame


def _read_csv(path: str, labels: str | None) -> pd.DataFrame:
    """A CSV as pandas infers it, then, from one more read of some columns as text:

    * the label column as written: text, and only an empty cell is missing ('NA', 'None'
      or 'null' can be class names; other columns take pandas' usual missing words);
    * whole-number columns with blank cells as nullable integers (``Int64``): pandas
      reads them as floats, so ``3`` came back as ``3.0`` in the written file, original
      rows included; only when every present cell is written as one (``3``, not ``3.0``).
    """
    frame = pd.read_csv(path)
    label = [labels] if labels is not None and labels in frame.columns else []
    whole = [c for c in frame.columns if c not in label and frame[c].dtype == np.float64
             and frame[c].isna().any() and frame[c].notna().any()]
    if not label and not whole:
        return frame
    raw = pd.read_csv(path, usecols=label + whole, dtype=str, keep_default_na=False)
    if label:
        frame[labels] = raw[labels].mask(raw[labels] == "")
    for c in whole:
        cells = raw[c][frame[c].notna()].str.strip()
        if cells.str.fullmatch(r"[+-]?\d{1,18}").all():
            frame[c] = cells.astype("Int64").reindex(frame.index)
    return frame


def _check_table_name(path: str, verb: str) -> None:
    """Refuse a data file name that is neither CSV (plain or compressed) nor Parquet:
    anything else was read, or written, as CSV text whatever its name said (an ``.xlsx``
    output was CSV inside)."""
    if not (_is_csv(path) or _is_parquet(path)):
        raise CommandError(f"cannot {verb} {path}: data files are .csv (or .csv.gz, ...) or "
                           ".parquet; name the file so (a CSV saved under another name "
                           "can be renamed to .csv)")


def _is_parquet(path: str) -> bool:
    """A .parquet (or .pq) name."""
    return path.lower().endswith((".parquet", ".pq"))


def _is_csv(path: str) -> bool:
    """A .csv name, plain or compressed as pandas infers it (.csv.gz, .csv.zip, ...)."""
    suffixes = [x.lower() for x in Path(path).suffixes]
    if suffixes and suffixes[-1] in (".gz", ".bz2", ".zip", ".xz", ".zst", ".tar"):
        suffixes = suffixes[:-1]
    return bool(suffixes) and suffixes[-1] == ".csv"


def _check_header(path: str) -> None:
    """Refuse CSV headers pandas would silently rename: repeated names (``x``, ``x.1``)
    and unnamed columns after the first (a trailing comma; a first unnamed column is a
    saved index, which ``resample`` warns about)."""
    from collections import Counter

    try:  # pandas reads the first line as data, unrenamed (compressed files too)
        first = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError):
        return  # pandas' own reading says what is wrong
    header = [] if first.empty else [h.strip("\ufeff") if i == 0 else h
                                     for i, h in enumerate(first.iloc[0].tolist())]
    repeated = sorted(h for h, n in Counter(header).items() if n > 1 and h)
    if repeated:
        raise CommandError(f"{path} repeats the column names {repeated}; rename them")
    unnamed = [i + 1 for i, h in enumerate(header) if i > 0 and not h]
    if unnamed:
        raise CommandError(f"column {unnamed[0]} of {path} has no name (a trailing comma?); "
                           "name it or remove it")


def _check_outs(force: bool, *paths: str | None, inputs: tuple[str, ...] = ()) -> None:
    """Every output path can be written (see :func:`_check_out`), no two are one file, and
    none is one of the command's ``inputs`` (``--force`` overwrites old outputs, never the
    data or model being read)."""
    given = [p for p in paths if p is not None]
    for path in given:
        for source in inputs:
            if _same_file(path, source):
                raise CommandError(f"{path} is the input {source}: writing it would destroy "
                                   "what the command reads; name another output file")
    for path in given:
        _check_out(path, force)
    resolved = [Path(p).resolve() for p in given]
    if len(set(resolved)) < len(resolved):
        raise CommandError(f"two outputs name one file ({', '.join(given)}); give each its own")


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (links included; a missing one by its path)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def _check_out(path: str, force: bool) -> None:
    if not path or path.endswith(("/", os.sep)) or os.path.isdir(path):
        raise CommandError(f"{path!r} is not a file name (empty, or a folder): name the "
                           "file to write")
    if os.path.exists(path) and not force:
        raise CommandError(f"{path} exists; pass --force to overwrite it")
    parent = Path(path).resolve().parent
    if not parent.is_dir():
        raise CommandError(f"the folder of {path} does not exist")
    try:  # can a file be made there? (os.access says yes to root everywhere)
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
    if _is_parquet(path):  # before training, not after
        import importlib.util

        if not any(importlib.util.find_spec(m) for m in ("pyarrow", "fastparquet")):
            raise CommandError(f"cannot write {path}: Parquet needs pyarrow (pip install "
                               "pyarrow), or write a .csv")


def write_table(frame: pd.DataFrame, path: str) -> None:
    """Write a CSV or Parquet file (by extension)."""
    try:
        if _is_parquet(path):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)
    except ImportError as exc:
        raise CommandError(f"cannot write {path}: Parquet needs pyarrow (pip install "
                           "pyarrow)") from exc


def _exact_or_stripped(name: str, known) -> str:
    """``name`` as given where it is one of ``known`` (names may hold spaces), else
    without surrounding spaces (``a, b`` lists)."""
    return name if name in set(known) else name.strip()


def _label_of(text: str, classes) -> object:
    """The class whose string form is ``text`` (labels read from a file keep their type)."""
    for c in classes:
        if str(c) == text:
            return c
    raise CommandError(f"unknown class {text!r}; the classes are {[str(c) for c in classes]}")


def parse_strategy(text: str, classes) -> object:
    """--strategy as imbalanced-learn's sampling_strategy (str, float or dict)."""
    if text in STRATEGY_WORDS:
        return text
    if "=" in text:
        out = {}
        for item in text.split(","):
            label, _, count = item.rpartition("=")  # counts hold no '=', labels may
            try:
                out[_label_of(_exact_or_stripped(label, map(str, classes)), classes)] = int(
                    count)
            except ValueError as exc:
                raise CommandError(f"--strategy: {count!r} is not a number of rows") from exc
        return out
    try:
        return float(text)
    except ValueError as exc:
        raise CommandError(
            f"--strategy {text!r}: use one of {', '.join(STRATEGY_WORDS)}, a float, or "
            "class=count pairs"
        ) from exc


def _summary(before: pd.Series, after: pd.Series) -> str:
    counts = pd.DataFrame({"before": before.value_counts(), "after": after.value_counts()})
    counts["added"] = counts["after"] - counts["before"]
    return counts.fillna(0).astype(int).sort_values("before", ascending=False).to_string()


#: the estimator parameters the commands set from a flag (errors name the flag)
FLAGS = {"time_budget": "--time-budget", "random_state": "--seed", "device": "--device",
         "sampling_strategy": "--strategy", "categorical_features": "--categorical"}


def as_flags(text: str) -> str:
    """An estimator's error in the words of the command line: its parameters as flags."""
    for param, flag in FLAGS.items():
        text = re.sub(rf"The '{param}' parameter of \w+", flag, text)
        text = re.sub(rf"`?\b{param}=['\"]?([^'\"\s,;)]*)['\"]?`?", rf"{flag} \1", text)
        text = re.sub(rf"[`'\"]{param}[`'\"]", flag, text)
    return text


def read_labelled(path: str, target: str) -> tuple[pd.DataFrame, pd.Series]:
    """A data file and its class column, every label present, or a one-line CommandError."""
    frame = read_table(path, labels=target)
    if target not in frame.columns:
        cols = ", ".join(map(str, frame.columns[:10]))
        only = str(frame.columns[0]) if frame.shape[1] == 1 else ""
        sep = next((s for s in (";", "\t", "|") if s in only), None)
        hint = (f"; its header is one column, split by {sep!r}: ganaug reads "
                "comma-separated files, so save it with commas" if sep else "")
        raise CommandError(f"no column {target!r} in {path} (columns: {cols}){hint}")
    y = frame[target]
    if y.isna().any():
        n = int(y.isna().sum())
        raise CommandError(f"{n} row{'s' * (n > 1)} of {target!r} {'have' if n > 1 else 'has'} "
                           "no class (an empty cell); drop or fill them first")
    return frame, y


def run_resample(args: argparse.Namespace) -> int:
    """``ganaug resample``: read, check, fit_resample, write, print a per-class summary."""
    frame, y = read_labelled(args.data, args.target)
    if y.nunique() < 2:
        raise CommandError(f"{args.target!r} has a single class ({y.iloc[0]!r}); "
                           "oversampling needs at least two")
    if args.mark_synthetic is not None and not args.mark_synthetic.strip():
        raise CommandError("--mark-synthetic needs a column name (it was empty)")
    if args.mark_synthetic is not None and args.mark_synthetic in frame.columns:
        raise CommandError(f"--mark-synthetic {args.mark_synthetic!r} is already a column")
    _check_outs(args.force, args.out, args.save_model, inputs=(args.data,))
    _check_table_name(args.out, "write")
    X = frame.drop(columns=[args.target])
    if X.shape[1] == 0:
        raise CommandError(f"{args.data} has no feature columns besides {args.target!r}")
    cats = "auto" if args.categorical == "auto" else [
        _exact_or_stripped(c, map(str, X.columns)) for c in args.categorical.split(",")
        if c.strip()]
    if isinstance(cats, list):
        missing = [c for c in cats if c not in X.columns]
        if args.target in missing:
            raise CommandError(f"--categorical names {args.target!r}, the --target column: "
                               "the labels are not a feature; drop it from --categorical")
        if missing:
            raise CommandError(f"--categorical names unknown columns {missing}")
        from .data.categorical import resolve_categorical

        # the named columns come on top of those the dtypes make categorical (text
        # columns can be nothing else)
        detected = X.columns[resolve_categorical(X, "auto")]
        cats += [c for c in detected if c not in cats]
    from . import augmenters

    cls = (augmenters.ConditionalGANAugmenter if args.method == "cgan"
           else augmenters.GANAugmenter)
    aug = cls(sampling_strategy=parse_strategy(args.strategy, np.unique(y.to_numpy())),
              categorical_features=cats, random_state=args.seed, device=args.device,
              time_budget=args.time_budget, verbose=int(sys.stderr.isatty()))
    try:
        X_res, y_res = aug.fit_resample(X, y)
    except ValueError as exc:  # the command's flags, not the estimator's parameters
        raise CommandError(as_flags(str(exc))) from exc
    if "Unnamed: 0" in X.columns:  # after every check: an error stays one line
        print("warning: column 'Unnamed: 0' looks like a saved row index (pandas names an "
              "unnamed first column so); it is resampled as a feature: drop it, or write "
              "the CSV with index=False", file=sys.stderr)
    out = X_res.copy()
    out.insert(frame.columns.get_loc(args.target), args.target, np.asarray(y_res))
    out[args.target] = out[args.target].astype(y.dtype)
    if args.mark_synthetic is not None:
        out[args.mark_synthetic] = np.arange(len(out)) >= len(frame)
    if args.save_model:  # first: a model that cannot be saved leaves no table behind
        from .io import save

        try:
            save(aug, args.save_model)
        except OSError as exc:
            raise CommandError(str(exc)) from exc
    write_table(out, args.out)
    print(_summary(y, out[args.target]))
    print(f"wrote {args.out}: {len(frame)} original rows, then {len(out) - len(frame)} new")
    return 0


#: a model of ``resample --method gan`` on classes that needed no oversampling
NO_GENERATOR = ("the model trained no generator: no class needed oversampling when it was "
                "fitted (resample --method gan trains only the classes it oversamples); "
                "refit with --method cgan, or with a --strategy that oversamples")


def _load_model(path: str):
    """A fitted model from a ganaug file, or a one-line CommandError."""
    if not os.path.exists(path):
        raise CommandError(f"no such file: {path}")
    from .io import load

    try:
        aug = load(path)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if not hasattr(aug, "codec_"):
        raise CommandError(f"{path} holds an unfitted model")
    return aug


def run_sample(args: argparse.Namespace) -> int:
    """``ganaug sample``: n rows (of one class) from a saved model, written to a file."""
    if args.n < 1:
        raise CommandError(f"-n must be at least 1; got {args.n}")
    _check_outs(args.force, args.out, inputs=(args.model,))
    _check_table_name(args.out, "write")
    aug = _load_model(args.model)
    if aug.classes_ is None:
        if args.label is not None:
            raise CommandError("this model was fitted without classes; drop --class")
        out = _as_table(aug.sample(args.n, random_state=args.seed))
    else:
        from .report import sampled_classes

        # the rows' column names: a frame's, or 0, 1, ... for arrays and images
        names = getattr(aug, "feature_names_in_", None)
        if names is None:
            names = getattr(getattr(aug, "codec_", None), "columns_", None)
        if names is None:
            names = range(aug.n_features_in_)
        if args.target in [str(f) for f in names]:
            raise CommandError(
                f"the generated rows have a column named {args.target!r}; pass --target "
                "with another name for the label column")
        trained = sampled_classes(aug, aug.classes_)  # resample --method gan: some only
        if len(trained) == 0:
            raise CommandError(NO_GENERATOR)
        if args.label is not None:
            label = _label_of(args.label, aug.classes_)
            if label not in trained:
                raise CommandError(
                    f"the model has no generator for class {args.label!r}: `ganaug resample "
                    f"--method gan` trains only the classes it oversamples; choose one of "
                    f"{[str(c) for c in trained]}")
        else:  # None: the training shares of the classes it has generators for
            label = None
            if len(trained) < len(aug.classes_):
                print(f"the model has generators for {[str(c) for c in trained]} only "
                      "(resample --method gan trains the oversampled classes): sampling "
                      "those")
        X_new, y_new = aug.sample(args.n, y=label, random_state=args.seed)
        out = _as_table(X_new).copy()
        out[args.target] = np.asarray(y_new)
    write_table(out, args.out)
    print(f"wrote {args.out}: {len(out)} rows")
    return 0


def _as_table(X_new) -> pd.DataFrame:
    """Sampled rows as a table: images flattened to one column per value."""
    if isinstance(X_new, pd.DataFrame):
        return X_new
    X_new = np.asarray(X_new)
    return pd.DataFrame(X_new.reshape(len(X_new), -1))


def _as_fitted(aug, X: pd.DataFrame) -> pd.DataFrame | np.ndarray:
    """A file's flat pixel rows in the shape of the images the model was fitted on.

    A CSV holds one column per value, as ``ganaug sample`` writes images
    (:func:`_as_table`); a model fitted on image arrays is given them in its own shape
    ((n, H, W), (n, H, W, C) or (n, C, H, W)). Anything else is handed on unchanged."""
    codec = getattr(aug, "codec_", None)
    shape = getattr(codec, "input_shape_", None)
    if (getattr(aug, "data_kind_", None) != "image" or getattr(codec, "columns_", None)
            is not None or shape is None or len(shape) < 2
            or X.shape[1] != int(np.prod(shape))):
        return X
    return X.to_numpy().reshape(len(X), *shape)


def run_report(args: argparse.Namespace) -> int:
    """``ganaug report``: the per-class quality table of a saved model against a file."""
    if args.plot is not None and Path(args.plot).suffix.lower() not in PLOT_SUFFIXES:
        raise CommandError(f"--plot {args.plot!r}: name a {' / '.join(PLOT_SUFFIXES)} file")
    if args.out and not _is_csv(args.out):
        raise CommandError(f"--out {args.out!r}: the table is written as CSV, name a .csv "
                           "file (or .csv.gz, ...; --plot writes the picture)")
    _check_outs(args.force, args.out, args.plot, inputs=(args.model, args.data))
    aug = _load_model(args.model)
    frame, y = read_labelled(args.data, args.target)
    from .report import quality_report, sampled_classes

    y = y.to_numpy()
    X = _as_fitted(aug, frame.drop(columns=[args.target]))
    if aug.classes_ is not None:
        unknown = sorted({str(v) for v in y} - {str(c) for c in aug.classes_})
        if unknown:
            raise CommandError(f"{args.data} has classes the model does not know: {unknown}")
        y = np.array([_label_of(str(v), aug.classes_) for v in y], dtype=object)
    if aug.classes_ is not None and len(sampled_classes(aug, aug.classes_)) == 0:
        raise CommandError(NO_GENERATOR)
    try:
        report = quality_report(aug, X, None if aug.classes_ is None else y, plot=args.plot)
    except ValueError as exc:  # the rows do not fit the model: say which file
        raise CommandError(f"{args.data}: {exc}") from exc
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        print(report.round(3).to_string())
    if args.out:
        report.to_csv(args.out)
        print(f"wrote {args.out}")
    if args.plot:
        print(f"wrote {args.plot}")
    return 0

"""Sampling: class codes, generation in bounded memory, decoding into the caller's container.

Sampling never changes fitted attributes: when the estimator samples on another device
than the CPU its generators are kept on, the copies on that device are cached in the
transient attribute ``_device_generators``, which pickling and ``ganaug.save`` drop
(see ``BaseGANAugmenter._transient_attrs``).
"""

from __future__ import annotations

import copy
import os
import sys
import warnings
from typing import Any

import numpy as np
import pandas as pd
from torch import nn

from ._class_filter import REDRAW_SCALE, ROUNDS, blind_to, judge_for, judge_predict
from ._device import MAX_SEED, cpu_threads, torch_defaults
from ._generation import generate_chunks
from .data.anchors import column_shares, fold_into, point_masses, pooled_share
from .data.assembler import Assembler


def device_generator(est, code: int | None) -> tuple[nn.Module, bool]:
    """The generator of class ``code`` on ``est.device_``, and whether it takes the class.

    The fitted generator itself when it is already there; otherwise a copy on the
    device, made once and cached in ``est._device_generators`` (never saved).
    """
    G, conditional = est._generator_for(code)
    device = est.device_
    if all(p.device == device for p in G.parameters()) and all(
            b.device == device for b in G.buffers()):
        return G, conditional
    cache = est.__dict__.setdefault("_device_generators", {})
    key = (code, str(device))
    if key not in cache:
        cache[key] = copy.deepcopy(G).to(device)
    return cache[key], conditional


def warn_if_collapsed(est, data: np.ndarray, codes: np.ndarray | None, n: int = 128) -> None:
    """Warn when the generated rows of a class barely vary compared with the real ones.

    Mode collapse (every sample the same row) is silent otherwise: the spread of
    ``n`` encoded samples per class is compared with that of the class's real rows.
    """
    groups = [None] if codes is None else range(len(est.classes_))
    latent = est.hparams_["latent_dim"]
    worst = []
    for code in groups:
        real = data if code is None else data[codes == code]
        if len(real) < 2 or data.ndim != 2:
            continue
        real_std = float(np.asarray(real, dtype=np.float64).std(0).mean())
        if real_std <= 0:
            continue
        try:
            G, conditional = device_generator(est, code)
        except ValueError:  # a class fit_resample did not train
            continue
        anchors, partners = anchors_for(est, code), partners_for(est, code)
        fake = next(generate_chunks(
            G, code if conditional else None, n, latent, est.device_, 0,
            anchors=anchors, partners=partners, share=share_for(est, G, anchors, partners),
            masses=masses_for(est, G, anchors, partners),
        ))
        # clipped to the real range, as decoding does: exploded outputs collapse there
        fake = np.clip(fake, real.min(0), real.max(0))
        ratio = float(fake.std(0).mean()) / real_std if np.isfinite(fake).all() else 0.0
        worst.append((ratio, code))
    if worst and min(worst)[0] < 0.05:
        ratio, code = min(worst)
        which = "" if code is None else f" of class {est.classes_.tolist()[code]!r}"
        warnings.warn(
            f"GAN training collapsed: generated rows{which} vary {ratio:.1%} as much as "
            "the real rows (near-identical samples). Refit with lower learning rates "
            "(generator_lr, discriminator_lr), another random_state, or the defaults.",
            UserWarning, stacklevel=_outside_levels(),
        )


def _outside_levels() -> int:
    """``stacklevel`` that points a warning at the first caller outside ganaug,
    scikit-learn and imbalanced-learn (the user's line), however deep the call;
    contextlib's frames (a context manager used as a decorator) are never the user's."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").partition(".")[0] in (
            "ganaug", "sklearn", "imblearn", "contextlib"):
        frame, level = frame.f_back, level + 1
    return level

def partners_for(est, code: int | None) -> np.ndarray | None:
    """Each anchor's nearest other rows of its class, indices into ``anchors_for``.

    The training's neighbour pairs (``anchor_partners_``), cut to the distinct ones of
    a small class. None in label mode, for classes without partners (one row, or only
    copies of one row), and for models fitted before neighbour noise (they sample as
    they were trained: pooled noise only).
    """
    pairs = getattr(est, "anchor_partners_", None)
    if pairs is None or not est.hparams_.get("neighbour_noise"):
        return None
    rows = (np.arange(len(pairs)) if code is None or est.anchor_codes_ is None
            else np.flatnonzero(est.anchor_codes_ == code))
    if len(rows) < 2 or pairs[rows[0], 0] == rows[0]:
        return None
    local = np.empty(len(pairs), dtype=np.int64)
    local[rows] = np.arange(len(rows))
    # a class's rows have as many distinct partners each (then the list repeats them)
    return local[pairs[rows, : len(np.unique(pairs[rows[0]]))]]


def share_for(est, G: nn.Module, anchors: np.ndarray | None,
              partners: np.ndarray | None) -> np.ndarray | None:
    """Per-column pooled shares of one class's noise (:func:`ganaug.data.column_shares`),
    as training used them; None (one share by class size) without neighbour noise and
    for models fitted before the shares were per column."""
    if anchors is None or partners is None or not est.hparams_.get("column_shares"):
        return None
    return class_column_shares(est, anchors, G.prior.detach().cpu().numpy(),
                               float(pooled_share(len(anchors))))


def masses_for(est, G: nn.Module, anchors: np.ndarray | None,
               partners: np.ndarray | None) -> tuple | None:
    """One class's :func:`ganaug.data.point_masses` over the generator's noise columns;
    None without neighbour noise and for models fitted before new rows kept them."""
    if anchors is None or not est.hparams_.get("point_masses"):
        return None
    return point_masses(anchors, partners, G.free.cpu().numpy())


def class_column_shares(est, rows: np.ndarray, prior: np.ndarray, share: float
                        ) -> np.ndarray:
    """:func:`ganaug.data.column_shares` of one class's encoded rows, its columns of one
    value told by the codec's ``tie_keys`` where it spreads tied values apart (in
    training and sampling alike)."""
    keys = est.codec_.tie_keys(rows) if hasattr(est.codec_, "tie_keys") else None
    return column_shares(rows, prior, share, keys=keys)


def anchors_for(est, code: int | None) -> np.ndarray | None:
    """Encoded real rows of class ``code`` to generate from (None: label mode)."""
    anchors = getattr(est, "anchors_", None)
    if anchors is None or code is None or est.anchor_codes_ is None:
        return anchors
    return anchors[est.anchor_codes_ == code]

def generate(est, codes: np.ndarray | None, n: int):
    """Decoded synthetic rows for class codes (or n unconditional rows), in order."""
    # Bounded memory: each chunk is generated, checked, decoded and written into one
    # preallocated output; nothing of size n exists besides the output and the codes.
    seed = est._sample_rng.randint(MAX_SEED)
    if codes is None:
        groups = [(None, None)]
    else:
        present = np.flatnonzero(np.bincount(codes, minlength=len(est.classes_)))
        groups = [(int(c), np.flatnonzero(codes == c)) for c in present]
    out = Assembler(n)
    with cpu_threads(est.cpu_threads, est.device_, est.data_kind_), torch_defaults(grad=False):
        _generate_into(est, out, groups, n, seed)
    return _in_container(est, out)


def _in_container(est, out: Assembler):
    """The assembled rows; images fitted as a frame's rows as a frame."""
    if est.data_kind_ == "image":  # images fitted as a frame's rows: a frame back
        names = getattr(est.codec_, "columns_", None)
        if names is None:  # files saved before the codec kept the columns
            names = getattr(est, "feature_names_in_", None)
        if names is not None:
            rows = pd.DataFrame(out.result(), columns=names)
            dtypes = getattr(est.codec_, "frame_dtypes_", None)  # (nullable UInt8 ...)
            return rows if dtypes is None else rows.astype(dtypes)
    return out.result()

def _generate_into(est, out: Assembler, groups: list, n: int, seed: int) -> None:
    judge, ends = judge_for(est), range_ends(est)
    for i, (code, where) in enumerate(groups):
        G, conditional = device_generator(est, code)
        m = n if where is None else len(where)
        start = 0
        # classifier in the loop (``class_filter``): rounds of draws for the rows still
        # missing keep the rows the check assigns to ``code``; the last round keeps all
        rounds = (ROUNDS + 1 if judge is not None and code is not None
                  and not blind_to(judge, code) else 1)
        anchors, partners = anchors_for(est, code), partners_for(est, code)  # once
        share = share_for(est, G, anchors, partners)
        masses = masses_for(est, G, anchors, partners)
        # anchored rows the check rejects are redrawn from the same anchors, each round
        # a shorter step (REDRAW_SCALE): the check changes how far a row moves from its
        # real row, never which real rows the class's new rows grow from
        anchored = anchors is not None and rounds > 1
        if rounds > 1:  # redrawn rows come last: spread each round over the class's
            # positions, so any part of a sample (its first rows) is like the whole
            where = np.random.default_rng((seed, i)).permutation(where)
        picks = None
        for r in range(rounds):
            rejected = []
            for rows in generate_chunks(
                G, code if conditional else None, m - start, est.hparams_["latent_dim"],
                est.device_, seed + i + r * len(groups), anchors=anchors, partners=partners,
                share=share, masses=masses, picks=picks, scale=REDRAW_SCALE ** r,
                with_picks=anchored,
            ):
                if anchored:
                    rows, pick = rows
                if not np.isfinite(rows).all():  # never hand back NaN/inf
                    raise FloatingPointError(
                        "The generator produced non-finite values (NaN/inf); refit it, "
                        "with lower learning rates if this repeats."
                    )
                reach = getattr(est, "class_reach_", {}).get(code)
                if reach is not None:  # numbers near the class's own (before the check)
                    at, low, high = reach
                    rows[:, at] = fold_into(rows[:, at], low, high)
                if ends is not None:  # inside the training range, also before the check
                    fold_into(rows, *ends)
                if r < rounds - 1:
                    ok = judge_predict(judge, rows) == code
                    if anchored:
                        rejected.append(pick[~ok])
                    rows = rows[ok]
                    if not len(rows):
                        continue
                stop = start + len(rows)
                pos = slice(start, stop) if where is None else where[start:stop]
                out.put(pos, decode(est, rows, code))
                start = stop
            if start == m:
                break
            if anchored:
                picks = np.concatenate(rejected)

def range_ends(est) -> tuple | None:
    """The codec's training range in encoded units with where to fold (see
    :meth:`ganaug.data.NumericEncoder.range_ends`), or None where it keeps none."""
    ends = getattr(est.codec_, "range_ends", None)
    return None if ends is None else ends()


def decode(est, rows: np.ndarray, code: int | None):
    """Encoded rows of class ``code`` in the caller's container (folded categories drawn
    from the class's own shares where the codec folds rare values)."""
    tails = getattr(est, "class_tail_probs_", None)
    if tails and code is not None and code in tails:
        return est.codec_.inverse_transform(rows, tail_probs=tails[code])
    return est.codec_.inverse_transform(rows)


def share_counts(counts: np.ndarray, n: int) -> np.ndarray:
    """``n`` split in the shares of ``counts`` (largest remainders; sums to ``n``)."""
    want = np.asarray(counts, dtype=np.float64) / np.sum(counts) * n
    base = np.floor(want).astype(int)
    base[np.argsort(-(want - base), kind="stable")[: n - base.sum()]] += 1
    return base


def trained_codes(est) -> np.ndarray:
    """Codes of the classes ``est`` has generators for: all, except for a
    ``GANAugmenter`` fitted by ``fit_resample``, which trains only the classes it
    oversamples (``generator_index_`` is -1 for the others)."""
    index = getattr(est, "generator_index_", None)
    if index is None:
        return np.arange(len(est.classes_))
    return np.flatnonzero(np.asarray(index) >= 0)


def one_hot_rows(codes, width: int) -> np.ndarray:
    """Column indices as int one-hot rows of ``width`` columns (``label_binarize`` gives
    two classes one column, which a caller's two-column labels cannot take)."""
    return (np.asarray(codes)[:, None] == np.arange(width)).astype(int)


def one_hot_array(y) -> np.ndarray:
    """One-hot labels as an array: a frame whose columns all have integer or bool dtypes
    as int64 (numpy makes objects of several such dtypes)."""
    if isinstance(y, pd.DataFrame):
        ints = all(isinstance(d, np.dtype) and d.kind in "biu" for d in y.dtypes)
        return y.to_numpy(dtype=np.int64 if ints else None)
    return np.asarray(y)


def one_hot_indices(y, meta: dict) -> np.ndarray:
    """The column index of each one-hot row of ``y`` (``sample``'s labels for a model
    fitted on one-hot labels, ``meta`` its ``y_one_hot_``); a frame's columns are matched
    by name; anything but rows of one 1 and zeros is refused."""
    width, columns = meta["width"], meta["columns"]
    if isinstance(y, pd.DataFrame) and columns is not None:
        if sorted(map(repr, y.columns)) != sorted(map(repr, columns)):
            raise ValueError(f"y's columns {list(y.columns)} are not the one-hot columns "
                             f"the augmenter was fitted on, {columns}.")
        y = y[columns]  # by name, in the fitted order
    rows = one_hot_array(y)
    if rows.shape[1] != width or rows.dtype.kind not in "biuf":
        raise ValueError(
            f"y must hold one-hot rows of {width} columns (or column indices), as the "
            f"augmenter was fitted on; got shape {rows.shape} of dtype {rows.dtype}.")
    ones = rows == 1
    if not ((ones | (rows == 0)).all() and (ones.sum(1) == 1).all()):
        raise ValueError("y must hold one-hot rows: one 1 per row, zeros elsewhere.")
    return ones.argmax(1)


def empty_rows(est):
    """A sample of no rows in the container, columns and dtypes of generated ones: one
    encoded row of zeros decoded as they are (no generator needed; some decoders refuse
    an empty block), then cut to none. It may draw from the codec's stream: callers put
    it back."""
    codec = est.codec_
    width = codec.shape_ if est.data_kind_ == "image" else (codec.n_features_,)
    out = Assembler(1)
    out.put(slice(0, 1), decode(est, np.zeros((1, *width), dtype=np.float32), None))
    rows = _in_container(est, out)
    return rows.iloc[:0] if isinstance(rows, pd.DataFrame) else rows[:0]


def codes_for(est, n: int, y) -> np.ndarray:
    """Class codes for ``sample``: proportions, one label, or an array of labels."""
    if y is None:  # the training shares of the classes it has generators for
        trained = trained_codes(est)
        counts = np.asarray(est.class_counts_)[trained]
        if len(trained) == 0 or counts.sum() == 0:
            raise ValueError("This augmenter has no generator for any class (fit_resample "
                             "had no class to oversample); call fit(X, y) to train one "
                             "per class, then sample.")
        codes = np.repeat(trained, share_counts(counts, n))
        return est._sample_rng.permutation(codes)
    if isinstance(y, set | frozenset | dict):
        raise TypeError(
            f"y must be one label or an array of n_samples={n} labels; got a "
            f"{type(y).__name__}, which has no order (pass one label, e.g. y=1, or a list)."
        )
    # never cast labels to the classes' dtype: a cast truncates ('ab' -> 'a' for
    # '<U1' classes, 0.5 -> 0 for int classes) and turns unknown labels into known ones
    labels = np.asarray(y, dtype=object if est.classes_.dtype == object else None)
    if (labels.dtype.kind in "US" and est.classes_.dtype.kind not in "US"
            or labels.dtype.kind == "f" and est.classes_.dtype.kind in "iu"):
        # numpy made text of mixed labels ([1, 'q'] -> ['1', 'q']), or floats of big
        # integers of two types ([2**60 + 1, np.uint64(2**60)], rounded): compare each
        # as given
        labels = np.asarray(y, dtype=object)
    one = labels.ndim == 0  # one label for all rows: looked up once, then repeated
    if one:
        labels = labels.reshape(1)
    elif labels.ndim != 1 or len(labels) != n:
        raise ValueError(
            f"y must be one label or an array of n_samples={n} labels; got shape "
            f"{labels.shape}."
        )
    classes = est.classes_
    # integers of two dtypes (int64 labels, uint64 classes) meet as float64 in numpy,
    # which rounds above 2**53: those are looked up one by one, as Python ints
    mixed_ints = (labels.dtype.kind in "iu" and classes.dtype.kind in "iu"
                  and labels.dtype != classes.dtype)
    pos = None if mixed_ints else _sorted_positions(classes, labels)
    if pos is None:  # labels that cannot be sorted with the classes: each distinct one
        # is looked up as numpy compares it (a Timestamp equals a datetime64 class)
        which, distinct = pd.factorize(labels.astype(object))  # missing: -1
        found = np.array([class_position(classes, v) for v in distinct.tolist()] + [-1],
                         dtype=np.int64)
        pos = found[which]
    unknown = pos < 0
    # True == 1 and False == 0 in numpy and in dicts: bool labels match bool classes only
    unknown |= _is_bool(labels) != _is_bool(est.classes_)[np.clip(pos, 0, None)]
    if np.any(unknown):
        # missing labels named as such, read from y as given: numpy made pd.NA in an
        # Int64 array nan, and nan in a list of text 'nan'
        missing = int(pd.isna(np.asarray(y, dtype=object).reshape(-1)).sum())
        # the classes as the user gave them (tolist() makes datetime64 plain ints)
        shown = pd.Series(classes).tolist()
        if missing:
            raise ValueError(
                f"y has {missing} missing label(s) (NaN, None or pd.NA); pass one of the "
                f"fitted classes {shown} for every row."
            )
        bad = pd.unique(pd.Series(labels[unknown], dtype=object)).tolist()[:5]
        raise ValueError(
            f"Unknown label(s) {bad} in y; the augmenter was fitted on classes {shown}."
        )
    return np.full(n, pos[0], dtype=np.int64) if one else pos.astype(np.int64)


def _sorted_positions(classes: np.ndarray, labels: np.ndarray) -> np.ndarray | None:
    """Positions of ``labels`` in the sorted ``classes`` (-1: absent); None when numpy
    cannot sort them together (mixed types)."""
    try:
        pos = np.clip(np.searchsorted(classes, labels), 0, len(classes) - 1)
        return np.where(np.asarray(classes[pos] != labels, dtype=bool), -1, pos)
    except TypeError:
        return None


def class_position(classes: np.ndarray, label: Any) -> int:
    """Position of ``label`` in ``classes`` (-1: absent), compared as numpy compares them.

    Not through ``classes.tolist()``: that turns datetime64 classes into dates or plain
    ints (by unit), which no longer equal the numpy labels imbalanced-learn's
    ``sampling_strategy_`` and the user's callables hold.
    A label that is not a scalar (a tuple would be broadcast over the classes) is absent.
    """
    if np.ndim(label) != 0:
        return -1
    try:
        hit = np.flatnonzero(np.asarray(classes == label, dtype=bool))
    except (TypeError, ValueError):
        return -1
    return int(hit[0]) if len(hit) else -1


def _is_bool(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` are booleans (Python or numpy), elementwise."""
    if values.dtype == bool:
        return np.ones(values.shape, dtype=bool)
    items = values.tolist() if values.dtype == object else ()
    if not {bool, np.bool_} & set(map(type, items)):  # the usual case, without a loop
        return np.zeros(values.shape, dtype=bool)
    return np.array([isinstance(v, bool | np.bool_) for v in items], dtype=bool)


#: Bytes per sampled row besides its values: its label, its class code, the codes'
#: shuffle and the positions they are written to (measured: about 36 bytes per row of
#: working memory on a one-column table, where the values took 8).
ROW_OVERHEAD = 40


def check_output_fits(n: int, n_features: int, resample: bool = False,
                      itemsize: int = 8) -> None:
    """Refuse a ``sample(n)`` (``resample``: a ``fit_resample`` returning ``n`` rows) that
    would not fit in this machine's memory, before any training or allocation.
    ``itemsize``: bytes per value (8: float64 or object pointers; 1 for uint8 images).
    Each row also takes :data:`ROW_OVERHEAD` bytes of labels and codes, which on a
    narrow table are most of the memory (a one-column ``sample(2_000_000_000)`` passed a
    check of the values alone, then grew past the machine's memory)."""
    need = n * (max(int(n_features), 1) * int(itemsize) + ROW_OVERHEAD)
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf: allow up to 1 TiB
        total = 2**40
    if need > total and resample:
        raise ValueError(
            f"fit_resample with this sampling_strategy would return {n:,} rows, about "
            f"{need / 2**30:,.0f} GiB with their labels, more than this machine's "
            f"{total / 2**30:,.0f} GiB of memory. "
            "Ask for fewer rows (a dict {class: rows after resampling}), or fit, then "
            "sample in chunks (several calls of `aug.sample(100_000, y=label)`, or "
            "`ganaug sample -n 100000` runs with different --seed values) and write "
            "each part out."
        )
    if need > total:
        raise ValueError(
            f"sample({n:,}) would need about {need / 2**30:,.0f} GiB for the rows and "
            f"their labels, more than this machine's {total / 2**30:,.0f} GiB of "
            "memory. Sample in chunks instead: several calls with fewer rows (in Python "
            "`for _ in range(k): part = aug.sample(100_000)`; from the command line, "
            "`ganaug sample -n 100000` runs with different --seed values), each part "
            "written out."
        )

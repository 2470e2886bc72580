"""Per-class quality report of synthetic rows: useful, varied, and not copies?

:func:`quality_report` compares, class by class, rows an augmenter generates with the real
training rows of that class: fidelity and diversity (precision / recall, density /
coverage), the within-class spread, memorisation (distance to the closest real record,
DCR, against the real rows' own nearest-neighbour distances, and the share of exact and
near copies) and, for tables, per-column marginals and correlations
(:func:`marginal_fidelity`). Distances are measured in the augmenter's own encoded
space (its ``codec_``: standardised numbers for numeric arrays, quantile-normal numbers
for mixed tables, one-hot categories, images scaled to [-1, 1]); for samplers without
one, numeric columns standardised by the real rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from ._sampling import trained_codes
from ._validation import nan_as_missing, rows_array
from .base import kept_sampling_streams
from .data.tabular import TabularEncoder
from .metrics import density_coverage, precision_recall

__all__ = ["marginal_fidelity", "quality_report"]

_MISSING = object()  # the category of missing values in marginal_fidelity
NEAR_COPY_QUANTILE = 0.05  # near copy: closer to a real row than 95 % of real rows are


def _categorical(frame: pd.DataFrame) -> list:
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])
            or pd.api.types.is_bool_dtype(frame[c])]


def marginal_fidelity(real: pd.DataFrame, synth: pd.DataFrame) -> dict:
    """Per-column KS (numeric) / TVD (categorical) and the correlation-matrix gap.

    Parameters
    ----------
    real, synth : DataFrame
        Real and synthetic rows with the same columns.

    Returns
    -------
    fidelity : dict
        ``ks`` and ``tvd`` (per column), their means and maxima (NaN without such
        columns), and ``corr_diff_mean`` / ``corr_diff_max``: absolute differences of
        the numeric columns' correlation matrices (NaN with fewer than 2 such columns;
        a column constant on one side correlates 0 there, a pair undefined on both
        sides is left out).
        Missing values are one value above all numbers in the KS (a numeric column
        with values on one side only scores 1) and a category of their own in the TVD.

    Raises
    ------
    ValueError
        If either frame has no rows, or their columns differ (or repeat).
    """
    from scipy.stats import ks_2samp

    if len(real) == 0 or len(synth) == 0:
        raise ValueError(f"marginal_fidelity needs rows on both sides; got {len(real)} real "
                         f"and {len(synth)} synthetic.")
    if (real.columns.has_duplicates or synth.columns.has_duplicates
            or set(real.columns) != set(synth.columns)):
        extra = sorted(set(map(str, synth.columns)) - set(map(str, real.columns)))
        lost = sorted(set(map(str, real.columns)) - set(map(str, synth.columns)))
        raise ValueError(f"real and synth must have the same columns, once each (synth extra: "
                         f"{extra}, missing: {lost}).")
    ks, tvd = {}, {}
    cats = set(_categorical(real))
    for c in real.columns:
        if c in cats:  # missing values (None, NaN, pd.NA alike) are one category of
            # their own, never equal to a text such as '<NA>'
            p, q = (v.astype(object).where(v.notna(), _MISSING).value_counts(normalize=True)
                    for v in (real[c], synth[c]))
            keys = list(dict.fromkeys([*p.index, *q.index]))  # aligned without sorting
            tvd[c] = float(0.5 * (p.reindex(keys, fill_value=0)
                                  - q.reindex(keys, fill_value=0)).abs().sum())
        else:
            # missing values are one atom above every number, so a gap in the missing
            # rates counts (50 % missing against none read as KS 0.16, sampling noise),
            # and one side without numbers is as far from the other as can be
            a, b = (v.astype(float).fillna(np.inf).to_numpy() for v in (real[c], synth[c]))
            ks[c] = float(ks_2samp(a, b).statistic)
    num = list(ks)
    if len(num) > 1:
        cr, cs = (f[num].astype(float).corr().to_numpy() for f in (real, synth))
        # a column constant on one side has no correlation there (0), not an undefined
        # one: the pairs of a column the generator collapsed were dropped from the means
        none = np.isnan(cr) & np.isnan(cs)
        diff = np.where(none, np.nan, np.abs(np.nan_to_num(cr) - np.nan_to_num(cs)))
        upper = diff[np.triu_indices(len(num), 1)]
    else:
        upper = np.array([np.nan])

    def stat(f, v):
        v = [x for x in v if np.isfinite(x)]
        return float(f(v)) if v else float("nan")

    return {
        "ks": ks, "tvd": tvd,
        "ks_mean": stat(np.mean, ks.values()), "ks_max": stat(np.max, ks.values()),
        "tvd_mean": stat(np.mean, tvd.values()), "tvd_max": stat(np.max, tvd.values()),
        "corr_diff_mean": stat(np.mean, upper), "corr_diff_max": stat(np.max, upper),
    }


def _encoder(augmenter, X):
    """Rows -> float matrix for distances (the augmenter's codec when it has one)."""
    codec = getattr(augmenter, "codec_", None)
    if codec is not None and getattr(augmenter, "data_kind_", None) == "image":
        def enc(Z):
            s = codec.to_storage(np.asarray(Z)).reshape(len(Z), -1).astype(np.float32)
            return s * codec.scale + codec.offset
        return enc
    if isinstance(codec, TabularEncoder):  # equal rows encode equally (exact copies: 0)
        return lambda Z: np.asarray(codec.transform(Z, spread_ties=False), dtype=np.float32)
    if codec is not None:
        return lambda Z: np.asarray(codec.transform(Z), dtype=np.float32)
    try:
        values = np.asarray(X, dtype=np.float64).reshape(len(X), -1)
    except (TypeError, ValueError) as exc:
        which = (f"non-numeric columns ({[str(c) for c in _categorical(X)]})"
                 if isinstance(X, pd.DataFrame) else "values that are not numbers")
        raise ValueError(
            f"quality_report measures a sampler without a ganaug encoding (codec_) on "
            f"numbers only; X has {which}: encode them first (e.g. one-hot), or report a "
            "ganaug augmenter fitted on this table."
        ) from exc
    mu, sd = values.mean(0), values.std(0)
    sd[sd == 0] = 1.0
    return lambda Z: ((np.asarray(Z, dtype=np.float64).reshape(len(Z), -1) - mu) / sd)


def _as_fitted(augmenter, X):
    """The real rows as the augmenter saw them at fit, or a ValueError before any work.

    A DataFrame's columns are taken by name, in the model's order (the same columns
    reordered are the same data; by position the numbers would be silently wrong);
    another number of columns, or images of another shape or dtype (another value
    convention: 0-255 against 0-1), are refused.
    """
    codec = getattr(augmenter, "codec_", None)
    if getattr(augmenter, "data_kind_", None) == "image" and codec is not None:
        codec.require_compatible(np.asarray(X), "the augmenter's")
        return X
    names = getattr(augmenter, "feature_names_in_", None)
    if names is not None and not isinstance(X, pd.DataFrame):
        shown = ", ".join(repr(str(n)) for n in list(names)[:5]) + (
            ", ..." if len(names) > 5 else "")
        raise ValueError(f"The augmenter was fitted on a DataFrame (columns {shown}) but X "
                         f"is a {type(X).__name__}; pass the rows as a DataFrame with those "
                         "columns (e.g. pd.DataFrame(X, columns=augmenter.feature_names_in_)).")
    if names is not None and isinstance(X, pd.DataFrame):
        model, given = [str(n) for n in names], [str(c) for c in X.columns]
        if given != model:
            if sorted(given) != sorted(model) or len(set(given)) != len(given):
                extra = sorted(set(given) - set(model))
                lost = sorted(set(model) - set(given))
                twice = sorted({c for c in given if given.count(c) > 1})
                what = f"extra: {extra}, missing: {lost}" if extra or lost else (
                    f"repeated: {twice}")
                raise ValueError(f"The real rows' columns differ from those the augmenter "
                                 f"was fitted on ({what}); pass the rows it was fitted on.")
            X = X.iloc[:, [given.index(n) for n in model]]
    if isinstance(X, pd.DataFrame):  # NaN is missing, as fit read it
        X = nan_as_missing(X)
    n_features = getattr(augmenter, "n_features_in_", None)
    if n_features is not None and np.ndim(X) == 2 and np.shape(X)[1] != n_features:
        raise ValueError(f"X has {np.shape(X)[1]} columns but the augmenter was fitted on "
                         f"{n_features}; pass the rows it was fitted on.")
    return X


def sampled_classes(augmenter, y) -> np.ndarray:
    """The labels of ``y`` that ``augmenter`` can generate, in sorted order.

    All of them, except for a ``GANAugmenter`` fitted by ``fit_resample``: it trains
    only the classes it oversamples (``generator_index_`` is -1 for the others).

    Parameters
    ----------
    augmenter : fitted augmenter
    y : array-like
        Labels.

    Returns
    -------
    classes : ndarray
    """
    classes = np.unique(np.asarray(y))
    if getattr(augmenter, "generator_index_", None) is None:  # any sampler: all of them
        return classes
    trained = np.asarray(augmenter.classes_)[trained_codes(augmenter)]
    return classes[np.isin(classes, trained)]


def _distances(A: np.ndarray, B: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Euclidean distance of each row of ``A`` to ``B[idx]`` (its found neighbour), in
    float64 and computed directly, so an exact copy is at 0."""
    return np.linalg.norm(np.asarray(A, dtype=np.float64)
                          - np.asarray(B, dtype=np.float64)[idx], axis=1)


def quality_report(augmenter, X, y=None, n_per_class: int | None = None,
                   plot: str | Path | None = None, random_state: int = 0) -> pd.DataFrame:
    """Per-class report of an augmenter's synthetic rows against the real rows.

    Parameters
    ----------
    augmenter : fitted augmenter
        Anything with ``sample(n, y=label)`` returning ``(X_new, y_new)`` (ganaug's
        augmenters, or a wrapper around another sampler); without ``y``,
        ``sample(n)`` returning ``X_new``.
    X : array-like, DataFrame or images
        The real (training) rows the augmenter learned from. A DataFrame's columns are
        matched to the model's by name (any order); rows of another width, and images of
        another shape or dtype, are refused.
    y : array-like or None, default=None
        Their labels (None: one group, the whole of ``X``).
    n_per_class : int or None, default=None
        Synthetic rows per class (None: as many as the class has real rows, at least 50
        and at most 2,000).
    plot : str, Path or None, default=None
        Also write a PNG: the memorisation and diversity columns as bars per class
        (tables), or real and synthetic images side by side per class (images).
    random_state : int, default=0
        No longer used: shared values of a table are encoded at the middle of their
        quantile interval, so a copy of a real row is at distance 0 (it seeded a random
        spread that hid copies); kept so that existing calls run.

    Returns
    -------
    report : DataFrame
        One row per class it can generate (:func:`sampled_classes`): ``n_real``,
        ``n_synthetic``, ``precision``, ``recall``, ``density``, ``coverage`` (k-NN
        manifolds, k = min(5, n_real - 1)),
        ``spread_ratio`` (mean per-feature standard deviation, synthetic over real: 1 =
        as varied), ``dcr_median`` (median distance of a synthetic row to the closest
        real training row of any class), ``real_nn_median`` (the same for real rows, to
        their closest *other* real row), ``dcr_ratio`` (their quotient: near 0 means
        copies, about 1 means as new as a fresh real row), ``exact_copies`` and
        ``near_copies`` (shares of synthetic rows at distance 0, and closer than 95 % of
        real rows are to their neighbour); for tables also ``ks_mean``, ``tvd_mean`` and
        ``corr_diff_mean`` of :func:`marginal_fidelity`.

    Notes
    -----
    A ganaug model's sampling streams are put back after the report: two reports of one
    model agree, and a report does not change what the model's next ``sample`` returns.

    The k-NN columns compare every real row of a class with every other: time grows
    with the square of a class's real rows (memory only linearly: distances are taken in
    blocks). For classes of tens of thousands of rows, report on a random part of them.

    Examples
    --------
    >>> import numpy as np
    >>> from ganaug import ConditionalGANAugmenter
    >>> from ganaug.report import quality_report
    >>> X = np.random.RandomState(0).normal(size=(120, 3)); y = np.repeat([0, 1], [90, 30])
    >>> aug = ConditionalGANAugmenter(max_steps=20, random_state=0).fit(X, y)
    >>> quality_report(aug, X, y).index.tolist()
    [0, 1]
    """
    if n_per_class is not None and (not isinstance(n_per_class, int | np.integer)
                                    or n_per_class < 2):
        raise ValueError(f"n_per_class must be an integer of at least 2 (precision, recall "
                         f"and coverage compare each synthetic row with another); got "
                         f"{n_per_class!r}.")
    is_frame = isinstance(X, pd.DataFrame)
    if not is_frame and not hasattr(X, "shape"):  # lists of rows, as fit takes them
        X = rows_array(X)
    X = _as_fitted(augmenter, X)
    if len(X) < 2:
        raise ValueError(f"quality_report needs at least 2 real rows (distances to the "
                         f"nearest other real row are its yardstick); got {len(X)}.")
    if y is not None and len(y) != len(X):
        raise ValueError(f"X has {len(X)} rows but y has {len(y)} labels: pass one label "
                         "per row.")
    # tables get the marginal fidelity columns, whatever their container
    table = getattr(augmenter, "data_kind_", None) != "image" and np.ndim(X) == 2
    labels = np.zeros(len(X), dtype=int) if y is None else np.asarray(y)
    enc = _encoder(augmenter, X)
    real_all = enc(X)
    index = NearestNeighbors(n_neighbors=2).fit(real_all)
    rows, grids = {}, []
    # the report samples without moving the model's sampling streams: two reports agree,
    # and a report does not change what the next sample() returns
    with kept_sampling_streams(augmenter):
        for c in np.unique(labels) if y is None else sampled_classes(augmenter, labels):
            mask = labels == c
            real_rows = X[mask] if not is_frame else X.loc[mask]
            n_real = int(mask.sum())
            m = n_per_class or int(np.clip(n_real, 50, 2000))
            fake = augmenter.sample(m) if y is None else augmenter.sample(m, y=c)[0]
            if isinstance(fake, tuple):  # a model fitted with labels, reported as one group
                fake = fake[0]
            R, F = real_all[mask], enc(fake)
            k = max(1, min(5, n_real - 1, m - 1))
            prec, rec = precision_recall(R, F, k=k) if n_real > 1 else (np.nan, np.nan)
            dens, cov = density_coverage(R, F, k=k) if n_real > 1 else (np.nan, np.nan)
            # distances recomputed from the neighbours found: above 15 dimensions scikit-learn
            # computes them as |x|^2 + |y|^2 - 2 x.y, and an exact copy came out near 1e-7
            dcr = _distances(F, real_all, index.kneighbors(F, 1, return_distance=False)[:, 0])
            own = _distances(R, real_all,  # the nearest other real row
                             index.kneighbors(R, 2, return_distance=False)[:, 1])
            base = float(np.median(own))
            near = float(np.quantile(own, NEAR_COPY_QUANTILE))
            real_sd = float(np.asarray(R, dtype=np.float64).std(0).mean())
            row = {
                "n_real": n_real, "n_synthetic": int(m),
                "precision": prec, "recall": rec, "density": dens, "coverage": cov,
                "spread_ratio": float(np.asarray(F, np.float64).std(0).mean()) / real_sd
                if real_sd > 0 else np.nan,
                "dcr_median": float(np.median(dcr)), "real_nn_median": base,
                "dcr_ratio": float(np.median(dcr)) / base if base > 0 else np.nan,
                "exact_copies": float(np.mean(dcr <= 1e-9)),
                "near_copies": float(np.mean(dcr < near)) if near > 0 else float(np.mean(
                    dcr <= 1e-9)),
            }
            if table:
                # arrays as frames: object arrays' number columns as numbers (a column of
                # objects would count as categories)
                real_frame = real_rows if is_frame else pd.DataFrame(real_rows).infer_objects()
                # a model fitted on an array samples arrays: the frame's columns, by position
                synth = fake if isinstance(fake, pd.DataFrame) else pd.DataFrame(
                    np.asarray(fake), columns=real_frame.columns).infer_objects()
                fid = marginal_fidelity(real_frame.reset_index(drop=True),
                                        synth.reset_index(drop=True))
                row.update(ks_mean=fid["ks_mean"], tvd_mean=fid["tvd_mean"],
                           corr_diff_mean=fid["corr_diff_mean"])
            rows[c.item() if hasattr(c, "item") else c] = row
            if getattr(augmenter, "data_kind_", None) == "image":
                grids.append((c, np.asarray(real_rows)[:8], np.asarray(fake)[:8]))
    report = pd.DataFrame.from_dict(rows, orient="index")
    report.index.name = "class"
    if plot is not None:
        _plot(report, grids, augmenter, plot)
    return report


def _plot(report: pd.DataFrame, grids: list, augmenter, path) -> None:
    from .plotting import save_bar_chart, save_image_grid

    if grids:
        codec = augmenter.codec_
        rows, labels = [], []
        for c, real, fake in grids:
            for name, imgs in (("real", real), ("synthetic", fake)):
                x = codec.to_storage(imgs).astype(np.float32) * codec.scale + codec.offset
                rows.append(x.transpose(0, 2, 3, 1))
                labels.append(f"{c} {name}")
        save_image_grid(rows, path, row_labels=labels,
                        title="real vs synthetic images per class")
        return
    cols = ["dcr_ratio", "spread_ratio", "near_copies", "coverage"]
    save_bar_chart(
        {str(c): [float(report.loc[c, k]) for k in cols] for c in report.index}, cols, path,
        ylabel="value (dcr/spread ratio 1 = like real rows)",
        title="synthetic vs real rows per class: memorisation and diversity",
    )

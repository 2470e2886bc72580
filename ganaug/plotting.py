"""PNG pictures written by the commands that make the numbers (needs matplotlib)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def _figure(figsize: tuple[float, float]):
    """A matplotlib Figure, without pyplot: the user's backend and figures are untouched."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Pictures need matplotlib: pip install 'ganaug[plot]' (or matplotlib)."
        ) from exc
    return Figure(figsize=figsize)


def _text(label) -> str:
    """A label shown as written: '$' would start matplotlib's math text (two of them
    fail to parse or typeset a formula), so it is escaped."""
    return str(label).replace("$", r"\$")


def _save(fig, path: str | Path, suptitle: bool = False) -> Path:
    """Tight layout (below a figure title, if any), write the picture at ``path``.

    The suffix picks the format (.png, .pdf, .svg, ...); a path without one gets a PNG
    under that very name (matplotlib would add '.png' and the returned path would not
    exist).
    """
    title_in = 0.45 if suptitle else 0.0  # inches kept free for fig.suptitle
    fig.tight_layout(rect=(0, 0, 1, 1 - title_in / fig.get_figheight()))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, format=None if path.suffix else "png")
    return path


def save_image_grid(
    rows: Sequence[np.ndarray],
    path: str | Path,
    row_labels: Sequence[str] | None = None,
    title: str | None = None,
) -> Path:
    """One row of images per entry of ``rows`` (each (k, H, W) or (k, H, W, C), C 1-4).

    uint8 rows are shown as they are (0-255); other rows are min-max scaled together
    over the grid's other rows for display. Two-channel images are shown as red and green.
    """
    if not any(len(r) for r in rows):
        raise ValueError("save_image_grid needs at least one image.")
    if row_labels is not None and len(row_labels) != len(rows):
        raise ValueError(f"row_labels has {len(row_labels)} labels for {len(rows)} rows of "
                         "images: pass one label per row (or None).")
    rows = [np.asarray(r) for r in rows]
    for i, r in enumerate(rows):
        _check_grid_row(i, r)
    n_rows = len(rows)
    n_cols = max(len(r) for r in rows)
    fig = _figure((n_cols * 0.8 + 1.2, n_rows * 0.8 + 0.4))
    axes = fig.subplots(n_rows, n_cols, squeeze=False)
    scaled = [r for r in rows if len(r) and r.dtype != np.uint8]
    stack = (np.concatenate([r.astype(np.float64).ravel() for r in scaled]) if scaled
             else np.zeros(0))
    stack = stack[np.isfinite(stack)]  # NaN / inf pixels must not blank the grid's range
    grid = (stack.min(), stack.max()) if stack.size else (0.0, 1.0)
    for i, images in enumerate(rows):
        lo, hi = (0.0, 255.0) if images.dtype == np.uint8 else grid
        for j in range(n_cols):
            ax = axes[i, j]
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if j < len(images):
                img = (np.asarray(images[j], dtype=np.float64) - lo) / max(hi - lo, 1e-12)
                img = np.clip(img, 0, 1)
                if img.ndim == 3 and img.shape[-1] == 1:  # only the channel axis goes
                    img = img[..., 0]  # (a side of 1 pixel stays)
                elif img.ndim == 3 and img.shape[-1] == 2:  # shown as red and green
                    img = np.concatenate([img, np.zeros_like(img[..., :1])], -1)
                ax.imshow(img, cmap="gray" if img.ndim == 2 else None, vmin=0, vmax=1,
                          interpolation="nearest")
        if row_labels is not None:
            axes[i, 0].set_ylabel(_text(row_labels[i]), rotation=0, ha="right",
                                  va="center")
    if title:
        fig.suptitle(_text(title))
    return _save(fig, path, suptitle=bool(title))


def _check_grid_row(i: int, images: np.ndarray) -> None:
    """Refuse a row of images save_image_grid would draw wrongly or fail on in matplotlib."""
    if not len(images):
        return
    if images.ndim == 3 or (images.ndim == 4 and 1 <= images.shape[-1] <= 4):
        return
    if images.ndim == 4 and 1 <= images.shape[1] <= 4:
        fix = "channels first: pass images.transpose(0, 2, 3, 1)"
    elif images.ndim == 2:
        fix = "flat rows: pass images.reshape(k, H, W) or (k, H, W, C)"
    else:
        fix = "pass (k, H, W) or (k, H, W, C) with 1-4 channels"
    raise ValueError(f"Row {i} of images has shape {images.shape}, not (k, H, W) or "
                     f"(k, H, W, C) with 1-4 channels last; {fix}.")


def save_loss_curves(history: Mapping[str, Sequence[float]], path: str | Path,
                     title: str | None = None) -> Path:
    """Per-epoch curves of a ``history_`` dict (d_loss, g_loss, d_real, d_fake)."""
    names = {"d_loss": "discriminator loss", "g_loss": "generator loss",
             "d_real": "D score of real rows", "d_fake": "D score of generated rows"}
    fig = _figure((8, 3.5))
    ax = fig.subplots()
    for values in history.values():
        ax.plot(np.arange(1, len(values) + 1), values)
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean over the epoch")
    # outside the axes: a legend never hides a curve; labels passed with the lines (a
    # label starting with '_' would otherwise be left out)
    ax.legend(ax.lines, [_text(names.get(k, k)) for k in history], loc="upper left",
              bbox_to_anchor=(1.01, 1.0), fontsize="small")
    if title:
        ax.set_title(_text(title))
    return _save(fig, path)


def save_bar_chart(
    values: Mapping[str, Sequence[float]],
    categories: Sequence[str],
    path: str | Path,
    errors: Mapping[str, Sequence[float]] | None = None,
    ylabel: str | None = None,
    title: str | None = None,
) -> Path:
    """Grouped bars with error bars: one group per category, one bar per series.

    Parameters
    ----------
    values : mapping of str to sequence of float
        Series name (e.g. a benchmark arm) -> one value per category.
    categories : sequence of str
        Names of the groups along the x axis (e.g. 'top1', 'few').
    path : str or Path
        Where the PNG goes (parent folders are created).
    errors : mapping of str to sequence of float or None, default=None
        Half-lengths of the error bars (e.g. std over seeds), aligned with ``values``.
    ylabel, title : str or None, default=None

    Returns
    -------
    path : Path
    """
    names = list(values)
    n, k = len(names), len(categories)
    width = 0.8 / max(n, 1)
    fig = _figure((max(6.0, 1.1 * k * max(n, 1) * 0.45 + 2), 4))
    ax = fig.subplots()
    x = np.arange(k)
    bars = []
    for i, name in enumerate(names):
        err = None if errors is None else np.asarray(errors[name], dtype=float)
        bars.append(ax.bar(x + (i - (n - 1) / 2) * width,
                           np.asarray(values[name], dtype=float), width, yerr=err,
                           capsize=3))
    ax.set_xticks(x)
    ax.set_xticklabels([_text(c) for c in categories])
    if ylabel:
        ax.set_ylabel(_text(ylabel))
    if title:
        ax.set_title(_text(title))
    # off the bars; labels passed with the bars (one starting with '_' would be left out)
    ax.legend(bars, [_text(nm) for nm in names], fontsize="small", loc="upper left",
              bbox_to_anchor=(1.01, 1.0))
    return _save(fig, path)


def save_interval_chart(
    estimates: Mapping[str, tuple[float, float | None, float | None]],
    path: str | Path,
    references: Mapping[str, float] | None = None,
    xlabel: str | None = None,
    title: str | None = None,
) -> Path:
    """Point estimates with their intervals, one row each, and labelled reference lines.

    Made for paired differences: the interval's distance from 0 is the test, which
    overlapping error bars of two means do not show.

    Parameters
    ----------
    estimates : mapping of str to (float, float or None, float or None)
        Row label -> (estimate, interval low, interval high); a row without an
        interval (None bounds) is drawn as a point.
    path : str or Path
        Where the PNG goes (parent folders are created).
    references : mapping of str to float, default=None
        Label -> x position of a vertical dashed line (e.g. 'no difference': 0.0).
    xlabel, title : str or None, default=None

    Returns
    -------
    path : Path
    """
    labels = list(estimates)
    fig = _figure((8, 1.2 + 0.5 * max(len(labels), 1)))
    ax = fig.subplots()
    y = np.arange(len(labels))[::-1]  # the first row on top
    for yi, label in zip(y, labels):
        mid, low, high = estimates[label]
        err = None
        if low is not None and high is not None:
            err = [[mid - low], [high - mid]]
        ax.errorbar([mid], [yi], xerr=err, fmt="o", color="C4", capsize=4)
    lines = [ax.axvline(x, linestyle="--", color=("0.3", "C3", "C2", "C1")[i % 4], linewidth=1)
             for i, x in enumerate((references or {}).values())]
    if lines:
        ax.legend(lines, [_text(k) for k in references], fontsize="small",
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.set_yticks(y)
    ax.set_yticklabels([_text(lb) for lb in labels])
    ax.set_ylim(-0.6, len(labels) - 0.4)
    if xlabel:
        ax.set_xlabel(_text(xlabel))
    if title:
        ax.set_title(_text(title))
    return _save(fig, path)

"""Markdown tables and the header lines of a benchmark report, for every benchmark."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any


def table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A Markdown table: one header row, a ``|---|`` rule, one line per row.

    Parameters
    ----------
    head : sequence of str
        Column titles.
    rows : iterable of sequence
        Cells, already formatted (anything ``str`` accepts); an empty cell is ``| |``.

    Returns
    -------
    table : str
        Lines joined by newlines, no trailing newline.
    """

    def line(cells: Iterable[Any]) -> str:
        return "|" + "|".join(f" {c} " if str(c) else " " for c in cells) + "|"

    return "\n".join([line(head), "|" + "---|" * len(head), *(line(row) for row in rows)])


def mean_pm_std(s: dict[str, Any] | None, scale: float = 1.0, digits: int = 3) -> str:
    """``mean ± std`` of a :func:`ganaug_bench.stats.mean_std` summary (``–`` if empty).

    Parameters
    ----------
    s : dict or None
        ``{"mean", "std", ...}``; a None std prints the mean alone.
    scale : float, default=1.0
        Multiplier (100: percent).
    digits : int, default=3
        Decimals.

    Returns
    -------
    text : str
    """
    if not s or s.get("mean") is None:
        return "–"
    m = s["mean"] * scale
    if s.get("std") is None:
        return f"{m:.{digits}f}"
    return f"{m:.{digits}f} ± {s['std'] * scale:.{digits}f}"


def seconds_text(seconds: float) -> str:
    """Seconds with two significant digits below 10 (a 13 ms fit shows as 0.013, not
    0.0) and whole seconds above (not 1.2e+02).

    Parameters
    ----------
    seconds : float

    Returns
    -------
    text : str
    """
    return f"{seconds:.2g}" if seconds < 10 else f"{seconds:.0f}"

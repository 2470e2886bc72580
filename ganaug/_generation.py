"""Generation from a fitted generator in chunks of bounded size.

Re-exported by ``ganaug.train``; sampling (``ganaug/_sampling.py``) decodes the chunks.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch
from torch import nn

from ._checks import check_number
from .data.anchors import neighbour_noise, pooled_share


def generate_chunks(
    G: nn.Module,
    codes: np.ndarray | int | None,
    n: int,
    latent_dim: int,
    device: torch.device,
    seed: int,
    chunk: int = 8192,
    anchors: np.ndarray | None = None,
    partners: np.ndarray | None = None,
    share: np.ndarray | None = None,
    masses: tuple | None = None,
    picks: np.ndarray | None = None,
    scale: float = 1.0,
    with_picks: bool = False,
) -> Iterator:
    """Yield generated rows (float32 numpy, encoded space) in chunks of at most ``chunk``.

    ``codes`` holds one class code per row, one code for all rows (an int: no array of
    size ``n`` is made), or None for an unconditional generator. ``anchors`` (encoded
    real rows of one class) makes each row from a uniformly drawn anchor instead
    (anchor-conditioned generators; ``codes`` is then ignored); with ``partners``
    (each anchor's same-class neighbours, indices into ``anchors``) the noise also
    comes from the anchor's neighbours, by the class's size
    (:func:`ganaug.data.pooled_share`), or per column by ``share`` (one value per
    encoded column, :func:`ganaug.data.column_shares`); with ``masses`` (the class's
    :func:`ganaug.data.point_masses`) a row keeps its anchor's value where the anchor
    sits on a value many of its class's rows share, as often as the anchor's
    neighbours hold it. With ``anchors``, ``picks`` (``n`` indices into ``anchors``)
    fixes each row's anchor instead of drawing it, ``scale`` multiplies each row's
    displacement from its anchor, and ``with_picks`` yields ``(rows, anchor indices)``
    pairs.

    ``z`` is drawn on the CPU from a generator seeded with ``seed``, so the same seed
    gives the same samples on any device; G runs in eval mode without gradients.
    """
    check_number("n", n, 0, integer=True)
    check_number("chunk", chunk, 1, integer=True)  # 0 failed in range(), -1 gave nothing
    if codes is not None and np.ndim(codes) and len(codes) != n:
        raise ValueError(f"codes holds {len(codes)} class codes for n={n} rows; pass one per "
                         "row, or one int for all.")
    if picks is not None and anchors is not None:
        picks = np.asarray(picks)
        if (picks.shape != (n,) or picks.dtype.kind not in "iu"
                or n and not 0 <= picks.min() <= picks.max() < len(anchors)):
            raise ValueError(
                f"picks must hold n={n} integer indices into the {len(anchors)} anchors, "
                f"one anchor per row; got shape {picks.shape}, dtype {picks.dtype}"
                + (f", values {picks.min()} to {picks.max()}."
                   if picks.size and picks.dtype.kind in "iuf" else ".")
            )
    gen = torch.Generator().manual_seed(int(seed))
    G.eval()
    with torch.no_grad():
        if anchors is not None:  # an AnchorGenerator
            yield from _anchor_chunks(G, n, latent_dim, device, gen, chunk, anchors, partners,
                                      share, masses, picks, scale, with_picks)
            return
        step = forward_rows(G, chunk)
        for start in range(0, n, chunk):
            m = min(chunk, n - start)
            z = torch.randn(m, latent_dim, generator=gen)  # drawn per chunk, as before
            y = None
            if codes is not None:
                part = np.full(m, codes) if np.ndim(codes) == 0 else codes[start : start + m]
                y = torch.as_tensor(part, dtype=torch.long)
            out = [G(z[a : a + step].to(device), None if y is None else y[a : a + step]
                     .to(device)).float().cpu().numpy() for a in range(0, m, step)]
            yield out[0] if len(out) == 1 else np.concatenate(out)


#: bytes of activations one image generator forward may hold (about 8 feature maps of the
#: last stage per row); bounds sampling's GPU memory (set, not tuned)
FORWARD_BYTES = 2**31


def forward_rows(G: nn.Module, chunk: int) -> int:
    """Rows per generator forward in sampling: ``chunk`` for table generators; for an
    image generator as many as fit :data:`FORWARD_BYTES` (8,192 images of 32 x 32 at
    width 256 held about 70 GB, beyond most GPUs)."""
    width, stages = getattr(G, "width", None), getattr(G, "stages", None)
    if width is None or stages is None or not hasattr(G, "h0"):
        return chunk
    per_row = 8 * width * (G.h0 << stages) * (G.w0 << stages) * 4
    return max(1, min(chunk, FORWARD_BYTES // per_row))


def _anchor_chunks(G, n, latent_dim, device, gen, chunk, anchors, partners, share=None,
                   masses=None, picks=None, scale=1.0, with_picks=False):
    """``generate_chunks`` for an :class:`~ganaug.nn.tabular.AnchorGenerator`: per chunk
    ``z``, the anchors, then the neighbour draws, through its ``sample_from`` (the
    anchors and the neighbours' free columns go to the device once, not per row)."""
    rows = torch.from_numpy(np.ascontiguousarray(anchors, dtype=np.float32)).to(device)
    near_rows = rows[:, G.free]
    near_idx = None if partners is None else torch.from_numpy(partners).to(device)
    if near_idx is not None:  # the neighbour draws hold (rows, neighbours, columns):
        # chunks of at most 5 * 2**20 of those values (20 MB) per tensor; with 5
        # neighbours, tables of up to 128 continuous columns keep 8,192-row chunks
        # (3,000 columns held 1.5 GB of such tensors)
        width = near_idx.shape[1] * max(near_rows.shape[1], 1)
        chunk = min(chunk, max(64, 5 * 2**20 // width))
    share = (torch.tensor(pooled_share(float(len(anchors))), device=device)
             if share is None  # the free columns' shares (sampling computes only these)
             else torch.as_tensor(np.asarray(share, dtype=np.float32), device=device)[G.free])
    # values many of the class's rows share, kept as often as the anchor's neighbours
    # hold them (:func:`~ganaug.data.point_masses`); their draws come from the seeded
    # stream only when a class has point masses, so other classes sample as before
    if masses is not None:
        pin_rng = np.random.default_rng(int(torch.randint(0, 2**31, (1,), generator=gen)))
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        z = torch.randn(m, latent_dim, generator=gen).to(device)
        pick = (torch.randint(0, len(anchors), (m,), generator=gen) if picks is None
                else torch.as_tensor(np.asarray(picks[start:start + m], dtype=np.int64)))
        pick = pick.to(device)
        local = None
        if near_idx is not None:
            eps = torch.randn(m, near_idx.shape[1], 1, generator=gen).to(device)
            local = neighbour_noise(near_rows[pick], near_rows[near_idx[pick]], eps)
        out = G.sample_from(z, rows, pick, local, share if local is not None else None)
        if masses is not None:
            p = pick.cpu().numpy()
            kept = masses[0][p] & (pin_rng.random(p.shape + masses[0].shape[1:])
                                   < masses[1][p])
            if kept.any():
                kept = torch.from_numpy(kept).to(device)
                out[kept] = rows[pick][kept]
        if scale != 1.0:  # a shorter step from each anchor (copied columns move by 0)
            base = rows[pick]
            out = base + scale * (out - base)
        out = out.float().cpu().numpy()
        yield (out, pick.cpu().numpy()) if with_picks else out

"""Networks for tables.

- Anchor conditioning (the default of ``ConditionalGANAugmenter``):
  :class:`AnchorGenerator` (a real row of the class + pooled within-class noise + a
  learned residual; one-hot blocks copied from the anchor) and :class:`PairDiscriminator`.
- Label conditioning: :class:`MLPGenerator` (ReLU MLP, optionally ending in per-span
  output heads, :class:`SpanActivation`: identity for continuous values, softmax /
  Gumbel-softmax for one-hot blocks as laid out by ``ganaug.data.TabularEncoder.spans_``)
  and :class:`MLPDiscriminator` (optionally spectrally normalised, projection head).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor, nn
from torch.nn.utils.parametrizations import spectral_norm

from .projection import projection_layers, projection_score


class SpanActivation(nn.Module):
    """Activations per output span: identity for continuous values, softmax per block.

    All one-hot blocks are handled at once with segment operations (a scatter max, exp,
    a scatter sum), so the cost does not grow with the number of columns.

    In training mode each block is a Gumbel-softmax sample at temperature ``tau``
    (nearly one-hot, like the real rows the discriminator sees; the Gumbel noise comes
    from ``noise_generator`` when set, so training stays reproducible). In eval mode each
    block is the plain softmax, i.e. the probabilities of the categorical distribution
    the Gumbel-max trick samples from; the decoder draws a category from them.

    Parameters
    ----------
    spans : sequence of (start, stop, kind)
        ``kind`` is 'continuous' or 'softmax'; spans tile ``[0, out_dim)``.
    out_dim : int
        Width of the generator output.
    tau : float, default=0.2
        Gumbel-softmax temperature in training.
    """

    def __init__(self, spans: Sequence, out_dim: int, tau: float = 0.2):
        super().__init__()
        idx, seg = [], []
        for k, (start, stop, _kind) in enumerate(s for s in spans if s[2] == "softmax"):
            idx.extend(range(start, stop))
            seg.extend([k] * (stop - start))
        self.n_segments = len(set(seg))
        self.out_dim, self.tau = out_dim, tau
        self.register_buffer("idx", torch.tensor(idx, dtype=torch.long), persistent=False)
        self.register_buffer("seg", torch.tensor(seg, dtype=torch.long), persistent=False)
        self.noise_generator: torch.Generator | None = None

    def forward(self, out: Tensor) -> Tensor:
        if self.n_segments == 0:
            return out
        b = out.shape[0]
        logits = out.index_select(1, self.idx).float()
        if self.training:
            u = torch.rand(logits.shape, device=logits.device, generator=self.noise_generator)
            gumbel = -torch.log((-torch.log(u.clamp_min(1e-10))).clamp_min(1e-10))
            logits = (logits + gumbel) / self.tau
        seg = self.seg.expand(b, -1)
        m = torch.full((b, self.n_segments), float("-inf"), device=out.device)
        m = m.scatter_reduce(1, seg, logits.detach(), reduce="amax", include_self=True)
        e = torch.exp(logits - m.gather(1, seg))
        total = torch.zeros((b, self.n_segments), device=out.device).scatter_add(1, seg, e)
        probs = (e / total.gather(1, seg)).to(out.dtype)
        return out.index_copy(1, self.idx, probs)

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__
        state = dict(state)
        state["noise_generator"] = None  # a generator is run state, never copied/pickled
        return state


class MLPGenerator(nn.Module):
    """z (and a class embedding) -> ReLU MLP -> a row in the encoded space.

    Plain ReLU layers on purpose: piecewise-linear maps fold the latent space into
    separated modes far sooner than smooth (SiLU) or normalised residual blocks, which
    tend to draw the curve between modes (measured on the 8-Gaussian ring).
    """

    def __init__(
        self,
        latent_dim: int,
        out_dim: int,
        width: int,
        depth: int,
        n_classes: int,
        spans: Sequence | None = None,
    ):
        super().__init__()
        self.n_classes = n_classes
        self.embed = nn.Embedding(n_classes, latent_dim) if n_classes else None
        in_dim = latent_dim * (2 if n_classes else 1)
        layers: list[nn.Module] = [nn.Linear(in_dim, width), nn.ReLU()]
        for _ in range(depth):
            layers += [nn.Linear(width, width), nn.ReLU()]
        layers.append(nn.Linear(width, out_dim))
        self.body = nn.Sequential(*layers)
        self.heads = (
            SpanActivation(spans, out_dim)
            if spans is not None and any(s[2] == "softmax" for s in spans) else None
        )

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if self.embed is not None:
            z = torch.cat([z, self.embed(y)], dim=1)
        out = self.body(z)
        return out if self.heads is None else self.heads(out)


class MLPDiscriminator(nn.Module):
    """Spectrally normalised MLP critic with a projection term for the class."""

    def __init__(self, in_dim: int, width: int, depth: int, n_classes: int, sn: bool = True):
        super().__init__()
        norm = spectral_norm if sn else (lambda m: m)
        layers: list[nn.Module] = [norm(nn.Linear(in_dim, width)), nn.LeakyReLU(0.2)]
        for _ in range(depth):
            layers += [norm(nn.Linear(width, width)), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        self.head, self.embed = projection_layers(width, n_classes, norm)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        return projection_score(self.body(x), self.head, self.embed, y)


def _mlp(in_dim: int, width: int, depth: int, out_dim: int, act: type[nn.Module]) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Linear(in_dim, width), act()]
    for _ in range(depth):
        layers += [nn.Linear(width, width), act()]
    layers.append(nn.Linear(width, out_dim))
    return nn.Sequential(*layers)


class AnchorGenerator(nn.Module):
    """(z, anchor) -> a new row near a real row of the class (DAGAN-style generation).

    Continuous columns are ``anchor + noise + residual(anchor, z)``, the noise mixing
    ``z[:, :k] @ prior`` with noise from the anchor's own neighbours by class size,
    per column where the class is narrower than the pooled part (see ``forward``);
    one-hot blocks (categories, missing-value flags) are the
    anchor's, unchanged:

    - ``anchor`` is a real (encoded) row of the class being generated;
    - ``prior`` (k x d, a buffer) maps the first ``k`` noise dimensions to the pooled
      within-class covariance of the training rows (over all classes, so rare classes
      borrow the variation learned on common ones); it is set by
      :func:`pooled_within_class_root` after building;
    - the residual MLP starts at exactly zero and is trained adversarially against a
      :class:`PairDiscriminator`;
    - categories and missing-value flags are copied from the anchor, so a class keeps its
      category shares, category combinations and missing rates (as ROSE copies them
      from the drawn row). Letting the network change them measured worse: drawn from a
      softmax around the anchor (gain 4) a 40-category column took a random other
      category in 42 % of the rows, mislabelling rule-like classes (car_eval); trained
      against neighbour pairs, rare values drifted to their neighbours' common ones (a
      class's 12 % missing rate fell to 3 %).
    """

    def __init__(
        self, latent_dim: int, out_dim: int, width: int, depth: int,
        spans: Sequence | None = None,
    ):
        super().__init__()
        copied = [False] * out_dim
        for start, stop, kind in spans or ():
            if kind == "softmax":
                copied[start:stop] = [True] * (stop - start)
        self.register_buffer("copied", torch.tensor(copied, dtype=torch.bool),
                             persistent=False)
        # the columns the network moves (sampling computes only these; no device sync)
        self.register_buffer("free", torch.tensor(
            [i for i, c in enumerate(copied) if not c], dtype=torch.long), persistent=False)
        self.register_buffer("prior", torch.zeros(min(latent_dim, out_dim), out_dim))
        self.body = _mlp(out_dim + latent_dim, width, depth, out_dim, nn.ReLU)
        nn.init.zeros_(self.body[-1].weight)
        nn.init.zeros_(self.body[-1].bias)

    def forward(self, z: Tensor, anchor: Tensor, local: Tensor | None = None,
                share: Tensor | None = None) -> Tensor:
        """``local``: noise from the anchor's own neighbours
        (:func:`ganaug.data.neighbour_noise`), mixed with the pooled noise as
        ``sqrt(share) * pooled + sqrt(1 - share) * local`` (``share``: one value, one
        per row, or one per row and column, :func:`ganaug.data.pooled_share`,
        :func:`ganaug.data.column_shares`); without them, pooled noise only."""
        k = self.prior.shape[0]
        noise = z[:, :k] @ self.prior
        if local is not None:
            noise = noise * share.sqrt() + local * (1.0 - share).sqrt()
        out = anchor + noise + self.body(torch.cat([anchor, z], 1))
        return torch.where(self.copied, anchor, out)

    def sample_from(self, z: Tensor, anchors: Tensor, pick: Tensor,
                    local: Tensor | None = None, share: Tensor | None = None) -> Tensor:
        """``forward(z, anchors[pick], ...)`` for sampling, equal to float rounding, faster.

        Only the columns the anchor does not fix are computed (the continuous ones:
        ``local`` holds the neighbour noise of those columns only), and the first
        layer's anchor half is computed once per anchor when anchors repeat.

        Parameters
        ----------
        z : Tensor of shape (m, latent_dim)
        anchors : Tensor of shape (n, d)
            The rows to generate from (one class's).
        pick : Tensor of int64 of shape (m,)
            The anchor of each new row.
        local, share : Tensor or None
            As in ``forward``, ``local`` (and a per-column ``share``) restricted to
            the free columns.

        Returns
        -------
        rows : Tensor of shape (m, d)
        """
        d = anchors.shape[1]
        first, last = self.body[0], self.body[-1]
        w_anchor, w_z = first.weight[:, :d], first.weight[:, d:]
        part = ((anchors @ w_anchor.T)[pick] if len(anchors) < len(pick)
                else anchors[pick] @ w_anchor.T)
        h = self.body[1:-1](part + z @ w_z.T + first.bias)
        free = self.free
        anchor = anchors[pick]
        noise = z[:, : self.prior.shape[0]] @ self.prior[:, free]
        if local is not None:
            noise = noise * share.sqrt() + local * (1.0 - share).sqrt()
        anchor[:, free] = (anchor[:, free] + noise
                           + nn.functional.linear(h, last.weight[free], last.bias[free]))
        return anchor  # a gathered copy: the anchors themselves are untouched


class PairDiscriminator(nn.Module):
    """Critic of pairs ``(anchor, x)``: is ``x`` a real neighbour of the real row ``anchor``?

    It sees ``[anchor, x, x - anchor]``. Real pairs are an anchor and one of its nearest
    neighbours of the same class, so a copy of the anchor (distance 0) is as easy to
    spot as an implausible row, and, having no class input, what it learns about
    within-class variation is shared by all classes.
    """

    def __init__(self, in_dim: int, width: int, depth: int):
        super().__init__()
        self.body = _mlp(3 * in_dim, width, depth, 1, lambda: nn.LeakyReLU(0.2))

    def forward(self, x: Tensor, anchor: Tensor) -> Tensor:
        return self.body(torch.cat([anchor, x, x - anchor], 1)).squeeze(1)

"""The projection head of the class-conditional discriminators (Miyato & Koyama, 2018).

Shared by :class:`ganaug.nn.images.ImageDiscriminator` and
:class:`ganaug.nn.tabular.MLPDiscriminator`. The two layers stay attributes of the
discriminator (``head`` and ``embed``), so state-dict keys, and saved files, do not change.
"""

from __future__ import annotations

from collections.abc import Callable

from torch import Tensor, nn


def projection_layers(
    width: int, n_classes: int, norm: Callable[[nn.Module], nn.Module]
) -> tuple[nn.Module, nn.Module | None]:
    """The unconditional score layer and the class embedding (None when unconditional).

    Parameters
    ----------
    width : int
        Size of the discriminator's features.
    n_classes : int
        Number of classes (0: no embedding).
    norm : callable
        Wraps each layer, e.g. ``torch.nn.utils.parametrizations.spectral_norm``.

    Returns
    -------
    head : torch.nn.Module
        ``Linear(width, 1)``.
    embed : torch.nn.Module or None
        ``Embedding(n_classes, width)``, or None when ``n_classes`` is 0.
    """
    head = norm(nn.Linear(width, 1))
    embed = norm(nn.Embedding(n_classes, width)) if n_classes else None
    return head, embed


def projection_score(
    h: Tensor, head: nn.Module, embed: nn.Module | None, y: Tensor | None
) -> Tensor:
    """``head(h) + <embed(y), h>``: the projection discriminator's output.

    Parameters
    ----------
    h : Tensor of shape (n, width)
        Features of the rows.
    head, embed : torch.nn.Module
        The layers of :func:`projection_layers` (``embed`` None: unconditional).
    y : Tensor of shape (n,) or None
        Class codes (ignored when ``embed`` is None).

    Returns
    -------
    Tensor of shape (n,)
        One score per row.
    """
    out = head(h).squeeze(1)
    if embed is not None:
        out = out + (embed(y) * h).sum(dim=1)
    return out

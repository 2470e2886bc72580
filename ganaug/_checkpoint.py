"""Warm-start checkpoints of a training run: the raw G, D, EMA G and Adam states.

:func:`export_checkpoint` copies them out of a :class:`~ganaug.train.GANTrainer` as CPU
tensors; :func:`load_checkpoint` puts them back into a fresh one. Both are re-exported
by ``ganaug.train``.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

import torch
from torch import Tensor

if TYPE_CHECKING:  # pragma: no cover
    from .train import GANTrainer


def _cpu_copy(obj):
    """A deep copy of a nested state dict with every tensor detached onto the CPU."""
    if isinstance(obj, Tensor):
        return obj.detach().to("cpu", copy=True)
    if isinstance(obj, dict):
        return {k: _cpu_copy(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_cpu_copy(v) for v in obj)
    return copy.deepcopy(obj)


def export_checkpoint(tr: GANTrainer) -> dict:
    """The raw G, D, EMA G and Adam states of a run as CPU tensors (for warm starts).

    Parameters
    ----------
    tr : GANTrainer
        The run.

    Returns
    -------
    checkpoint : dict
        Keys 'G', 'D', 'G_ema', 'opt_g', 'opt_d' (state dicts), 'step' (int) and
        'lecam_ema' (tensor); only plain containers, numbers and tensors.
    """
    return {
        "G": _cpu_copy(tr.G.state_dict()),
        "D": _cpu_copy(tr.D.state_dict()),
        "G_ema": _cpu_copy(tr.G_ema.state_dict()),
        "opt_g": _cpu_copy(tr.opt_g.state_dict()),
        "opt_d": _cpu_copy(tr.opt_d.state_dict()),
        "step": int(tr.t),
        "lecam_ema": _cpu_copy(tr.lecam_ema),
    }


def load_checkpoint(tr: GANTrainer, checkpoint: dict) -> None:
    """Continue ``tr`` from ``checkpoint`` (see :func:`export_checkpoint`).

    Adam moments and step counts come from the checkpoint; learning rates, betas and
    device-specific flags (fused, foreach) stay those of ``tr.cfg`` and this device.

    Parameters
    ----------
    tr : GANTrainer
        A freshly built run with the same architecture.
    checkpoint : dict
        A state from :func:`export_checkpoint` (tensors on any device).
    """
    tr.G.load_state_dict(checkpoint["G"])
    tr.D.load_state_dict(checkpoint["D"])
    tr.G_ema.load_state_dict(checkpoint["G_ema"])
    for opt, key in ((tr.opt_g, "opt_g"), (tr.opt_d, "opt_d")):
        own = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
        opt.load_state_dict(checkpoint[key])
        for group, settings in zip(opt.param_groups, own):
            group.update(settings)
            if group.get("fused") or group.get("capturable"):
                # torch places ``step`` by the saved group's flags: a CPU fit's (foreach)
                # leaves it on the CPU, which CUDA's fused Adam refuses beside CUDA weights
                for p in group["params"]:
                    state = opt.state.get(p)
                    if state and torch.is_tensor(state.get("step")):
                        state["step"] = state["step"].to(p.device, torch.float32)
    tr.t = int(checkpoint["step"])
    tr.lecam_ema.copy_(checkpoint["lecam_ema"].to(tr.lecam_ema.device))

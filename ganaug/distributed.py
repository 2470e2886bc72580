"""Scale-out helpers: data-parallel training of one GAN (DDP) and device choice per job.

Two ways to use more hardware, both through the standard engines:

* **One GAN on several processes** (several GPUs, several nodes, or CPU processes):
  start the unchanged script with ``torchrun --nproc_per_node=N script.py``. ``fit``
  sees ``torch.distributed`` (an initialised process group, or torchrun's
  ``WORLD_SIZE``/``RANK``/``MASTER_ADDR`` environment) and trains data-parallel: each
  rank draws its batches from its own stratified shard of the rows with its own seeded
  generator, gradients of G and D are averaged over ranks before every optimiser step
  (the same arithmetic as ``DistributedDataParallel``, done with one coalesced
  ``all_reduce`` per step so that D may be called on real and fake batches separately
  and twice-differentiated for WGAN-GP), rank 0's buffers are shared at the end (see
  :meth:`Comm.attach`), and the per-epoch losses that drive the NaN guard and the time
  budget are averaged, so every rank takes the same decisions. Every rank ends with the
  same fitted estimator.
* **Many GANs as many jobs** (per class, per fold, per seed, per grid point): they go
  through :mod:`joblib`, so ``joblib.parallel_backend("dask")`` or ``("ray")`` moves
  them to a cluster. :func:`select_device` gives each worker its own GPU.

``batch_size`` is per process under DDP: the global batch is ``world_size *
batch_size`` and an epoch (one pass over all rows, counted globally) takes about
``1 / world_size`` as many steps as in one process. Learning rates are not rescaled.

The DDP communicator (:class:`Comm`, :func:`get_comm`, :func:`shard_indices`,
:func:`is_main_process`) lives in ``ganaug/_ddp.py`` with the estimators' side of DDP
and is re-exported here; the device choice per job and :func:`parallel_map` live here.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch

from ._ddp import Comm, get_comm, is_main_process, shard_indices

__all__ = [
    "Comm",
    "current_worker_index",
    "get_comm",
    "is_main_process",
    "parallel_map",
    "select_device",
    "shard_indices",
]

# ----------------------------------------------------------------- jobs and devices --
def current_worker_index() -> int | None:
    """The index of the parallel worker running this code, or None in a plain process.

    Dask workers: the worker's name when it is an int or ends in ``-<int>`` (a
    ``LocalCluster`` names its workers 0, 1, ...). joblib's loky workers: from the
    process name ``LokyProcess-<k>`` (k - 1).

    Returns
    -------
    index : int or None
    """
    dmod = sys.modules.get("distributed")  # never import dask just to ask
    if dmod is not None:
        try:
            name = dmod.get_worker().name
        except (ValueError, AttributeError):
            name = None
        if name is not None:
            if isinstance(name, int | np.integer):
                return int(name)
            m = re.search(r"-(\d+)$", str(name))
            if m or str(name).isdigit():
                return int(m.group(1) if m else name)
    m = re.fullmatch(r"LokyProcess-(\d+)", multiprocessing.current_process().name)
    if m:
        return int(m.group(1)) - 1
    return None


_DETECT = object()


def select_device(
    device: str | torch.device = "auto",
    *,
    comm: Comm | None = None,
    n_gpus: int | None = None,
    worker_index: int | None | object = _DETECT,
    env: Mapping[str, str] | None = None,
) -> str | torch.device:
    """Where one job trains, before :func:`ganaug._device.resolve_device` checks it.

    Only ``device='auto'`` is changed; an explicit device is returned as given. For
    'auto', in this order:

    1. the environment variable ``GANAUG_DEVICE`` (e.g. ``cuda:1`` or ``cpu``), if set:
       a cluster's worker environment pins each worker this way;
    2. no CUDA device visible: 'auto' (MPS, else CPU);
    3. a data-parallel fit (``comm``): ``cuda:{local_rank % n_gpus}``, one GPU per rank;
    4. inside a parallel worker (Dask worker, loky process; :func:`current_worker_index`):
       ``cuda:{worker_index % n_gpus}``, so workers of one machine spread over its GPUs;
    5. otherwise 'auto' (``cuda``, the current CUDA device).

    CUDA indices count the devices visible through ``CUDA_VISIBLE_DEVICES``. A launcher
    that gives each worker its own GPU that way (Ray tasks with ``num_gpus=1``, SLURM
    ``--gpus-per-task=1``) leaves one GPU visible, which is then ``cuda:0``.
    Launchers that rotate the list instead (dask-cuda) make ``cuda:0`` the worker's own
    GPU: pass ``device='cuda'`` there.

    Parameters
    ----------
    device : str or torch.device, default='auto'
        The estimator's ``device`` parameter.
    comm : Comm or None
        The fit's process group, if data-parallel.
    n_gpus : int or None
        Visible CUDA devices (None: ``torch.cuda.device_count()``).
    worker_index : int or None
        The worker's index (default: :func:`current_worker_index`).
    env : mapping or None
        Environment (default ``os.environ``).

    Returns
    -------
    device : str or torch.device
    """
    if not (isinstance(device, str) and device == "auto"):
        return device
    env = os.environ if env is None else env
    forced = env.get("GANAUG_DEVICE", "").strip()
    if forced:
        return forced
    n = torch.cuda.device_count() if n_gpus is None else int(n_gpus)
    if n <= 0:
        return "auto"
    if comm is not None:
        return f"cuda:{comm.local_rank % n}"
    idx = current_worker_index() if worker_index is _DETECT else worker_index
    if idx is not None:
        return f"cuda:{int(idx) % n}"
    return "auto"


def job_device(device: str | torch.device, fitted: torch.device) -> torch.device:
    """Device of one per-class job of a fit whose estimator resolved to ``fitted``.

    Inside a parallel worker with ``device='auto'`` and a CUDA ``fitted`` device, the
    job takes the worker's GPU (:func:`select_device`); otherwise ``fitted``.
    """
    from ._device import resolve_device

    if fitted.type != "cuda" or not (isinstance(device, str) and device == "auto"):
        return fitted
    if current_worker_index() is None and not os.environ.get("GANAUG_DEVICE"):
        return fitted
    chosen = resolve_device(select_device(device))
    return chosen if chosen.type == "cuda" else fitted


def parallel_map(
    func: Callable[..., Any], items: Iterable[Any], *, n_jobs: int | None = None,
    **parallel_kw: Any,
) -> list:
    """``[func(item) for item in items]`` through :class:`joblib.Parallel`.

    The jobs follow the active joblib backend, so benchmark grids (seeds x arms x data
    sets) run on a cluster inside ``with joblib.parallel_backend("dask"):``.

    Parameters
    ----------
    func : callable
        One job; it and the items must pickle for process and cluster backends.
    items : iterable
        Job arguments, one per job.
    n_jobs : int or None
        joblib's ``n_jobs`` (None: the backend's default; -1: all workers).
    **parallel_kw
        Other :class:`joblib.Parallel` arguments.

    Returns
    -------
    results : list
        In the order of ``items``.
    """
    from joblib import Parallel, delayed

    return list(Parallel(n_jobs=n_jobs, **parallel_kw)(delayed(func)(i) for i in items))

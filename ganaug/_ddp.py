"""The estimators' side of data-parallel training (DDP), in one place.

``ganaug/distributed.py`` holds the communicator (:class:`~ganaug.distributed.Comm`);
this module is how a fit uses it: which device and seed each rank takes, which rows it
trains on, and who prints. During a fit the communicator is the transient attribute
``_comm`` of the estimator (None without DDP); it is removed when the fit ends.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ._device import resolve_device
from .distributed import get_comm, job_device, select_device

_MAX_SEED = 2**31 - 1


def start(est) -> tuple[Any, torch.device]:
    """The communicator of this fit (None: no DDP) and the device it trains on."""
    comm = get_comm(est.distributed, est.device)
    return comm, resolve_device(select_device(est.device, comm=comm))


def comm_of(est) -> Any:
    """The communicator of the fit in progress (None: no DDP, or no fit running)."""
    return getattr(est, "_comm", None)


def shared_rng(comm, rng: np.random.RandomState) -> np.random.RandomState:
    """One seed on all ranks: same initialisation, shards and sampling."""
    if comm is None:
        return rng
    return np.random.RandomState(comm.broadcast_int(rng.randint(_MAX_SEED)))


def job_setup(est, seed: int) -> tuple[torch.device, int]:
    """Device of one training job and the seed of its torch generator (per rank)."""
    comm = comm_of(est)
    if comm is None:
        return job_device(est.device, est.device_), seed
    return est.device_, comm.rank_seed(seed)


def shard(est, data: np.ndarray, codes: np.ndarray | None, seed: int):
    """This rank's stratified shard of the rows (all rows without DDP)."""
    comm = comm_of(est)
    return (data, codes) if comm is None else comm.shard(data, codes, seed)


def check_same_data(comm, data: np.ndarray, codes: np.ndarray | None) -> None:
    """Refuse ranks that were given different data (no-op without DDP)."""
    if comm is not None:
        comm.check_same_data(data, codes)


def n_jobs(est) -> int | None:
    """Parallel jobs of per-class GANs: under DDP the ranks train them in step, one by one."""
    return 1 if comm_of(est) is not None else est.n_jobs


def is_main(comm) -> bool:
    """Whether this process prints (rank 0, or no DDP)."""
    return comm is None or comm.is_main

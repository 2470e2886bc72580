"""Data-parallel training (DDP) of one GAN, in one place.

The communicator (:class:`Comm`, :func:`get_comm`, :func:`shard_indices`,
:func:`is_main_process`; re-exported by ``ganaug.distributed``, which documents how to
launch DDP), then the estimators' side: which device and seed each rank takes, which
rows it trains on, and who prints. During a fit the communicator is the transient
attribute ``_comm`` of the estimator (None without DDP); it is removed when the fit ends.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from collections.abc import Mapping
from contextlib import nullcontext
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ._checks import check_number
from ._compat import flatten_dense_tensors, unflatten_dense_tensors
from ._device import MAX_SEED, resolve_device

_RANK_SEED_STRIDE = 1_000_003  # rank r draws batches from seed + r * stride (mod 2**63)


def _dist():
    import torch.distributed as dist

    return dist


def _launched_by_torchrun(env: Mapping[str, str] | None = None) -> bool:
    """Whether this process is one rank of a ``torchrun`` (or similar env://) launch."""
    env = os.environ if env is None else env
    try:
        world = int(env.get("WORLD_SIZE", "1"))
    except ValueError:
        return False
    return world > 1 and "RANK" in env and "MASTER_ADDR" in env


def is_main_process() -> bool:
    """Whether this process is rank 0 (or the only process).

    Use it to write files once under ``torchrun``: ``if is_main_process(): save(aug, p)``.

    Returns
    -------
    main : bool
        True outside ``torch.distributed`` and on rank 0.
    """
    dist = _dist()
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank() == 0
    if _launched_by_torchrun():
        return os.environ.get("RANK", "0") == "0"
    return True


class Comm:
    """The process group of one data-parallel fit and the collectives it needs.

    Parameters
    ----------
    rank, world_size, local_rank : int
        This process's global rank, the number of processes, its rank on this node.
    device : torch.device
        Where collective tensors must live (CUDA for NCCL, CPU for gloo).
    """

    def __init__(self, rank: int, world_size: int, local_rank: int, device: torch.device,
                 owned: bool = False):
        _check_rank(rank, world_size)
        self.rank, self.world_size, self.local_rank = rank, world_size, local_rank
        self.device = device
        self.owned = owned  # the process group was initialised by ganaug (get_comm)

    def release(self) -> None:
        """Destroy the process group if ganaug initialised it (after a failed fit: a
        group left behind can abort the process at exit)."""
        dist = _dist()
        if self.owned and dist.is_available() and dist.is_initialized():
            dist.destroy_process_group()

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    # -- small collectives ----------------------------------------------------------
    def _all_reduce(self, t: Tensor, op: str = "sum") -> Tensor:
        dist = _dist()
        buf = t.to(self.device, copy=True)
        if self.world_size > 1:
            dist.all_reduce(buf, op=getattr(dist.ReduceOp, op.upper()))
        return buf.to(t.device)

    def _broadcast_(self, t: Tensor) -> None:
        """Overwrite ``t`` in place with rank 0's value."""
        if self.world_size == 1:
            return
        dist = _dist()
        buf = t.to(self.device, copy=True)
        dist.broadcast(buf, src=0)
        t.copy_(buf.to(t.device))

    def mean(self, t: Tensor) -> Tensor:
        """The mean of ``t`` over ranks (a new tensor on ``t``'s device)."""
        return self._all_reduce(t.float()) / self.world_size

    def any_true(self, flag: bool) -> bool:
        """Whether ``flag`` is true on any rank (every rank gets the same answer)."""
        t = torch.tensor([1.0 if flag else 0.0])
        return bool(self._all_reduce(t, "max").item() > 0)

    def broadcast_int(self, value: int) -> int:
        """Rank 0's ``value`` on every rank."""
        t = torch.tensor([int(value)], dtype=torch.int64)
        self._broadcast_(t)
        return int(t.item())

    def all_gather_object(self, obj: Any) -> list:
        """``obj`` of every rank, in rank order."""
        if self.world_size == 1:
            return [obj]
        out: list = [None] * self.world_size
        # NCCL puts this call's tensors on the current CUDA device, not on self.device:
        # a group created without torch.cuda.set_device would gather on cuda:0 everywhere
        on = torch.cuda.device(self.device) if self.device.type == "cuda" else nullcontext()
        with on:
            _dist().all_gather_object(out, obj)
        return out

    # -- data -----------------------------------------------------------------------
    def rank_seed(self, seed: int) -> int:
        """The batch seed of this rank (rank 0 keeps ``seed``)."""
        return (int(seed) + self.rank * _RANK_SEED_STRIDE) % 2**63

    def shard(self, data: np.ndarray, codes: np.ndarray | None, seed: int):
        """This rank's rows: ``(data[idx], codes[idx] or None)``, see :func:`shard_indices`."""
        idx = shard_indices(len(data), codes, self.rank, self.world_size, seed)
        if self.world_size == 1:
            return data, codes
        return data[idx], (None if codes is None else codes[idx])

    def check_same_data(self, data: np.ndarray, codes: np.ndarray | None,
                        raw=None) -> None:
        """Raise on every rank if the ranks were given different training sets.

        ``raw`` is the X the user passed: each rank fits its own encoder, and a rank given
        a rescaled copy of the data (any per-column monotone change) would encode it to
        the same ``data``.
        """
        h = hashlib.sha1(np.ascontiguousarray(data).view(np.uint8).ravel().tobytes())
        h.update(repr(data.shape).encode())
        if raw is not None:
            h.update(_raw_digest(raw))
        if codes is not None:
            h.update(np.ascontiguousarray(codes).tobytes())
        digests = self.all_gather_object(h.hexdigest())
        if len(set(digests)) > 1:
            raise ValueError(
                "Under torch.distributed every rank must call fit with the same full "
                "training set (ganaug shards it); the ranks passed different data."
            )

    # -- training -------------------------------------------------------------------
    def _average_grads(self, params: list[nn.Parameter]) -> None:
        grads = []
        for p in params:
            if p.grad is None:  # keep the flat layout identical on every rank
                p.grad = torch.zeros_like(p)
            grads.append(p.grad)
        if not grads or self.world_size == 1:
            return
        flat = self._all_reduce(flatten_dense_tensors(grads)).div_(self.world_size)
        for g, s in zip(grads, unflatten_dense_tensors(flat, grads)):
            g.copy_(s)

    def _broadcast_tensors_(self, tensors: list[Tensor]) -> None:
        if not tensors or self.world_size == 1:
            return
        by_dtype: dict[torch.dtype, list[Tensor]] = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        for group in by_dtype.values():
            flat = flatten_dense_tensors([t.detach() for t in group])
            self._broadcast_(flat)
            for t, s in zip(group, unflatten_dense_tensors(flat, group)):
                t.data.copy_(s)

    def broadcast_module_(self, module: nn.Module) -> None:
        """Overwrite parameters and buffers of ``module`` with rank 0's."""
        self._broadcast_tensors_([*module.parameters(), *module.buffers()])

    def attach(self, tr) -> None:
        """Make a :class:`~ganaug.train.GANTrainer` data-parallel.

        Rank 0's G, D and EMA G are broadcast (so any initialisation or warm-start state
        is shared) and each optimiser averages the gradients over ranks just before its
        step: one coalesced ``all_reduce`` per optimiser step, nothing else per step.

        Buffers need no per-step traffic. Spectral-norm ``u``/``v`` are updated by a
        power iteration on the weights alone, which are identical on every rank, so
        they stay identical (tests/test_distributed.py checks it). Batch-norm running
        statistics differ per rank (each normalises its own batches, as DDP without
        SyncBatchNorm does) but are only read in eval mode: :meth:`finish` broadcasts
        rank 0's, which is exactly what DDP's per-step ``broadcast_buffers`` leaves.
        """
        for m in (tr.G, tr.D, tr.G_ema):
            self.broadcast_module_(m)
        for opt in (tr.opt_d, tr.opt_g):
            params = [p for g in opt.param_groups for p in g["params"]]
            opt.register_step_pre_hook(lambda *_a, _p=params: self._average_grads(_p))

    def fingerprint(self, *modules: nn.Module) -> str:
        """A digest of the parameters and parametrisation buffers (spectral-norm ``u``,
        ``v``) of ``modules``, to compare ranks; batch-norm statistics are left out."""
        h = hashlib.sha1()
        for m in modules:
            names = {n for n, _ in m.named_parameters()}
            for name, t in m.state_dict().items():
                if name not in names and "parametrizations" not in name:
                    continue
                h.update(name.encode())
                h.update(t.detach().cpu().contiguous().view(-1).view(torch.uint8).numpy())
        return h.hexdigest()

    def finish(self, tr) -> None:
        """Share rank 0's buffers, then check G, D and the EMA G are identical everywhere.

        Weights are identical by construction; if a nondeterministic kernel made them
        drift, warn and broadcast rank 0's state so the fitted estimators still agree.
        """
        if self.world_size == 1:
            return
        prints = self.all_gather_object(self.fingerprint(tr.G, tr.D, tr.G_ema))
        if len(set(prints)) > 1:
            warnings.warn(
                "GAN weights drifted apart across torch.distributed ranks (a "
                "nondeterministic kernel?); using rank 0's.", RuntimeWarning, stacklevel=2,
            )
            for m in (tr.G, tr.D, tr.G_ema):
                self.broadcast_module_(m)
        for m in (tr.G, tr.D, tr.G_ema):  # batch-norm statistics: rank 0's
            self._broadcast_tensors_([b for b in m.buffers() if b.is_floating_point()])


def _check_rank(rank: int, world_size: int) -> None:
    check_number("world_size", world_size, 1, integer=True)
    check_number("rank", rank, 0, world_size - 1, integer=True)


def shard_indices(
    n: int, codes: np.ndarray | None, rank: int, world_size: int, seed: int
) -> np.ndarray:
    """Row indices of rank ``rank``'s shard: stratified, equal sizes on all ranks.

    Each class (or all rows, when ``codes`` is None) is shuffled with ``seed`` and dealt
    round robin; a class whose size is not a multiple of ``world_size`` is padded by
    wrapping around (as ``torch.utils.data.DistributedSampler`` pads), so every rank
    holds every class and all shards have the same size (hence the same number of steps
    per epoch). With one process the indices are ``arange(n)`` (the single-process path
    sees its data unchanged).

    Parameters
    ----------
    n : int
        Number of rows.
    codes : ndarray of shape (n,) or None
        Class code per row, or None.
    rank, world_size : int
        This process and the number of processes.
    seed : int
        Shuffling seed (the same on every rank).

    Returns
    -------
    idx : ndarray of int64, sorted
    """
    _check_rank(rank, world_size)
    check_number("n", n, 0, integer=True)
    if codes is not None and len(codes) != n:
        raise ValueError(f"codes holds {len(codes)} class codes for n={n} rows; pass one per "
                         "row (or None).")
    if world_size == 1:
        return np.arange(n)
    rng = np.random.RandomState(seed % (2**32))
    if codes is None:
        groups = [np.arange(n)]
    else:
        groups = [np.flatnonzero(codes == c) for c in np.unique(codes)]
    parts = []
    for g in groups:
        g = g[rng.permutation(len(g))]
        per = -(-len(g) // world_size)
        parts.append(np.resize(g, per * world_size)[rank::world_size])
    return np.sort(np.concatenate(parts)).astype(np.int64)


def get_comm(distributed: bool | str = "auto", device: str | torch.device = "auto"):
    """The :class:`Comm` of this fit, or None for an ordinary single-process fit.

    Parameters
    ----------
    distributed : bool or 'auto'
        'auto': data-parallel when a ``torch.distributed`` process group of more than one
        process is initialised, or when the environment is torchrun's (``WORLD_SIZE`` >
        1, ``RANK``, ``MASTER_ADDR``) outside a joblib/Dask worker; the group is then
        initialised here (NCCL when CUDA is used, else gloo). True: always (a single
        process acts as a group of one). False: never.
    device : str or torch.device
        The estimator's ``device`` parameter (picks the backend when the group is
        initialised here).

    Returns
    -------
    comm : Comm or None
    """
    if not isinstance(distributed, str):  # numpy bools too (a grid of np.array values)
        distributed = bool(distributed)
    if distributed is False:
        return None
    from .distributed import current_worker_index  # looked up there (tests patch it)

    dist = _dist()
    if not dist.is_available():
        if distributed is True:
            raise ValueError("distributed=True but this torch build has no torch.distributed.")
        return None
    owned = False
    if not dist.is_initialized():
        env_launch = _launched_by_torchrun()
        if distributed == "auto" and not (env_launch and current_worker_index() is None):
            return None
        env_ok = all(k in os.environ for k in ("WORLD_SIZE", "RANK", "MASTER_ADDR"))
        if distributed is True and not env_ok:  # torchrun --nproc_per_node=1 is env_ok
            if int(os.environ.get("WORLD_SIZE", "1")) > 1 or "MASTER_ADDR" in os.environ:
                raise ValueError(
                    "distributed=True needs WORLD_SIZE, RANK, MASTER_ADDR and MASTER_PORT "
                    "(start the script with torchrun) or an initialised process group."
                )
            return Comm(0, 1, 0, torch.device("cpu"))
        dev = str(device)
        use_cuda = torch.cuda.is_available() and not dev.startswith(("cpu", "mps"))
        if use_cuda:
            local = int(os.environ.get("LOCAL_RANK", "0"))
            torch.cuda.set_device(local % torch.cuda.device_count())
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
        owned = True
    world = dist.get_world_size()
    if world == 1 and distributed == "auto":
        return None
    rank = dist.get_rank()
    local = int(os.environ.get("LOCAL_RANK", rank))
    if dist.get_backend() == "nccl":
        cdev = torch.device("cuda", torch.cuda.current_device())
    else:
        cdev = torch.device("cpu")
    return Comm(rank, world, local, cdev, owned=owned)


# ------------------------------------------------------------- the estimators' side --


def start(est) -> tuple[Any, torch.device]:
    """The communicator of this fit (None: no DDP) and the device it trains on."""
    from .distributed import select_device

    comm = get_comm(est.distributed, est.device)
    if comm is not None and comm.world_size == 1:  # a group of one is one process: the
        comm = None  # same fit as without it (seeds, device, shards)
    device = resolve_device(select_device(est.device, comm=comm))
    if comm is not None and comm.device.type == "cuda" and device.type == "cuda":
        # NCCL's tensors on this rank's training GPU: a process group the user created
        # without torch.cuda.set_device leaves every rank's current device at cuda:0
        comm.device = device
    return comm, device


def comm_of(est) -> Any:
    """The communicator of the fit in progress (None: no DDP, or no fit running)."""
    return getattr(est, "_comm", None)


def shared_rng(comm, rng: np.random.RandomState) -> np.random.RandomState:
    """One seed on all ranks: same initialisation, shards and sampling."""
    if comm is None:
        return rng
    return np.random.RandomState(comm.broadcast_int(rng.randint(MAX_SEED)))


def job_setup(est, seed: int) -> tuple[torch.device, int]:
    """Device of one training job and the seed of its torch generator (per rank)."""
    from .distributed import job_device

    comm = comm_of(est)
    if comm is None:
        return job_device(est.device, est.device_), seed
    return est.device_, comm.rank_seed(seed)


def shard(est, data: np.ndarray, codes: np.ndarray | None, seed: int):
    """This rank's stratified shard of the rows (all rows without DDP)."""
    comm = comm_of(est)
    return (data, codes) if comm is None else comm.shard(data, codes, seed)


def shard_rows(est, codes: np.ndarray | None, n: int, seed: int) -> np.ndarray | None:
    """The row indices of this rank's stratified shard (:func:`shard_indices`), or None
    without DDP (all rows)."""
    comm = comm_of(est)
    if comm is None or comm.world_size == 1:
        return None
    return shard_indices(n, codes, comm.rank, comm.world_size, seed)


def check_same_data(comm, data: np.ndarray, codes: np.ndarray | None, raw=None) -> None:
    """Refuse ranks that were given different data (no-op without DDP)."""
    if comm is not None:
        comm.check_same_data(data, codes, raw)


def _raw_digest(X) -> bytes:
    """Bytes that differ when the values of ``X`` (array, DataFrame or images) differ."""
    import pandas as pd

    if not isinstance(X, pd.DataFrame):
        arr = np.asarray(X)
        if arr.dtype.kind in "biufcmM":
            return np.ascontiguousarray(arr).tobytes() + repr(arr.shape).encode()
        X = pd.DataFrame(arr.reshape(len(arr), -1))
    try:
        values = pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes()
    except TypeError:  # unhashable cells (lists): their text
        values = repr(X.to_numpy().tolist()).encode()
    return values + repr(list(map(str, X.columns))).encode()


def n_jobs(est) -> int | None:
    """Parallel jobs of per-class GANs: under DDP the ranks train them in step, one by one."""
    return 1 if comm_of(est) is not None else est.n_jobs


def is_main(comm) -> bool:
    """Whether this process prints (rank 0, or no DDP)."""
    return comm is None or comm.is_main

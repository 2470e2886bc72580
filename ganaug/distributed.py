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
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch._utils import _flatten_dense_tensors, _unflatten_dense_tensors

__all__ = [
    "Comm",
    "current_worker_index",
    "get_comm",
    "is_main_process",
    "parallel_map",
    "select_device",
    "shard_indices",
]

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

    def __init__(self, rank: int, world_size: int, local_rank: int, device: torch.device):
        self.rank, self.world_size, self.local_rank = rank, world_size, local_rank
        self.device = device

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

    def check_same_data(self, data: np.ndarray, codes: np.ndarray | None) -> None:
        """Raise on every rank if the ranks were given different training sets."""
        h = hashlib.sha1(np.ascontiguousarray(data).view(np.uint8).ravel().tobytes())
        h.update(repr(data.shape).encode())
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
        flat = self._all_reduce(_flatten_dense_tensors(grads)).div_(self.world_size)
        for g, s in zip(grads, _unflatten_dense_tensors(flat, grads)):
            g.copy_(s)

    def _broadcast_tensors_(self, tensors: list[Tensor]) -> None:
        if not tensors or self.world_size == 1:
            return
        by_dtype: dict[torch.dtype, list[Tensor]] = {}
        for t in tensors:
            by_dtype.setdefault(t.dtype, []).append(t)
        for group in by_dtype.values():
            flat = _flatten_dense_tensors([t.detach() for t in group])
            self._broadcast_(flat)
            for t, s in zip(group, _unflatten_dense_tensors(flat, group)):
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
    if distributed is False:
        return None
    dist = _dist()
    if not dist.is_available():
        if distributed is True:
            raise ValueError("distributed=True but this torch build has no torch.distributed.")
        return None
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
    world = dist.get_world_size()
    if world == 1 and distributed == "auto":
        return None
    rank = dist.get_rank()
    local = int(os.environ.get("LOCAL_RANK", rank))
    if dist.get_backend() == "nccl":
        cdev = torch.device("cuda", torch.cuda.current_device())
    else:
        cdev = torch.device("cpu")
    return Comm(rank, world, local, cdev)


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

"""Data-parallel (DDP) fits: two gloo processes on the CPU end with identical estimators.

The two ranks are started with ``torch.multiprocessing.spawn`` and given torchrun's
environment (``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``, ``MASTER_ADDR``/``PORT``), so
``fit`` must notice it, initialise the gloo group itself and train data-parallel with no
change to the estimator's parameters (``distributed='auto'``).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import socket
import warnings

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

import ganaug._device
import ganaug.distributed
import ganaug.train
from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug.distributed import (
    Comm,
    get_comm,
    is_main_process,
    job_device,
    select_device,
    shard_indices,
)

SMALL = dict(epochs=2, batch_size=16, width=16, latent_dim=8, depth=1, device="cpu")


def _data():
    X, y = make_classification(
        n_samples=90, n_features=4, n_informative=3, n_redundant=0, weights=[0.75],
        random_state=0,
    )
    return X.astype(np.float32), y


def _images():
    """48 random 8x8 grey uint8 images in two classes (image GAN: spectral-norm D, BN G)."""
    rng = np.random.RandomState(0)
    return rng.randint(0, 256, size=(48, 8, 8, 1)).astype(np.uint8), np.repeat([0, 1], [32, 16])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rank_main(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(
        WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    # Comm.finish repairs drift with a warning; here drift is a failure
    warnings.filterwarnings("error", message="GAN weights drifted")
    X, y = _data()
    # random_state=None: the seed must come from rank 0, or the ranks would differ
    cgan = ConditionalGANAugmenter(**SMALL, random_state=None, warm_start=True,
                                   time_budget=600.0)
    X_res, y_res = cgan.fit_resample(X, y)
    # per-class GANs: n_jobs is ignored under DDP (the ranks train classes in step)
    gan = GANAugmenter(**SMALL, random_state=0, n_jobs=2, distributed=True).fit(X, y)
    X_gan, y_gan = gan.sample(7)
    img = ConditionalGANAugmenter(epochs=1, batch_size=8, width=8, latent_dim=8, device="cpu",
                                  random_state=0, warm_start=True)
    Xi_res, yi_res = img.fit_resample(*_images())
    # a rescaled copy on one rank encodes to the same rows: the raw data must be compared
    refused = None
    try:
        Xs = np.random.RandomState(0).normal(size=(40, 2))  # encodes alike on both ranks
        ConditionalGANAugmenter(**SMALL, random_state=0).fit(
            Xs * (1 + rank) + 100 * rank, np.repeat([0, 1], [30, 10]))
    except ValueError as exc:
        refused = str(exc)
    with open(os.path.join(out, f"rank{rank}.pkl"), "wb") as f:
        pickle.dump(
            {"cgan": cgan, "X_res": X_res, "y_res": y_res, "gan": gan, "X_gan": X_gan,
             "y_gan": y_gan, "img": img, "Xi_res": Xi_res, "yi_res": yi_res,
             "main": is_main_process(), "refused": refused}, f,
        )


def _same_state(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    torch.multiprocessing.spawn(
        _rank_main, args=(2, _free_port(), str(out)), nprocs=2, join=True
    )
    res = []
    for r in range(2):
        with open(out / f"rank{r}.pkl", "rb") as f:
            res.append(pickle.load(f))
    return res


def test_ranks_end_identical(ranks):
    r0, r1 = ranks
    assert r0["main"] and not r1["main"]
    # raw G and D, EMA G, Adam states
    s0, s1 = r0["cgan"].train_state_[0], r1["cgan"].train_state_[0]
    for key in ("G", "D", "G_ema"):
        _same_state(s0[key], s1[key])
    # image GAN: spectral-norm u/v of D (never broadcast: identical by construction, or
    # the ranks would have raised the drift warning) and batch-norm statistics of G
    i0, i1 = r0["img"].train_state_[0], r1["img"].train_state_[0]
    for key in ("G", "D", "G_ema"):
        _same_state(i0[key], i1[key])
    assert any(k.endswith("_u") for k in i0["D"]), "expected spectral-norm buffers in D"
    assert any("running_mean" in k for k in i0["G_ema"]), "expected batch norm in G"
    np.testing.assert_array_equal(r0["Xi_res"], r1["Xi_res"])
    for st0, st1 in zip(s0["opt_g"]["state"].values(), s1["opt_g"]["state"].values()):
        assert torch.equal(st0["exp_avg"], st1["exp_avg"])
    _same_state(r0["cgan"].generator_.state_dict(), r1["cgan"].generator_.state_dict())
    assert r0["cgan"].history_ == r1["cgan"].history_
    assert len(r0["cgan"].history_["d_loss"]) == SMALL["epochs"]
    for g0, g1 in zip(r0["gan"].generators_, r1["gan"].generators_):
        _same_state(g0.state_dict(), g1.state_dict())
    # same samples on every rank
    np.testing.assert_array_equal(r0["X_res"], r1["X_res"])
    np.testing.assert_array_equal(r0["X_gan"], r1["X_gan"])


def test_ranks_given_different_data_are_refused_even_when_it_encodes_alike(ranks):
    for r in ranks:
        assert r["refused"] is not None and "the ranks passed different data" in r["refused"]


def test_result_meets_single_fit_contract(ranks):
    X, y = _data()
    r0 = ranks[0]
    aug, X_res, y_res = r0["cgan"], r0["X_res"], r0["y_res"]
    counts = np.bincount(y)
    assert X_res.dtype == X.dtype and y_res.dtype == y.dtype
    np.testing.assert_array_equal(X_res[: len(X)], X)  # originals first, unchanged
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert np.bincount(y_res).tolist() == [counts.max(), counts.max()]
    assert np.isfinite(X_res).all()
    # an ordinary fitted estimator: pickles, samples, no process-group state inside
    assert not hasattr(aug, "_comm")
    again = pickle.loads(pickle.dumps(aug))
    X_new, y_new = again.sample(5, y=1)
    assert X_new.shape == (5, X.shape[1]) and y_new.tolist() == [1] * 5
    assert r0["X_gan"].shape == (7, X.shape[1]) and len(r0["y_gan"]) == 7
    Xi, yi = _images()
    Xi_res, yi_res = r0["Xi_res"], r0["yi_res"]
    assert Xi_res.dtype == np.uint8 and Xi_res.shape == (64, 8, 8, 1)
    np.testing.assert_array_equal(Xi_res[: len(Xi)], Xi)
    assert np.bincount(yi_res).tolist() == [32, 32]


def _pairs_on_one_rank(rank: int, world: int, port: int, out: str) -> None:
    """Class 0 is three copies of x and one y, dealt two rows a rank: the rank holding y
    has a pair (x, y), the other only copies of x; class 1 is four copies everywhere."""
    os.environ.update(
        WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    X = np.array([[0.0, 0.0]] * 3 + [[1.0, 2.0]] + [[5.0, 5.0]] * 4, dtype=np.float32)
    y = np.repeat([0, 1], 4)
    aug = ConditionalGANAugmenter(**{**SMALL, "epochs": 3}, random_state=0).fit(X, y)
    with open(os.path.join(out, f"pairs{rank}.pkl"), "wb") as f:
        pickle.dump(aug.history_, f)


def _spawn_or_fail(fn, tmp_path) -> None:
    """Two ranks of ``fn``; killed and failed after 2 minutes (a healthy fit takes
    seconds) rather than hanging the suite when the ranks wait on each other."""
    ctx = torch.multiprocessing.spawn(fn, args=(2, _free_port(), str(tmp_path)),
                                      nprocs=2, join=False)
    finished = False
    for _ in range(120):
        if ctx.join(timeout=1):
            finished = True
            break
    if not finished:
        for proc in ctx.processes:
            proc.kill()
    assert finished, "the ranks did not finish: they disagreed on whether to train"


def test_ranks_train_together_when_a_shard_holds_only_copies_of_a_class(tmp_path):
    """A shard may hold only copies of a class whose other rows make pairs; every rank
    must still train (each rank deciding alone from its own shard's pairs left one
    waiting for the other's gradients for ever: here, a timeout). Pairs are now found
    among all rows, so no rank lacks them; the ranks' joint no-pairs vote stays as a
    guard."""
    _spawn_or_fail(_pairs_on_one_rank, tmp_path)
    histories = []
    for r in range(2):
        with open(tmp_path / f"pairs{r}.pkl", "rb") as f:
            histories.append(pickle.load(f))
    assert histories[0] == histories[1]
    assert len(histories[0]["d_loss"]) == 3  # both trained their 3 epochs


def _small_class_across_ranks(rank: int, world: int, port: int, out: str) -> None:
    """Class 1 is two distinct rows, dealt one a rank; class 0 is ten rows. Records each
    training batch's (anchor, real partner) rows."""
    os.environ.update(
        WORLD_SIZE=str(world), RANK=str(rank), LOCAL_RANK=str(rank),
        MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port),
    )
    torch.set_num_threads(1)
    seen = []
    batch = ganaug.train.GANTrainer.batch

    def recording(self):
        x, anchor = batch(self)
        seen.append((anchor.numpy().copy(), x.numpy().copy()))
        return x, anchor

    ganaug.train.GANTrainer.batch = recording
    rng = np.random.RandomState(0)
    X = np.r_[rng.normal(size=(10, 2)), [[6.0, 6.0], [7.0, 5.0]]].astype(np.float32)
    y = np.repeat([0, 1], [10, 2])
    aug = ConditionalGANAugmenter(**{**SMALL, "epochs": 3}, random_state=0).fit(X, y)
    with open(os.path.join(out, f"small{rank}.pkl"), "wb") as f:
        pickle.dump((seen, aug.anchors_[y == 1]), f)


def test_small_class_dealt_one_row_a_rank_keeps_its_pairs(tmp_path):
    """Under DDP each anchor's real partners are found among all rows, as in a single
    process: a class of two rows dealt one a rank trains on its pair on both ranks
    (pairs found within each shard left such a class alone on every rank, and out of
    training)."""
    _spawn_or_fail(_small_class_across_ranks, tmp_path)
    for r in range(2):
        with open(tmp_path / f"small{r}.pkl", "rb") as f:
            seen, small = pickle.load(f)
        anchors = np.concatenate([a for a, _ in seen])
        partners = np.concatenate([x for _, x in seen])
        of_small = [int(np.flatnonzero((small == a).all(1))[0]) if (small == a).all(1).any()
                    else -1 for a in anchors]
        of_small = np.array(of_small)
        assert (of_small >= 0).any(), f"rank {r} never drew the small class's anchor"
        # this rank holds one of the two rows, and its partner is the other rank's row
        assert len(set(of_small[of_small >= 0])) == 1
        for i in np.flatnonzero(of_small >= 0):
            np.testing.assert_array_equal(partners[i], small[1 - of_small[i]])


def test_shard_indices_stratified_equal_sizes():
    codes = np.array([0] * 11 + [1] * 3 + [2] * 1)
    shards = [shard_indices(len(codes), codes, r, 4, seed=5) for r in range(4)]
    assert len({len(s) for s in shards}) == 1  # same steps per epoch on every rank
    for s in shards:
        assert set(codes[s]) == {0, 1, 2}  # every rank sees every class
    assert set(np.concatenate(shards)) == set(range(len(codes)))  # nothing dropped
    np.testing.assert_array_equal(shard_indices(7, None, 0, 1, seed=5), np.arange(7))


def test_single_process_path_unchanged(monkeypatch):
    for var in ("WORLD_SIZE", "RANK", "MASTER_ADDR"):
        monkeypatch.delenv(var, raising=False)
    assert get_comm("auto") is None and get_comm(False) is None and is_main_process()
    X, y = _data()
    a = ConditionalGANAugmenter(**{**SMALL, "epochs": 1}, random_state=0).fit(X, y)
    b = ConditionalGANAugmenter(**{**SMALL, "epochs": 1}, random_state=0,
                                distributed=False).fit(X, y)
    _same_state(a.generator_.state_dict(), b.generator_.state_dict())
    # distributed=True without a launcher: a group of one process
    comm = get_comm(True)
    assert isinstance(comm, Comm) and comm.world_size == 1
    c = ConditionalGANAugmenter(**{**SMALL, "epochs": 1}, random_state=0,
                                distributed=True).fit(X, y)
    # ... which is the single-process fit: same seeds, same networks, same samples
    _same_state(a.generator_.state_dict(), c.generator_.state_dict())
    np.testing.assert_array_equal(c.sample(3, y=0)[0], a.sample(3, y=0)[0])


def test_distributed_true_with_partial_env_errors(monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    with pytest.raises(ValueError, match="torchrun"):
        get_comm(True)


# -- device choice per job (no GPU needed: the counts and the worker are monkeypatched) --
def test_select_device_explicit_and_env(monkeypatch):
    monkeypatch.delenv("GANAUG_DEVICE", raising=False)
    assert select_device("cpu", n_gpus=4, worker_index=3) == "cpu"
    assert select_device("cuda:1", n_gpus=4, worker_index=3) == "cuda:1"
    assert select_device("auto", n_gpus=4, worker_index=3, env={"GANAUG_DEVICE": "cuda:2"}) \
        == "cuda:2"
    assert select_device("auto", n_gpus=0, worker_index=3, env={}) == "auto"  # CPU / MPS
    assert select_device("auto", n_gpus=2, worker_index=None, env={}) == "auto"  # plain


def test_select_device_spreads_workers_and_ranks(monkeypatch):
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 4)
    monkeypatch.setattr(ganaug.distributed, "current_worker_index", lambda: 6)
    assert select_device("auto", env={}) == "cuda:2"  # worker 6 of a 4-GPU machine
    assert [select_device("auto", worker_index=i, env={}) for i in range(5)] == [
        "cuda:0", "cuda:1", "cuda:2", "cuda:3", "cuda:0"]
    comm = Comm(rank=5, world_size=8, local_rank=1, device=torch.device("cpu"))
    assert select_device("auto", comm=comm, env={}) == "cuda:1"  # torchrun LOCAL_RANK
    # a launcher that pins one GPU per worker with CUDA_VISIBLE_DEVICES: it is cuda:0
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    assert select_device("auto", env={}) == "cuda:0"


def test_worker_index_detection(monkeypatch):
    proc = multiprocessing.current_process()
    monkeypatch.setattr(proc, "name", "LokyProcess-3")
    assert ganaug.distributed.current_worker_index() == 2
    monkeypatch.setattr(proc, "name", "MainProcess")
    assert ganaug.distributed.current_worker_index() is None


def test_job_device_takes_the_workers_gpu(monkeypatch):
    monkeypatch.delenv("GANAUG_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(ganaug._device, "resolve_device", torch.device)
    monkeypatch.setattr(ganaug.distributed, "current_worker_index", lambda: 3)
    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    assert job_device("auto", cuda) == torch.device("cuda:1")
    assert job_device("cuda", cuda) == cuda  # explicit device: kept
    assert job_device("auto", cpu) == cpu  # the fit chose the CPU: its jobs too
    monkeypatch.setattr(ganaug.distributed, "current_worker_index", lambda: None)
    assert job_device("auto", cuda) == cuda  # not in a worker


def test_an_unusable_GANAUG_DEVICE_is_named_in_the_error(monkeypatch):
    from ganaug import ConditionalGANAugmenter

    if torch.cuda.is_available():
        pytest.skip("needs a machine without CUDA")
    monkeypatch.setenv("GANAUG_DEVICE", "cuda:0")
    X = np.random.RandomState(0).normal(size=(30, 3))
    y = np.repeat([0, 1], [20, 10])
    with pytest.raises(ValueError, match="environment variable GANAUG_DEVICE='cuda:0' "
                                         "overrides device='auto'"):
        ConditionalGANAugmenter(max_steps=1, width=8).fit(X, y)


@pytest.mark.parametrize("flag", [np.False_, np.True_])
def test_numpy_bools_choose_like_python_bools(flag):
    # a grid of np.array values hands numpy bools over: they reached init_process_group
    comm = get_comm(flag)
    assert comm is None if not flag else (isinstance(comm, Comm) and comm.world_size == 1)
    X, y = _data()
    ConditionalGANAugmenter(**{**SMALL, "epochs": 1}, random_state=0,
                            distributed=flag).fit(X, y)


@pytest.mark.parametrize("args, message", [
    (dict(rank=2, world_size=2), r"rank must be an int in \[0, 1\]; got 2"),  # overlapped
    (dict(rank=-1, world_size=2), r"rank must be an int in \[0, 1\]; got -1"),
    (dict(rank=0, world_size=0), r"world_size must be an int >= 1; got 0"),  # was 1/0
    (dict(codes=np.zeros(5, dtype=int)), r"codes holds 5 class codes for n=10 rows"),
])
def test_shard_indices_refuses_ranks_and_codes_that_make_wrong_shards(args, message):
    kw = {"n": 10, "codes": None, "rank": 0, "world_size": 2, "seed": 0, **args}
    with pytest.raises(ValueError, match=message):
        shard_indices(**kw)
    with pytest.raises(ValueError, match="world_size must be an int >= 1"):
        Comm(0, 0, 0, torch.device("cpu"))  # its mean divided by zero (inf)


def test_nccl_collectives_live_on_the_ranks_training_gpu(monkeypatch):
    # a process group the user created without torch.cuda.set_device: get_comm reads the
    # current device (cuda:0 on every rank); training runs on cuda:{local_rank}
    import ganaug._ddp as ddp

    comm = ddp.Comm(1, 2, 1, torch.device("cuda", 0))
    monkeypatch.setattr(ddp, "get_comm", lambda distributed, device: comm)
    monkeypatch.setattr(ddp, "resolve_device", lambda device: torch.device(device))
    est = ConditionalGANAugmenter(device="auto", distributed=True)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    got, device = ddp.start(est)
    assert got is comm and device == torch.device("cuda", 1)
    assert comm.device == device


def test_object_gathers_run_with_the_ranks_training_gpu_current(monkeypatch):
    # all_gather_object puts NCCL's tensors on the current device: without set_device,
    # every rank's finish() gathered on cuda:0
    import contextlib

    import ganaug._ddp as ddp

    entered = []

    @contextlib.contextmanager
    def on(device):
        entered.append(("enter", str(device)))
        yield
        entered.append(("exit", str(device)))

    class FakeDist:
        @staticmethod
        def all_gather_object(out, obj):
            entered.append(("gather", None))
            out[:] = [obj] * len(out)

    monkeypatch.setattr(torch.cuda, "device", on)
    monkeypatch.setattr(ddp, "_dist", lambda: FakeDist)
    comm = ddp.Comm(1, 2, 1, torch.device("cuda", 1))
    assert comm.all_gather_object("x") == ["x", "x"]
    assert entered == [("enter", "cuda:1"), ("gather", None), ("exit", "cuda:1")]
    gloo = ddp.Comm(1, 2, 1, torch.device("cpu"))
    entered.clear()
    assert gloo.all_gather_object(3) == [3, 3] and entered == [("gather", None)]

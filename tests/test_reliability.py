"""Reliability: divergence guard, determinism, safe save/load, bounded memory, warm start
and interrupted fits.

All on tiny settings (``_tiny.TINY``) on the CPU.
"""

from __future__ import annotations

import copy
import os
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from _tiny import TINY
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

import ganaug
import ganaug._fitting
import ganaug.base
import ganaug.data.assembler
import ganaug.io
import ganaug.train
from ganaug import ConditionalGANAugmenter, GANAugmenter

RS = np.random.RandomState(0)
X = RS.normal(size=(48, 4))
Y = np.r_[np.zeros(32), np.ones(16)].astype(int)
Y_STR = np.where(Y == 1, "rare", "common")


def C(**kw):
    return ConditionalGANAugmenter(**{**TINY, **kw})


def G(**kw):
    return GANAugmenter(**{**TINY, **kw})


def _sample_x(est, n=16, **kw):
    out = est.sample(n, **kw)
    return out[0] if isinstance(out, tuple) else out


# =============================================================================== divergence
class _NaNLoss:
    """Wraps the discriminator loss: NaN on the chosen calls, the real loss otherwise."""

    def __init__(self, real, bad_calls):
        self.real, self.bad_calls, self.calls = real, bad_calls, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        loss = self.real(*args, **kwargs)
        if self.bad_calls is None or self.calls in self.bad_calls:
            return loss * float("nan")
        return loss


def _count_restores(monkeypatch) -> list:
    restores: list = []
    real = ganaug.train._restore

    def counting(objs, states):
        restores.append(1)
        return real(objs, states)

    monkeypatch.setattr(ganaug.train, "_restore", counting)
    return restores


def test_divergence_restores_a_bounded_number_of_times_then_raises(monkeypatch):
    nan_loss = _NaNLoss(ganaug.train.d_loss, None)  # every step diverges
    monkeypatch.setattr(ganaug.train, "d_loss", nan_loss)
    restores = _count_restores(monkeypatch)
    est = C(epochs=3)
    with pytest.raises(FloatingPointError, match="diverged"):
        est.fit(X, Y)
    max_restarts = ganaug.train.TrainConfig.__dataclass_fields__["max_restarts"].default
    assert len(restores) == max_restarts  # restored, then gave up on the next failure
    steps = int(np.ceil(len(X) / TINY["batch_size"]))
    assert nan_loss.calls == (max_restarts + 1) * steps
    # and the failed fit left nothing half-built
    with pytest.raises(NotFittedError):
        check_is_fitted(est, "codec_")
    assert not hasattr(est, "generator_")


def test_divergence_recovers_with_lower_learning_rates(monkeypatch):
    steps = int(np.ceil(len(X) / TINY["batch_size"]))
    # the first two epochs tried diverge, then training is healthy
    monkeypatch.setattr(
        ganaug.train, "d_loss", _NaNLoss(ganaug.train.d_loss, {1, steps + 1})
    )
    restores = _count_restores(monkeypatch)
    est = C(epochs=2, warm_start=True, generator_lr=1e-3, discriminator_lr=2e-3)
    est.fit(X, Y)
    assert len(restores) == 2
    assert len(est.history_["d_loss"]) == 2
    assert np.isfinite(est.history_["d_loss"]).all()
    state = est.train_state_[0]
    # the learning rates were halved once per restore
    assert state["opt_g"]["param_groups"][0]["lr"] == pytest.approx(1e-3 / 4)
    assert state["opt_d"]["param_groups"][0]["lr"] == pytest.approx(2e-3 / 4)
    assert all(torch.isfinite(p).all() for p in est.generator_.parameters())
    assert np.isfinite(est.sample(64)[0]).all()


def test_non_finite_weights_with_finite_losses_are_caught(monkeypatch):
    """Weights poisoned after the last step of an epoch: the losses of that epoch were
    finite, so only the weight check can see it."""
    steps = int(np.ceil(len(X) / TINY["batch_size"]))
    real_step = ganaug.train.GANTrainer.step
    calls = []

    def poisoning_step(self):
        out = real_step(self)
        calls.append(1)
        if len(calls) == steps:  # end of the first epoch tried
            with torch.no_grad():
                next(self.D.parameters()).fill_(float("inf"))
        return out

    monkeypatch.setattr(ganaug.train.GANTrainer, "step", poisoning_step)
    restores = _count_restores(monkeypatch)
    est = C(epochs=2).fit(X, Y)
    assert len(restores) == 1
    assert len(est.history_["d_loss"]) == 2
    assert all(torch.isfinite(p).all() for p in est.generator_.parameters())
    assert np.isfinite(est.sample(32)[0]).all()


def test_divergence_rolls_back_epochs_and_history_to_the_last_restore_point(monkeypatch):
    """One-step epochs (batch >= rows): restore points are kept every SNAPSHOT_STEPS
    steps, not every epoch, so a failure rolls several epochs back; the fit still ends
    with exactly ``epochs`` finite history entries."""
    epochs = 6
    assert epochs < ganaug.train.SNAPSHOT_STEPS  # no restore point after the start
    nan_loss = _NaNLoss(ganaug.train.d_loss, {4})  # the 4th step (epoch 4) diverges
    monkeypatch.setattr(ganaug.train, "d_loss", nan_loss)
    snapshots = []
    real = ganaug.train._snapshot
    monkeypatch.setattr(
        ganaug.train, "_snapshot", lambda *objs: snapshots.append(1) or real(*objs)
    )
    restores = _count_restores(monkeypatch)
    est = C(epochs=epochs, batch_size=len(X)).fit(X, Y)
    assert len(restores) == 1 and len(snapshots) == 1  # only the starting state
    assert nan_loss.calls == 4 + epochs  # epochs 1-3 were trained again
    assert len(est.history_["d_loss"]) == epochs
    assert np.isfinite(est.history_["d_loss"]).all()


def test_a_restore_under_max_steps_still_trains_max_steps(monkeypatch):
    """The steps a restore throws away do not count: the fit still trains ``max_steps``
    steps after it (the step count was not rolled back, so it trained fewer)."""
    steps = int(np.ceil(len(X) / TINY["batch_size"]))
    nan_loss = _NaNLoss(ganaug.train.d_loss, {steps + 1})  # the 2nd epoch's first step
    monkeypatch.setattr(ganaug.train, "d_loss", nan_loss)
    restores = _count_restores(monkeypatch)
    est = C(epochs=None, max_steps=3 * steps).fit(X, Y)
    assert len(restores) == 1
    assert len(est.history_["d_loss"]) == 3  # 3 epochs of `steps` steps
    # back to the start (restore points come every SNAPSHOT_STEPS steps): the 2 epochs
    # tried are discarded, then all 3 trained
    assert nan_loss.calls == 2 * steps + 3 * steps


def test_non_finite_generator_output_is_never_returned():
    est = G(conditioning="label").fit(X)  # a generator called as G(z, y)

    class Broken(torch.nn.Module):
        def forward(self, z, y=None):
            out = torch.zeros(len(z), X.shape[1])
            out[-1, 0] = float("inf")
            return out

    est.generator_ = Broken()
    with pytest.raises(FloatingPointError, match="non-finite"):
        est.sample(10_000)  # the bad row is in the second chunk


# ============================================================================= determinism
def _rng_states():
    return np.random.get_state()[1].copy(), torch.get_rng_state().clone()  # noqa: NPY002


@pytest.mark.parametrize(
    "make, fit_args",
    [
        pytest.param(lambda **kw: C(**kw), (X, Y_STR), id="conditional"),
        pytest.param(lambda **kw: G(**kw), (X, Y), id="per-class"),
        pytest.param(lambda **kw: G(**kw), (X,), id="unconditional"),
    ],
)
def test_same_seed_same_samples_and_global_rng_untouched(make, fit_args):
    np.random.seed(123)  # noqa: NPY002 - the global state is what is checked
    torch.manual_seed(123)
    before = _rng_states()
    a = make(random_state=7).fit(*fit_args)
    b = clone(a).fit(*fit_args)
    c = make(random_state=8).fit(*fit_args)
    xa, xb, xc = _sample_x(a, 50), _sample_x(b, 50), _sample_x(c, 50)
    np.testing.assert_array_equal(xa, xb)  # bit-identical, also after clone
    assert not np.array_equal(xa, xc)  # another seed, other samples
    for p, q in zip(a.__dict__.get("generator_", a.__dict__.get("generators_")).parameters(),
                    b.__dict__.get("generator_", b.__dict__.get("generators_")).parameters()):
        assert torch.equal(p, q)
    # the sampling stream advances, reproducibly
    np.testing.assert_array_equal(_sample_x(a, 50), _sample_x(b, 50))
    assert not np.array_equal(_sample_x(a, 50), xa)
    after = _rng_states()
    np.testing.assert_array_equal(before[0], after[0])
    assert torch.equal(before[1], after[1])


def test_fit_resample_bit_identical_and_rng_untouched():
    np.random.seed(0)  # noqa: NPY002 - the global state is what is checked
    before = _rng_states()
    Xa, ya = C(random_state=3).fit_resample(X, Y)
    Xb, yb = C(random_state=3).fit_resample(X, Y)
    np.testing.assert_array_equal(Xa, Xb)
    np.testing.assert_array_equal(ya, yb)
    after = _rng_states()
    np.testing.assert_array_equal(before[0], after[0])
    assert torch.equal(before[1], after[1])


# =============================================================================== save/load
def _roundtrip(est, tmp_path, **kw):
    path = tmp_path / "model.ganaug"
    ganaug.save(est, path)
    return ganaug.load(path, **kw)


@pytest.mark.parametrize(
    "make, fit_args",
    [
        pytest.param(lambda: C(), (X, Y), id="conditional-int-labels"),
        pytest.param(lambda: C(), (X, Y_STR), id="conditional-str-labels"),
        pytest.param(lambda: G(), (X, Y.astype(np.int32)), id="per-class-int32-labels"),
        pytest.param(lambda: G(), (X,), id="unconditional"),
        pytest.param(lambda: C(warm_start=True), (X, Y), id="warm-start-state"),
    ],
)
def test_save_load_roundtrip(make, fit_args, tmp_path):
    est = make().fit(*fit_args)
    twin = copy.deepcopy(est)
    loaded = _roundtrip(est, tmp_path)
    assert type(loaded) is type(est)
    assert loaded.get_params() == est.get_params()
    # every fitted attribute survives; caches (the class_filter check) are rebuilt on use
    transient = set(type(est)._transient_attrs)
    assert sorted(set(vars(loaded)) - transient) == sorted(set(vars(est)) - transient)
    if len(fit_args) == 2:
        assert loaded.classes_.dtype == est.classes_.dtype
        np.testing.assert_array_equal(loaded.classes_, est.classes_)
        xa, ya = twin.sample(30)
        xb, yb = loaded.sample(30)
        assert yb.dtype == ya.dtype
        np.testing.assert_array_equal(ya, yb)
    else:
        xa, xb = twin.sample(30), loaded.sample(30)
    np.testing.assert_array_equal(xa, xb)  # same weights, codec and sampling RNG state
    assert loaded.history_ == est.history_
    loaded.fit(*fit_args)  # a loaded model can be refitted (and warm-started)


def test_save_load_dataframe_with_mixed_dtypes(tmp_path):
    df = pd.DataFrame({
        "x": X[:, 0],
        "n": (X[:, 1] * 4).astype(np.int16),
        "f": X[:, 2].astype(np.float32),
        "b": X[:, 3] > 0,
    })
    labels = pd.Series(Y_STR, dtype=object)
    est = C().fit(df, labels)
    loaded = _roundtrip(est, tmp_path)
    pd.testing.assert_index_equal(loaded.codec_.columns_, est.codec_.columns_)
    np.testing.assert_array_equal(loaded.feature_names_in_, est.feature_names_in_)
    a, b = copy.deepcopy(est).sample(20, y="rare")[0], loaded.sample(20, y="rare")[0]
    pd.testing.assert_frame_equal(a, b)
    assert dict(b.dtypes) == dict(df.dtypes)


def test_save_load_images(tmp_path):
    imgs = RS.randint(0, 256, size=(12, 8, 8, 1)).astype(np.uint8)
    est = C().fit(imgs, np.r_[np.zeros(6), np.ones(6)].astype(int))
    loaded = _roundtrip(est, tmp_path)
    a, b = copy.deepcopy(est).sample(4)[0], loaded.sample(4)[0]
    assert b.dtype == np.uint8 and b.shape == (4, 8, 8, 1)
    np.testing.assert_array_equal(a, b)


def test_gpu_trained_model_loads_and_samples_on_cpu(tmp_path):
    est = C().fit(X, Y)
    est.device_ = torch.device("cuda:0")  # as if trained on a GPU
    loaded = _roundtrip(est, tmp_path)
    if not torch.cuda.is_available():
        assert loaded.device_ == torch.device("cpu")
    assert _roundtrip(est, tmp_path, device="cpu").device_ == torch.device("cpu")
    assert loaded.sample(5)[0].shape == (5, X.shape[1])
    pickled = pickle.loads(pickle.dumps(est))  # plain pickling stays portable too
    assert pickled.sample(5)[0].shape == (5, X.shape[1])


def test_saved_file_holds_only_tensors_and_json(tmp_path):
    est = C(warm_start=True).fit(X, Y_STR)
    path = tmp_path / "m.ganaug"
    ganaug.save(est, path)
    payload = torch.load(path, weights_only=True)
    assert set(payload) == {"format", "format_version", "config", "tensors", "checksum"}
    assert isinstance(payload["config"], str)
    assert all(isinstance(t, torch.Tensor) for t in payload["tensors"].values())
    import json

    config = json.loads(payload["config"])
    assert config["ganaug_version"] == ganaug.__version__
    assert config["estimator"] == "ConditionalGANAugmenter"


class _Payload:
    """An object whose unpickling would create a file (stands for os.system & co.)."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("how", ["torch.save", "pickle.dump", "inside-tensors"])
def test_tampered_file_with_pickle_payload_is_refused(tmp_path, how):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.ganaug"
    good = C().fit(X, Y)
    ganaug.save(good, path)
    payload = torch.load(path, weights_only=True)
    if how == "torch.save":
        payload["config"] = _Payload(marker)
        torch.save(payload, path)
    elif how == "inside-tensors":
        payload["tensors"]["t0"] = _Payload(marker)
        torch.save(payload, path)
    else:
        with open(path, "wb") as fh:
            pickle.dump(_Payload(marker), fh)
    with pytest.raises(ValueError, match="Refusing to load"):
        ganaug.load(path)
    assert not marker.exists()  # the payload never ran


def test_config_naming_a_foreign_class_is_refused(tmp_path):
    path = tmp_path / "m.ganaug"
    ganaug.save(C().fit(X, Y), path)
    payload = torch.load(path, weights_only=True)
    import json

    config = json.loads(payload["config"])
    config["fitted"]["codec_"] = {"__object__": "os:system", "state": {}}
    payload["config"] = json.dumps(config)
    _reseal(payload)  # a forger can recompute the checksum: the allowlist must hold
    torch.save(payload, path)
    with pytest.raises(ValueError, match="Refusing to load"):
        ganaug.load(path)
    for name in ["subprocess:Popen", "builtins:eval", "ganaug.__main__:main",
                 "sklearn.utils:Bunch.__init__", "ganaug.io:_Decoder"]:
        config["fitted"]["codec_"] = {"__object__": name, "state": {}}
        payload["config"] = json.dumps(config)
        _reseal(payload)
        torch.save(payload, path)
        with pytest.raises(ValueError, match="Refusing to load|does not exist"):
            ganaug.load(path)


def _reseal(payload):
    """What a forger can do: recompute the checksum after editing the file."""
    payload["checksum"] = ganaug.io._digest(payload["config"], payload["tensors"])


def _with_version(path, version):
    import json

    payload = torch.load(path, weights_only=True)
    config = json.loads(payload["config"])
    config["ganaug_version"] = version
    payload["config"] = json.dumps(config)
    _reseal(payload)
    torch.save(payload, path)


def test_version_is_checked_on_load(tmp_path):
    path = tmp_path / "m.ganaug"
    ganaug.save(G().fit(X), path)
    major = int(ganaug.__version__.split(".")[0])
    _with_version(path, f"{major}.999.0")
    with pytest.warns(UserWarning, match="written by ganaug"):
        ganaug.load(path)
    _with_version(path, f"{major + 1}.0.0")
    with pytest.raises(ValueError, match="different major version"):
        ganaug.load(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _with_version(path, ganaug.__version__)
        ganaug.load(path)


def test_not_a_ganaug_file_is_refused(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save({"w": torch.zeros(3)}, path)
    with pytest.raises(ValueError, match="not a ganaug file"):
        ganaug.load(path)


def _strategy(y):
    return {1: 40}


def test_save_refuses_what_it_cannot_describe(tmp_path):
    est = C(sampling_strategy=_strategy).fit(X, Y)
    with pytest.raises(TypeError, match="callable"):
        ganaug.save(est, tmp_path / "m.ganaug")
    assert pickle.loads(pickle.dumps(est)).sample(2)[0].shape == (2, X.shape[1])


def test_unfitted_estimator_roundtrip(tmp_path):
    est = C(epochs=3, adam_betas=(0.0, 0.9))
    loaded = _roundtrip(est, tmp_path)
    assert loaded.get_params() == est.get_params()
    assert isinstance(loaded.adam_betas, tuple)


# ========================================================================== bounded memory
@pytest.mark.parametrize("as_frame", [False, True])
def test_sample_in_chunks_keeps_peak_memory_near_the_output(as_frame):
    # The process's peak resident memory (getrusage, restarted before the call), not
    # tracemalloc: sample generates with torch, whose buffers tracemalloc cannot see.
    # Measured on 1M rows: about 58 MB above the start for a 38 MB output; generating
    # all rows in one torch call instead (no chunks) takes about 180 MB.
    from ganaug_bench.record import memory_mb, reset_peak_memory

    n = 1_000_000
    data = pd.DataFrame(X[:, :4], columns=list("abcd")) if as_frame else X
    est = C(random_state=0).fit(data, Y)
    est.sample(10)  # warm up allocations
    if as_frame:  # columns of one numpy dtype: filled in place, like an array
        assert isinstance(est.sample(10)[0], pd.DataFrame)
    if not reset_peak_memory():
        pytest.skip("the peak resident memory cannot be restarted on this OS (Linux can)")
    before = memory_mb()["peak_rss_mb"]
    out, labels = est.sample(n)
    grown = (memory_mb()["peak_rss_mb"] - before) * 1e6
    out_bytes = (out.memory_usage(index=False).sum() if as_frame else out.nbytes)
    out_bytes += labels.nbytes
    assert out.shape == (n, 4) and labels.dtype == Y.dtype and len(labels) == n
    codes_bytes = 8 * n * 3  # codes, per-class positions, label lookup
    assert grown < out_bytes + codes_bytes + 16 * 2**20, (grown, out_bytes)


def test_chunked_sampling_is_consistent_across_chunks():
    est = C(random_state=0).fit(pd.DataFrame(X, columns=list("wxyz")), Y_STR)
    out, labels = est.sample(20_000)
    assert list(out.columns) == list("wxyz")
    assert (out.index == np.arange(20_000)).all()
    assert np.isfinite(out.to_numpy()).all()
    counts = pd.Series(labels).value_counts()
    assert counts["common"] == round(20_000 * 32 / 48)
    x_rare, y_rare = est.sample(9000, y="rare")
    assert (y_rare == "rare").all() and len(x_rare) == 9000


@pytest.mark.parametrize("scattered", [True, False])
def test_assembler_puts_chunks_of_any_column_types_in_row_order(scattered):
    """The chunk writer behind ``sample``: numpy and pandas extension columns alike."""
    n, rs = 50, np.random.RandomState(0)
    full = pd.DataFrame({
        "f": rs.normal(size=n),
        "i": rs.randint(0, 9, n).astype(np.int16),
        "b": rs.rand(n) > 0.5,
        "cat": pd.Categorical(rs.choice(["x", "y", "z"], n), categories=["x", "y", "z"]),
        "n": pd.array(np.where(rs.rand(n) > 0.7, None, rs.randint(0, 5, n)), dtype="Int64"),
        "s": pd.array(rs.choice(["u", "v"], n), dtype="string"),
    })
    out = ganaug.data.assembler.Assembler(n)
    if scattered:  # class groups: positions are index arrays, chunks of 7 rows
        perm = rs.permutation(n)
        for start in range(0, n, 7):
            pos = np.sort(perm[start:start + 7])
            out.put(pos, full.iloc[pos].reset_index(drop=True))
    else:  # unconditional: consecutive slices
        for start in range(0, n, 7):
            pos = slice(start, min(n, start + 7))
            out.put(pos, full.iloc[pos].reset_index(drop=True))
    pd.testing.assert_frame_equal(out.result(), full)
    arrays = ganaug.data.assembler.Assembler(n)
    for start in range(0, n, 7):
        arrays.put(slice(start, min(n, start + 7)), full[["f"]].to_numpy()[start:start + 7])
    np.testing.assert_array_equal(arrays.result(), full[["f"]].to_numpy())


def test_training_gets_the_encoded_data_without_another_copy(monkeypatch):
    seen = {}
    real_fit_one = ganaug.base.BaseGANAugmenter._fit_one
    real_train = ganaug._fitting.train_gan

    def fit_one(self, data, *args, **kwargs):
        seen["data"] = data
        return real_fit_one(self, data, *args, **kwargs)

    def train(G_, D_, x, *args, **kwargs):
        seen["x"] = x
        return real_train(G_, D_, x, *args, **kwargs)

    monkeypatch.setattr(ganaug.base.BaseGANAugmenter, "_fit_one", fit_one)
    monkeypatch.setattr(ganaug._fitting, "train_gan", train)
    C().fit(X, Y)
    data, x = seen["data"], seen["x"]
    assert x.device.type == "cpu"
    assert x.data_ptr() == data.__array_interface__["data"][0]  # shared, not copied


# ============================================================= warm start and interruption
def _state_tensors(est):
    return [t.clone() for s in est.train_state_ for t in _tensors_of(s)]


def _tensors_of(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors_of(v)
    elif isinstance(obj, list | tuple):
        for v in obj:
            yield from _tensors_of(v)


@pytest.mark.parametrize(
    "make, fit_args",
    [
        pytest.param(lambda **kw: C(**kw), (X, Y), id="conditional"),
        pytest.param(lambda **kw: G(**kw), (X, Y), id="per-class"),
        pytest.param(lambda **kw: G(**kw), (X,), id="unconditional"),
    ],
)
def test_warm_start_continues_training(make, fit_args, monkeypatch):
    est = make(epochs=2, warm_start=True).fit(*fit_args)
    steps_first = [s["step"] for s in est.train_state_]
    kept = copy.deepcopy(est.train_state_)
    starts = []
    real_train = ganaug._fitting.train_gan

    def train(G_, D_, *args, checkpoint=None, **kwargs):
        starts.append(copy.deepcopy(checkpoint))
        return real_train(G_, D_, *args, checkpoint=checkpoint, **kwargs)

    monkeypatch.setattr(ganaug._fitting, "train_gan", train)
    est.fit(*fit_args)
    # each GAN started from the kept state, not from a fresh initialisation
    assert len(starts) == len(kept)
    for ckpt, old in zip(starts, kept):
        for k, v in old["G"].items():
            assert torch.equal(ckpt["G"][k], v)
    assert [s["step"] for s in est.train_state_] == [2 * s for s in steps_first]
    histories = (
        est.history_.values() if isinstance(next(iter(est.history_.values())), dict)
        else [est.history_]
    )
    assert all(len(h["d_loss"]) == 4 for h in histories)
    est.set_params(warm_start=False).fit(*fit_args)  # starts over and drops the state
    assert not hasattr(est, "train_state_")
    assert all(len(h["d_loss"]) == 2 for h in (
        est.history_.values() if isinstance(next(iter(est.history_.values())), dict)
        else [est.history_]
    ))


def test_a_warm_segment_draws_other_batches_and_noise_than_the_first(monkeypatch):
    # the refit seeded its torch generator as the first fit did, so its segment replayed
    # the first segment's batches and noise exactly
    seeds = []
    real_train = ganaug._fitting.train_gan

    def train(G_, D_, x, y, n_classes, cfg, gen, *args, **kwargs):
        seeds.append(gen.initial_seed())
        return real_train(G_, D_, x, y, n_classes, cfg, gen, *args, **kwargs)

    monkeypatch.setattr(ganaug._fitting, "train_gan", train)
    est = C(max_steps=4, warm_start=True, random_state=0).fit(X, Y)
    twin = copy.deepcopy(est)
    est.fit(X, Y)
    twin.fit(X, Y)
    first, warm, warm_again = seeds
    assert warm != first and warm == warm_again  # new draws, still reproducible
    for p, q in zip(est.generator_.parameters(), twin.generator_.parameters(), strict=True):
        assert torch.equal(p, q)


def test_warm_start_refuses_other_features_or_classes():
    est = C(warm_start=True).fit(X, Y)
    with pytest.raises(ValueError, match="features.* set warm_start=False to start over"):
        est.fit(X[:, :3], Y)
    frame = C(warm_start=True, max_steps=2).fit(pd.DataFrame(X, columns=list("abcd")), Y)
    with pytest.raises(ValueError, match="(?s)X's columns differ from the first fit's: The "
                                         "feature names should match.* warm_start=False"):
        frame.fit(pd.DataFrame(X, columns=list("abce")), Y)
    y3 = Y.copy()
    y3[:5] = 2
    with pytest.raises(ValueError, match="warm_start=True continues training on the classes"):
        est.fit(X, y3)
    assert est.n_features_in_ == 4 and list(est.classes_) == [0, 1]
    assert est.sample(3)[0].shape == (3, 4)


class _Interrupt:
    """Raises KeyboardInterrupt at the n-th discriminator loss, mid-epoch."""

    def __init__(self, real, at):
        self.real, self.at, self.calls = real, at, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == self.at:
            raise KeyboardInterrupt
        return self.real(*args, **kwargs)


@pytest.mark.parametrize("method", ["fit", "fit_resample"])
@pytest.mark.parametrize("make", [lambda **kw: C(**kw), lambda **kw: G(**kw)],
                         ids=["conditional", "per-class"])
def test_interrupted_first_fit_leaves_estimator_unfitted(monkeypatch, make, method):
    est = make(epochs=3)
    params = dict(vars(est))
    # at the 2nd discriminator loss: fit_resample of per-class GANs trains only the
    # oversampled class, a short run
    monkeypatch.setattr(ganaug.train, "d_loss", _Interrupt(ganaug.train.d_loss, at=2))
    with pytest.raises(KeyboardInterrupt):
        getattr(est, method)(X, Y)
    assert vars(est) == params  # no fitted attribute survives
    with pytest.raises(NotFittedError):
        est.sample(2)


@pytest.mark.parametrize("warm", [True, False])
def test_interrupted_refit_keeps_the_last_complete_state(monkeypatch, warm):
    est = C(epochs=2, warm_start=warm).fit(X, Y)
    before = dict(vars(est))
    twin = copy.deepcopy(est)
    kept = _state_tensors(est) if warm else []
    gen_before = [p.clone() for p in est.generator_.parameters()]
    monkeypatch.setattr(ganaug.train, "d_loss", _Interrupt(ganaug.train.d_loss, at=4))
    other = RS.normal(size=(30, 6))  # a refit on other data, interrupted
    with pytest.raises(KeyboardInterrupt):
        est.fit(X if warm else other, Y if warm else np.r_[np.zeros(20), np.ones(10)])
    assert vars(est).keys() == before.keys()
    assert all(vars(est)[k] is v for k, v in before.items())
    assert est.n_features_in_ == 4
    for p, q in zip(est.generator_.parameters(), gen_before):
        assert torch.equal(p, q)
    for p, q in zip(_state_tensors(est) if warm else [], kept):
        assert torch.equal(p, q)  # the kept train state was not trained in place
    np.testing.assert_array_equal(est.sample(10)[0], twin.sample(10)[0])


def test_interrupted_per_class_fit_in_second_class(monkeypatch):
    est = G(epochs=1).fit(X, Y)
    before = dict(vars(est))
    steps_first_class = int(np.ceil(32 / TINY["batch_size"]))
    monkeypatch.setattr(
        ganaug.train, "d_loss", _Interrupt(ganaug.train.d_loss, at=steps_first_class + 1)
    )
    with pytest.raises(KeyboardInterrupt):
        est.fit(X, Y)
    assert all(vars(est)[k] is v for k, v in before.items())
    assert vars(est).keys() == before.keys()


@pytest.mark.parametrize("make", [C, G], ids=["conditional", "per-class"])
def test_warm_start_with_a_step_budget_trains_that_many_steps_again(make):
    est = make(epochs=None, max_steps=6, warm_start=True).fit(X, Y)
    assert [s["step"] for s in est.train_state_] == [6] * len(est.train_state_)
    est.fit(X, Y)
    assert [s["step"] for s in est.train_state_] == [12] * len(est.train_state_)


@pytest.mark.parametrize("change", [{"width": 32}, {"depth": 2}, {"discriminator_width": 8}])
def test_a_model_saved_after_set_params_loads_its_fitted_networks(tmp_path, change):
    est = C().fit(X, Y)
    est.set_params(**change)  # takes effect at the next fit, not in the saved file
    ganaug.save(est, tmp_path / "m.ganaug")
    back = ganaug.load(tmp_path / "m.ganaug")
    assert back.get_params()[next(iter(change))] == next(iter(change.values()))
    np.testing.assert_array_equal(_sample_x(back, 32), _sample_x(est, 32))


def test_per_class_fit_resample_with_nothing_to_oversample_keeps_the_history_shape():
    Xb, Yb = X[:32], np.r_[np.zeros(16), np.ones(16)].astype(int)
    est = G()
    Xr, yr = est.fit_resample(Xb, Yb)
    assert len(Xr) == 32
    assert est.history_ == {"d_loss": [], "g_loss": [], "d_real": [], "d_fake": []}


@pytest.mark.parametrize("make", [C, G], ids=["conditional", "per-class"])
def test_a_global_pandas_output_setting_does_not_reach_the_internal_scaler(make):
    import sklearn

    with sklearn.config_context(transform_output="pandas"):
        est = make(epochs=None, max_steps=2)
        Xr, yr = est.fit_resample(X, Y)
        new = _sample_x(est, 8, y=1)
    assert isinstance(Xr, np.ndarray) and Xr.shape == (64, 4)
    assert np.bincount(yr).tolist() == [32, 32] and new.shape == (8, 4)


def test_write_record_names_its_files_by_tag(tmp_path):
    import json

    from ganaug_bench.record import write_record

    path = write_record(tmp_path / "new", "fit_time", "cuda", {"rows": [1, 2]}, ["# t", "x"])
    assert path == tmp_path / "new" / "fit_time_cuda.json"
    assert json.loads(path.read_text()) == {"rows": [1, 2]}
    assert (tmp_path / "new" / "fit_time_cuda.md").read_text() == "# t\nx\n"
    assert write_record(tmp_path, "a", "", {}, []).name == "a.json"  # no tag: the bare name


def test_warm_refit_puts_adam_steps_where_a_fused_optimizer_needs_them(monkeypatch):
    # a CPU fit exports foreach-Adam state (``step`` stays where torch put it); a refit on
    # CUDA builds fused Adam, whose kernel takes ``step`` only as float32 on the weights'
    # device. Stand-ins on the CPU: fused Adam here, and steps saved as float64
    import ganaug.train as train_mod
    from ganaug import ConditionalGANAugmenter

    X, y = np.random.RandomState(0).normal(size=(60, 3)), np.repeat([0, 1], [45, 15])
    est = ConditionalGANAugmenter(max_steps=3, width=16, warm_start=True,
                                  random_state=0).fit(X, y)
    for state in est.train_state_:
        for key in ("opt_g", "opt_d"):
            for s in state[key]["state"].values():
                s["step"] = s["step"].to(torch.float64)
    monkeypatch.setattr(train_mod, "_adam", lambda params, lr, betas, device: (
        torch.optim.Adam(list(params), lr=lr, betas=betas, fused=True)))
    seen = []
    real_load = train_mod.load_checkpoint

    def load(tr, checkpoint):
        real_load(tr, checkpoint)
        seen.extend((p.device, tr_opt.state[p]["step"].dtype, tr_opt.state[p]["step"].device)
                    for tr_opt in (tr.opt_g, tr.opt_d) for p in tr_opt.state)

    monkeypatch.setattr(train_mod, "load_checkpoint", load)
    est.fit(X, y)
    assert seen and all(dt == torch.float32 and dev == pdev for pdev, dt, dev in seen)


class _SpikyD(torch.nn.Module):
    """A discriminator that returns NaN on exactly one call (a transient blow-up)."""

    def __init__(self, D, at):
        super().__init__()
        self.D, self.at, self.calls = D, at, 0

    def forward(self, x, y=None):
        self.calls += 1
        out = self.D(x, y)
        return out * float("nan") if self.calls == self.at else out


def _spiky_run(at, **cfg_kw):
    from ganaug.nn.tabular import MLPDiscriminator, MLPGenerator
    from ganaug.train import TrainConfig, train_gan

    torch.manual_seed(0)
    G = MLPGenerator(4, 3, 16, 1, 2)
    D = _SpikyD(MLPDiscriminator(3, 16, 1, 2, sn=False), at=at)
    x, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
    cfg = TrainConfig(epochs=None, batch_size=16, latent_dim=4, g_lr=1e-3, d_lr=1e-3,
                      betas=(0.0, 0.99), loss="hinge", max_steps=200, **cfg_kw)
    ckpt = {}
    _, history = train_gan(G, D, x, y, 2, cfg, torch.Generator().manual_seed(1),
                           checkpoint=ckpt)
    return history, ckpt


def test_one_nan_with_lecam_is_recovered_from():
    # LeCam's moving means were not in the restore point: one NaN left them NaN, every
    # restore diverged again and the fit failed
    history, ckpt = _spiky_run(250, lecam_weight=0.1)
    assert ckpt["step"] == 200 and np.isfinite(history["d_loss"]).all()
    assert torch.isfinite(ckpt["lecam_ema"]).all()


def test_a_restore_in_the_last_epoch_trains_on_to_max_steps_under_a_time_budget():
    # with a time budget set (not reached), a restore after max_steps was reached kept the
    # stop flag: the fit ended with the restored, shorter model
    for budget in (None, 1000.0):
        history, ckpt = _spiky_run(396, time_budget=budget)
        assert ckpt["step"] == 200 and len(history["d_loss"]) == 50

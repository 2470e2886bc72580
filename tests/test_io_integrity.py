"""ganaug.load refuses damaged, tampered and oversized files with a clear ValueError."""

from __future__ import annotations

import datetime
import decimal
import json
import re
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
import torch

import ganaug
from ganaug import ConditionalGANAugmenter
from ganaug.io import _digest

RS = np.random.RandomState(0)
X = RS.normal(size=(60, 4))
Y = np.repeat([0, 1], [45, 15])
REFUSALS = (r"is damaged: its content does not match its checksum|Cannot read .*damaged or "
            r"truncated|not a safe ganaug file|is not a ganaug file|has format version")


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    path = tmp_path_factory.mktemp("io") / "m.ganaug"
    est = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(X, Y)
    ganaug.save(est, path)
    return path, est


def test_truncated_file_is_refused_as_damaged(saved, tmp_path):
    path, _ = saved
    raw = path.read_bytes()
    for cut in (len(raw) // 3, len(raw) - 100):
        bad = tmp_path / f"cut{cut}.ganaug"
        bad.write_bytes(raw[:cut])
        with pytest.raises(ValueError, match="damaged|truncated|not a safe ganaug file"):
            ganaug.load(bad)


def test_directory_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match="is a directory"):
        ganaug.load(tmp_path)
    with pytest.raises(FileNotFoundError):
        ganaug.load(tmp_path / "nope.ganaug")


def test_bit_flips_are_refused_or_harmless(saved, tmp_path):
    path, est = saved
    raw = bytearray(path.read_bytes())
    want, _ = est.sample(20, y=1)
    rs = np.random.RandomState(1)
    refused = 0
    for i in range(60):
        pos = int(rs.randint(len(raw)))
        flipped = bytearray(raw)
        flipped[pos] ^= 1 << int(rs.randint(8))
        bad = tmp_path / f"flip{i}.ganaug"
        bad.write_bytes(bytes(flipped))
        try:
            loaded = ganaug.load(bad)
        except ValueError as exc:  # one of load's documented refusals, naming the file
            refused += 1
            assert re.search(REFUSALS, str(exc)), exc
            assert str(bad) in str(exc), exc
            continue
        # a flip in bytes the archive does not use changes nothing
        got, _ = loaded.sample(20, y=1)
        np.testing.assert_array_equal(got, want)
    assert refused > 30


def test_checksum_covers_config_and_tensors(saved, tmp_path):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    name = next(iter(payload["tensors"]))
    payload["tensors"][name] = payload["tensors"][name].clone()
    payload["tensors"][name].view(-1)[0] += 1
    torch.save(payload, tmp_path / "t.ganaug")
    with pytest.raises(ValueError, match="does not match its checksum"):
        ganaug.load(tmp_path / "t.ganaug")


def test_oversized_network_is_refused_before_it_is_built(saved, tmp_path, monkeypatch):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    config = json.loads(payload["config"])
    config["params"]["width"] = 20000
    # the networks are rebuilt at the fitted sizes (arch_params_), so a forger edits those
    arch = dict(config["fitted"]["arch_params_"]["__dict__"])
    assert arch["width"] == 16
    arch["width"] = 20000
    config["fitted"]["arch_params_"]["__dict__"] = [[k, v] for k, v in arch.items()]
    payload["config"] = json.dumps(config)
    payload["checksum"] = _digest(payload["config"], payload["tensors"])  # a forger's file
    torch.save(payload, tmp_path / "big.ganaug")
    import ganaug.io

    real_build = ganaug.io.build_generator
    sizes = []

    def spy(est, n_classes):
        G = real_build(est, n_classes)
        sizes.append(next(G.parameters()).device.type)
        return G

    monkeypatch.setattr(ganaug.io, "build_generator", spy)
    with pytest.raises(ValueError, match="do not have the sizes"):
        ganaug.load(tmp_path / "big.ganaug")
    assert sizes == ["meta"]  # only the allocation-free build ran


def test_unlisted_sklearn_module_is_never_imported(saved, tmp_path):
    path, _ = saved
    payload = torch.load(path, weights_only=True)
    config = json.loads(payload["config"])
    config["fitted"]["codec_"] = {"__object__": "sklearn.conftest:Thing", "state": {}}
    payload["config"] = json.dumps(config)
    payload["checksum"] = _digest(payload["config"], payload["tensors"])
    torch.save(payload, tmp_path / "imp.ganaug")
    sys.modules.pop("sklearn.conftest", None)
    with pytest.raises(ValueError, match="Refusing to load"):
        ganaug.load(tmp_path / "imp.ganaug")
    assert "sklearn.conftest" not in sys.modules


def test_weights_of_another_network_layout_name_the_version_problem(saved, monkeypatch):
    # a file whose generator has other layers (an older or newer ganaug's) is not called
    # damaged: the message names the layers and says to refit with this version
    import ganaug.io

    path, _ = saved
    real_build = ganaug.io.build_generator

    def renamed(est, n_classes):
        G = real_build(est, n_classes)
        G.register_buffer("gain", torch.ones(1))  # a buffer this file does not have
        return G

    monkeypatch.setattr(ganaug.io, "build_generator", renamed)
    with pytest.raises(ValueError, match=r"missing \['gain'\].*another ganaug version"):
        ganaug.load(path)


def test_bytes_values_load_as_bytes_not_str(tmp_path):
    rs = np.random.RandomState(0)
    frame = pd.DataFrame({"b": pd.Series(rs.choice([b"ab", b"cd"], 60), dtype=object),
                          "v": rs.normal(size=60)})
    est = ConditionalGANAugmenter(max_steps=2, width=16, random_state=0).fit(frame, Y)
    ganaug.save(est, tmp_path / "b.ganaug")
    back = ganaug.load(tmp_path / "b.ganaug")
    got, want = back.sample(20)[0], est.sample(20)[0]
    pd.testing.assert_frame_equal(got, want)
    assert {type(v) for v in got["b"]} == {bytes}


def test_save_to_a_directory_or_a_missing_folder_names_the_fix(saved, tmp_path):
    _, est = saved
    with pytest.raises(ValueError, match=r"is a directory; pass a file path inside it"):
        ganaug.save(est, tmp_path)
    with pytest.raises(FileNotFoundError, match=r"folder .* does not exist"):
        ganaug.save(est, tmp_path / "no_such_folder" / "m.ganaug")
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize("values", [
    [decimal.Decimal("0.1"), decimal.Decimal("2.50"), decimal.Decimal("-3")],
    [datetime.date(2020, 1, 1), datetime.date(1999, 12, 31), datetime.date(2024, 2, 29)],
    [datetime.datetime(2020, 1, 1, 12, 30, 0, 5),
     datetime.datetime(2021, 6, 1, tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
     datetime.datetime(1970, 1, 1)],
    [datetime.time(1, 2, 3), datetime.time(23, 59, 59, 999999), datetime.time(0)],
    [datetime.timedelta(days=-1, seconds=5), datetime.timedelta(0), datetime.timedelta(3)],
    [uuid.UUID(int=1), uuid.UUID(int=2**100), uuid.UUID(int=7)],
    pd.period_range("2020-01", periods=3, freq="M").tolist(),
    pd.interval_range(0.5, 3.5).tolist(),
    pd.interval_range(pd.Timestamp("2020-01-01"), periods=3, freq="D", closed="left").tolist(),
], ids=["decimal", "date", "datetime", "time", "timedelta", "uuid", "period", "interval",
        "interval_of_timestamps"])
def test_categories_that_fit_accepts_are_saved_and_load_equal(values, tmp_path):
    """Whatever objects a categorical column holds, save stores them exactly."""
    col = pd.Series([values[i % 3] for i in range(60)])
    frame = pd.DataFrame({"c": col, "v": RS.normal(size=60)})
    est = ConditionalGANAugmenter(max_steps=2, width=16, random_state=0).fit(frame, Y)
    ganaug.save(est, tmp_path / "c.ganaug")
    back = ganaug.load(tmp_path / "c.ganaug")
    got, want = back.sample(30)[0], est.sample(30)[0]
    pd.testing.assert_frame_equal(got, want)
    assert got["c"].dtype == col.dtype
    assert [type(v) for v in got["c"]] == [type(v) for v in want["c"]]
    assert set(got["c"]) <= set(values)


def _edited_copy(src, dst, edit):
    """``src`` with its config edited and its checksum recomputed, as anyone can."""
    payload = torch.load(src, weights_only=True)
    config = json.loads(payload["config"])
    edit(config)
    payload["config"] = json.dumps(config)
    payload["checksum"] = _digest(payload["config"], payload["tensors"])
    torch.save(payload, dst)
    return dst


@pytest.mark.parametrize("edit", [
    lambda c: c.pop("params"),  # KeyError
    lambda c: c["fitted"]["classes_"].__setitem__("dtype", "zzz"),  # TypeError
    lambda c: c["fitted"].__setitem__("data_kind_", {"__decimal__": "abc"}),  # decimal error
    lambda c: c["fitted"].__setitem__("device_", {"__device__": "banana"}),  # RuntimeError
    lambda c: c.__setitem__("estimator", "GANAugmenter"),  # loaded; failed in sample()
    lambda c: c.__setitem__("modules", {}),  # loaded; failed in sample()
    lambda c: c["fitted"]["anchors_"].__setitem__(
        "shape", c["fitted"]["anchors_"]["shape"][::-1]),  # loaded; IndexError in sample()
    lambda c: c["fitted"].__setitem__("__class__", 1),
    lambda c: c["params"].__setitem__("max_steps", -5),  # loaded unvalidated before
], ids=["no-params", "dtype", "decimal", "device", "renamed", "no-modules", "anchors",
        "dunder", "bad-param"])
def test_load_of_an_edited_file_is_a_clear_value_error_at_load(tmp_path, edit):
    import warnings

    X = np.random.RandomState(0).normal(size=(40, 3))
    y = np.repeat([0, 1], [30, 10])
    src = tmp_path / "m.ganaug"
    ganaug.save(ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(X, y), src)
    bad = _edited_copy(src, tmp_path / "bad.ganaug", edit)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError, match="Corrupt ganaug file"):
            ganaug.load(bad)


def test_save_and_load_take_paths_only_and_expand_the_home_folder(tmp_path, monkeypatch):
    import io

    X = np.random.RandomState(0).normal(size=(40, 3))
    aug = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(
        X, np.repeat([0, 1], [30, 10]))
    monkeypatch.setenv("HOME", str(tmp_path))
    ganaug.save(aug, "~/m.ganaug")  # was a file in a folder named '~'
    assert (tmp_path / "m.ganaug").exists()
    assert ganaug.load("~/m.ganaug").sample(2, y=1)[0].shape == (2, 3)
    for bad, error in ((io.BytesIO(), TypeError), (b"/tmp/m.ganaug", TypeError), ("", ValueError)):
        with pytest.raises(error, match="ganaug.save (takes|needs) a file path"):
            ganaug.save(aug, bad)
        with pytest.raises(error, match="ganaug.load (takes|needs) a file path"):
            ganaug.load(bad)


def test_load_probe_accepts_models_with_nothing_to_sample_and_keeps_the_stream(tmp_path):
    import copy

    from ganaug import GANAugmenter

    X = np.random.RandomState(0).normal(size=(60, 3))
    balanced = GANAugmenter(max_steps=3, width=16, random_state=0)
    balanced.fit_resample(X, np.repeat([0, 1], 30))  # nothing to oversample: no generator
    ganaug.save(balanced, tmp_path / "b.ganaug")
    assert (ganaug.load(tmp_path / "b.ganaug").generator_index_ < 0).all()  # was 'Corrupt'
    aug = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(
        X, np.repeat([0, 1], [45, 15]))
    ganaug.save(aug, tmp_path / "m.ganaug")
    twin = copy.deepcopy(aug)
    loaded = ganaug.load(tmp_path / "m.ganaug")
    # the probe's row comes from its own stream: the first samples are the original's
    pd.testing.assert_frame_equal(pd.DataFrame(loaded.sample(5)[0]),
                                  pd.DataFrame(twin.sample(5)[0]))


def test_save_names_the_path_it_cannot_write_and_a_file_posing_as_a_folder(tmp_path,
                                                                         monkeypatch):
    import torch

    import ganaug
    from ganaug import ConditionalGANAugmenter

    X, y = np.random.RandomState(0).normal(size=(40, 2)), np.repeat([0, 1], [30, 10])
    est = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0).fit(X, y)
    afile = tmp_path / "c.ganaug"
    afile.write_text("x")
    with pytest.raises(FileExistsError, match="is a file, not a folder"):
        ganaug.save(est, afile / "x.ganaug")

    def failing(*args, **kwargs):
        raise RuntimeError("[enforce fail at inline_container.cc:747] . open file failed")

    monkeypatch.setattr(torch, "save", failing)
    target = tmp_path / "m.ganaug"
    with pytest.raises(OSError, match=f"Cannot save to {str(target)!r}"):
        ganaug.save(est, target)


def test_loading_an_unfitted_model_on_a_device_leaves_it_unfitted(tmp_path):
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    import ganaug
    from ganaug import ConditionalGANAugmenter

    path = tmp_path / "u.ganaug"
    ganaug.save(ConditionalGANAugmenter(), path)
    with pytest.raises(NotFittedError):
        check_is_fitted(ganaug.load(path, device="cpu"))


@pytest.mark.parametrize("na_value", [pd.NA, np.nan], ids=["string", "str"])
def test_string_columns_load_with_the_storage_they_were_fitted_with(na_value, tmp_path):
    # the dtype was saved as its name ("string" / "str"), which reads back with the
    # loading machine's default storage (pyarrow where installed), not the fitted one
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "s": pd.array(
        rng.choice(["x", "y"], 60), dtype=pd.StringDtype("python", na_value=na_value))})
    y = np.arange(60) % 4 == 0
    aug = ConditionalGANAugmenter(max_steps=3, width=8, random_state=0).fit(X, y)
    ganaug.save(aug, tmp_path / "m.ganaug")
    with pd.option_context("mode.string_storage", "pyarrow"):
        back = ganaug.load(tmp_path / "m.ganaug")
    pd.testing.assert_frame_equal(back.sample(10, y=True)[0], aug.sample(10, y=True)[0])
    assert back.sample(5, y=True)[0]["s"].dtype == X["s"].dtype


def test_pyarrow_dtypes_round_trip_and_unreadable_dtype_names_are_refused_at_save(tmp_path):
    from ganaug._tagged_json import Encoder

    class Unnamed(pd.api.extensions.ExtensionDtype):  # its name reads back as nothing
        name = "no-such-dtype"
        type = object

    with pytest.raises(TypeError, match="cannot save the pandas dtype"):
        Encoder().encode(Unnamed(), "X")
    pa = pytest.importorskip("pyarrow")
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=60), "c": pd.Series(rng.choice(["x", "y"], 60))})
    X["c"] = X["c"].astype(pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())))
    X["d"] = pd.Series([decimal.Decimal(f"{v:.2f}") for v in rng.normal(size=60)],
                       dtype=pd.ArrowDtype(pa.decimal128(10, 2)))
    aug = ConditionalGANAugmenter(max_steps=3, width=8, random_state=0).fit(X, np.arange(60) % 4)
    ganaug.save(aug, tmp_path / "m.ganaug")  # loading it failed: "Corrupt ganaug file"
    back = ganaug.load(tmp_path / "m.ganaug")
    pd.testing.assert_frame_equal(back.sample(10, y=1)[0], aug.sample(10, y=1)[0])


@pytest.mark.parametrize("config", [[1, 2], "text", 3, None])
def test_a_config_that_is_not_an_object_is_a_clear_value_error(saved, tmp_path, config):
    payload = torch.load(saved[0], weights_only=True)
    payload["config"] = json.dumps(config)
    payload["checksum"] = _digest(payload["config"], payload["tensors"])
    torch.save(payload, tmp_path / "c.ganaug")
    with pytest.raises(ValueError, match="its config is a"):
        ganaug.load(tmp_path / "c.ganaug")


def test_an_empty_file_is_named_as_empty(tmp_path):
    """A bug hunt's case: a 0-byte model file gave "not a safe ganaug file (...): " with
    nothing after the colon."""
    path = tmp_path / "empty.ganaug"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match=r"empty \(0 bytes\); save the model again"):
        ganaug.load(path)

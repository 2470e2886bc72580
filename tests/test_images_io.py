"""Images in and out: value ranges, frames of image rows, layouts, plots, classifiers, CIFAR."""

from __future__ import annotations

import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_digits

from ganaug import ConditionalGANAugmenter
from ganaug.datasets import load_cifar10
from ganaug.metrics import train_classifier
from ganaug.plotting import save_image_grid
from ganaug.report import quality_report

TINY = dict(max_steps=2, width=8, random_state=0, device="cpu")
Y24 = np.array([0, 0, 0, 1] * 6)


@pytest.mark.parametrize("dtype", [np.uint8, np.int64, np.float32])
def test_images_come_back_inside_the_range_they_were_trained_on(dtype):
    # uint8 digits hold 0-16: uint8 was always mapped as 0-255 (samples anywhere in it)
    X, y = load_digits(return_X_y=True)
    X, y = X[:100].reshape(-1, 8, 8).astype(dtype), y[:100]
    out, _ = ConditionalGANAugmenter(**TINY).fit(X, y).sample(50, y=3)
    assert out.dtype == dtype and out.min() >= X.min() and out.max() <= X.max()
    const = np.full((24, 8, 8), 7, dtype=dtype)
    out, _ = ConditionalGANAugmenter(**TINY).fit(const, Y24).sample(5)
    assert (out == 7).all()


@pytest.mark.parametrize("columns", [[f"px{i}" for i in range(64)], None, range(100, 164)],
                         ids=["text", "default", "ints"])
def test_image_rows_in_a_frame_sample_a_frame_and_report(columns, tmp_path):
    # int names (pd.DataFrame(array), read_csv(header=None)) have no feature_names_in_:
    # sample() gave an ndarray there while fit_resample gave a frame
    import ganaug

    rs = np.random.RandomState(0)
    X = pd.DataFrame(rs.randint(0, 256, (24, 64)).astype(np.uint8), columns=columns)
    aug = ConditionalGANAugmenter(image_shape=(8, 8), **TINY)
    Xr, _ = aug.fit_resample(X, Y24)
    ganaug.save(aug, tmp_path / "m.gan")
    new, _ = aug.sample(3, y=1)
    assert list(new.columns) == list(X.columns) and (new.dtypes == np.uint8).all()
    pd.testing.assert_frame_equal(Xr.iloc[:24], X)
    pd.testing.assert_frame_equal(ganaug.load(tmp_path / "m.gan").sample(3, y=1)[0], new)
    report = quality_report(aug, X, Y24, n_per_class=10)
    assert list(report.index) == [0, 1] and "ks_mean" not in report  # per pixel: no


def test_a_warm_image_refit_samples_in_the_container_of_the_refit():
    rs = np.random.RandomState(0)
    A = rs.randint(0, 256, (24, 64)).astype(np.uint8)
    aug = ConditionalGANAugmenter(image_shape=(8, 8), warm_start=True, **TINY)
    aug.fit(pd.DataFrame(A).add_prefix("a"), Y24)
    aug.fit(pd.DataFrame(A).add_prefix("b"), Y24)  # renamed: the new names
    assert list(aug.sample(2)[0].columns) == [f"b{i}" for i in range(64)]
    aug.fit(A, Y24)  # an array: an array back, as fit_resample gives
    assert isinstance(aug.sample(2)[0], np.ndarray)
    assert isinstance(aug.fit_resample(A, Y24)[0], np.ndarray)
    with pytest.raises(ValueError, match=r"warm_start=True continues .* images had shape "
                                         r"\(64,\) each .* and have \(48,\)"):
        aug.fit(A[:, :48], Y24)  # another image size


def test_report_of_an_array_model_on_a_frame_of_its_columns():
    # the CLI reads a CSV as a frame whose columns are text ('0', '1', ...)
    rs = np.random.RandomState(0)
    X = rs.normal(size=(60, 3))
    y = np.r_[np.zeros(45, int), np.ones(15, int)]
    aug = ConditionalGANAugmenter(max_steps=3, width=8, random_state=0).fit(X, y)
    report = quality_report(aug, pd.DataFrame(X, columns=["0", "1", "2"]), y, n_per_class=20)
    assert report["ks_mean"].between(0, 1).all()


@pytest.mark.parametrize("shape", [(24, 4, 8, 3), (24, 4, 12, 1), (24, 3, 8, 4)])
def test_images_with_a_side_of_four_pixels_have_one_possible_layout(shape):
    X = np.random.RandomState(0).randint(0, 256, shape).astype(np.uint8)
    Xr, yr = ConditionalGANAugmenter(**TINY).fit_resample(X, Y24)
    assert Xr.shape == (36, *shape[1:]) and (Xr[:24] == X).all()


def test_an_image_classifier_refuses_images_of_another_dtype():
    rs = np.random.RandomState(0)
    y = np.repeat([0, 1], 30)
    X = (np.where(y[:, None, None] == 1, 200, 40) + rs.randint(-30, 30, (60, 8, 8))).clip(
        0, 255).astype(np.uint8)
    clf = train_classifier(X, y, widths=(8, 8, 8), epochs=2, batch_size=16, device="cpu",
                           flip=False)
    with pytest.raises(ValueError, match="uint8 and are float64"):
        clf.score(X / 255.0, y)


@pytest.mark.parametrize("shape", [(3, 1, 16), (3, 8, 8, 2)],
                         ids=["one-pixel-high", "two-channels"])
def test_image_grids_of_thin_or_two_channel_images(shape, tmp_path):
    images = np.random.RandomState(0).rand(*shape)
    path = save_image_grid([images], tmp_path / "g.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_cifar_loader_names_missing_files_and_failed_downloads(tmp_path, monkeypatch):
    partial = tmp_path / "partial" / "cifar-10-batches-py"
    partial.mkdir(parents=True)
    for name in ("data_batch_1", "test_batch"):
        (partial / name).write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="data_batch_2"):
        load_cifar10(partial.parent)

    def offline(*args, **kwargs):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlretrieve", offline)
    wrong = tmp_path / "typo" / "data"
    with pytest.raises(OSError, match="GANAUG_DATA"):
        load_cifar10(wrong)
    assert not (tmp_path / "typo").exists()  # no empty folders left at a wrong path


def test_a_warm_refit_refuses_another_image_shape():
    # a warm refit compared only the row width (64 both ways): it kept training 4x4
    # images of 4 channels when (8, 8) grey was asked for
    rs = np.random.RandomState(0)
    X, y = rs.randint(0, 256, (24, 64)).astype(np.uint8), np.repeat([0, 1], 12)
    aug = ConditionalGANAugmenter(image_shape=[4, 4, 4], warm_start=True, max_steps=2,
                                  width=8, device="cpu", random_state=0).fit(X, y)
    aug.set_params(image_shape=(4, 4, 4)).fit(X, y)  # the same shape as a tuple
    grey = ConditionalGANAugmenter(image_shape=(8, 8), warm_start=True, max_steps=2,
                                   width=8, device="cpu", random_state=0).fit(X, y)
    grey.set_params(image_shape=(8, 8, 1)).fit(X, y)  # the same layout
    with pytest.raises(ValueError, match=r"image_shape changed from \(4, 4, 4\) to \(8, 8\)"):
        aug.set_params(image_shape=(8, 8)).fit(X, y)
    assert aug.codec_.shape_ == (4, 4, 4)


@pytest.mark.parametrize("shape, hint", [((4, 8, 8), "image_shape=(8, 8, 4)"),
                                         ((3, 8, 8), "image_shape=(8, 8, 3)"),
                                         ((8, 8, 6), "6 channels.")])
def test_channels_first_image_shapes_are_refused_with_the_reshape(shape, hint):
    # (4, 8, 8) was read as 4x8 images of 8 channels (pixels scrambled, no error);
    # (3, 8, 8) failed with "at least 4x4 pixels ... if this is a table"
    X = np.random.RandomState(0).randint(0, 256, (24, int(np.prod(shape)))).astype(np.uint8)
    with pytest.raises(ValueError, match=r"\(H, W, C\) with 1-4 channels last") as err:
        ConditionalGANAugmenter(image_shape=shape, max_steps=2).fit(X, np.repeat([0, 1], 12))
    assert hint in str(err.value)


def test_read_only_images_and_nullable_pixel_frames(recwarn):
    rs = np.random.RandomState(0)
    y = np.repeat([0, 1], 12)
    kw = dict(max_steps=2, width=8, device="cpu", random_state=0)
    # a read-only array (np.load(..., mmap_mode='r')) made torch warn about writing
    # through it; the caller's array is never written
    X = rs.randint(0, 256, (24, 3, 8, 8)).astype(np.uint8)
    X.flags.writeable = False
    ConditionalGANAugmenter(**kw).fit(X, y)
    assert not [w for w in recwarn if "not writable" in str(w.message)]
    # pandas' nullable UInt8 pixels were refused as "dtype object"
    frame = pd.DataFrame(rs.randint(0, 256, (24, 64))).astype("UInt8")
    Xr, _ = ConditionalGANAugmenter(image_shape=(8, 8), **kw).fit_resample(frame, y)
    assert isinstance(Xr, pd.DataFrame) and (Xr.dtypes == "UInt8").all()
    assert Xr.iloc[:24].equals(frame)
    for dtype in ("UInt8", "Int64", "Float32"):
        # the codec read such frames as object: sample() gave object columns of
        # unrounded floats (103.97 for UInt8) and fit_resample failed casting them back
        typed = frame.astype(dtype)
        aug = ConditionalGANAugmenter(image_shape=(8, 8), **kw).fit(typed, y)
        assert aug.codec_.dtype_ == np.dtype(dtype.lower())
        new, _ = aug.sample(6)
        assert (new.dtypes == dtype).all() and list(new.columns) == list(typed.columns)
        pixels = new.to_numpy(dtype=np.float64)
        np.testing.assert_array_equal(pixels, np.rint(pixels))
        Xr, _ = ConditionalGANAugmenter(image_shape=(8, 8), **kw).fit_resample(typed, y)
        assert (Xr.dtypes == dtype).all() and Xr.iloc[:24].equals(typed)
    frame.iloc[0, 0] = pd.NA
    with pytest.raises(ValueError, match="missing pixels"):
        ConditionalGANAugmenter(image_shape=(8, 8), **kw).fit(frame, y)


def test_an_image_model_keeps_its_network_width_across_devices(monkeypatch, tmp_path):
    # width=None is 256 on a GPU and 64 elsewhere: a model fitted on a GPU then refitted
    # warm (or loaded) on a CPU rebuilt 64-wide networks for its 256-wide weights. The
    # width is now kept in hparams_; here a first fit resolving 32 stands for the GPU's
    import ganaug
    import ganaug._fitting as fitting

    rs = np.random.RandomState(0)
    X, y = rs.randint(0, 256, (24, 8, 8)).astype(np.uint8), np.repeat([0, 1], 12)
    real = fitting.resolve_hparams
    monkeypatch.setattr(fitting, "resolve_hparams", lambda est: {**real(est), "width": 32})
    aug = ConditionalGANAugmenter(max_steps=2, warm_start=True, device="cpu",
                                  random_state=0).fit(X, y)
    monkeypatch.setattr(fitting, "resolve_hparams", real)
    assert real(aug)["width"] == 64  # what this machine would choose
    size = sum(p.numel() for p in aug.generator_.parameters())
    aug.fit(X, y)  # warm: continues the 32-wide networks
    assert aug.hparams_["width"] == 32
    assert sum(p.numel() for p in aug.generator_.parameters()) == size
    ganaug.save(aug, tmp_path / "m.gan")
    again = ganaug.load(tmp_path / "m.gan")
    np.testing.assert_array_equal(again.sample(5, y=1)[0], aug.sample(5, y=1)[0])
    assert ConditionalGANAugmenter(max_steps=1, device="cpu").fit(X, y).hparams_["width"] == 64

"""Offline sample-quality metrics on tiny synthetic inputs (CPU, seconds)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import linalg

from ganaug.metrics import (
    ClassifierConfig,
    classification_accuracy_score,
    density_coverage,
    fid_inception,
    frechet_distance,
    inception_features,
    kernel_distance,
    precision_recall,
    recognition_rate,
    train_classifier,
)


def test_frechet_distance_identity_shift_and_reference():
    rs = np.random.RandomState(0)
    a = rs.randn(400, 8)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(a, a + 3.0) == pytest.approx(8 * 9.0, rel=1e-6)
    b = rs.randn(300, 8) @ rs.randn(8, 8) * 0.5 + 1.0
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ref = (((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(sa) + np.trace(sb)
           - 2 * np.trace(np.real(linalg.sqrtm(sa @ sb))))
    assert frechet_distance(a, b) == pytest.approx(ref, rel=1e-6)
    # more features than rows (singular covariances) still works
    assert np.isfinite(frechet_distance(rs.randn(5, 20), rs.randn(6, 20)))
    with pytest.raises(ValueError):
        frechet_distance(a, rs.randn(10, 3))


def test_kernel_distance_unbiased():
    rs = np.random.RandomState(1)
    a, b = rs.randn(600, 16), rs.randn(600, 16)
    same, _ = kernel_distance(a, b, n_subsets=5, subset_size=300, random_state=0)
    far, _ = kernel_distance(a, b + 1.0, n_subsets=5, subset_size=300, random_state=0)
    assert abs(same) < 0.05
    assert far > 10 * abs(same) and far > 0.1


def test_precision_recall_density_coverage():
    rs = np.random.RandomState(2)
    real = rs.randn(300, 4)
    fake_same = rs.randn(300, 4)
    p, r = precision_recall(real, fake_same, k=3)
    assert p > 0.8 and r > 0.8
    p, r = precision_recall(real, fake_same + 50.0, k=3)
    assert p == 0.0 and r == 0.0
    # a collapsed generator: high precision, low recall
    collapsed = np.zeros((300, 4)) + rs.randn(300, 4) * 0.01
    p, r = precision_recall(real, collapsed, k=3)
    assert p > 0.9 and r < 0.2
    d, c = density_coverage(real, real, k=5)
    assert c == 1.0 and d >= 1.0
    d, c = density_coverage(real, fake_same + 50.0, k=5)
    assert d == 0.0 and c == 0.0


def _toy_images(n: int, seed: int, channels: int = 3):
    """Two classes a small CNN separates at once: dark vs bright images, 16x16."""
    rs = np.random.RandomState(seed)
    y = rs.randint(0, 2, n)
    base = np.where(y[:, None, None, None] == 1, 190, 60)
    X = np.clip(base + rs.randint(-40, 40, (n, 16, 16, channels)), 0, 255).astype(np.uint8)
    return X, np.array(["dark", "bright"])[y]


def test_classifier_cas_recognition_on_toy_images():
    X, y = _toy_images(256, 0)
    Xt, yt = _toy_images(128, 1)
    kw = dict(epochs=4, batch_size=32, widths=(8, 16, 16), device="cpu", random_state=0)
    clf = train_classifier(X, y, **kw)
    assert clf.score(Xt, yt) > 0.9
    assert clf.predict(Xt[:3]).dtype == y.dtype
    feats = clf.features(Xt)
    assert feats.shape == (128, 16) and np.isfinite(feats).all()
    proba = clf.predict_proba(Xt[:5])
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    assert recognition_rate(clf, Xt, yt) == clf.score(Xt, yt)
    assert classification_accuracy_score(X, y, Xt, yt, **kw) > 0.9
    # grey images without flips also work
    # (eval uses BN running statistics: enough steps for them to settle, ~30)
    Xg, yg = _toy_images(128, 2, channels=1)
    clf_g = train_classifier(Xg[..., 0], yg, flip=False, **{**kw, "batch_size": 16,
                                                            "epochs": 4})
    assert clf_g.score(Xg[..., 0], yg) > 0.9


def test_classifier_options_classes_and_budget():
    X, y = _toy_images(128, 4)
    kw = dict(epochs=4, batch_size=16, widths=(8, 16, 16), device="cpu", random_state=0)
    # all labels declared, one absent from y: outputs follow `classes`
    clf = train_classifier(X, y, classes=["bright", "dark", "grey"], **kw)
    assert clf.predict_proba(X[:4]).shape == (4, 3) and clf.score(X, y) > 0.9
    assert clf.n_steps == 4 * 128 // 16 and clf.train_seconds > 0
    with pytest.raises(ValueError, match="not in `classes`"):
        train_classifier(X, y, classes=["dark", "grey"], **kw)
    with pytest.raises(TypeError, match="unknown classifier options"):
        train_classifier(X, y, epoch=3)
    # a fixed budget of examples overrides epochs
    cfg = ClassifierConfig(widths=(8, 16, 16), train_examples=64, batch_size=16)
    assert train_classifier(X, y, config=cfg, device="cpu").n_steps == 4


def test_classifier_learns_small_upscaled_grey_digits():
    """8x8 digits upscaled to 16x16 (flat 2x2 blocks): with airbench's BatchNorm epsilon
    (1e-12) this collapsed to chance; the core default (1e-5) learns it."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    u = np.clip(X.reshape(-1, 8, 8) * 16, 0, 255).astype(np.uint8)
    u = np.repeat(np.repeat(u, 2, 1), 2, 2)
    clf = train_classifier(u[:1200], y[:1200], epochs=10, batch_size=64, widths=(16, 32, 32),
                           flip=False, device="cpu", random_state=0)
    assert clf.score(u[1200:], y[1200:]) > 0.85


class _FakeInception(torch.nn.Module):
    """Stands in for the TorchScript Inception: uint8 NCHW in, features out (16 here,
    not 2048, so the Fréchet distance stays cheap on a CPU)."""

    def forward(self, x: torch.Tensor, return_features: bool = False) -> torch.Tensor:
        assert x.dtype == torch.uint8
        f = x.float().mean(dim=(2, 3))  # (n, 3)
        return f.repeat(1, 6)[:, :16] / 255.0


def test_inception_fid_only_with_a_local_file(tmp_path):
    X, _ = _toy_images(40, 3)
    with pytest.raises(FileNotFoundError, match="nothing is downloaded"):
        inception_features(X, tmp_path / "missing.pt", device="cpu")
    path = tmp_path / "inception.pt"
    torch.jit.script(_FakeInception()).save(str(path))
    feats = inception_features(X, path, device="cpu")
    assert feats.shape == (40, 16)
    assert fid_inception(X, X, path, device="cpu") == pytest.approx(0.0, abs=1e-6)
    # float images in [0, 1] are mapped back to 0-255 before the network
    f2 = inception_features(X.astype(np.float32) / 255.0, path, device="cpu")
    assert np.isfinite(f2).all()


def test_inception_batches_reach_the_device_as_uint8(tmp_path, monkeypatch):
    # MPS has no float64: scaling a batch with .double() on the device failed there
    X, _ = _toy_images(10, 3)
    path = tmp_path / "inception.pt"
    torch.jit.script(_FakeInception()).save(str(path))
    before = inception_features(X.astype(np.float64) / 255.0, path, device="cpu")
    sent = []
    real_to = torch.Tensor.to

    def to(self, *args, **kwargs):
        sent.append(self.dtype)
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", to)
    after = inception_features(X.astype(np.float64) / 255.0, path, device="cpu")
    assert sent and set(sent) == {torch.uint8}
    np.testing.assert_array_equal(before, after)
    np.testing.assert_allclose(after, inception_features(X, path, device="cpu"), atol=1e-6)


def test_fid_uses_one_fixed_scale_so_a_darker_set_is_far(tmp_path):
    X, _ = _toy_images(40, 3)
    path = tmp_path / "inception.pt"
    torch.jit.script(_FakeInception()).save(str(path))
    real = X.astype(np.float32) / 255.0
    dark = real * 0.5  # half the brightness: per-set min-max scaling would hide it
    assert fid_inception(real, real, path, device="cpu") == pytest.approx(0.0, abs=1e-6)
    assert fid_inception(real, dark, path, device="cpu") > 1.0
    # uint8 and [0, 1] floats of the same images give the same features
    np.testing.assert_allclose(inception_features(X, path, device="cpu"),
                               inception_features(real, path, device="cpu"), atol=1e-5)


def _knn_reference(real, fake, k):
    """The published definitions in plain float64 numpy."""
    d_rr = np.linalg.norm(real[:, None] - real[None], axis=2)
    d_ff = np.linalg.norm(fake[:, None] - fake[None], axis=2)
    d_fr = np.linalg.norm(fake[:, None] - real[None], axis=2)
    rr, fr = np.sort(d_rr, 1)[:, k], np.sort(d_ff, 1)[:, k]
    inside = d_fr <= rr[None]
    return ((inside.any(1).mean(), (d_fr.T <= fr[None]).any(1).mean()),
            (inside.sum(1).mean() / k, inside.any(0).mean()))


def test_knn_metrics_match_the_definitions_far_from_the_origin():
    # tight clusters far from 0: float32 |a|^2 + |b|^2 - 2ab put a point farther from
    # itself than from its neighbour (density 21.6 instead of 1.2)
    rs = np.random.RandomState(1)
    real = rs.normal(size=(200, 16)) * 0.1 + 100
    fake = rs.normal(size=(150, 16)) * 0.1 + 100
    (p, r), (d, c) = _knn_reference(real, fake, 3)
    assert precision_recall(real, fake, k=3) == pytest.approx((p, r))
    assert density_coverage(real, fake, k=3) == pytest.approx((d, c))
    assert density_coverage(real, real.copy(), k=5)[1] == 1.0


@pytest.mark.parametrize("call, message", [
    (lambda r, f: precision_recall(r[:3], f, k=3), r"k must be an int in \[1, 2\]; got 3"),
    (lambda r, f: precision_recall(r, f[:2], k=3), r"k must be an int in \[1, 1\]; got 3"),
    (lambda r, f: density_coverage(r, f, k=0), r"k must be an int in \[1, 19\]; got 0"),
    (lambda r, f: density_coverage(r[:0], f, k=1), "0 sample.* minimum of 1 is required"),
    (lambda r, f: precision_recall(r, np.full_like(f, np.nan), k=1), "fake_feats contains NaN"),
    (lambda r, f: density_coverage(r, f[:, :2], k=1), "must match"),
])
def test_knn_metrics_refuse_bad_k_and_inputs(call, message):
    rs = np.random.RandomState(0)
    with pytest.raises(ValueError, match=message):
        call(rs.normal(size=(20, 3)), rs.normal(size=(10, 3)))


def test_a_nan_pixel_does_not_blank_an_image_grid(tmp_path):
    from PIL import Image

    from ganaug.plotting import save_image_grid

    images = np.random.RandomState(0).rand(3, 8, 8)
    images[0, 0, 0] = np.nan
    path = save_image_grid([images], tmp_path / "g.png")
    assert np.asarray(Image.open(path).convert("L"), dtype=float).std() > 5
    with pytest.raises(ValueError, match="at least one image"):
        save_image_grid([], tmp_path / "e.png")


def test_image_grid_refuses_channels_first_and_flat_rows_and_scales_rows_by_dtype(tmp_path):
    from PIL import Image

    from ganaug.plotting import save_image_grid

    rs = np.random.RandomState(0)
    # the estimators' (k, C, H, W) output and flat rows failed inside matplotlib
    with pytest.raises(ValueError, match=r"Row 1 .*channels first: pass images.transpose"):
        save_image_grid([rs.rand(2, 8, 8), rs.rand(2, 3, 8, 8)], tmp_path / "a.png")
    with pytest.raises(ValueError, match=r"Row 0 .*flat rows: pass images.reshape"):
        save_image_grid([rs.rand(2, 64)], tmp_path / "b.png")
    # a uint8 row first: a float row in 0-1 was scaled as 0-255 and drawn black
    path = save_image_grid([rs.randint(0, 256, (2, 8, 8)).astype(np.uint8),
                            rs.rand(2, 8, 8)], tmp_path / "c.png")
    grey = np.asarray(Image.open(path).convert("L"), dtype=float)
    bottom = grey[grey.shape[0] // 2:]
    assert ((bottom > 40) & (bottom < 215)).mean() > 0.05  # greys, not black squares


def test_classifier_refuses_unsorted_classes_and_wrong_weight_length():
    X = np.random.RandomState(0).randint(0, 255, size=(12, 8, 8, 3)).astype(np.uint8)
    y = np.repeat([0, 1, 2], 4)
    with pytest.raises(ValueError, match="must be sorted"):
        train_classifier(X, y, classes=np.array([2, 1, 0]), epochs=1)
    with pytest.raises(ValueError, match="one weight per class \\(3\\)"):
        train_classifier(X, y, class_weights=[1.0, 2.0], epochs=1)


def test_pictures_show_labels_as_written_and_write_where_they_say(tmp_path, monkeypatch):
    from PIL import Image

    from ganaug import plotting

    figures = []
    save = plotting._save
    monkeypatch.setattr(plotting, "_save", lambda fig, *a, **k: (figures.append(fig),
                                                                 save(fig, *a, **k))[1])
    # '$' pairs would be math text (this one failed to parse); '_' names left the legend
    plotting.save_bar_chart({"a$_$b": [1.0], "_rest": [2.0]}, ["US$5-$10"],
                            tmp_path / "b.png", title="x$^$")
    ax = figures[-1].axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [r"a\$_\$b", "_rest"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [r"US\$5-\$10"]
    plotting.save_loss_curves({"_d": [1.0, 0.5], "g_loss": [2.0, 1.0]}, tmp_path / "l.png")
    legend = figures[-1].axes[0].get_legend().get_texts()
    assert [t.get_text() for t in legend] == ["_d", "generator loss"]
    # intervals as given, asymmetric ones included; a row without one is a bare point
    plotting.save_interval_chart({"$x$": (0.01, 0.005, 0.03), "y": (-0.02, None, None)},
                                 tmp_path / "i.png", references={"0$": 0.0, "goal": 0.02})
    ax = figures[-1].axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == [r"\$x\$", "y"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [r"0\$", "goal"]
    assert [line.get_xdata()[0] for line in ax.get_lines()[-2:]] == [0.0, 0.02]
    (bars,) = [c for c in ax.collections if len(c.get_segments())]
    assert [tuple(seg[:, 0]) for seg in bars.get_segments()] == [(0.005, 0.03)]
    assert [tuple(seg[0]) for seg in bars.get_segments()] == [(0.005, 1.0)]  # top row
    images = np.random.RandomState(0).rand(3, 8, 8)
    images[0, 0, 0] = np.inf  # an infinite pixel must not black out the others
    path = plotting.save_image_grid([images], tmp_path / "grid", row_labels=["$a$_$"])
    assert path == tmp_path / "grid" and path.read_bytes()[:4] == b"\x89PNG"  # no '.png' added
    assert np.asarray(Image.open(path).convert("L"), dtype=float).std() > 5
    with pytest.raises(ValueError, match="row_labels has 1 labels for 2 rows"):
        plotting.save_image_grid([images, images], tmp_path / "g2.png", row_labels=["x"])


@pytest.fixture(scope="module")
def toy_classifier():
    X, y = _toy_images(64, 0)
    return train_classifier(X, y, epochs=2, batch_size=16, widths=(8, 16, 16), device="cpu",
                            random_state=0)


@pytest.mark.parametrize("call", [
    lambda clf, X, y: recognition_rate(clf, X, y), lambda clf, X, y: clf.score(X, y),
], ids=["recognition_rate", "score"])
@pytest.mark.parametrize("labels, message", [
    (lambda y: np.full(len(y), "grey"),  # was 0.0, silently
     r"y holds label\(s\) \['grey'\] the classifier does not know; it was trained on "
     r"classes \['bright', 'dark'\]"),
    (lambda y: (y == "dark").astype(int), r"label\(s\) \[0, 1\] the classifier does not know"),
    (lambda y: y[:, None],  # was compared n x n, a wrong share
     r"y must be 1-D, one label per image; got shape \(32, 1\). Pass np.ravel\(y\)"),
    (lambda y: np.r_[y[:-1], None], r"y has 1 missing label\(s\)"),
    (lambda y: y[:1], r"X has 32 images but y has 1 labels"),  # was broadcast
])
def test_recognition_rate_and_score_refuse_labels_they_cannot_judge(toy_classifier, call,
                                                                   labels, message):
    X, y = _toy_images(32, 5)
    bad = labels(y)
    with pytest.raises(ValueError, match=message):
        call(toy_classifier, X, bad)
    # one intended class for all images is a label, not a list of them
    expected = float(np.mean(toy_classifier.predict(X) == "dark"))
    assert recognition_rate(toy_classifier, X, "dark") == expected


def test_cas_refuses_test_labels_the_classifier_will_not_know_before_training(monkeypatch):
    from ganaug import _classifier

    def no_training(*args, **kwargs):
        raise AssertionError("trained before the labels were checked")

    X, y = _toy_images(32, 6)
    monkeypatch.setattr(_classifier, "train_classifier", no_training)
    with pytest.raises(ValueError, match=r"y_test holds label\(s\) \['grey'\] the classifier "
                                         r"does not know.*classes= listing every label"):
        classification_accuracy_score(X, y, X, np.full(32, "grey"))
    with pytest.raises(ValueError, match=r"y_test must be 1-D"):
        classification_accuracy_score(X, y, X, y[:, None])


@pytest.mark.parametrize("images, message", [
    (lambda X: X[..., 0],  # grey for colour: was 'axes don't match array'
     r"These images do not match the classifier's training images: images had shape "
     r"\(16, 16, 3\) each \(3 channels, NHWC layout\) and have \(16, 16\).*np.repeat"),
    (lambda X: X[..., :1], r"and have \(16, 16, 1\)"),  # was accepted
    (lambda X: np.zeros((4, 32, 32, 3), np.uint8), r"and have \(32, 32, 3\)"),
    (lambda X: X[:0], r"X holds 0 image\(s\); at least 1 needed"),
])
def test_classifier_refuses_images_of_another_shape(toy_classifier, images, message):
    X, _ = _toy_images(8, 7)
    for method in (toy_classifier.predict, toy_classifier.predict_proba,
                   toy_classifier.features):
        with pytest.raises(ValueError, match=message):
            method(images(X))


@pytest.mark.parametrize("kwargs, error, message", [
    # one image, or batches of one: was BatchNorm's 'Expected more than 1 value per channel'
    (dict(n=1, classes=["bright", "dark"]), ValueError,
     r"Training batches of 1 image\(s\) of 16x16 pixels leave BatchNorm 1 value per channel "
     r".* Pass at least 2 images"),
    (dict(batch_size=1), ValueError, r"batches of 1 image\(s\).* Use batch_size >= 2"),
    (dict(n=1, batch_size=1, classes=["bright", "dark"]), ValueError,
     r"Pass at least 2 images and use batch_size >= 2"),
    (dict(n=1), ValueError, r"y holds 1 class \(\['bright'\]\); a classifier needs at least 2"),
    (dict(y=lambda y: np.array([*y[:-1], np.nan], dtype=object)), ValueError,
     r"y has 1 missing label"),  # was a class 'nan'
    (dict(y=lambda y: y[:, None]), ValueError, r"y must be 1-D"),  # was a torch error
    (dict(X=lambda X: np.full(X.shape, np.nan, np.float32)), ValueError,
     r"X holds NaN or infinite pixels"),  # was an eigh failure
    (dict(n=0), ValueError, r"X holds 0 image\(s\)"),
    (dict(weights_from=True), TypeError, r"weights_from must be a number; got True"),
    (dict(mixup_alpha=-1.0), ValueError, r"mixup_alpha must be a finite number >= 0"),
    (dict(class_weights=[np.nan, 1.0]), ValueError, r"class_weights must be finite numbers"),
    (dict(batch_size=0), ValueError, r"batch_size must be an int >= 1; got 0"),
])
def test_train_classifier_refuses_what_it_cannot_train_on(kwargs, error, message):
    X, y = _toy_images(8, 8)
    kw = dict(epochs=1, batch_size=4, widths=(8, 16, 16), device="cpu")
    kwargs = dict(kwargs)  # the parameters are shared between runs: pop from a copy
    n = kwargs.pop("n", 8)
    X, y = kwargs.pop("X", lambda X: X)(X[:n]), kwargs.pop("y", lambda y: y)(y[:n])
    X_before, y_before = X.copy(), y.copy()
    with pytest.raises(error, match=message):
        train_classifier(X, y, **{**kw, **kwargs})
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y.astype(str), y_before.astype(str))  # nan != nan


def test_train_classifier_one_large_image_still_trains():
    # a 32x32 image gives BatchNorm 9 values per channel in its last layers: not refused
    X = np.random.RandomState(0).randint(0, 255, (1, 32, 32, 3)).astype(np.uint8)
    clf = train_classifier(X, [0], classes=[0, 1], epochs=1, widths=(8, 16, 16), device="cpu")
    assert clf.n_steps == 1 and clf.predict(X).shape == (1,)


def test_inception_batch_size_refuses_a_bool(tmp_path):
    X, _ = _toy_images(4, 9)
    with pytest.raises(TypeError, match="batch_size must be an int; got True"):
        inception_features(X, tmp_path / "missing.pt", batch_size=True)


def test_knn_metrics_refuse_a_bool_k():
    rs = np.random.RandomState(0)
    real, fake = rs.normal(size=(20, 3)), rs.normal(size=(20, 3))
    for metric in (precision_recall, density_coverage):
        with pytest.raises(TypeError, match=r"k must be an int; got True"):
            metric(real, fake, k=True)  # was taken as k=1


@pytest.mark.parametrize("call, message", [
    (lambda X, p: inception_features(X[:0], p), r"X holds 0 image\(s\); at least 1 needed"),
    (lambda X, p: inception_features(X, p, batch_size=0), r"batch_size must be an int >= 1"),
        (lambda X, p: inception_features(X, p, value_range=(1, 1)),
     r"value_range must be \(low, high\) with finite low < high"),
    (lambda X, p: inception_features(np.full((2, 8, 8, 3), np.nan), p),
     r"X holds NaN or infinite pixels"),
    (lambda X, p: fid_inception(X, X[:1], p),
     r"X_fake holds 1 image\(s\); at least 2 needed \(a covariance\)"),
])
def test_inception_arguments_are_checked_before_the_network_loads(tmp_path, call, message):
    X, _ = _toy_images(4, 9)
    with pytest.raises(ValueError, match=message):  # not the missing file: checked first
        call(X, tmp_path / "missing.pt")


@pytest.mark.parametrize("block", [2**24, 40, 1])
def test_knn_metrics_work_in_bounded_blocks_and_match_their_definitions(monkeypatch, block):
    """Blocks of at most BLOCK_ELEMENTS distances (a whole n x n matrix of a class of
    16,000 rows held 2 GB): same values as the definitions computed in full."""
    from scipy.spatial.distance import cdist

    import ganaug.metrics as m

    monkeypatch.setattr(m, "BLOCK_ELEMENTS", block)
    shapes = []
    cdist_torch = torch.cdist
    monkeypatch.setattr(torch, "cdist", lambda a, b, **kw: (
        shapes.append(a.shape[0] * b.shape[0]), cdist_torch(a, b, **kw))[1])
    rs = np.random.RandomState(3)
    R, F = rs.normal(size=(60, 4)), 1.2 * rs.normal(size=(45, 4))
    F[:5] = R[:5]  # copies lie inside balls
    k = 3
    rr = np.sort(cdist(R, R), 1)[:, k]  # k-th neighbour, self at distance 0 first
    fr = np.sort(cdist(F, F), 1)[:, k]
    d = cdist(F, R)
    assert m.precision_recall(R, F, k) == pytest.approx(
        ((d <= rr).any(1).mean(), (d <= fr[:, None]).any(0).mean()))
    assert m.density_coverage(R, F, k) == pytest.approx(
        ((d <= rr).sum(1).mean() / k, (d <= rr).any(0).mean()))
    assert max(shapes) <= max(block, 60)  # one row against all rows at the least

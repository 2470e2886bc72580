"""quality_report: fidelity, diversity and memorisation per class, on tables and images."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from imblearn.over_sampling import RandomOverSampler

from ganaug import ConditionalGANAugmenter
from ganaug.report import marginal_fidelity, quality_report

RS = np.random.RandomState(0)
X = RS.normal(size=(300, 4))
Y = np.repeat([0, 1], [240, 60])


class Copier:
    """A deliberately memorising augmenter: returns copies of real rows."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def sample(self, n, y=None):
        rows = self.X[self.y == y]
        return rows[np.random.RandomState(0).randint(len(rows), size=n)], np.full(n, y)


class RoseSampler:
    """ROS with noise (imbalanced-learn's smoothed bootstrap) behind the same interface."""

    def __init__(self, X, y):
        self.X, self.y = X, y

    def sample(self, n, y=None):
        k = int((self.y == y).sum())
        Xr, _ = RandomOverSampler(sampling_strategy={y: k + n}, shrinkage=1.0,
                                  random_state=0).fit_resample(self.X, self.y)
        return Xr[len(self.X):], np.full(n, y)


def test_dcr_flags_copies_and_passes_smoothed_bootstrap():
    cols = ["exact_copies", "near_copies", "dcr_ratio"]
    copies = quality_report(Copier(X, Y), X, Y)[cols]
    rose = quality_report(RoseSampler(X, Y), X, Y)[cols]
    assert (copies["exact_copies"] == 1.0).all() and (copies["dcr_ratio"] == 0.0).all()
    assert (rose["exact_copies"] == 0.0).all() and (rose["near_copies"] < 0.2).all()
    assert (rose["dcr_ratio"] > 0.5).all()


def test_report_on_a_table_has_every_column_and_sane_values(tmp_path):
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["kind"] = RS.choice(["u", "v", "w"], len(frame))
    aug = ConditionalGANAugmenter(random_state=0).fit(frame, Y)
    report = quality_report(aug, frame, Y, plot=tmp_path / "report.png")
    assert report.index.tolist() == [0, 1]
    assert report["n_real"].tolist() == [240, 60] and report["n_synthetic"].tolist() == [240, 60]
    for col in ("precision", "recall", "density", "coverage", "spread_ratio", "dcr_ratio",
                "exact_copies", "near_copies", "ks_mean", "tvd_mean", "corr_diff_mean"):
        assert np.isfinite(report[col]).all(), col
    assert (report["precision"] > 0.8).all() and (report["exact_copies"] == 0).all()
    assert (tmp_path / "report.png").read_bytes()[:4] == b"\x89PNG"


def test_report_on_images_writes_a_side_by_side_grid(tmp_path):
    images = RS.randint(0, 255, (40, 8, 8, 1), dtype=np.uint8)
    labels = np.repeat([0, 1], [30, 10])
    aug = ConditionalGANAugmenter(max_steps=5, width=8, random_state=0).fit(images, labels)
    report = quality_report(aug, images, labels, n_per_class=20, plot=tmp_path / "g.png")
    assert report["n_synthetic"].tolist() == [20, 20] and "ks_mean" not in report
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"


def test_marginal_fidelity_is_zero_for_identical_and_large_for_shifted():
    frame = pd.DataFrame({"a": RS.normal(size=200), "b": RS.normal(size=200),
                          "c": RS.choice(["x", "y"], 200)})
    same = marginal_fidelity(frame, frame)
    assert same["ks_mean"] == 0 and same["tvd_mean"] == 0 and same["corr_diff_mean"] < 1e-12
    moved = frame.assign(a=frame["a"] + 3, c="x")
    far = marginal_fidelity(frame, moved)
    assert far["ks"]["a"] > 0.8 and far["tvd"]["c"] > 0.4
    with pytest.raises(ValueError, match=r"missing: \['c'\]"):
        marginal_fidelity(frame, frame.drop(columns="c"))


def test_report_leaves_out_the_classes_fit_resample_did_not_train():
    """A GANAugmenter fitted by fit_resample has generators for the oversampled classes
    only: the report covers those (it used to stop with 'No GAN was trained')."""
    from ganaug import ConditionalGANAugmenter, GANAugmenter
    from ganaug.report import quality_report, sampled_classes

    rng = np.random.RandomState(0)
    X = rng.normal(size=(90, 3))
    y = np.repeat(["big", "mid", "small"], [50, 25, 15])
    aug = GANAugmenter(max_steps=3, width=16, random_state=0)
    aug.fit_resample(X, y)
    assert sampled_classes(aug, y).tolist() == ["mid", "small"]
    assert quality_report(aug, X, y, n_per_class=20).index.tolist() == ["mid", "small"]
    cgan = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(X, y)
    assert sampled_classes(cgan, y).tolist() == ["big", "mid", "small"]
    per_class = GANAugmenter(max_steps=3, width=16, random_state=0).fit(X, y)
    assert sampled_classes(per_class, y).tolist() == ["big", "mid", "small"]


def test_copies_of_rows_with_shared_values_are_exact_copies():
    """Tables whose columns repeat values (integers, categories): the encoder spreads a
    shared value at random by row position for training; the report must not, or a
    copy of a real row looks like a new one."""
    rs = np.random.RandomState(0)
    df = pd.DataFrame({"x": rs.normal(size=100), "k": rs.randint(0, 4, 100),
                       "c": rs.choice(["u", "v"], 100)})
    y = np.repeat(["a", "b"], [70, 30])

    class FrameCopier(Copier):
        codec_ = ConditionalGANAugmenter(max_steps=2, width=16, random_state=0).fit(
            df, y).codec_

        def sample(self, n, y=None):
            rows = self.X[self.y == y]
            pick = np.random.RandomState(0).randint(len(rows), size=n)
            return rows.iloc[pick].reset_index(drop=True), np.full(n, y)

    report = quality_report(FrameCopier(df, y), df, y)
    assert report["exact_copies"].tolist() == [1.0, 1.0]
    assert report["dcr_median"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize("bad", [1, 0, 2.5])
def test_report_refuses_fewer_than_two_synthetic_rows_per_class(bad):
    aug = ConditionalGANAugmenter(max_steps=2, width=16, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match="n_per_class must be an integer of at least 2"):
        quality_report(aug, X, Y, n_per_class=bad)


def test_report_takes_lists_one_group_and_gives_tables_their_fidelity_columns():
    import warnings

    from ganaug import ConditionalGANAugmenter
    from ganaug.report import quality_report

    rs = np.random.RandomState(0)
    X = rs.normal(size=(60, 3))
    y = np.repeat([0, 1], [45, 15])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aug = ConditionalGANAugmenter(max_steps=3, width=8, random_state=0).fit(X, y)
    as_array = quality_report(aug, X, y, n_per_class=10)
    as_lists = quality_report(aug, X.tolist(), y.tolist(), n_per_class=10)
    assert {"ks_mean", "tvd_mean", "corr_diff_mean"} <= set(as_array.columns)
    assert list(as_lists.columns) == list(as_array.columns)
    whole = quality_report(aug, X, n_per_class=10)  # y=None: one group, all of X
    assert whole.index.tolist() == [0] and whole.loc[0, "n_real"] == 60
    # rows mixing numbers and text: the number column is compared as numbers (KS), as
    # in a DataFrame, not as categories
    mixed = [[float(v), "x" if v > 0 else "y"] for v in X[:, 0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        aug = ConditionalGANAugmenter(max_steps=3, width=8, random_state=0).fit(mixed, y)
    as_rows = quality_report(aug, mixed, y, n_per_class=10)
    assert as_rows["ks_mean"].notna().all() and as_rows["tvd_mean"].notna().all()


def test_report_takes_a_frames_columns_by_name_and_refuses_rows_it_cannot_compare():
    import copy

    frame = pd.DataFrame(X, columns=list("abcd")).assign(
        d=lambda f: f["d"] * 100 + 1000)  # a column whose scale betrays a swap
    aug = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(frame, Y)
    in_order = quality_report(copy.deepcopy(aug), frame, Y, n_per_class=20)
    shuffled = quality_report(copy.deepcopy(aug), frame[["d", "b", "a", "c"]], Y,
                              n_per_class=20)
    pd.testing.assert_frame_equal(shuffled, in_order)
    with pytest.raises(ValueError, match=r"extra: \['e'\], missing: \['d'\]"):
        quality_report(aug, frame.rename(columns={"d": "e"}), Y)
    with pytest.raises(ValueError, match="X has 3 columns but the augmenter was fitted on 4"):
        quality_report(ConditionalGANAugmenter(max_steps=3, width=16).fit(X, Y), X[:, :3], Y)
    with pytest.raises(ValueError, match=r"fitted on a DataFrame \(columns 'a', 'b', 'c', "
                       r"'d'\) but X is a ndarray"):
        quality_report(aug, X, Y)
    with pytest.raises(ValueError, match="X has 300 rows but y has 299 labels"):
        quality_report(aug, frame, Y[:-1])
    with pytest.raises(ValueError, match="at least 2 real rows"):
        quality_report(aug, frame.iloc[:1], Y[:1])


def test_report_refuses_images_of_another_dtype_or_shape():
    import copy

    images = np.random.RandomState(0).randint(0, 256, size=(40, 8, 8, 3)).astype(np.uint8)
    labels = np.repeat([0, 1], [30, 10])
    aug = ConditionalGANAugmenter(max_steps=2, width=8, batch_size=8, random_state=0,
                                  device="cpu").fit(images, labels)
    with pytest.raises(ValueError, match="were uint8 and are float32"):
        quality_report(aug, images.astype(np.float32) / 255, labels)  # 0-1, not 0-255
    # the same pixels in another integer dtype are the same images
    same = quality_report(copy.deepcopy(aug), images, labels, n_per_class=10)
    pd.testing.assert_frame_equal(
        quality_report(copy.deepcopy(aug), images.astype(np.int64), labels, n_per_class=10),
        same)
    with pytest.raises(ValueError, match=r"grey images for this colour model: repeat the "
                                         r"channel 3 times, e\.g\. np\.repeat\(X\[\.\.\., "
                                         r"None\], 3, axis=-1\)"):
        quality_report(aug, images[..., 0], labels)
    with pytest.raises(ValueError, match=r"had shape \(8, 8, 3\) each \(3 channels, NHWC "
                                         r"layout\) and have \(3, 8, 8\)"):
        quality_report(aug, images.transpose(0, 3, 1, 2), labels)


def test_marginal_fidelity_counts_missing_data_and_refuses_what_it_cannot_compare():
    real = pd.DataFrame({"n": [1.0, 2.0, 3.0, 4.0],
                         "c": pd.Series(["x", None, "<NA>", "x"], dtype=object)})
    synth = pd.DataFrame({"n": [np.nan] * 4,  # no numbers at all: as far as can be
                          "c": pd.Series(["x", np.nan, "<NA>", "x"], dtype=object)})
    fid = marginal_fidelity(real, synth)
    assert fid["ks"] == {"n": 1.0} and fid["ks_mean"] == 1.0  # was NaN, dropped: 0.0
    assert fid["tvd"] == {"c": 0.0}  # None and NaN are one missing category ...
    moved = synth.assign(c=pd.Series(["x", "<NA>", "<NA>", "x"], dtype=object))
    assert marginal_fidelity(real, moved)["tvd"] == {"c": 0.25}  # ... the text '<NA>' not
    with pytest.raises(ValueError, match="rows on both sides; got 4 real and 0 synthetic"):
        marginal_fidelity(real, synth.iloc[:0])  # was TVD 0.5
    with pytest.raises(ValueError, match=r"synth extra: \['d'\], missing: \['c'\]"):
        marginal_fidelity(real, synth.rename(columns={"c": "d"}))  # was a KeyError


def test_marginal_fidelity_of_bool_like_columns_with_missing_values_is_quiet():
    import warnings

    real = pd.DataFrame({"b": pd.Series([True, False, None, True], dtype=object)})
    synth = pd.DataFrame({"b": pd.Series([True, None, None, False], dtype=object)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # was: '<' not supported ..., sort order undefined
        assert marginal_fidelity(real, synth)["tvd"] == {"b": 0.25}


def test_exact_copies_are_counted_in_many_dimensions():
    # above 15 dimensions scikit-learn's neighbour distances come from |x|^2 + |y|^2 - 2x.y:
    # an exact copy was at about 1e-7, and 20-45 % of copies were not counted
    rs = np.random.RandomState(1)
    for d in (20, 64):
        Xd = rs.normal(size=(300, d)).astype(np.float32)
        Yd = np.repeat(["a", "b"], [200, 100])
        report = quality_report(Copier(Xd, Yd), Xd, Yd)
        assert (report["exact_copies"] == 1.0).all() and (report["dcr_median"] == 0.0).all()


def test_a_column_collapsed_to_a_constant_counts_in_the_correlation_gap():
    # its pairs were NaN in the synthetic correlations and silently dropped: a generator
    # that lost a 0.995 correlation reported a gap of 0.157
    from ganaug.report import marginal_fidelity

    rs = np.random.RandomState(0)
    a, c = rs.normal(size=500), rs.normal(size=500)
    real = pd.DataFrame({"a": a, "b": a + 0.1 * rs.normal(size=500), "c": c})
    synth = pd.DataFrame({"a": rs.normal(size=500), "b": 0.0, "c": rs.normal(size=500)})
    fid = marginal_fidelity(real, synth)
    assert fid["corr_diff_max"] > 0.99
    both = marginal_fidelity(real.assign(b=1.0), synth)  # constant on both sides: left out
    assert both["corr_diff_max"] < 0.2 and np.isfinite(both["corr_diff_mean"])


def test_ks_counts_a_gap_in_missing_rates():
    # missing values were dropped before the KS: half missing against none read as 0.16
    from ganaug.report import marginal_fidelity

    rs = np.random.RandomState(0)
    half = rs.normal(size=400)
    half[:200] = np.nan
    fid = marginal_fidelity(pd.DataFrame({"a": half}), pd.DataFrame({"a": rs.normal(size=400)}))
    assert fid["ks"]["a"] == pytest.approx(0.5, abs=0.06)
    only = marginal_fidelity(pd.DataFrame({"a": [np.nan] * 5}), pd.DataFrame({"a": [1.0, 2.0]}))
    assert only["ks"]["a"] == 1.0
    same = marginal_fidelity(pd.DataFrame({"a": [np.nan] * 5}), pd.DataFrame({"a": [np.nan]}))
    assert same["ks"]["a"] == 0.0


def test_a_sampler_without_an_encoding_on_a_mixed_table_is_refused_clearly():
    # it failed with numpy's "could not convert string to float: 'u'"
    frame = pd.DataFrame({"x": np.arange(20.0), "c": list("uv") * 10})
    labels = np.repeat([0, 1], 10)
    with pytest.raises(ValueError, match=r"non-numeric columns \(\['c'\]\)"):
        quality_report(Copier(frame.to_numpy(), labels), frame, labels)


def test_a_report_leaves_the_models_sampling_streams_as_they_were():
    import copy

    # a mixed table: the codec's own stream (categories) as well as the model's
    frame = pd.DataFrame({"a": X[:, 0], "c": RS.choice(list("pqr"), len(X))})
    aug = ConditionalGANAugmenter(max_steps=5, width=8, random_state=0).fit(frame, Y)
    twin = copy.deepcopy(aug)
    first = quality_report(aug, frame, Y)
    pd.testing.assert_frame_equal(quality_report(aug, frame, Y), first)  # two reports agree
    pd.testing.assert_frame_equal(aug.sample(20, y=1)[0], twin.sample(20, y=1)[0])

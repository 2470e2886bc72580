"""class_filter: a classifier in the loop redraws generated rows it assigns to another class."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_classification
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeClassifier

from ganaug import ConditionalGANAugmenter, GANAugmenter, load, save
from ganaug._class_filter import REDRAW_SCALE, ROUNDS


def _boundary_table():
    """A big class left of x0 = 0, a small one in a thin strip just right of it: noise
    around the small class's rows crosses the boundary often."""
    rs = np.random.RandomState(0)
    big = np.column_stack([rs.uniform(-3, 0, 200), rs.normal(size=200)])
    small = np.column_stack([rs.uniform(0.0, 0.4, 12), rs.normal(size=12)])
    return np.vstack([big, small]), np.repeat([0, 1], [200, 12])


def _leak(X_new, threshold):
    return float(np.mean(X_new[:, 0] <= threshold))


def test_the_check_keeps_rows_on_their_side_of_the_boundary():
    X, y = _boundary_table()
    kw = dict(max_steps=5, width=16, random_state=0)
    stump = DecisionTreeClassifier(max_depth=1)
    off = ConditionalGANAugmenter(class_filter=False, **kw).fit(X, y)
    on = ConditionalGANAugmenter(class_filter=stump, **kw).fit(X, y)
    # the fitted check is a clone, the parameter untouched
    assert on._class_judge is not stump and not hasattr(stump, "tree_")
    thr = on.codec_.inverse_transform(np.array(
        [[on._class_judge.tree_.threshold[0], 0.0]], dtype=np.float32))[0, 0]
    assert 0.0 <= thr <= 0.1
    a, ya = off.sample(2000, y=1)
    b, yb = on.sample(2000, y=1)
    assert a.shape == b.shape == (2000, 2) and (ya == 1).all() and (yb == 1).all()
    before, after = _leak(a, thr), _leak(b, thr)
    assert before > 0.2  # the noise does cross
    # a row stays on the wrong side only if all ROUNDS filtered draws and the last one did
    assert after < 2 * before ** (ROUNDS + 1)


def _blobs():
    """Two well separated blobs: a line classifies them as well as any curve."""
    rs = np.random.RandomState(1)
    X = np.vstack([rs.normal(-3, 1, (200, 2)), rs.normal(3, 1, (12, 2))])
    return X, np.repeat([0, 1], [200, 12])


def _shells(n=300):
    """Three concentric classes (a ball and two shells): no line separates them."""
    rs = np.random.RandomState(2)
    radius = np.concatenate([rs.uniform(0, 1, n), rs.uniform(1.2, 1.6, n // 4),
                             rs.uniform(1.8, 2.4, n // 10)])
    angle = rs.uniform(0, 2 * np.pi, len(radius))
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return X, np.repeat([0, 1, 2], [n, n // 4, n // 10])


@pytest.mark.filterwarnings("ignore:GAN training collapsed")
def test_default_check_is_linear_unless_a_kernel_classifies_clearly_better():
    from ganaug._class_filter import KERNEL_ROWS

    X, y = _blobs()
    aug = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(X, y)
    judge = aug._class_judge
    assert type(judge).__name__ == "LogisticRegression"
    assert judge.get_params()["class_weight"] == "balanced"
    np.testing.assert_array_equal(judge.classes_, [0, 1])
    # curved classes: the class-balanced RBF SVC, fitted on at most KERNEL_ROWS rows
    X, y = _shells(n=2400)
    aug = ConditionalGANAugmenter(max_steps=1, width=16, random_state=0).fit(X, y)
    judge = aug._class_judge
    assert type(judge).__name__ == "SVC"
    assert judge.get_params()["class_weight"] == "balanced"
    np.testing.assert_array_equal(judge.classes_, [0, 1, 2])
    assert len(X) > KERNEL_ROWS and judge.shape_fit_[0] <= KERNEL_ROWS + 40
    # a class of 2 rows is too small to compare the two checks by: logistic, as before
    keep = np.r_[np.flatnonzero(y != 2), np.flatnonzero(y == 2)[:2]]
    few = ConditionalGANAugmenter(max_steps=1, width=16, random_state=0).fit(X[keep], y[keep])
    assert type(few._class_judge).__name__ == "LogisticRegression"
    # ... and it leaves fewer generated rows outside their shell than no check does
    off = ConditionalGANAugmenter(max_steps=1, width=16, random_state=0, class_filter=False)
    X1, _ = off.fit(X, y).sample(1000, y=1)
    X2, _ = aug.sample(1000, y=1)
    out = [np.mean((np.hypot(*Z.T) < 1.1) | (np.hypot(*Z.T) > 1.7)) for Z in (X1, X2)]
    assert out[0] > 0.02 and out[1] < 0.5 * out[0]


def test_beyond_kernel_classes_the_check_is_logistic_without_comparing(monkeypatch):
    # the kernel check's one-against-one SVMs grow with classes^2: 400 classes of 30
    # rows took a 35 s fit and 12.5 s per 2,000 sampled rows with the SVC
    from ganaug import _class_filter as cf

    def no_kernel():
        raise AssertionError("the kernel check was fitted")

    rs = np.random.RandomState(0)
    codes = np.repeat(np.arange(cf.KERNEL_CLASSES + 1), 6)
    X = rs.normal(size=(len(codes), 2)) + 3 * rs.normal(size=(codes.max() + 1, 2))[codes]
    monkeypatch.setattr(cf, "kernel_judge", no_kernel)
    judge = cf.choose_default_judge(X, codes)
    assert type(judge).__name__ == "LogisticRegression"
    assert len(judge.classes_) == cf.KERNEL_CLASSES + 1
    # at the bound the two checks are still compared
    at = codes < cf.KERNEL_CLASSES
    with pytest.raises(AssertionError, match="kernel check was fitted"):
        cf.choose_default_judge(X[at], codes[at])


@pytest.mark.filterwarnings("ignore:GAN training collapsed")
def test_check_off_switches_and_numpy_booleans():
    X, y = _blobs()
    off = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0,
                                  class_filter=False).fit(X, y)
    assert off._class_judge is None
    # numpy booleans (what a grid over np.array([True, False]) passes) mean the same
    for flag, expected in ((np.True_, "LogisticRegression"), (np.False_, None)):
        judge = ConditionalGANAugmenter(max_steps=1, width=16, class_filter=flag).fit(
            X, y)._class_judge
        assert (type(judge).__name__ if judge is not None else None) == expected
    # no classes, label conditioning: nothing to check against
    one = GANAugmenter(conditioning="anchor", max_steps=3, width=16, random_state=0).fit(X)
    assert one._class_judge is None and one.sample(5).shape == (5, 2)
    label = ConditionalGANAugmenter(conditioning="label", epochs=1, width=16,
                                    random_state=0).fit(X, y)
    assert label.__dict__.get("_class_judge") is None


def test_stratified_rows_keep_proportions_and_every_small_class():
    from ganaug._class_filter import stratified_rows

    codes = np.repeat([0, 1, 2], [9000, 990, 10])
    idx = stratified_rows(codes, 2000)
    assert np.all(np.diff(idx) > 0)
    assert np.bincount(codes[idx]).tolist() == [1800, 198, 10]
    np.testing.assert_array_equal(stratified_rows(codes[:50], 2000), np.arange(50))
    np.testing.assert_array_equal(idx, stratified_rows(codes, 2000))  # deterministic


def test_logistic_check_rows_are_bounded_by_rows_times_classes(monkeypatch):
    # many rare classes beside a big one: the solver's work is rows x classes per
    # iteration (and many iterations), so the check sees a stratified part of the big class
    from sklearn.linear_model import LogisticRegression

    from ganaug import _class_filter as cf

    seen = []

    class Recording(LogisticRegression):
        def fit(self, X, y, sample_weight=None):
            seen.append(np.bincount(y))
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(cf, "default_judge",
                        lambda: Recording(class_weight="balanced", max_iter=50))
    rs = np.random.RandomState(0)
    codes = np.repeat(np.arange(100), [5000] + [2] * 99)
    X = (rs.normal(size=(len(codes), 3)) + codes[:, None]).astype(np.float32)
    judge = cf.choose_default_judge(X, codes)
    assert isinstance(judge, Recording) and len(judge.classes_) == 100
    cap = cf.LINEAR_CELLS // 100
    assert seen[-1].tolist() == [round(cap * 5000 / len(codes))] + [2] * 99
    # below the bound (two classes here): every row, as before
    two = np.repeat([0, 1], [5000, 2])
    cf.choose_default_judge(X[: len(two)], two)
    assert seen[-1].tolist() == [5000, 2]


def test_filtered_sampling_is_exact_and_deterministic_and_survives_save_load_pickle(tmp_path):
    X, y = _boundary_table()
    aug = ConditionalGANAugmenter(max_steps=5, width=16, random_state=0).fit(X, y)
    Xr, yr = aug.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [200, 200]
    Xr2, yr2 = ConditionalGANAugmenter(max_steps=5, width=16, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(Xr, Xr2)
    np.testing.assert_array_equal(yr, yr2)
    # the check is a cache: never saved or pickled, rebuilt to the same check after loading
    # (by load's one-row probe, or at the first sample)
    import json

    import torch

    save(aug, tmp_path / "m.ganaug")
    saved = json.loads(torch.load(tmp_path / "m.ganaug", weights_only=True)["config"])
    assert "_class_judge" not in saved["fitted"]
    back = load(tmp_path / "m.ganaug")
    clone = pickle.loads(pickle.dumps(aug))
    assert "_class_judge" not in clone.__dict__
    a = aug.sample(300, y=1)[0]
    np.testing.assert_array_equal(a, back.sample(300, y=1)[0])
    np.testing.assert_array_equal(a, clone.sample(300, y=1)[0])


@pytest.mark.parametrize("bad", ["yes", 1.5, object()])
def test_class_filter_must_be_a_bool_or_a_classifier(bad):
    X, y = _boundary_table()
    with pytest.raises(ValueError, match="class_filter"):
        ConditionalGANAugmenter(class_filter=bad, max_steps=1).fit(X, y)


def test_a_classifier_as_the_check_saves_and_loads_or_is_refused_at_save(tmp_path):
    from sklearn.naive_bayes import GaussianNB

    X, y = _boundary_table()
    kw = dict(max_steps=3, width=16, random_state=0)
    aug = ConditionalGANAugmenter(class_filter=DecisionTreeClassifier(max_depth=1), **kw)
    aug.fit(X, y)
    save(aug, tmp_path / "tree.ganaug")
    back = load(tmp_path / "tree.ganaug")
    assert back.class_filter.get_params() == aug.class_filter.get_params()
    np.testing.assert_array_equal(aug.sample(100, y=1)[0], back.sample(100, y=1)[0])
    # a class the loader would refuse is refused when saving, with the way out (SVC,
    # the check's kernel kind, is stored since 2026-12-02: test_hunt_20261202.py)
    aug = ConditionalGANAugmenter(class_filter=GaussianNB(), **kw).fit(X, y)
    with pytest.raises(TypeError, match="cannot store class_filter .*GaussianNB; use pickle"):
        save(aug, tmp_path / "nb.ganaug")


class _RejectAll(DecisionTreeClassifier):
    """A check that assigns every row to class 0."""

    def predict(self, X):
        return np.zeros(len(X), dtype=np.int64)


def test_rows_the_check_never_accepts_are_kept_as_drawn_in_the_last_round():
    X, y = _boundary_table()
    kw = dict(max_steps=3, width=16, random_state=0)
    off = ConditionalGANAugmenter(class_filter=False, **kw).fit(X, y)
    aug = ConditionalGANAugmenter(class_filter=_RejectAll(), **kw).fit(X, y)
    X_new, y_new = aug.sample(64, y=1)
    assert X_new.shape == (64, 2) and (y_new == 1).all() and np.isfinite(X_new).all()
    # what the check rejects in every round is the last round's draws, not a copy of
    # the unfiltered sample; class 0 (always accepted) is the unfiltered sample itself,
    # in another order (a checked class's rows are spread over its positions)
    assert not np.array_equal(X_new, off.sample(64, y=1)[0])
    on0, off0 = aug.sample(64, y=0)[0], off.sample(64, y=0)[0]
    assert not np.array_equal(on0, off0)
    np.testing.assert_array_equal(np.unique(on0, axis=0), np.unique(off0, axis=0))


def _nearest(rows, real):
    return np.sqrt(((rows[:, None, :] - real[None, :, :]) ** 2).sum(-1)).min(1)


def test_a_rejected_row_is_redrawn_from_its_own_anchor_with_a_shorter_step():
    X, y = _boundary_table()
    kw = dict(max_steps=3, width=16, random_state=0)
    off = ConditionalGANAugmenter(class_filter=False, **kw).fit(X, y)
    aug = ConditionalGANAugmenter(class_filter=_RejectAll(), **kw).fit(X, y)
    free, kept = off.sample(400, y=1)[0], aug.sample(400, y=1)[0]
    # every row was rejected ROUNDS times: its last draw stepped REDRAW_SCALE ** ROUNDS
    # as far from its anchor (a real row of class 1) as an unchecked draw does
    ratio = np.median(_nearest(kept, X[y == 1])) / np.median(_nearest(free, X[y == 1]))
    assert ratio < 2 * REDRAW_SCALE ** ROUNDS


def test_redrawn_rows_are_spread_over_the_sample_so_its_first_rows_are_like_the_whole():
    """The rows the check redrew (shorter steps, nearer their real rows) are not
    gathered at the end: before, the nearest tenth of the new rows fell 4 % in the
    first half of the sample and 16 % in the second."""
    X, y = make_classification(600, 4, n_informative=3, n_redundant=0, class_sep=0.5,
                               weights=[0.8], random_state=0)
    aug = ConditionalGANAugmenter(max_steps=5, random_state=0).fit(X, y)
    X_new, _ = aug.sample(4000, y=1)
    near = _nearest(X_new, X[y == 1])
    nearest_tenth = near < np.quantile(near, 0.1)
    first, second = nearest_tenth[:2000].mean(), nearest_tenth[2000:].mean()
    assert abs(first - second) < 0.03  # 0.044 against 0.156 when not spread


def test_the_check_does_not_thin_out_the_real_rows_it_grows_new_rows_from():
    """A real row of the small class inside the big class keeps its share of the new
    rows (those the check rejects are redrawn from it); redrawn from other rows, it
    kept about 1 / 13 ** ROUNDS of them."""
    X, y = _boundary_table()
    X, y = np.vstack([X, [[-2.0, 0.0]]]), np.append(y, 1)  # 13 rows of class 1
    stump = DecisionTreeClassifier(max_depth=1)
    aug = ConditionalGANAugmenter(class_filter=stump, max_steps=3, width=16,
                                  random_state=0).fit(X, y)
    X_new, y_new = aug.sample(1300, y=1)
    assert X_new.shape == (1300, 2) and (y_new == 1).all()
    near = int((np.abs(X_new[:, 0] + 2.0) < 1.0).sum())
    assert 60 < near < 160  # 100 expected (binomial sd 10)


def test_a_random_state_nested_in_the_check_is_fixed_so_refits_match():
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _boundary_table()
    check = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=3))
    kw = dict(max_steps=3, width=16, random_state=0, class_filter=check)
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (the global state is the point)
    a = ConditionalGANAugmenter(**kw).fit(X, y)
    b = ConditionalGANAugmenter(**kw).fit(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # noqa: NPY002
    assert a.class_filter_.get_params()["randomforestclassifier__random_state"] == 0
    assert check.get_params()["randomforestclassifier__random_state"] is None  # user's
    first = a.sample(300, y=1)[0]
    np.testing.assert_array_equal(first, b.sample(300, y=1)[0])
    a2 = ConditionalGANAugmenter(**kw).fit(X, y)
    a2.sample(300, y=1)
    back = pickle.loads(pickle.dumps(a2))  # the check is refitted after unpickling
    np.testing.assert_array_equal(back.sample(300, y=1)[0], a2.sample(300, y=1)[0])


def test_the_fitted_check_ignores_later_parameter_changes():
    X, y = _boundary_table()
    aug = ConditionalGANAugmenter(max_steps=3, width=16, random_state=0).fit(X, y)
    aug.set_params(class_filter=False)  # takes effect at the next fit, not before
    back = pickle.loads(pickle.dumps(aug))
    np.testing.assert_array_equal(back.sample(300, y=1)[0], aug.sample(300, y=1)[0])
    assert aug.class_filter_ is True and aug._class_judge is not None
    aug.fit(X, y)
    assert aug.class_filter_ is False and aug._class_judge is None


@pytest.mark.parametrize("n_classes", [2, 4])
def test_kernel_check_predicts_as_libsvm_does(n_classes):
    # the RBF SVC check's labels come from matrix products (libsvm predicts row by row,
    # fifty times slower than generation on large samples): the same labels, on float32
    # rows as generation makes them, in blocks smaller than the input
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    from ganaug._class_filter import judge_predict

    X, y = make_classification(600, 6, n_informative=4, n_classes=n_classes,
                               n_clusters_per_class=1, random_state=n_classes)
    labels = np.array(["a", "b", "c", "d"])[y]  # classes of any dtype come back as they are
    svc = SVC(class_weight="balanced", random_state=0).fit(X, labels)
    Z = (np.random.RandomState(0).normal(size=(3000, 6)) * 2).astype(np.float32)
    expect = svc.predict(Z)
    assert len(set(expect)) == n_classes  # every class is predicted somewhere
    np.testing.assert_array_equal(judge_predict(svc, Z), expect)
    # a binary decision of exactly 0 (intercept 0, a row equidistant from both support
    # vectors, or so far that the kernel underflows) goes to the second class, as libsvm's
    two = SVC().fit([[-1.0, 0.0], [1.0, 0.0]], ["neg", "pos"])
    far = np.array([[0.0, 0.0], [0.0, 5.0], [100.0, 0.0]])
    np.testing.assert_array_equal(judge_predict(two, far), two.predict(far))
    # other classifiers, and SVCs this path does not cover, use their own predict
    for other in (LogisticRegression().fit(X, labels),
                  SVC(kernel="linear").fit(X, labels),
                  SVC(break_ties=True).fit(X, labels)):
        np.testing.assert_array_equal(judge_predict(other, Z), other.predict(Z))


@pytest.mark.parametrize("not_a_classifier", [LinearRegression(), KMeans(2, n_init=1)])
def test_class_filter_refuses_estimators_that_are_not_classifiers(not_a_classifier):
    # a regressor's numbers never equal a class code (the check was silently off); a
    # clusterer's cluster ids were taken as class codes
    X = np.random.RandomState(0).normal(size=(60, 3))
    with pytest.raises(ValueError, match="must be .*a scikit-learn classifier"):
        ConditionalGANAugmenter(max_steps=2, class_filter=not_a_classifier).fit(
            X, np.repeat([0, 1], [40, 20]))


def test_a_classifier_that_cannot_classify_the_rows_fails_at_fit_before_training(
        monkeypatch):
    # KNeighborsClassifier(1000) fits 60 rows but cannot predict with them: it failed at
    # the first sample(), after the whole training, with scikit-learn's bare message
    from sklearn.neighbors import KNeighborsClassifier

    X = np.random.RandomState(0).normal(size=(60, 3))
    y = np.repeat([0, 1], [40, 20])
    est = ConditionalGANAugmenter(max_steps=2, class_filter=KNeighborsClassifier(1000))
    trained = []
    monkeypatch.setattr(type(est), "_train", lambda *a: trained.append(1))
    with pytest.raises(ValueError, match=r"class_filter=KNeighborsClassifier\(n_neighbors="
                       r"1000\) failed on the encoded training rows \(60 rows x 3 columns, "
                       r"2 classes, the smallest with 20 rows\): ValueError: .*class_filter="
                       r"True .* or False"):
        est.fit(X, y)
    assert not trained


def test_the_fast_svc_check_leaves_many_classes_and_few_rows_to_libsvm():
    # the vote loop runs over class pairs in Python: 100 classes, 20 rows per call and
    # round made sampling 100 times slower than libsvm's own predict
    from sklearn.svm import SVC

    from ganaug._class_filter import judge_predict

    rs = np.random.RandomState(0)
    X = rs.normal(size=(300, 4)) + np.repeat(np.arange(30), 10)[:, None]
    labels = np.repeat(np.arange(30), 10)
    judge = SVC().fit(X, labels)
    calls = []
    real = judge.predict
    judge.predict = lambda Z: calls.append(len(Z)) or real(Z)
    Z = rs.normal(size=(3, 4)) + 5
    np.testing.assert_array_equal(judge_predict(judge, Z), real(Z))
    assert calls == [3]  # 435 class pairs for 3 rows: libsvm
    big = rs.normal(size=(400, 4)) + 5
    np.testing.assert_array_equal(judge_predict(judge, big), real(big))
    assert calls == [3]  # 435 pairs for 400 rows: the kernel-block votes


def test_wide_tables_sample_in_chunks_of_bounded_size():
    # neighbour noise holds (rows, 5 neighbours, columns) per chunk: 8,192-row chunks of
    # a 3,000-column table took 1.5 GB for a 98 MB output
    from ganaug._generation import generate_chunks
    from ganaug._sampling import anchors_for, partners_for

    rs = np.random.RandomState(0)
    X, y = rs.normal(size=(60, 600)), np.repeat([0, 1], [40, 20])
    est = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0).fit(X, y)
    sizes = [len(c) for c in generate_chunks(
        est.generator_, 1, 5000, est.hparams_["latent_dim"], est.device_, 0,
        anchors=anchors_for(est, 1), partners=partners_for(est, 1))]
    neighbours = partners_for(est, 1).shape[1]
    assert sum(sizes) == 5000 and max(sizes) == 5 * 2**20 // (neighbours * 600)
    narrow = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0).fit(X[:, :100], y)
    sizes = [len(c) for c in generate_chunks(
        narrow.generator_, 1, 9000, narrow.hparams_["latent_dim"], narrow.device_, 0,
        anchors=anchors_for(narrow, 1), partners=partners_for(narrow, 1))]
    assert sizes == [8192, 808]  # tables of up to 128 continuous columns: as before


def test_a_class_the_check_cannot_recognise_is_not_checked():
    """A minority set apart by a small spread along the sum of its ten columns, not by a
    place: the default check recognises fewer than half of its held-out rows, so its
    verdicts would only keep generated rows on one side of an arbitrary boundary. Its
    rows are then drawn as with class_filter=False, and the check is kept for nothing
    else. (A small spread in two of the columns themselves is a box, which the tree
    candidate recognises: ``test_a_class_held_in_a_box_of_column_values_...``.)"""
    r = np.random.default_rng(0)
    X = r.normal(0, 1, (440, 10))
    along = X[400:].sum(1, keepdims=True) / 10  # the projection on (1, ..., 1) / sqrt(10)
    X[400:] -= 0.95 * along
    y = np.repeat([0, 1], [400, 40])
    on = ConditionalGANAugmenter(max_steps=5, random_state=0).fit(X, y)
    off = ConditionalGANAugmenter(max_steps=5, random_state=0, class_filter=False).fit(X, y)
    assert on._class_judge.ganaug_blind_classes_.tolist() == [1]
    np.testing.assert_array_equal(on.sample(50, y=1)[0], off.sample(50, y=1)[0])
    # the same class set apart by a place instead is recognised, and checked
    X[400:, 0] += 3.0
    placed = ConditionalGANAugmenter(max_steps=5, random_state=0).fit(X, y)
    assert placed._class_judge.ganaug_blind_classes_.tolist() == []


def test_with_several_classes_blind_means_below_chance_not_below_one_half():
    """Three classes on a line, the middle one overlapping both others: when the check
    recognises it in about 42 % of its held-out rows (below one half, above the 1 / 3 of
    a class-balanced guess) it still helps and stays checked; pushed together until it
    is recognised in about 20 %, below chance, it is not checked."""
    from sklearn.metrics import recall_score
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from ganaug._class_filter import choose_default_judge, default_judge

    y = np.repeat([0, 1, 2], 100)
    for gap, blind, low, high in ((1.3, [], 1 / 3, 1 / 2), (0.4, [1], 0.0, 1 / 3)):
        r = np.random.default_rng(0)
        X = np.vstack([r.normal([-gap, 0], 1, (100, 2)), r.normal([0, 0], 1, (100, 2)),
                       r.normal([gap, 0], 1, (100, 2))])
        judge = choose_default_judge(X, y)
        assert type(judge).__name__ == "LogisticRegression"
        held = cross_val_predict(default_judge().set_params(random_state=0), X, y,
                                 cv=StratifiedKFold(3, shuffle=True, random_state=0))
        middle = recall_score(y, held, average=None)[1]
        assert low < middle < high  # the scenario: the middle class's held-out recall
        assert judge.ganaug_blind_classes_.tolist() == blind


@pytest.mark.parametrize("labels", [np.array(["neg", "pos"]), np.array([2, 1])])
def test_a_classifier_as_the_check_learns_the_labels_so_label_keyed_settings_hold(labels):
    # a class_weight keyed by label: string labels failed at fit, and integer labels
    # other than 0..k-1 put the weight on another class (the check learned codes)
    from sklearn.base import clone
    from sklearn.linear_model import LogisticRegression

    from ganaug._class_filter import judge_for, judge_predict

    X, y = _boundary_table()
    yl = labels[y]  # the small class is "pos" / 1, the big one "neg" / 2
    check = LogisticRegression(class_weight={yl[-1]: 20})
    aug = ConditionalGANAugmenter(class_filter=check, max_steps=3, width=16, random_state=0)
    aug.fit(X, yl)
    rows = aug.anchors_
    expect = clone(check).fit(rows, aug.classes_[aug.anchor_codes_]).predict(rows)
    np.testing.assert_array_equal(aug.classes_[judge_predict(judge_for(aug), rows)], expect)
    small = aug.classes_[aug.anchor_codes_] == yl[-1]
    assert (expect[small] == yl[-1]).mean() > 0.5  # the weight lands on the small class
    X_new, y_new = aug.sample(30, y=yl[-1])
    assert X_new.shape == (30, 2) and (y_new == yl[-1]).all()


@pytest.mark.parametrize("bad", [[0, 1], [0, 1, 2, -1], [0, 1, 2, 12], [0.0, 1.0, 2.0, 3.0]])
def test_generate_chunks_refuses_picks_that_are_not_one_anchor_index_per_row(bad):
    # a negative pick took the last anchor, a long list was cut, a short one failed in torch
    from ganaug._generation import generate_chunks
    from ganaug._sampling import anchors_for, partners_for

    X, y = _boundary_table()
    est = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0).fit(X, y)
    args = (est.generator_, 1, 4, est.hparams_["latent_dim"], est.device_, 0)
    kw = dict(anchors=anchors_for(est, 1), partners=partners_for(est, 1))
    assert len(kw["anchors"]) == 12
    rows, picks = next(generate_chunks(*args, picks=[3, 0, 11, 3], with_picks=True, **kw))
    assert rows.shape == (4, 2) and picks.tolist() == [3, 0, 11, 3]
    with pytest.raises(ValueError, match="picks must hold n=4 integer indices into the 12"):
        next(generate_chunks(*args, picks=bad, **kw))


def _box_table():
    """A rare class held in a box of two of ten columns' values (as thyroid_sick's lab
    values hold its sick class): no half-space and no 10-dimensional RBF kernel recognises
    it, trees do."""
    r = np.random.default_rng(0)
    X = r.uniform(-1, 1, (1200, 10))
    y = ((np.abs(X[:, 0]) < 0.25) & (X[:, 1] > 0.3)).astype(int)
    return X, y


def test_a_class_held_in_a_box_of_column_values_gets_the_tree_check(tmp_path):
    from ganaug._class_filter import BalancedBoosting, judge_for

    X, y = _box_table()
    assert np.bincount(y).tolist() == [1117, 83]
    kw = dict(max_steps=5, width=16, random_state=0)
    aug = ConditionalGANAugmenter(**kw).fit(X, y)
    judge = aug._class_judge
    assert type(judge) is BalancedBoosting and aug.hparams_["tree_check"] is True
    assert judge.ganaug_blind_classes_.tolist() == []
    # it keeps more of the rare class's new rows inside the box than no check does
    off = ConditionalGANAugmenter(class_filter=False, **kw).fit(X, y)

    def inside(Z):
        return np.mean((np.abs(Z[:, 0]) < 0.25) & (Z[:, 1] > 0.3))

    Z_on, Z_off = aug.sample(1000, y=1)[0], off.sample(1000, y=1)[0]
    assert inside(Z_on) > inside(Z_off) + 0.05
    # refitted after loading: the same check, the same rows
    path = tmp_path / "box.joblib"
    save(aug, path)
    back = load(path)
    assert type(judge_for(back)) is BalancedBoosting
    np.testing.assert_array_equal(back.sample(300, y=1)[0], aug.sample(300, y=1)[0])
    # a model saved before the tree candidate keeps the logistic / RBF choice it sampled with
    del back.hparams_["tree_check"]
    back.__dict__.pop("_class_judge")
    assert type(judge_for(back)).__name__ == "LogisticRegression"


def test_balanced_boosting_decides_by_probability_over_class_share():
    from sklearn.ensemble import HistGradientBoostingClassifier

    from ganaug._class_filter import BalancedBoosting

    X, y = _box_table()
    labels = np.array(["common", "rare"])[y]
    model = BalancedBoosting().fit(X, labels)
    np.testing.assert_array_equal(model.classes_, ["common", "rare"])
    np.testing.assert_allclose(model.prior_, [1117 / 1200, 83 / 1200])
    plain = HistGradientBoostingClassifier(random_state=0).fit(X, labels)
    new = np.random.default_rng(1).uniform(-1, 1, (2000, 10))  # rows it has not seen
    proba = plain.predict_proba(new)
    expected = model.classes_[(proba / model.prior_).argmax(1)]
    np.testing.assert_array_equal(model.predict(new), expected)
    # the balanced decision calls the rare class more often than the plain argmax
    assert (expected == "rare").sum() > (plain.predict(new) == "rare").sum()


def test_the_boosting_runs_on_one_openmp_thread_and_gives_the_threads_back(monkeypatch):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_info

    from ganaug._class_filter import BalancedBoosting

    def openmp_threads():
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp"]

    before = openmp_threads()
    seen = []
    fit, proba = HistGradientBoostingClassifier.fit, HistGradientBoostingClassifier.predict_proba
    monkeypatch.setattr(HistGradientBoostingClassifier, "fit",
                        lambda self, *a: (seen.append(openmp_threads()), fit(self, *a))[1])
    monkeypatch.setattr(HistGradientBoostingClassifier, "predict_proba",
                        lambda self, X: (seen.append(openmp_threads()), proba(self, X))[1])
    X, y = _box_table()
    BalancedBoosting().fit(X, y).predict(X[:10])
    assert len(seen) == 2 and all(threads and set(threads) == {1} for threads in seen)
    assert openmp_threads() == before


def test_the_tree_candidate_competes_with_two_classes_only(monkeypatch):
    # the boosting grows a tree per class per round: with 19 classes a fit took 12.7 s
    # against 2.2 s, so beyond TREE_CLASSES it is left out of the choice
    from ganaug import _class_filter as cf

    fitted = []

    class Recording(cf.BalancedBoosting):
        def fit(self, X, y):
            fitted.append(len(np.unique(y)))
            return super().fit(X, y)

    monkeypatch.setattr(cf, "BalancedBoosting", Recording)
    X, y = _box_table()
    assert type(cf.choose_default_judge(X, y)) is Recording and set(fitted) == {2}
    fitted.clear()
    three = y + (X[:, 2] > 0.9)  # a third class: the rows of column 2 above 0.9
    assert cf.TREE_CLASSES == 2 and len(np.unique(three)) == 3
    assert type(cf.choose_default_judge(X, three)) is not Recording and fitted == []
    # tree=False (models saved before the candidate): never, with two classes either
    assert type(cf.choose_default_judge(X, y, tree=False)) is not Recording and fitted == []

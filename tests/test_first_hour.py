"""What a new user trips over: threads, wasted training, containers, verbose output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ganaug import ConditionalGANAugmenter, GANAugmenter

RS = np.random.RandomState(0)
X = RS.normal(size=(80, 3))
Y = np.repeat([0, 1, 2], [50, 20, 10])


def _threads_seen(monkeypatch):
    import ganaug._fitting
    import ganaug.train

    seen = []
    real = ganaug.train.GANTrainer.step

    def spy(self):
        seen.append(torch.get_num_threads())
        return real(self)

    monkeypatch.setattr(ganaug.train.GANTrainer, "step", spy)
    check = ganaug._fitting.warn_if_collapsed

    def spy_check(*args):
        seen.append(("collapse check", torch.get_num_threads()))
        return check(*args)

    monkeypatch.setattr(ganaug._fitting, "warn_if_collapsed", spy_check)
    return seen


@pytest.mark.parametrize("setting, expected", [("auto", 1), (2, 2), (None, 3)])
def test_cpu_threads_apply_during_fit_only(monkeypatch, setting, expected):
    seen = _threads_seen(monkeypatch)
    before = torch.get_num_threads()
    torch.set_num_threads(3)
    try:
        # on the CPU: off it cpu_threads changes nothing (a GPU machine ran 3 threads)
        ConditionalGANAugmenter(max_steps=2, width=8, cpu_threads=setting,
                                device="cpu").fit(X, Y)
        # the collapse check after training samples too: outside the setting it ran on
        # the caller's pool (a fork()ed child of a process that had used it hung there)
        assert set(seen[:-1]) == {expected} and seen[-1] == ("collapse check", expected)
        assert torch.get_num_threads() == 3  # the process-wide setting is back
    finally:
        torch.set_num_threads(before)


def test_overlapping_fits_in_threads_restore_the_thread_count_they_found():
    # the second of two overlapping blocks saved the first's 1 and restored it: new
    # threads of the process (joblib's threading backend, Dask workers) then ran torch on
    # one thread
    import threading

    from ganaug._device import cpu_threads

    before = torch.get_num_threads()
    torch.set_num_threads(3)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    inside, after = {}, {}

    def first():
        with cpu_threads("auto", torch.device("cpu"), "tabular"):
            inside["a"] = torch.get_num_threads()
            a_in.set()
            b_in.wait(10)
        after["a"] = torch.get_num_threads()
        a_out.set()

    def second():
        a_in.wait(10)
        with cpu_threads("auto", torch.device("cpu"), "tabular"):
            inside["b"] = torch.get_num_threads()
            b_in.set()
            a_out.wait(10)  # the first leaves while this one is still inside
        after["b"] = torch.get_num_threads()

    def fresh():
        seen = []
        t = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
        t.start()
        t.join()
        return seen[0]

    try:
        threads = [threading.Thread(target=first), threading.Thread(target=second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert inside == {"a": 1, "b": 1}
        # the first to leave keeps the count of the one still inside (it set the count
        # back under it, so that fit trained on 3); the last restores what they found
        assert after == {"a": 1, "b": 3}
        assert fresh() == 3 and torch.get_num_threads() == 3
    finally:
        torch.set_num_threads(before)


def test_a_failed_thread_setting_leaves_no_stale_count_behind():
    # torch.set_num_threads(0) raised before the try: the shared user count stayed up and
    # every later block restored the stale saved count instead of the caller's
    from ganaug._device import cpu_threads

    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        with pytest.raises(RuntimeError):
            with cpu_threads(0, torch.device("cpu"), "tabular"):
                pass
        torch.set_num_threads(1)
        with cpu_threads("auto", torch.device("cpu"), "tabular"):
            pass
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_fit_resample_trains_per_class_gans_only_for_oversampled_classes(monkeypatch):
    import ganaug.base

    trained = []
    real = ganaug.base.BaseGANAugmenter._fit_one

    def spy(self, data, codes, n_classes, seed, desc, resume=None):
        trained.append(desc)
        return real(self, data, codes, n_classes, seed, desc, resume)

    monkeypatch.setattr(ganaug.base.BaseGANAugmenter, "_fit_one", spy)
    aug = GANAugmenter(epochs=1, width=8, random_state=0)
    X_res, y_res = aug.fit_resample(X, Y)
    assert trained == ["GAN[1]", "GAN[2]"]  # not the majority class 0
    assert np.bincount(y_res).tolist() == [50, 50, 50]
    assert aug.generator_index_.tolist() == [-1, 0, 1]
    with pytest.raises(ValueError, match="No GAN was trained for class 0"):
        aug.sample(3, y=0)
    # without labels: the trained classes in their training shares (20 : 10 rows)
    assert np.bincount(aug.sample(51)[1], minlength=3).tolist() == [0, 34, 17]
    trained.clear()
    GANAugmenter(epochs=1, width=8, random_state=0).fit(X, Y)
    assert trained == ["GAN[0]", "GAN[1]", "GAN[2]"]  # fit: every class
    trained.clear()
    GANAugmenter(epochs=1, width=8, sampling_strategy="all").fit_resample(X, Y)
    assert trained == ["GAN[1]", "GAN[2]"]  # 'all' adds no row to the majority either


def test_sample_returns_the_label_container_the_user_gave():
    y = pd.Series(pd.Categorical(np.where(Y == 0, "a", np.where(Y == 1, "b", "c"))),
                  name="label")
    aug = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0).fit(X, y)
    _, y_new = aug.sample(5, y="c")
    assert isinstance(y_new, pd.Series) and y_new.name == "label"
    assert y_new.dtype == y.dtype and y_new.tolist() == ["c"] * 5
    _, y_plain = ConditionalGANAugmenter(max_steps=2, width=8).fit(X, Y).sample(5)
    assert isinstance(y_plain, np.ndarray)


def test_verbose_one_prints_a_summary_line(capsys):
    ConditionalGANAugmenter(max_steps=4, width=8, verbose=1).fit(X, Y)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1
    assert out[0].startswith("ConditionalGANAugmenter fitted in")
    assert "anchor conditioning, 2 epochs trained (stops at 4 generator steps)" in out[0]
    ConditionalGANAugmenter(max_steps=4, width=8, verbose=0).fit(X, Y)
    assert capsys.readouterr().out == ""


def test_verbose_summary_counts_this_fit_and_the_batch_used(capsys):
    # a warm refit's history continues the first fit's: the summary counted both fits;
    # a batch larger than the rows was shown as asked, not as used
    est = ConditionalGANAugmenter(max_steps=4, width=8, batch_size=500, warm_start=True,
                                  verbose=1).fit(X, Y)
    first = capsys.readouterr().out
    assert "4 epochs trained (stops at 4 generator steps)" in first
    assert first.rstrip().endswith("batch 80")
    est.fit(X, Y)
    assert "4 epochs trained (stops at 4 generator steps)" in capsys.readouterr().out
    assert len(est.history_["d_loss"]) == 8
    # per-class GANs each cap the batch at their class's rows (50, 20, 10)
    GANAugmenter(max_steps=2, width=8, batch_size=500, verbose=1).fit(X, Y)
    assert capsys.readouterr().out.rstrip().endswith("batch 500 (at most each class's rows)")


def test_verbose_two_prints_losses_per_epoch(capsys):
    ConditionalGANAugmenter(max_steps=4, width=8, batch_size=40, verbose=2).fit(X, Y)
    captured = capsys.readouterr()
    lines = [x for x in (captured.out + captured.err).splitlines() if "d_loss" in x]
    assert len(lines) == 2 and "d_loss" in lines[0] and "D(real)" in lines[0]


def test_minority_class_keeps_its_marginals_and_missing_rates():
    """The docstring's promise, per class, on a mixed frame from load_diabetes."""
    from sklearn.datasets import load_diabetes

    d = load_diabetes(as_frame=True)
    X, t = d.data.copy(), d.target
    rs = np.random.RandomState(0)
    X["sex"] = np.where(X["sex"] > 0, "F", "M")
    X["smoker"] = rs.choice(["yes", "no"], len(X), p=[0.3, 0.7])
    for c, rate in zip(["bmi", "bp", "s1", "s5"], [0.03, 0.06, 0.09, 0.12]):
        X.loc[rs.rand(len(X)) < rate, c] = np.nan
    y = np.where(t > np.sort(t)[-66], "high", "low")  # 65 rows of "high"
    fake, _ = ConditionalGANAugmenter(random_state=0).fit(X, y).sample(2000, y="high")
    real = X[y == "high"]
    for c in X.columns:
        if pd.api.types.is_numeric_dtype(X[c]):
            assert abs(fake[c].isna().mean() - real[c].isna().mean()) < 0.06, c
            ratio = fake[c].std() / real[c].std()
            assert 0.6 < ratio < 1.6, (c, ratio)
            assert abs(fake[c].mean() - real[c].mean()) < 0.5 * real[c].std(), c
        else:
            share = fake[c].value_counts(normalize=True)
            for level, p in real[c].value_counts(normalize=True).items():
                assert abs(share.get(level, 0.0) - p) < 0.1, (c, level)

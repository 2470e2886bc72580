"""Refits leave no state of an earlier fit behind, and failed calls change nothing."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug.data import pooled_within_class_root

RS = np.random.RandomState(0)
X = np.vstack([RS.normal(size=(40, 3)), RS.normal(size=(12, 3)) * 0.2 + 3])
Y = np.repeat([0, 1], [40, 12])
TINY = dict(max_steps=2, width=8, random_state=0)


def test_refit_without_y_drops_the_per_class_generators_and_back():
    aug = GANAugmenter(**TINY).fit(X, Y)
    assert hasattr(aug, "generators_") and not hasattr(aug, "generator_")
    aug.fit(X)
    assert hasattr(aug, "generator_")
    for stale in ("generators_", "generator_index_", "class_history_", "class_counts_"):
        assert not hasattr(aug, stale), stale
    assert aug.sample(5).shape == (5, 3)
    aug.fit(X, Y)
    assert not hasattr(aug, "generator_") and len(aug.generators_) == 2
    assert aug.class_counts_.tolist() == [40, 12]


def test_failed_fit_resample_keeps_the_series_output_of_the_last_fit():
    aug = ConditionalGANAugmenter(**TINY).fit(X, pd.Series(Y, name="label"))
    with pytest.raises(ValueError):
        aug.fit_resample(X[:5], np.array([0, 1, 0, 1, np.nan]))  # a missing label
    _, y_new = aug.sample(4, y=1)
    assert isinstance(y_new, pd.Series) and y_new.name == "label"


def test_per_class_anchor_generators_start_from_the_pooled_noise():
    # GANAugmenter trains one generator per class, but anchor mode's noise root is
    # pooled over all classes (a class of 12 rows borrows the common class's spread)
    aug = GANAugmenter(conditioning="anchor", spread=1.0, max_steps=1, width=8,
                       random_state=0).fit(X, Y)
    k = aug.generators_[1].prior.shape[0]
    root = pooled_within_class_root(aug.anchors_, aug.anchor_codes_, k)  # encoded rows
    own = pooled_within_class_root(aug.anchors_[Y == 1], None, k)  # the class's alone
    assert not np.allclose(root, own, atol=1e-3)
    # max_steps=1 leaves the prior buffer untouched (only the residual trains)
    for G in aug.generators_:
        torch.testing.assert_close(G.prior, torch.from_numpy(root))


def test_a_failed_warm_fit_resample_puts_the_kept_codecs_stream_back(monkeypatch):
    # a warm refit keeps the fitted codec; decoding drew folded categories from its
    # stream before the failure, so the next sample differed from an untouched twin's
    import ganaug._sampling as sampling

    df = pd.DataFrame(X, columns=list("abc"))
    df["cat"] = pd.Categorical(RS.choice(list("xyzuvw"), len(X)))
    kw = dict(TINY, warm_start=True, max_categories=2)
    aug, twin = (ConditionalGANAugmenter(**kw).fit(df, Y) for _ in range(2))
    real = sampling.decode

    def fail_after_decoding(*args):
        real(*args)
        raise KeyboardInterrupt

    monkeypatch.setattr(sampling, "decode", fail_after_decoding)
    with pytest.raises(KeyboardInterrupt):
        aug.fit_resample(df, Y)
    monkeypatch.setattr(sampling, "decode", real)
    pd.testing.assert_frame_equal(aug.sample(50)[0], twin.sample(50)[0])

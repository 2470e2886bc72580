"""Training works, not just runs: mode coverage on a ring and recognisable digits.

These are the slowest tests of the suite (tens of seconds each on 2 CPU cores); they
assert outcomes, never timings.
"""

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.svm import SVC

from ganaug import ConditionalGANAugmenter, GANAugmenter

RING_STD = 0.1  # std of each Gaussian; "near a mode" = within 3 std of its centre
RING_EPOCHS = 60  # 16 steps each at batch 128 (2 critic steps per generator step)
DIGITS_EPOCHS = 15  # 28 steps each at batch 64


def _ring(n: int = 2000, seed: int = 0):
    rs = np.random.RandomState(seed)
    centers = 2.0 * np.array([[np.cos(a), np.sin(a)] for a in np.arange(8) * np.pi / 4])
    X = centers[rs.randint(8, size=n)] + rs.normal(scale=RING_STD, size=(n, 2))
    return X, centers


@pytest.mark.slow
def test_ring_of_8_gaussians_all_modes_covered_and_samples_near_modes():
    X, centers = _ring()
    aug = GANAugmenter(epochs=RING_EPOCHS, batch_size=128, width=128, random_state=0).fit(X)
    S = aug.sample(2000)
    dist = np.linalg.norm(S[:, None, :] - centers[None], axis=2)
    near = dist.min(axis=1) < 3 * RING_STD
    per_mode = np.bincount(dist.argmin(axis=1)[near], minlength=8)
    # a uniform ring would put ~38 % of samples within 3 std of a centre
    assert near.mean() > 0.6, (near.mean(), per_mode)
    # every mode gets at least a third of its fair share of the near samples
    assert per_mode.min() > near.sum() / 8 / 3, per_mode


@pytest.mark.slow
def test_digits_generated_per_class_are_recognised_by_a_real_data_classifier():
    X, y = load_digits(return_X_y=True)
    clf = SVC().fit(X, y)  # trained on real digits only
    aug = ConditionalGANAugmenter(epochs=DIGITS_EPOCHS, random_state=0).fit(X, y)
    asked = np.repeat(np.arange(10), 30)
    S, labels = aug.sample(len(asked), y=asked)
    assert np.array_equal(labels, asked)
    assert S.shape == (300, 64) and S.min() >= 0 and S.max() <= 16
    recognised = (clf.predict(S) == asked).mean()
    assert recognised > 0.8, recognised

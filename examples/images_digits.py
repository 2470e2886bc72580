"""Generate 8x8 digit images per class with a conditional GAN and save a picture.

scikit-learn's digits come as rows of 64 pixels; ``image_shape=(8, 8)`` turns on the
convolutional networks, and samples come back as rows on the same 0-16 grid of whole
numbers (float columns that only hold whole numbers are decoded onto them).

Run: ``python examples/images_digits.py [--fast] [--out digits_samples.png]``
(``GANAUG_FAST=1`` also selects the fast mode). Writing the PNG needs matplotlib.
"""

import argparse
import os

import numpy as np
from sklearn.datasets import load_digits

from ganaug import ConditionalGANAugmenter

parser = argparse.ArgumentParser()
parser.add_argument("--fast", action="store_true")
parser.add_argument("--out", default="digits_samples.png")
args = parser.parse_args()
fast = args.fast or os.environ.get("GANAUG_FAST") == "1"

X, y = load_digits(return_X_y=True)
if fast:  # a small subset and one epoch: checks the plumbing, not the quality
    X, y = X[:200], y[:200]

aug = ConditionalGANAugmenter(
    image_shape=(8, 8), epochs=1 if fast else 60, width=16 if fast else 64, random_state=0
)
aug.fit(X, y)
X_new, y_new = aug.sample(10 * 8, y=np.repeat(np.arange(10), 8))  # 8 of each digit
print("generated:", X_new.shape, X_new.dtype, "range", X_new.min(), "-", X_new.max(),
      "whole numbers:", bool(np.all(X_new == np.rint(X_new))))

try:
    from ganaug.plotting import save_image_grid
except ImportError:
    save_image_grid = None
if save_image_grid is not None:
    try:
        rows, labels = [], []
        for d in range(10):  # real digits of the class, then generated ones
            rows += [X[y == d][:8].reshape(-1, 8, 8), X_new[y_new == d].reshape(-1, 8, 8)]
            labels += [f"{d} real", f"{d} generated"]
        path = save_image_grid(rows, args.out, row_labels=labels,
                               title="digits: real (odd rows) vs cGAN samples (even rows)")
        print("wrote", path)
    except ImportError as exc:  # matplotlib missing
        print("no picture:", exc)

"""Point masses in an all-numeric table: does a class's share of a repeated value survive?

A made-up table of 600 rows (15 % minority): column ``a`` is 0 in 60 % of rows and
gamma-distributed otherwise (a zero-inflated amount), column ``b`` is 1.5 in 30 % of
rows and normal otherwise (an interior spike), column ``c`` is normal, shifted by the
class. Printed: the minority's share of those values among its real rows and among the
new rows of the default cGAN and of SMOTE.

Run: ``python probe.py OUT.md [TOL]`` (add the branch to ``PYTHONPATH`` to probe it;
``TOL``: count new values of ``b`` within ``TOL`` of 1.5, as decoding may move a kept
value by float rounding; default 0, exact).
"""

import sys

import numpy as np
import torch
from imblearn.over_sampling import SMOTE

import ganaug
from ganaug import ConditionalGANAugmenter
from ganaug_bench.record import code_version, utc_now

torch.set_num_threads(1)
rng = np.random.default_rng(0)
n = 600
y = (rng.random(n) < 0.15).astype(int)
a = np.where(rng.random(n) < 0.6, 0.0, rng.gamma(2, 0.5, n))
b = np.where(rng.random(n) < 0.3, 1.5, rng.normal(0, 1, n) + y)
c = rng.normal(0, 1, n) + y
X = np.c_[a, b, c]
real = X[y == 1]
tol = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
b_head = "share b == 1.5" if not tol else f"share b == 1.5 (new rows: within {tol:g})"
lines = [f"# Point-mass probe\n\nCommand `python {' '.join(sys.argv)}`, {utc_now()}, CPU, "
         f"code {code_version()} (ganaug imported from `{ganaug.__file__}`).\n",
         f"| rows | minority rows | share a == 0 | {b_head} |", "|---|---|---|---|",
         f"| real minority | {len(real)} | {np.mean(real[:, 0] == 0):.3f} | "
         f"{np.mean(real[:, 1] == 1.5):.3f} |"]
for name, sampler in (("cGAN (defaults)", ConditionalGANAugmenter(random_state=0)),
                      ("SMOTE", SMOTE(random_state=0))):
    Xr, _ = sampler.fit_resample(X, y)
    new = Xr[n:]
    lines.append(f"| new rows, {name} | {len(new)} | {np.mean(new[:, 0] == 0):.3f} | "
                 f"{np.mean(np.abs(new[:, 1] - 1.5) <= tol):.3f} |")
text = "\n".join(lines) + "\n"
open(sys.argv[1], "w").write(text)
print(text)

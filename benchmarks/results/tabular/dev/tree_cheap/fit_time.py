"""Default cGAN fit times on three two-class tables, for the tree-cheap screen (knob
``GANAUG_TREE_ITER`` of prototype branch tree-cheap; unset: main's 100 rounds).

Run from the branch's worktree, once per setting, appending to one file:
``GANAUG_TREE_ITER=<n> PYTHONPATH=. python
benchmarks/results/tabular/dev/tree_cheap/fit_time.py >> fit_time.md``
"""
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from benchmarks.tabular_oversampling import DEFAULT_DATA
from ganaug import ConditionalGANAugmenter
from ganaug_bench.record import code_version, utc_now

warnings.filterwarnings("ignore")
torch.set_num_threads(1)
knob = os.environ.get("GANAUG_TREE_ITER", "unset (100)")
print(f"\n`GANAUG_TREE_ITER={knob} python {sys.argv[0]}`; {utc_now()}; "
      f"code {code_version()}; cpu, 1 torch thread, 3 fits each\n\n"
      "| table | rows x columns | fit min (s) | fit median (s) |\n|---|---|---|---|")
for name, rows in (("adult", 5000), ("spambase", 0), ("haberman", 0)):
    X = pd.read_csv(Path(DEFAULT_DATA) / f"{name}.csv")
    y = X.pop("target")
    if rows and len(X) > rows:
        X = X.sample(rows, random_state=0)
        y = y.loc[X.index]
    times = []
    for _ in range(3):
        t = time.perf_counter()
        ConditionalGANAugmenter(random_state=0).fit(X, y)
        times.append(time.perf_counter() - t)
    print(f"| {name} | {X.shape[0]} x {X.shape[1]} | {min(times):.2f} | {np.median(times):.2f} |",
          flush=True)

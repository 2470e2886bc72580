"""Which default class check each core table's cGAN fit chooses (seed 0, the five folds of
the core protocol; ``choose_default_judge``'s cross-validation on the training fold).

Run from the repository root:
``PYTHONPATH=. python benchmarks/results/tabular/dev/tree_check/chosen_checks.py``
"""
import datetime
import json
import sys
import warnings
from collections import Counter
from pathlib import Path

import torch

from benchmarks.tabular_oversampling import DEFAULT_DATA, split_fold
from ganaug import ConditionalGANAugmenter
from ganaug_bench.record import code_version

torch.set_num_threads(1)
warnings.filterwarnings("ignore")
data = Path(DEFAULT_DATA)
core = [d["name"] for d in json.loads((data / "MANIFEST.json").read_text())["datasets"]
        if d.get("core")]
print(f"# Default class check chosen per core table (seed 0, 5 folds)\n\nCommand: "
      f"`python {sys.argv[0]}`; {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} "
      f"UTC; code {code_version()}. `max_steps=1`: the check is chosen before training, "
      "on the encoded training fold, so the GAN's steps do not change it.\n")
print("| table | checks chosen (folds) | blind classes |\n|---|---|---|")
for name in core:
    picks, blind = Counter(), 0
    for fold in range(5):
        Xtr, ytr, *_ = split_fold(name, data, 0, fold, 5)
        aug = ConditionalGANAugmenter(max_steps=1, random_state=0, device="cpu").fit(Xtr, ytr)
        judge = aug._class_judge
        picks[type(judge).__name__] += 1
        blind += len(getattr(judge, "ganaug_blind_classes_", ()))
    print(f"| {name} | {', '.join(f'{k} {v}' for k, v in sorted(picks.items()))} | {blind} |",
          flush=True)

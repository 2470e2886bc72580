"""GANAugmenter against the cGAN on the recorded 20-table runs, paired cell by cell.

Run from the repository root:
``python benchmarks/results/tabular/dev/train_needed/gan_vs_cgan.py``
(mean difference in points, GANAugmenter minus cGAN, and its standard error).
"""
import json
from pathlib import Path

import pandas as pd

RESULTS = Path("benchmarks/results/tabular")


def rows(folder: str) -> pd.DataFrame:
    return pd.DataFrame(json.loads((RESULTS / folder / "tabular_oversampling.json")
                                   .read_text())["rows"])


cgan, gan = rows("defaults"), rows("defaults_gan")
cells = cgan[cgan.arm == "cgan"].merge(gan[gan.arm == "gan"],
                                       on=["dataset", "seed", "fold", "classifier"],
                                       suffixes=("_c", "_g"))
for metric in ["balanced_accuracy", "minority_f1", "average_precision"]:
    diff = 100 * (cells[metric + "_g"] - cells[metric + "_c"])
    print(f"{metric}: {diff.mean():+.2f} (se {diff.std() / len(diff) ** 0.5:.2f}, "
          f"{len(diff)} cells)")

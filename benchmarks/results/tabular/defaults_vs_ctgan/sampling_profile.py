"""Where ganaug's sampling time goes (Adult, 5,000 training rows as in the CTGAN
comparison, the default ConditionalGANAugmenter, one torch thread, 100,000 rows).

Run: ``python benchmarks/results/tabular/defaults_vs_ctgan/sampling_profile.py > <out>.md``
"""
import cProfile
import pstats
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

import ganaug.nn.tabular as T  # noqa: E402
from benchmarks.tabular_oversampling import DEFAULT_DATA  # noqa: E402
from benchmarks.tabular_vs_ctgan import load  # noqa: E402
from ganaug import ConditionalGANAugmenter  # noqa: E402
from ganaug_bench.record import code_version, utc_now  # noqa: E402

torch.set_num_threads(1)
train, _, _ = load("adult", Path(DEFAULT_DATA), 0, 5000)
X, y = train.drop(columns="target"), train["target"].to_numpy()
model = ConditionalGANAugmenter(device="cpu", random_state=0).fit(X, y)
model.sample(1000)  # warm-up
generated = [0]
sample_from = T.AnchorGenerator.sample_from


def counted(self, z, *args, **kwargs):
    generated[0] += len(z)
    return sample_from(self, z, *args, **kwargs)


T.AnchorGenerator.sample_from = counted
t0 = time.perf_counter()
prof = cProfile.Profile()
prof.runcall(model.sample, 100_000)
total = time.perf_counter() - t0
stats = pstats.Stats(prof).stats
parts = {"generator hidden layers (torch linear)": "torch._C._nn.linear",
         "decoding (codec inverse_transform)": "inverse_transform",
         "noise draws (torch.randn)": "torch.randn",
         "class check (judge_predict)": "judge_predict"}
print(f"# Sampling profile\n\nCommand: `python {sys.argv[0]}`; {utc_now()}; code "
      f"{code_version()}; 1 torch thread, under cProfile.\n")
print(f"100,000 rows kept from {generated[0]:,} generated; {total:.2f} s in all.\n")
print("| part | seconds (cumulative) | share |\n|---|---|---|")
for label, name in parts.items():
    sec = sum(v[3] for k, v in stats.items() if name in k[2])
    print(f"| {label} | {sec:.3f} | {100 * sec / total:.0f} % |")

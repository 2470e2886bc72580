"""Which redraw round the default cGAN's new rows come from, on the 20 core tables.

An insight, not a design screen: for each core table (its binary target), the default
``ConditionalGANAugmenter(random_state=0)`` is fitted on all rows by ``fit_resample``,
and the new rows are counted by the class-check round that produced them: 0 (the first
draw, accepted), 1-2 (redrawn from the same anchor at 1/2 and 1/4 of the step,
accepted), 3 (1/8 of the step, kept whatever the check says). Round 3's rows are near
copies of real rows the check places in another class.

Run from the repository root (D = benchmarks/results/tabular/dev/redraw_own_anchor):
``python $D/rounds.py > $D/rounds.md``
"""
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[5]
sys.path.insert(0, str(ROOT))

import ganaug._sampling as S  # noqa: E402
from benchmarks.tabular_oversampling import DEFAULT_DATA, load  # noqa: E402
from ganaug import ConditionalGANAugmenter  # noqa: E402
from ganaug_bench.record import code_version, utc_now  # noqa: E402

MANIFEST = json.loads((DEFAULT_DATA / "MANIFEST.json").read_text())["datasets"]
CORE = [d["name"] for d in MANIFEST if d.get("core")]  # the suite's core tables
warnings.filterwarnings("ignore")
requested: list = []  # (scale, rows asked for) per call of generate_chunks
generate = S.generate_chunks


def counting(*args, scale=1.0, **kw):
    n = args[2]
    requested.append((scale, n))
    return generate(*args, scale=scale, **kw)


S.generate_chunks = counting
print("# Which redraw round the default cGAN's new rows come from (20 core tables)\n")
print(f"Command: `python {Path(__file__).relative_to(ROOT)}`; {utc_now()}; code "
      f"{code_version()}; CPU. `ConditionalGANAugmenter(random_state=0).fit_resample` "
      "on all rows of each table (binary target). A round's new rows are those asked for "
      "in it minus those asked for in the next; round 3 keeps what is left as drawn, at "
      "1/8 of the step from its real row.\n")
print("| data set | rows | new rows | round 0 | round 1 (1/2) | round 2 (1/4) | "
      "round 3 (1/8, kept as drawn) | fit + sample s |\n|---|---|---|---|---|---|---|---|")
shares = []
for name in CORE:
    X, y = load(name, DEFAULT_DATA)
    requested.clear()
    t0 = time.perf_counter()
    Xr, yr = ConditionalGANAugmenter(random_state=0, device="cpu").fit_resample(X, y)
    sec = time.perf_counter() - t0
    # one class is oversampled: its rounds are the last calls, from the last at scale 1
    # (fitting samples too: warn_if_collapsed)
    first = max(i for i, (scale, _) in enumerate(requested) if scale == 1.0)
    asked = [n for _, n in requested[first:]]
    new = len(yr) - len(y)
    per = [a - b for a, b in zip(asked, asked[1:] + [0])]
    per += [0] * (4 - len(per))
    share = np.array(per) / new
    shares.append(share)
    print(f"| {name} | {len(y):,} | {new:,} | " + " | ".join(
        f"{100 * s:.1f} %" for s in share) + f" | {sec:.1f} |")
m = np.mean(shares, axis=0)
print("| mean over tables | | | " + " | ".join(f"{100 * s:.1f} %" for s in m) + " | |")

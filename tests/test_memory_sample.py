"""benchmarks/memory_sample.py on a small n: its one memory reading sees the sampled
arrays (numpy's and torch's memory alike, unlike tracemalloc), and the record adds up."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "memory_sample.py"
MB = 2**20
N, D = 1_000_000, 3


@pytest.fixture(scope="module")
def record(tmp_path_factory):
    out = tmp_path_factory.mktemp("memory")
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--n", str(N), "--features", str(D), "--out", str(out),
         "--scenarios", "conditional-array", "unconditional-array"],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads((out / f"sample_{N}_rows.json").read_text())


def test_record_lists_the_scenarios_with_exact_output_sizes(record):
    assert record["benchmark"] == "memory_sample"
    runs = {r["scenario"]: r for r in record["results"]}
    assert list(runs) == ["conditional-array", "unconditional-array"]
    # X is float64 (N x D); the conditional call also returns int64 labels
    assert runs["conditional-array"]["output_mb"] == round(N * (D * 8 + 8) / MB, 1)
    assert runs["unconditional-array"]["output_mb"] == round(N * D * 8 / MB, 1)
    for r in runs.values():
        assert r["output_shape"] == [N, D] and r["n_samples"] == N
        assert r["finite_sample_check"] is True
        assert "cuda_peak_above_baseline_mb" not in r  # a CPU run
        assert not {"tracemalloc_peak_mb", "polled_peak_mb"} & set(r)  # one reading only


def test_the_peak_reading_sees_the_output(record):
    for r in record["results"]:
        # the peak is restarted before the call where the OS allows it (Linux)
        assert r["peak_reset"] is sys.platform.startswith("linux")
        # the arrays sample returns are resident at the peak: the reading must see them
        assert r["peak_rss_above_baseline_mb"] >= r["output_mb"] - 0.2, r
        assert r["overhead_mb"] == pytest.approx(
            r["peak_rss_above_baseline_mb"] - r["output_mb"], abs=0.15)


def test_memory_helper_sees_a_new_allocation():
    """ganaug_bench.record's memory_mb / reset_peak_memory, the one reading of the
    benchmarks (memory_sample.py, tabular_vs_ctgan.py, gan_speed.py)."""
    code = (
        "import numpy as np\n"
        "from ganaug_bench.record import memory_mb, reset_peak_memory\n"
        "a = np.ones(96 * 2**20 // 8); del a\n"  # an earlier, larger peak
        "ok = reset_peak_memory()\n"
        "before = memory_mb()\n"
        "a = np.ones(64 * 2**20 // 8)\n"
        "after = memory_mb()\n"
        "print(ok, int(1e6 * (after['peak_rss_mb'] - before['peak_rss_mb'])),"
        " int(1e6 * (after['rss_mb'] - before['rss_mb'])))\n"
    )
    # launched by a small Python in between: Linux starts a child's ru_maxrss at its
    # launcher's peak, which for this test process may be above the 64 MB we look for
    launcher = ("import subprocess, sys; "
                f"sys.exit(subprocess.run([sys.executable, '-c', {code!r}]).returncode)")
    out = subprocess.run([sys.executable, "-c", launcher], capture_output=True, text=True,
                         timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    ok, grown, rss_grown = out.stdout.split()
    if ok != "True":
        pytest.skip("the peak resident memory cannot be restarted on this OS (Linux can)")
    # the reset dropped the earlier 96 MB peak: the new one is seen, to within a page run
    assert int(grown) >= 64 * 2**20 - 2**20
    assert int(rss_grown) >= 64 * 2**20 - 2**20  # resident now, too

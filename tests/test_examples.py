"""Every script in examples/ runs to the end in its fast mode (GANAUG_FAST=1) and prints
what it says it computes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))

# Lines each example must print in fast mode (regular expressions, searched in stdout).
# The numbers fixed here are the data's (class counts, shapes), not the GAN's.
EXPECTED = {
    "dask_cluster.py": [
        r"^cluster: 2 workers$",
        r"^per-class GANs: 3 in \d+\.\d s$",
        r"^cross-validated balanced accuracy: [01]\.\d{3} \+- 0\.\d{3}$",
        r"^grid GAN: balanced accuracy [01]\.\d{3} over 2 seeds$",
        r"^grid cGAN: balanced accuracy [01]\.\d{3} over 2 seeds$",
    ],
    "images_digits.py": [
        r"^generated: \(80, 64\) float64 range \d+\.0 - \d+\.0 whole numbers: True$",
        r"^(wrote .*digits_samples\.png|no picture: .*)$",
    ],
    "oversample_table.py": [
        r"^class counts before: \[539  61\]$",
        r"^class counts after:  \[539 539\]$",
        r"^container and columns kept: DataFrame \['x0', 'x1', 'x2', 'x3', 'x4', 'x5'\]$",
        r"^final epoch losses: \{'d_loss': .*'g_loss': .*\}$",
    ],
    "pipeline_grid_search.py": [
        r"^best parameters: \{'aug__sampling_strategy': .*\}$",
        r"^best cross-validated balanced accuracy: [01]\.\d{3}$",
        r"^held-out balanced accuracy: [01]\.\d{3}$",
    ],
}


def test_every_example_has_its_expected_output_listed():
    # a new example must say here what it prints; a removed one must leave the list
    assert [p.name for p in EXAMPLES] == sorted(EXPECTED)


@pytest.mark.parametrize("script", EXAMPLES, ids=lambda p: p.name)
def test_example_runs_in_fast_mode(script, tmp_path):
    if script.name == "dask_cluster.py":  # needs dask's distributed (the test extra)
        from _shared import need_module

        need_module("distributed")
    env = {**os.environ, "GANAUG_FAST": "1", "OMP_NUM_THREADS": "1", "MPLBACKEND": "Agg"}
    res = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=300,
    )
    assert res.returncode == 0, f"{script.name} failed:\n{res.stdout}\n{res.stderr}"
    for pattern in EXPECTED[script.name]:
        assert re.search(pattern, res.stdout, flags=re.MULTILINE), (
            f"{script.name}: no line matches {pattern!r} in:\n{res.stdout}")

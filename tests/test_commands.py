"""``ganaug resample`` / ``ganaug sample`` end to end through the console script."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _shared import need, shared_data


def ganaug(*args, cwd=None):
    exe = shutil.which("ganaug") or str(Path(sys.executable).with_name("ganaug"))
    return subprocess.run([exe, *map(str, args)], capture_output=True, text=True,
                          timeout=300, cwd=cwd, env={**os.environ, "PYTHONWARNINGS": "ignore"})


def one_line_error(proc) -> str:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganaug: error:"), proc.stderr[-500:]
    assert "Traceback" not in proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def adult_csv(tmp_path_factory) -> Path:
    """2,000 rows of adult (mixed types, missing values), as a CSV file."""
    src = need(shared_data() / "tabular" / "adult.csv")
    path = tmp_path_factory.mktemp("adult") / "adult.csv"
    pd.read_csv(src).sample(2000, random_state=0).to_csv(path, index=False)
    return path


def test_resample_and_sample_round_trip_adult(adult_csv, tmp_path):
    out, model = tmp_path / "res.csv", tmp_path / "m.ganaug"
    proc = ganaug("resample", adult_csv, "--target", "target", "--out", out,
                  "--save-model", model, "--mark-synthetic", "synthetic", "--seed", "0")
    assert proc.returncode == 0, proc.stderr[-2000:]
    real = pd.read_csv(adult_csv)
    res = pd.read_csv(out)
    counts = real["target"].value_counts()
    assert list(res.columns) == [*real.columns, "synthetic"]
    # the original rows first, unchanged; then exactly the missing rows of the minority
    pd.testing.assert_frame_equal(res.iloc[: len(real)][real.columns], real)
    assert res["synthetic"].tolist() == [False] * len(real) + [True] * (len(res) - len(real))
    assert res["target"].value_counts().tolist() == [counts.max()] * len(counts)
    new = res.iloc[len(real):][real.columns].reset_index(drop=True)
    assert dict(pd.read_csv(out).dtypes) == {**dict(real.dtypes), "synthetic": np.dtype(bool)}
    for c in real.columns:
        if real[c].dtype == object:
            assert set(new[c].dropna()) <= set(real[c].dropna()), c
    assert "before" in proc.stdout and "added" in proc.stdout  # the per-class summary
    minority = counts.idxmin()
    sampled = tmp_path / "new.csv"
    proc = ganaug("sample", model, "-n", 25, "--class", minority, "--out", sampled)
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = pd.read_csv(sampled)
    assert len(got) == 25 and (got["target"] == minority).all()
    assert dict(got.drop(columns="target").dtypes) == dict(real.drop(columns="target").dtypes)


def test_bad_input_is_one_line_and_exit_2(adult_csv, tmp_path):
    one_class = tmp_path / "one.csv"
    pd.DataFrame({"a": [1, 2, 3], "t": ["x", "x", "x"]}).to_csv(one_class, index=False)
    garbage = tmp_path / "bad.parquet"
    garbage.write_bytes(b"\x00\x01not a parquet file")
    exists = tmp_path / "exists.csv"
    exists.write_text("keep me\n")
    cases = [
        (("resample", tmp_path / "missing.csv", "--target", "t", "--out", tmp_path / "o.csv"),
         "no such file"),
        (("resample", adult_csv, "--target", "nope", "--out", tmp_path / "o.csv"),
         "no column 'nope'"),
        (("resample", one_class, "--target", "t", "--out", tmp_path / "o.csv"),
         "single class"),
        (("resample", garbage, "--target", "t", "--out", tmp_path / "o.csv"),
         "cannot read"),
        (("resample", adult_csv, "--target", "target", "--out", exists), "--force"),
        (("sample", tmp_path / "none.ganaug", "-n", 3, "--out", tmp_path / "o.csv"),
         "no such file"),
    ]
    for args, expected in cases:
        assert expected in one_line_error(ganaug(*args)), args
    assert exists.read_text() == "keep me\n"  # nothing overwritten without --force


def test_report_command_prints_a_table_and_writes_csv_and_png(adult_csv, tmp_path):
    model = tmp_path / "m.ganaug"
    proc = ganaug("resample", adult_csv, "--target", "target", "--out", tmp_path / "r.csv",
                  "--save-model", model, "--time-budget", "5")
    assert proc.returncode == 0, proc.stderr[-2000:]
    proc = ganaug("report", model, adult_csv, "--target", "target", "--out",
                  tmp_path / "q.csv", "--plot", tmp_path / "q.png")
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = pd.read_csv(tmp_path / "q.csv", index_col=0)
    assert {"dcr_ratio", "near_copies", "ks_mean", "tvd_mean"} <= set(table.columns)
    assert len(table) == 2 and "dcr_ratio" in proc.stdout
    assert (tmp_path / "q.png").read_bytes()[:4] == b"\x89PNG"
    wrong = tmp_path / "r.csv"  # has the model's columns, but not the training rows' classes
    pd.read_csv(adult_csv).assign(target="other").to_csv(wrong, index=False)
    assert "does not know" in one_line_error(
        ganaug("report", model, wrong, "--target", "target"))

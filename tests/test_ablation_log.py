"""The digits ablation log: closed parts keep every file small, reading keeps the order."""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import oversampling_ablation as ablation  # noqa: E402


def _append(out: Path, rows: list[dict]) -> None:
    for row in rows:
        with ablation.open_log(out).open("a") as f:
            f.write(json.dumps(row) + "\n")


def test_log_closes_big_parts_and_reads_all_lines_in_order(tmp_path, monkeypatch):
    monkeypatch.setattr(ablation, "PART_BYTES", 200)
    rows = [{"design": "rose", "seed": s, "note": "x" * 40} for s in range(12)]
    _append(tmp_path, rows)
    parts = ablation.log_parts(tmp_path)
    assert len(parts) >= 3 and parts[-1].name == "digits_lt_cv.jsonl"
    assert [p.name for p in parts[:-1]] == [f"digits_lt_cv.{i}.jsonl"
                                           for i in range(1, len(parts))]
    # a closed part holds at most one line past the limit
    assert all(p.stat().st_size <= 200 + 100 for p in parts)
    assert ablation.read_log(tmp_path) == rows


def test_design_specs_keep_commas_inside_brackets():
    assert ablation.parse("cgan:image_shape=[8,8],spread=1.5,loss=ns") == (
        "cgan", {"image_shape": [8, 8], "spread": 1.5, "loss": "ns"})
    assert ablation.parse("rose") == ("rose", {})


def test_shrunk_reference_interpolates_between_class_and_pooled_covariance():
    import numpy as np

    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(40, 3) * [1.0, 2.0, 0.5], rng.randn(8, 3) * [3.0, 0.2, 1.0]])
    y = np.r_[np.zeros(40, int), np.ones(8, int)]
    Xr, yr = ablation.ShrunkGaussian(n0=10.0, random_state=0).fit_resample(X, y)
    assert np.bincount(yr).tolist() == [40, 40]
    np.testing.assert_array_equal(Xr[:48], X)  # the real rows come first, unchanged

    def cov(n0):
        s = ablation.ShrunkGaussian(n0=n0)
        s._prepare(X, y)
        return s._roots[1].T @ s._roots[1], s._root.T @ s._root

    own, pooled = cov(0.0)
    np.testing.assert_allclose(own, np.cov(X[y == 1].T), atol=1e-10)
    mixed, _ = cov(8.0)  # n0 equal to the class's rows: the plain average
    np.testing.assert_allclose(mixed, (own + pooled) / 2, atol=1e-6)


def test_pair_selectors_refuse_a_seed_that_two_different_runs_match():
    # "as a paired control" was in a control's note and in a prototype's: the prototype's
    # later rows replaced the control's for 35 of 60 seeds without a word
    import pytest

    from benchmarks.ablation_pairs import scores

    def row(note, seed, acc):
        return {"design": "cgan", "note": note, "seed": seed, "cv_balanced_accuracy": acc}

    lines = [row("k 5 (as a paired control)", 1, 0.80), row("k 10 (as a paired control)", 1,
                                                           0.90),
             row("k 5 (as a paired control)", 2, 0.81)]
    with pytest.raises(SystemExit, match="matches runs that disagree for seed 1"):
        scores(lines, {"design": "cgan", "note": "as a paired control"})
    assert scores(lines, {"design": "cgan", "note": "k 5"}) == {1: 0.80, 2: 0.81}
    # runs that agree (a deterministic design such as ROSE) may share seeds; a re-run of
    # the same run (same note) replaces its earlier row
    same = [row("a", 1, 0.7), row("b", 1, 0.7), row("a", 2, 0.6), row("a", 2, 0.65)]
    assert scores(same, {"design": "cgan", "note": ""}) == {1: 0.7, 2: 0.65}
    # a run that later disagrees with an earlier one is caught too, not only the last
    later = [row("a", 1, 0.7), row("b", 1, 0.7), row("b", 1, 0.8)]
    with pytest.raises(SystemExit, match="disagree for seed 1"):
        scores(later, {"design": "cgan", "note": ""})

"""The tabular oversampling suite end to end on one small real data set (schema only).

Runs ``benchmarks/tabular_oversampling.py`` as a user would, on ``glass`` with 2 folds and
tiny GANs, and checks what it writes: every (fold, arm, classifier) row, the rank and
win/tie/loss summaries, no errors, and a clean markdown report. Scores are not checked:
at this size they mean nothing.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from _shared import need
from test_tabular import DATA

ROOT = Path(__file__).resolve().parents[1]
ARMS = ["none", "ros", "rose", "smote", "adasyn", "gan", "cgan"]


def test_oversampling_suite_smoke(tmp_path):
    need(DATA / "MANIFEST.json")
    cmd = [sys.executable, str(ROOT / "benchmarks" / "tabular_oversampling.py"),
           "--datasets", "glass", "--folds", "2", "--seeds", "0", "--steps", "10",
           "--epochs", "5", "--batch-size", "32", "--width", "16", "--n-jobs", "1",
           "--data", str(DATA), "--out", str(tmp_path), "--note", "test"]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "tabular_oversampling.json").read_text())
    assert report["complete"] is True and report["errors"] == []
    assert report["config"]["datasets"] == ["glass"]
    assert len(report["rows"]) == 2 * len(ARMS) * 2  # folds x arms x classifiers
    assert {r["arm"] for r in report["rows"]} == set(ARMS)
    for metric, ranks in report["ranks"].items():
        assert set(ranks) == set(ARMS), metric
    for arm in ("gan", "cgan"):
        vs = report["versus_smote"][arm]
        assert vs["win"] + vs["tie"] + vs["loss"] == vs["n_cells"] == 2 * 4
    assert report["machine"]["note"] == "test" and report["code_version"]
    md = (tmp_path / "tabular_oversampling.md").read_text()
    assert "GAN arms vs SMOTE" in md and "| glass |" in md


def test_multiclass_benchmark_smoke(tmp_path):
    """``benchmarks/tabular_multiclass.py`` on glass with its own target: rows, the
    classes kept (the 9-row class is dropped at --min-rows 10), the cGAN-vs-arm counts,
    the markdown and the chart."""
    need(DATA / "MANIFEST.json")
    arms = ["none", "ros", "cgan"]
    cmd = [sys.executable, str(ROOT / "benchmarks" / "tabular_multiclass.py"),
           "--datasets", "glass", "--folds", "2", "--seeds", "0", "--arms", *arms,
           "--n-jobs", "1", "--data", str(DATA), "--out", str(tmp_path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads((tmp_path / "tabular_multiclass.json").read_text())
    assert report["errors"] == [] and report["code_version"]
    assert report["classes"] == {"glass": [76, 70, 29, 17, 13]}
    assert len(report["rows"]) == 2 * len(arms) * 2  # folds x arms x classifiers
    vs = report["versus"]["ros"]
    assert vs["win"] + vs["tie"] + vs["loss"] == vs["n_cells"] == 2 * 3  # classifiers x metrics
    assert set(report["versus"]) == {"ros"}  # 'none' is not a rival
    md = (tmp_path / "tabular_multiclass.md").read_text()
    assert "| glass |" in md and "won / tied / lost" in md
    assert (tmp_path / "tabular_multiclass.png").stat().st_size > 10_000


def test_multiclass_summary_compares_the_gan_arm_that_ran():
    """Without a cGAN arm, ``gan`` (GANAugmenter) is the arm compared with each rival."""
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from benchmarks import tabular_multiclass as mc

    rows = pd.DataFrame([
        {"dataset": d, "classifier": c, "arm": a, "balanced_accuracy": v,
         "macro_f1": v, "rare_recall": v}
        for d, c in [("a", "logreg"), ("a", "hgb"), ("b", "logreg")]
        for a, v in [("smote", 0.5), ("gan", 0.6 if d == "a" else 0.4)]])
    summary = mc.summarise(rows, ["smote", "gan"])
    assert summary["gan"] == "GANAugmenter"
    vs = summary["versus"]["smote"]
    assert (vs["win"], vs["tie"], vs["loss"]) == (6, 0, 3)  # 2 cells x 3 metrics won
    assert mc.summarise(rows.replace({"arm": {"gan": "cgan"}}), ["smote", "cgan"])["gan"] == "cGAN"
    # data sets as the unit: a's mean difference over its cells is +0.1, b's -0.1
    by = vs["by_dataset"]
    assert (by["win"], by["tie"], by["loss"], by["n_cells"]) == (1, 0, 1, 2)


def test_an_arm_that_failed_on_a_fold_is_compared_only_on_the_folds_all_arms_ran():
    # the cGAN, 0.01 below SMOTE on every fold it ran, failed on the hard fold: the
    # unpaired means reported it as winning every cell
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from benchmarks import tabular_oversampling as to

    rows = []
    for fold, hard in [(0, False), (1, False), (2, True)]:
        base = 0.3 if hard else 0.8
        for clf in ("logreg", "hgb"):
            rows.append({"dataset": "d", "seed": 0, "fold": fold, "arm": "smote",
                         "classifier": clf, **{m: base for m in to.METRICS}})
            if not hard:
                rows.append({"dataset": "d", "seed": 0, "fold": fold, "arm": "cgan",
                             "classifier": clf, **{m: base - 0.01 for m in to.METRICS}})
    rows.append({"dataset": "d", "seed": 0, "fold": 2, "arm": "cgan", "error": "boom"})
    vs = to.summarise(pd.DataFrame(rows), ["smote", "cgan"])["versus_smote"]["cgan"]
    assert (vs["win"], vs["loss"]) == (0, 8)
    assert abs(vs["mean_difference"] + 0.01) < 1e-12


def test_other_data_long_tail_and_summary():
    """``benchmarks/other_data.py``: class sizes fall geometrically (never below 6 rows,
    rows unchanged), and the cGAN is counted against each classical arm and the best of
    them per cell."""
    import numpy as np

    sys.path.insert(0, str(ROOT))
    from benchmarks import other_data as od

    X = np.arange(300, dtype=float).reshape(150, 2)
    y = np.repeat([0, 1, 2], 50)
    Xl, yl = od.long_tailed(X, y, 10, seed=0)
    assert sorted(np.bincount(yl).tolist()) == [6, 16, 50]  # 50, 50 / sqrt(10), max(6, 5)
    assert {tuple(r) for r in Xl} <= {tuple(r) for r in X}
    assert all(y[int(r[0]) // 2] == c for r, c in zip(Xl, yl, strict=True))
    rows = [{"dataset": d, "classifier": c, "arm": a, "resample_seconds": 0.0,
             "balanced_accuracy": v}
            for d in ("a", "b") for c in ("svc", "knn")
            for a, v in [("ros", 0.5), ("smote", 0.7 if c == "svc" else 0.5),
                         ("cgan", 0.6)]]
    vs = od.summarise(rows, ["ros", "smote", "cgan"])["versus"]
    assert (vs["ros"]["win"], vs["ros"]["loss"]) == (4, 0)
    assert (vs["best classical"]["win"], vs["best classical"]["loss"]) == (2, 2)
    assert abs(vs["best classical"]["mean_difference"] - 0.0) < 1e-12
    # each data set once: both have svc lost (-0.1) and knn won (+0.1): mean 0, a tie
    by = vs["best classical"]["by_dataset"]
    assert (by["win"], by["tie"], by["loss"], by["n_cells"]) == (0, 2, 0, 2)
    with pytest.raises(ValueError, match="Unknown data set"):
        od.dataset("nope", 0)


def test_imputed_arms_see_a_test_fold_imputed_with_the_training_folds_values(monkeypatch):
    # their test fold kept its missing values, filled by each classifier (logistic
    # regression with the resampled rows' medians), while `none` and the GAN arms see
    # missing values on both sides
    import numpy as np
    import pandas as pd

    from benchmarks import tabular_oversampling as to

    rs = np.random.RandomState(0)
    X = pd.DataFrame({"a": rs.normal(size=60), "b": rs.normal(size=60)})
    X.loc[::5, "a"] = np.nan
    y = np.tile([0, 0, 0, 1], 15)
    monkeypatch.setattr(to, "split_fold", lambda *a: (X.iloc[:40].reset_index(drop=True),
                                                       y[:40], X.iloc[40:].reset_index(
                                                           drop=True), y[40:], {}))
    seen = {}

    def record(clf_name, Xtr, Xr, yr, Xte, levels, seed):
        seen[to.CLASSIFIERS.index(clf_name), len(seen)] = Xte
        return np.full(len(Xte), 0.5)

    monkeypatch.setattr(to, "fit_predict", record)
    arms = ["none", "ros", "smote"]
    to.run_fold("t", None, 0, 0, 5, arms, {"defaults": True})
    tests = list(seen.values())
    per_arm = len(to.CLASSIFIERS)
    none_te, ros_te, smote_te = (tests[i * per_arm] for i in range(3))
    assert none_te["a"].isna().sum() == 4 and ros_te["a"].isna().sum() == 4
    assert smote_te["a"].isna().sum() == 0
    assert (smote_te["a"][none_te["a"].isna()] == X["a"].iloc[:40].median()).all()


def test_unseen_digits_are_optdigits_rows_outside_scikit_learns_digits():
    # the check of the main job on rows no design screen has seen: none may be a digits row
    import numpy as np
    from sklearn.datasets import load_digits

    from benchmarks.digits_unseen import unseen_rows

    need(DATA / "optdigits.csv")
    X, y = unseen_rows(DATA.parent)
    digits = load_digits()
    known = {row.tobytes() for row in digits.data.astype(np.float64)}
    assert len(y) == 5620 - 1797 and X.shape[1] == 64
    assert not any(row.tobytes() in known for row in X)
    assert (np.bincount(y) >= np.bincount(digits.target)).all()  # each seed can draw


def test_paired_runs_differences_over_shared_cells(tmp_path):
    """Run minus control over the cells both files hold, in points, with the standard
    error over cells; a metric only one file has is left out."""
    from benchmarks.paired_runs import paired

    cell = {"dataset": "d", "seed": 0, "classifier": "lr", "arm": "cgan"}
    control = [{**cell, "fold": f, "balanced_accuracy": 0.5, "macro_f1": 0.1}
               for f in range(3)]
    run = [{**cell, "fold": f, "balanced_accuracy": 0.5 + 0.01 * f} for f in range(4)]
    paths = []
    for name, rows in (("control", control), ("run", run)):
        (tmp_path / name).mkdir()
        paths.append(tmp_path / name / "r.json")
        paths[-1].write_text(json.dumps({"rows": rows}))
    (line,) = paired(*paths)
    # differences 0, 1, 2 points over the 3 shared folds: mean 1, sd 1, se 1 / sqrt(3)
    assert line == "| `run` | balanced_accuracy | +1.00 | 0.58 | 3 | d +1.00 |"


def test_paired_runs_of_the_main_job_pair_seeds_of_one_arm(tmp_path):
    """``ganaug bench`` results (per-seed ``runs``, no data set or fold): paired by seed and
    arm, grouped by arm, one arm's cells with ``arm=``."""
    from benchmarks.paired_runs import paired

    def runs(gain):
        return [{"seed": s, "arm": arm, "balanced_accuracy": 0.9 + (gain * s if arm == "cgan"
                                                                      else 0.0)}
                for s in range(3) for arm in ("cgan", "ROSE")]

    paths = []
    for name, gain in (("old", 0.0), ("new", 0.01)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps({"runs": runs(gain)}))
    (line,) = paired(*paths, name="new", arm="cgan")
    assert line == "| `new` | balanced_accuracy | +1.00 | 0.58 | 3 | cgan +1.00 |"
    (line,) = paired(*paths, name="new")  # both arms: ROSE's differences are 0
    assert line.endswith("| 6 | ROSE +0.00, cgan +1.00 |")

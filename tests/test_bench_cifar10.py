"""The CIFAR-10 benchmark runner in smoke mode: runs on the CPU, checks the output schema.

No CIFAR-10 needed: ``--fake-data`` uses a synthetic CIFAR-like array.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from ganaug_bench import cifar10
from ganaug_bench.stats import mean_std, paired_difference, wilcoxon_p, win_tie_loss

ALL_ARMS = ["none", "ros", "rose", "smote", "reweight", "gan", "cgan", "cgan+filter"]


def _check_result(res: dict, arms: list[str], track: str) -> None:
    for key in ("benchmark", "track", "protocol", "smoke", "created", "command", "git",
                "device", "versions", "seeds", "arms", "sampling_strategy", "groups",
                "data", "config", "runs", "summary", "comparisons"):
        assert key in res, key
    assert res["track"] == track and res["smoke"] is True
    assert res["arms"] == arms
    assert set(res["groups"]) == {"many", "medium", "few"}
    assert len(res["runs"]) == len(arms) * len(res["seeds"])
    for run in res["runs"]:
        for m in ("top1", "balanced_accuracy", "macro_f1", "many", "medium", "few"):
            assert isinstance(run[m], float) and 0.0 <= run[m] <= 1.0, (run["arm"], m)
        assert len(run["per_class_recall"]) == 10
        times = run["times"]
        assert all(isinstance(v, float) for v in times.values()), times
        # an arm's total covers its disjoint timed parts (true for a monotonic clock at
        # any speed; the sklearn track's total is exactly fit + predict)
        parts = sum(times.get(k, 0.0) for k in ("sample_s", "clf_s", "predict_s",
                                                  "pipeline_fit_s"))
        assert times["total_s"] >= parts - 1e-9, times
        assert ("pipeline_fit_s" in times) is (track == "sklearn"), times
        # balanced test set: top-1 equals balanced accuracy
        assert run["top1"] == pytest.approx(run["balanced_accuracy"])
    for arm in arms:
        s = res["summary"][arm]
        assert isinstance(s["top1"]["mean"], float) and s["top1"]["n"] == 1
    assert set(res["comparisons"]["vs_none"]) == set(arms) - {"none"}
    assert res["comparisons"]["best_classic"] in {"ros", "rose", "smote", "reweight"}


def test_smoke_torch_track(tmp_path):
    status = cifar10.main([
        "--protocol", "lt100", "--methods", ",".join(ALL_ARMS), "--smoke", "--fake-data",
        "--device", "cpu", "--out", str(tmp_path), "--quiet",
    ])
    assert status == 0
    stem = tmp_path / "cifar10_torch_lt100_smoke"
    res = json.loads(stem.with_suffix(".json").read_text())
    _check_result(res, ALL_ARMS, "torch")
    by_arm = {r["arm"]: r for r in res["runs"]}
    counts = res["data"]["train_counts"]
    assert by_arm["none"]["n_train"] == sum(counts)
    # every over-sampler fills all classes to the largest one
    for arm in ("ros", "rose", "smote", "gan", "cgan", "cgan+filter"):
        assert by_arm[arm]["n_train"] == 10 * max(counts), arm
        assert by_arm[arm]["n_synthetic"] == 10 * max(counts) - sum(counts)
    assert "gan_fit_s" in by_arm["cgan"]["times"] and "clf_s" in by_arm["cgan"]["times"]
    assert by_arm["rose"]["shrinkage"] == 0.5 and by_arm["smote"]["k_neighbors"] >= 1
    assert by_arm["cgan+filter"]["filter"]["classifier"] == "reweight"
    md = stem.with_suffix(".md").read_text()
    assert "| `cgan` |" in md and "Δ vs none" in md
    assert stem.with_suffix(".png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_smoke_sklearn_track(tmp_path):
    arms = ["none", "rose", "reweight", "cgan"]
    status = cifar10.main([
        "--protocol", "lt10", "--track", "sklearn", "--methods", ",".join(arms), "--smoke",
        "--fake-data", "--device", "cpu", "--out", str(tmp_path), "--quiet",
    ])
    assert status == 0
    stem = tmp_path / "cifar10_sklearn_lt10_smoke"
    res = json.loads(stem.with_suffix(".json").read_text())
    _check_result(res, arms, "sklearn")
    assert stem.with_suffix(".md").is_file() and stem.with_suffix(".png").is_file()
    by_arm = {r["arm"]: r for r in res["runs"]}
    assert by_arm["rose"]["n_train"] == 10 * max(res["data"]["train_counts"])


def test_sklearn_track_gans_run_at_the_augmenters_defaults():
    """Without --tabular-epochs the tabular GANs get no training length: their defaults."""
    from ganaug_bench.cifar10.arms import _gan_kwargs

    kw = _gan_kwargs(cifar10.Settings(), 1236, 0, "cpu", image=False)
    assert set(kw) == {"device", "random_state", "n_jobs"}
    settings = cifar10.Settings()
    settings.gan.tabular_epochs = 300
    assert _gan_kwargs(settings, 1236, 0, "cpu", image=False)["epochs"] == 300


def test_paired_difference_interval():
    d = paired_difference([0.7, 0.72, 0.75], [0.6, 0.61, 0.66])
    assert d["mean"] == pytest.approx(0.1, abs=1e-12)
    assert d["ci_low"] < d["mean"] < d["ci_high"]
    assert paired_difference([0.5], [0.4])["ci_low"] is None
    assert mean_std([1.0])["std"] is None


def test_win_tie_loss_counts_cells_and_leaves_out_missing_pairs():
    a = [0.80, 0.70, 0.5005, np.nan, 0.9, 0.6]
    b = [0.75, 0.72, 0.5000, 0.4, np.nan, 0.5]
    r = win_tie_loss(a, b)
    assert (r["win"], r["tie"], r["loss"], r["n_cells"]) == (2, 1, 1, 4)
    assert r["mean_difference"] == pytest.approx((0.05 - 0.02 + 0.0005 + 0.1) / 4)
    assert r["wilcoxon_p"] == pytest.approx(wilcoxon_p([0.80, 0.70, 0.5005, 0.6],
                                                       [0.75, 0.72, 0.5000, 0.5]))
    assert win_tie_loss([0.5, 0.6], [0.5, 0.6])["wilcoxon_p"] == 1.0
    # equal up to float rounding (the same scores averaged in another order): no evidence
    a, b = [np.mean([0.1, 0.2, 0.3])] * 6, [np.mean([0.3, 0.2, 0.1])] * 6
    assert all(x > y for x, y in zip(a, b, strict=True))  # by 5.6e-17 each (p was 0.03)
    assert wilcoxon_p(a, b) == 1.0


def test_protocol_helpers():
    groups = cifar10.class_groups([5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50])
    assert groups == {"many": [0, 1, 2], "medium": [3, 4, 5, 6], "few": [7, 8, 9]}
    w = cifar10.class_balanced_weights([100, 10])
    assert w[1] > w[0] and (w * [100, 10]).sum() == pytest.approx(110, rel=1e-5)
    (X, y), (Xt, yt) = cifar10.make_fake_cifar(3, 2)
    assert X.shape == (30, 32, 32, 3) and X.dtype == np.uint8 and len(yt) == 20


def test_bad_arm_is_rejected(tmp_path):
    with pytest.raises(SystemExit):
        cifar10.main(["--methods", "none,bogus", "--smoke", "--fake-data",
                      "--out", str(tmp_path), "--quiet"])


def test_pack_roundtrip(tmp_path):
    s = cifar10.Settings(protocol="frac0.1", smoke=True, fake_data=True, pool_per_class=20,
                         test_per_class=3)
    (X, y), (Xt, yt), _ = cifar10.load_data(s, None)
    path = cifar10.pack_data(s, None, tmp_path / "p.npz", preset=0)
    (X2, y2), (Xt2, yt2), info = cifar10.load_data(s, str(path))
    assert np.array_equal(X, X2) and np.array_equal(Xt, Xt2)
    assert np.array_equal(y, y2) and np.array_equal(yt, yt2) and "packed" in info["source"]
    with pytest.raises(ValueError, match="protocol"):
        cifar10.load_data(cifar10.Settings(protocol="lt100"), str(path))


def _fake_result(seeds, arms, base):
    runs = []
    for seed in seeds:
        for i, arm in enumerate(arms):
            v = base + 0.01 * i + 0.001 * seed
            runs.append({"arm": arm, "seed": seed, "top1": v, "balanced_accuracy": v,
                         "macro_f1": v, "many": v, "medium": v, "few": v,
                         "per_class_recall": [v] * 10, "times": {"clf_s": 1.0}})
    summary, comparisons = cifar10.summarise(runs, arms)
    return {"protocol": "lt100", "track": "torch", "smoke": False, "command": "x",
            "created": "now", "device": "cpu", "git": "g", "arms": arms, "seeds": seeds,
            "runs": runs, "summary": summary, "comparisons": comparisons,
            "sampling_strategy": "auto", "groups": {}, "data": {"source": "s",
            "train_counts": [], "test_counts": []}}


def test_merge_pools_seeds(tmp_path):
    arms = ["none", "ros", "cgan"]
    merged = cifar10.merge_results([_fake_result([0], arms, 0.5), _fake_result([1, 2], arms,
                                                                                0.5)])
    assert merged["seeds"] == [0, 1, 2] and len(merged["runs"]) == 9
    d = merged["comparisons"]["vs_none"]["cgan"]["top1"]
    assert d["n"] == 3 and d["mean"] == pytest.approx(0.02)
    paths = cifar10.write_outputs(merged, tmp_path, "m")
    assert [p.suffix for p in paths] == [".json", ".md", ".png"]


def test_an_arm_without_finished_runs_is_no_bar_and_not_the_best_classic(tmp_path,
                                                                          monkeypatch):
    # the best classic arm was chosen with max() over None (TypeError), and a missing
    # value was drawn as a 0 % bar
    import ganaug.plotting

    arms = ["none", "ros", "smote", "cgan"]
    result = _fake_result([0, 1], ["none", "ros", "cgan"], 0.5)
    result["arms"] = arms
    result["summary"], result["comparisons"] = cifar10.summarise(result["runs"], arms)
    assert result["comparisons"]["best_classic"] == "ros"
    drawn = {}
    real = ganaug.plotting.save_bar_chart

    def record(values, *args, **kwargs):
        drawn.update(values)
        return real(values, *args, **kwargs)

    monkeypatch.setattr(ganaug.plotting, "save_bar_chart", record)
    cifar10.write_outputs(result, tmp_path, "m")
    assert np.isnan(drawn["smote"]).all() and not np.isnan(drawn["ros"]).any()


def test_drw_and_mixup_change_training_as_described():
    import torch

    from ganaug_bench.cifar10.classifier import bench_config, fit_classifier

    rs = np.random.RandomState(0)
    X = rs.randint(0, 255, (150, 32, 32, 3), dtype=np.uint8)
    y = np.repeat(np.arange(3), 50)
    cfg = bench_config(widths=(8, 16, 16), train_examples=2560, batch_size=64, tta=1,
                       eval_batch_size=500, lookahead_every=0)
    w = np.array([1.0, 5.0, 9.0])

    def proba(**kw):
        clf = fit_classifier(X, y, cfg, torch.device("cpu"), 0, n_classes=3, **kw)
        assert clf.n_steps == 40 and clf.train_seconds > 0
        return clf.predict_proba(X)

    none, full = proba(), proba(class_weights=w)
    drw, late = proba(class_weights=w, weights_from=0.5), proba(class_weights=w,
                                                                 weights_from=1.0)
    np.testing.assert_array_equal(late, none)  # weights from the end: never applied
    assert np.abs(drw - none).max() > 1e-4 and np.abs(drw - full).max() > 1e-4
    mix = proba(mixup_alpha=1.0)
    assert np.abs(mix - none).max() > 1e-4
    np.testing.assert_array_equal(mix, proba(mixup_alpha=1.0))  # seeded: reproducible


def test_bench_classifier_is_the_core_one_with_a_fixed_budget():
    from ganaug.metrics import ClassifierConfig
    from ganaug_bench.cifar10.classifier import TRAIN_EXAMPLES, bench_config

    cfg = bench_config()
    assert cfg.train_examples == TRAIN_EXAMPLES == 500_000 and cfg.bn_eps == 1e-12
    # every other setting is the core recipe's default
    core = ClassifierConfig().to_dict()
    assert {**cfg.to_dict(), "train_examples": None, "bn_eps": core["bn_eps"]} == core


@pytest.mark.slow
def test_device_script_dry_run_on_fake_data(tmp_path):
    """The exact GPU script, on the CPU with fake data: the device call cannot fail on a typo."""
    import os
    import subprocess

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "OUT": str(tmp_path), "PYTHON": sys.executable}
    proc = subprocess.run(["bash", str(root / "benchmarks" / "device_cifar10_lt.sh"),
                           "--dry-run"], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    res = json.loads((tmp_path / "cifar10_torch_lt100_smoke_device.json").read_text())
    assert res["arms"] == ["none", "ros", "reweight", "drw", "mixup", "cgan", "cgan+filter"]
    runs = {r["arm"]: r for r in res["runs"]}
    assert runs["drw"]["weights_from"] == cifar10.DRW_FROM
    assert runs["mixup"]["mixup_alpha"] == cifar10.MIXUP_ALPHA
    assert (tmp_path / "cifar10_torch_lt100_smoke_device.png").read_bytes()[:4] == b"\x89PNG"
    assert "| `mixup` |" in (tmp_path / "cifar10_torch_lt100_smoke_device.md").read_text()


def test_finished_seeds_are_written_before_a_later_seed_fails(tmp_path, monkeypatch):
    # a device call stopped at its time limit must still return the seeds it finished
    from ganaug_bench.cifar10 import cli

    real = cli.run_torch_arm

    def stop_at_seed_1(arm, seed, *args, **kwargs):
        if seed == 1:
            raise KeyboardInterrupt  # as if the call's time ran out
        return real(arm, seed, *args, **kwargs)

    monkeypatch.setattr(cli, "run_torch_arm", stop_at_seed_1)
    with pytest.raises(KeyboardInterrupt):
        cifar10.main(["--methods", "none,ros", "--smoke", "--fake-data", "--device", "cpu",
                      "--seeds", "3", "--out", str(tmp_path), "--quiet"])
    res = json.loads((tmp_path / "cifar10_torch_lt100_smoke.json").read_text())
    assert res["seeds"] == [0] and res["complete"] is False
    assert [r["arm"] for r in res["runs"]] == ["none", "ros"]
    assert "**partial**" in (tmp_path / "cifar10_torch_lt100_smoke.md").read_text()

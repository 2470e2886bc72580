"""``ganaug`` command: the main job in a tiny mode writes a complete record and a PNG."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ganaug import cli
from ganaug_bench import digits as bench


class _FakeClock:
    """The ``time`` module as the bench sees it: every wall reading is 1 s later and every
    CPU reading 0.25 s later than the one before; everything else is the real module."""

    def __init__(self):
        self.wall, self.cpu = 1000.0, 50.0

    def perf_counter(self) -> float:
        self.wall += 1.0
        return self.wall

    def process_time(self) -> float:
        self.cpu += 0.25
        return self.cpu

    def __getattr__(self, name):
        import time

        return getattr(time, name)


def test_bench_tiny_writes_json_table_and_png(tmp_path, capsys, monkeypatch):
    from _shared import need_module

    need_module("matplotlib")
    monkeypatch.setattr(bench, "time", _FakeClock())  # timings exact, whatever the load
    out = tmp_path / "bench"
    status = cli.main(["bench", "--seeds", "1", "--epochs", "1", "--out", str(out), "--quiet"])
    assert status == 0
    printed = capsys.readouterr().out
    for arm in bench.ARMS:
        assert f"| {arm} |" in printed
    assert "balanced accuracy" in printed and "tail recall" in printed

    record = json.loads((out / "results.json").read_text())
    for key in ("benchmark", "command", "date", "device", "versions", "git_commit",
                "protocol", "runs", "summary", "timing", "files"):
        assert key in record, key
    assert record["benchmark"] == "digits-lt"
    assert record["command"].startswith("ganaug")
    assert {"ganaug", "torch"} <= set(record["versions"])
    assert record["device"]["device"] == "cpu"
    assert record["protocol"]["seeds"] == [0]
    assert record["protocol"]["gan_params"]["epochs"] == 1
    assert len(record["runs"]) == len(bench.ARMS) + 1  # + the balanced ceiling
    ceiling = [r for r in record["runs"] if r["arm"] == bench.CEILING]
    assert len(ceiling) == 1 and ceiling[0]["balanced_accuracy"] > 0.95
    comp = record["gan_vs_classical"]
    assert comp["gan_arm"] == "ConditionalGANAugmenter"
    assert comp["classical_arm"] in bench.CLASSICAL
    gan = {r["arm"]: r["balanced_accuracy"] for r in record["runs"]}
    assert comp["balanced_accuracy"]["mean_difference"] == pytest.approx(
        gan["ConditionalGANAugmenter"] - gan[comp["classical_arm"]])
    assert comp["balanced_accuracy"]["ci95"] is None  # one seed: no interval
    for run in record["runs"]:
        for m in bench.METRICS:
            assert 0.0 <= run[m] <= 1.0, (run["arm"], m)
        # a fit is timed by two readings of the (fake) clock around it
        if run["arm"] == bench.CEILING:  # a reference row: no sampler is fitted
            assert (run["fit_seconds"], run["fit_cpu_seconds"]) == (0.0, 0.0)
        else:
            assert (run["fit_seconds"], run["fit_cpu_seconds"]) == (1.0, 0.25), run["arm"]
        if run["arm"] in ("GANAugmenter", "ConditionalGANAugmenter"):
            assert set(run["final_losses"]) >= {"d_loss", "g_loss"}
            assert set(run["samples"]) == {"recognised", "recognised_min", "spread_ratio",
                                           "dcr_ratio", "near_copies", "coverage"}
            assert 0.0 <= run["samples"]["recognised"] <= 1.0
    assert list(record["summary"]) == [*bench.ARMS, bench.CEILING]
    for stats in record["summary"].values():
        assert set(stats) == set(bench.METRICS)
        assert all(s["n"] == 1 and s["std"] is None for s in stats.values())
    assert "±" not in printed  # one seed has no spread (it printed ± 0.000)
    timing = record["timing"]
    assert timing["fit_seconds_per_arm"] == {**{a: 1.0 for a in bench.ARMS}, bench.CEILING: 0.0}
    # the total spans every fit: at least their two readings each, plus its own start
    assert timing["total_seconds"] >= 2 * len(bench.ARMS) + 1
    assert timing["total_cpu_seconds"] >= 0.25 * (2 * len(bench.ARMS) + 1)
    assert float(timing["total_seconds"]).is_integer()
    for name in ("samples", "summary", "paired", "cgan_losses"):
        png = out / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert record["files"][f"{name}_png"] == png.name
    assert (out / "results.md").read_text().count("|") > 20


def test_the_comparison_names_the_best_classical_arm_of_each_metric():
    # the best classical arm is chosen by balanced accuracy; where another leads on a
    # metric, the line said "+0.100" against ROSE though the GAN was below SMOTE there
    runs = []
    for seed in range(3):
        for arm, ba, tail in [("ROSE", 0.90, 0.60), ("SMOTE", 0.85, 0.80),
                              ("ConditionalGANAugmenter", 0.92 + 0.01 * seed, 0.70)]:
            runs.append({"seed": seed, "arm": arm, "balanced_accuracy": ba,
                         "macro_f1": ba, "tail_recall": tail + 0.01 * seed})
    comp = bench.compare_best(runs, ["ROSE", "SMOTE", "ConditionalGANAugmenter"])
    assert comp["classical_arm"] == "ROSE"
    assert "best_on_metric" not in comp["balanced_accuracy"]
    top = comp["tail_recall"]["best_on_metric"]
    assert top["arm"] == "SMOTE" and top["mean_difference"] == pytest.approx(-0.10)
    assert top["ci95"] is None  # every seed's difference is the same
    from ganaug_bench.digits_report import format_comparison

    text = format_comparison({"gan_vs_classical": comp})
    assert "chosen after the fact" in text
    assert ("- tail recall: +0.100 (no interval (fewer than 2 seeds or identical "
            "differences)); against SMOTE, the best classical arm on this metric: -0.100"
            in text)
    # the share of the ceiling's gain is measured from ROS, not from the arm on the line
    runs += [{"seed": s, "arm": arm, "balanced_accuracy": ba, "macro_f1": ba,
              "tail_recall": ba} for s in range(3)
             for arm, ba in [("RandomOverSampler", 0.88), (bench.CEILING, 0.98)]]
    comp = bench.compare_best(runs, ["ROSE", "SMOTE", "RandomOverSampler",
                                     "ConditionalGANAugmenter"])
    assert comp["balanced_accuracy"]["share_of_ros_to_ceiling_gap_closed"] == pytest.approx(0.5)
    assert ("- balanced accuracy: +0.030 (95 % CI [+0.005, +0.055]); its gain over "
            "RandomOverSampler is 50% of the ceiling's" in format_comparison(
                {"gan_vs_classical": comp}))


def test_the_gan_arm_is_fixed_in_advance_not_picked_by_test_scores():
    # with both GAN arms, the better test mean was taken: an optimistic pick
    runs = [{"seed": s, "arm": arm, "balanced_accuracy": ba, "macro_f1": ba,
             "tail_recall": ba} for s in range(3)
            for arm, ba in [("ROSE", 0.90), ("GANAugmenter", 0.95),
                            ("ConditionalGANAugmenter", 0.91)]]
    comp = bench.compare_best(runs, ["ROSE", "GANAugmenter", "ConditionalGANAugmenter"])
    assert comp["gan_arm"] == "ConditionalGANAugmenter"
    assert comp["balanced_accuracy"]["mean_difference"] == pytest.approx(0.01)
    alone = bench.compare_best(runs, ["ROSE", "GANAugmenter"])
    assert alone["gan_arm"] == "GANAugmenter"


def test_tail_classes_and_score():
    import numpy as np

    y = np.repeat(np.arange(10), [50, 40, 30, 20, 10, 9, 8, 7, 6, 5])
    assert bench.tail_classes(y).tolist() == [9, 8, 7]
    y_true = np.array([0, 0, 1, 1, 2, 2])
    y_pred = np.array([0, 0, 1, 0, 2, 0])
    s = bench.score(y_true, y_pred, np.array([1, 2]))
    assert s["tail_recall"] == pytest.approx(0.5)
    assert s["balanced_accuracy"] == pytest.approx((1 + 0.5 + 0.5) / 3)


def test_no_command_prints_help_and_returns_2(capsys):
    assert cli.main([]) == 2
    assert "bench" in capsys.readouterr().out


def test_unknown_option_is_an_error():
    with pytest.raises(SystemExit) as exc:
        cli.main(["bench", "--no-such-option"])
    assert exc.value.code == 2


def test_missing_harness_is_a_clear_error(monkeypatch, capsys):
    import importlib

    real = importlib.import_module

    def fake(name, *args, **kwargs):
        if name.startswith("ganaug_bench"):
            raise ImportError("No module named 'ganaug_bench'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(cli.importlib, "import_module", fake)
    for dataset in ("cifar10-lt", "digits-lt"):
        assert cli.main(["bench", "--dataset", dataset]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "ganaug_bench" in err[0]


def test_console_script_entry_point():
    # `python -m ganaug.cli` runs the same main as the installed `ganaug` script.
    # `python -m ganaug` too (where only the package is on the path, no script)
    for module in ("ganaug.cli", "ganaug"):
        res = subprocess.run([sys.executable, "-m", module, "--version"],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0 and res.stdout.startswith("ganaug "), module


def test_cifar10_options_are_passed_on(monkeypatch):
    import importlib
    import types

    seen: dict = {}
    fake_module = types.SimpleNamespace(
        main=lambda argv, parser=None: seen.setdefault("argv", argv) and 0,
        build_parser=lambda **kwargs: None)
    real = importlib.import_module

    def fake(name, *args, **kwargs):
        return fake_module if name == "ganaug_bench.cifar10" else real(name, *args, **kwargs)

    monkeypatch.setattr(cli.importlib, "import_module", fake)
    status = cli.main(["bench", "--dataset", "cifar10-lt", "--seeds", "2", "--smoke",
                       "--gan-steps", "10"])
    assert status == 0
    assert seen["argv"] == ["--seeds", "2", "--smoke", "--gan-steps", "10"]
    assert cli.main(["bench", "--dataset", "cifar10-lt", "--epochs", "3"]) == 2


def _ganaug(*args, env=None):
    import os

    # this environment's installed command (not another one's on PATH); `python -m
    # ganaug` where the package is only on the path
    exe = Path(sys.executable).with_name("ganaug")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "ganaug"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def test_bench_on_a_missing_device_is_one_line_and_exit_2(tmp_path):
    # CUDA_VISIBLE_DEVICES="" hides every GPU from the command: the test runs everywhere
    proc = _ganaug("bench", "--device", "cuda", "--seeds", "1", "--out", str(tmp_path),
                   env={"CUDA_VISIBLE_DEVICES": ""})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ganaug: error:") and "CUDA" in lines[0]
    assert "--device cuda but CUDA" in lines[0]  # in the command's words
    assert "Traceback" not in proc.stderr and "seed 0" not in proc.stdout  # before any arm


def test_bench_checks_its_output_folder_before_the_run(tmp_path, monkeypatch, capsys):
    import ganaug_bench.digits_report as report

    def no_run(*args, **kwargs):
        raise AssertionError("the bench ran before --out was checked")

    monkeypatch.setattr(report, "run_bench", no_run)
    (tmp_path / "file").write_text("x")
    for out, expected in ((tmp_path / "file", "is a file; name a folder"),
                          (tmp_path / "file" / "sub", "cannot create the folder")):
        assert cli.main(["bench", "--seeds", "1", "--out", str(out)]) == 2
        assert expected in capsys.readouterr().err


def test_cli_errors_become_one_line_with_a_hint(monkeypatch, capsys):
    import ganaug.datasets

    def offline(*a, **k):
        raise OSError("<urlopen error [Errno -2] Name or service not known>")

    monkeypatch.setattr(ganaug.datasets, "load_cifar10", offline)
    status = cli.main(["bench", "--dataset", "cifar10-lt", "--seeds", "1", "--out", "/tmp/x"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(err) == 1
    assert "--data-dir" in err[0] and "GANAUG_DATA" in err[0]


def test_help_does_not_import_torch():
    code = "import sys, ganaug.cli; ganaug.cli.build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout.strip()
    assert out == "False"


def test_import_ganaug_leaves_the_harness_alone():
    code = ("import sys, ganaug, ganaug.cli; "
            "print(any(m.startswith('ganaug_bench') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120).stdout.strip()
    assert out == "False"


def test_api_reference_is_current():
    """docs/api.md is generated from the docstrings: rerun docs/make_api.py after edits."""
    import importlib.util

    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("make_api", root / "docs" / "make_api.py")
    make_api = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_api)
    assert (root / "docs" / "api.md").read_text() == make_api.render()


def test_pictures_never_touch_pyplot_or_the_backend(tmp_path):
    """A library must not switch a user's matplotlib backend (no pyplot, no use())."""
    code = (
        "import sys, numpy as np\n"
        "from ganaug.plotting import (save_image_grid, save_bar_chart, save_loss_curves,\n"
        "                             save_interval_chart)\n"
        f"save_image_grid([np.zeros((2, 8, 8))], r'{tmp_path}/g.png', title='t')\n"
        f"save_bar_chart({{'a': [1.0]}}, ['x'], r'{tmp_path}/b.png')\n"
        f"save_loss_curves({{'d_loss': [1.0, 2.0]}}, r'{tmp_path}/l.png')\n"
        f"save_interval_chart({{'a': (1.0, 0.5, 2.0)}}, r'{tmp_path}/i.png')\n"
        "print('matplotlib.pyplot' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr[-1000:]
    assert out.stdout.strip() == "False"
    for name in ("g", "b", "l", "i"):
        assert (tmp_path / f"{name}.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("extra, match", [
    (["--bogus"], "unrecognized arguments: --bogus"),
    (["--methods", "foo"], "unknown arm"),
    (["--epochs", "3"], "--epochs is for digits-lt"),
])
def test_cifar10_bench_errors_are_one_line(extra, match, capsys):
    # the CIFAR-10 harness's parser printed its 30-line usage block
    try:
        status = cli.main(["bench", "--dataset", "cifar10-lt", *extra])
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ganaug: error:") and match in err[0]


def test_main_job_table_shows_milliseconds_and_no_fit_for_arms_without_a_sampler():
    # the classical arms' 9-14 ms showed as 0.0, like the arms that fit nothing
    from ganaug_bench.digits import CEILING
    from ganaug_bench.digits_report import format_table

    stats = {m: {"mean": 0.9, "std": 0.01} for m in ("balanced_accuracy", "macro_f1",
                                                  "tail_recall")}
    arms = {"none": 0.0, "ROSE": 0.0134, "ConditionalGANAugmenter": 1.73, "slow": 123.4,
            CEILING: 0.0}
    text = format_table({"timing": {"fit_seconds_per_arm": arms},
                         "summary": {a: stats for a in arms}})
    cells = {line.split("|")[1].strip(): line.split("|")[-2].strip()
             for line in text.splitlines()[2:]}
    assert cells == {"none": "–", "ROSE": "0.013", "ConditionalGANAugmenter": "1.7",
                     "slow": "123", CEILING: "–"}

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
    # the console script where it is installed (CI's fresh environment); else the same
    # entry point through ``python -m ganaug`` (a copied tree on PYTHONPATH, as on the GPU
    # machine, has no script)
    exe = shutil.which("ganaug") or str(Path(sys.executable).with_name("ganaug"))
    cmd = [exe] if Path(exe).exists() else [sys.executable, "-m", "ganaug"]
    return subprocess.run([*cmd, *map(str, args)], capture_output=True, text=True,
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
    header_only = tmp_path / "header.csv"
    header_only.write_text("a,b,t\n")
    target_only = tmp_path / "target.csv"
    pd.DataFrame({"t": ["x", "y", "x", "y"]}).to_csv(target_only, index=False)
    cases = [
        (("resample", header_only, "--target", "t", "--out", tmp_path / "o.csv"),
         "has no data rows"),
        (("resample", target_only, "--target", "t", "--out", tmp_path / "o.csv"),
         "no feature columns besides 't'"),
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


def _small_csv(path: Path, with_target_feature: bool = False) -> Path:
    rs = np.random.RandomState(0)
    frame = pd.DataFrame({"x": rs.normal(size=60), "z": rs.normal(size=60),
                          "cls": np.repeat(["A", "B", "C"], [36, 16, 8])})
    if with_target_feature:  # a feature that happens to be called like --target's default
        frame.insert(0, "target", rs.normal(100, 5, size=60))
    frame.to_csv(path, index=False)
    return path


def test_sample_refuses_to_overwrite_a_feature_with_the_labels(tmp_path, capsys):
    from ganaug import cli

    data = _small_csv(tmp_path / "d.csv", with_target_feature=True)
    model = tmp_path / "m.ganaug"
    assert cli.main(["resample", str(data), "--target", "cls", "--out",
                     str(tmp_path / "r.csv"), "--save-model", str(model)]) == 0
    status = cli.main(["sample", str(model), "-n", "5", "--out", str(tmp_path / "s.csv")])
    assert status == 2 and not (tmp_path / "s.csv").exists()
    assert "have a column named 'target'; pass --target" in capsys.readouterr().err
    assert cli.main(["sample", str(model), "-n", "5", "--out", str(tmp_path / "s.csv"),
                     "--target", "cls"]) == 0
    out = pd.read_csv(tmp_path / "s.csv")
    assert list(out.columns) == ["target", "x", "z", "cls"] and len(out) == 5
    assert out["target"].between(80, 120).all()  # the feature, not labels


def test_sample_from_a_per_class_resample_model_draws_the_trained_classes(tmp_path, capsys):
    from ganaug import cli

    data = _small_csv(tmp_path / "d.csv")
    model = tmp_path / "m.ganaug"
    assert cli.main(["resample", str(data), "--target", "cls", "--method", "gan", "--out",
                     str(tmp_path / "r.csv"), "--save-model", str(model)]) == 0
    out_path = tmp_path / "s.csv"
    assert cli.main(["sample", str(model), "-n", "12", "--out", str(out_path),
                     "--target", "cls"]) == 0
    counts = pd.read_csv(out_path)["cls"].value_counts().to_dict()
    assert counts == {"B": 8, "C": 4}  # 16 : 8 of the trained classes; A was not trained
    assert "generators for ['B', 'C'] only" in capsys.readouterr().out
    status = cli.main(["sample", str(model), "-n", "3", "--class", "A", "--out",
                       str(tmp_path / "a.csv"), "--target", "cls"])
    assert status == 2
    assert "no generator for class 'A'" in capsys.readouterr().err


def test_sample_from_an_image_model_writes_one_column_per_pixel(tmp_path):
    from ganaug import ConditionalGANAugmenter, cli, save

    images = np.random.RandomState(0).randint(0, 17, size=(40, 8, 8)).astype(np.uint8)
    labels = np.repeat([0, 1], [30, 10])
    aug = ConditionalGANAugmenter(max_steps=2, width=8, batch_size=8, random_state=0,
                                  device="cpu").fit(images, labels)
    save(aug, tmp_path / "img.ganaug")
    assert cli.main(["sample", str(tmp_path / "img.ganaug"), "-n", "6", "--out",
                     str(tmp_path / "s.csv")]) == 0
    out = pd.read_csv(tmp_path / "s.csv")
    assert out.shape == (6, 65) and out.columns[-1] == "target"
    assert out.iloc[:, :64].to_numpy().min() >= 0 and out.iloc[:, :64].to_numpy().max() <= 255


def test_resample_keeps_class_labels_as_written(tmp_path):
    from ganaug import cli

    rs = np.random.RandomState(0)
    path = tmp_path / "codes.csv"
    with open(path, "w") as f:  # labels that a number parser would merge or rewrite
        f.write("x,z,code\n")
        for i in range(60):
            label = "007" if i < 40 else ("7" if i < 52 else "010")
            f.write(f"{rs.normal():.4f},{rs.normal():.4f},{label}\n")
    out = tmp_path / "r.csv"
    assert cli.main(["resample", str(path), "--target", "code", "--out", str(out)]) == 0
    written = pd.read_csv(out, dtype={"code": str})["code"]
    assert written.value_counts().to_dict() == {"007": 40, "7": 40, "010": 40}
    assert open(out).read().splitlines()[1].endswith(",007")  # original rows first, as written


def test_a_parquet_output_without_a_parquet_engine_is_refused_before_training(
        tmp_path, capsys, monkeypatch):
    import importlib.util

    from ganaug import cli

    real_find = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in (
        "pyarrow", "fastparquet") else real_find(name, *a))
    data = _small_csv(tmp_path / "d.csv")
    status = cli.main(["resample", str(data), "--target", "cls", "--out",
                       str(tmp_path / "o.parquet")])
    assert status == 2 and "Parquet needs pyarrow" in capsys.readouterr().err
    assert not (tmp_path / "o.parquet").exists()


def test_categorical_option_adds_to_the_columns_dtypes_make_categorical(tmp_path, capsys):
    from ganaug import cli, load

    rs = np.random.RandomState(0)
    path = tmp_path / "d.csv"
    pd.DataFrame({"a": rs.normal(size=60), "code": rs.choice([10, 20, 30], 60),
                  "s": rs.choice(["u", "v"], 60), "t": np.repeat(["x", "y"], [45, 15])}
                 ).to_csv(path)  # with its index: an 'Unnamed: 0' column
    out, model = tmp_path / "o.csv", tmp_path / "m.ganaug"
    assert cli.main(["resample", str(path), "--target", "t", "--categorical", "code",
                     "--out", str(out), "--save-model", str(model)]) == 0
    assert "'Unnamed: 0' looks like a saved row index" in capsys.readouterr().err
    assert list(load(model).categorical_features) == ["code", "s"]
    new = pd.read_csv(out).iloc[60:]
    assert set(new["code"]) <= {10, 20, 30} and set(new["s"]) <= {"u", "v"}


def _labelled_csv(path, labels, **extra):
    rs = np.random.RandomState(0)
    n = len(labels)
    frame = pd.DataFrame({"x": rs.normal(size=n).round(3), **extra, "target": labels})
    frame.to_csv(path, index=False)
    return path


def test_labels_and_names_are_taken_as_written(tmp_path):
    # 'NA' is a class, not a missing label; labels may hold '=' (adult's '<=50K'); a
    # column whose name starts with a space can be named in --categorical
    data = _labelled_csv(tmp_path / "d.csv", ["NA"] * 30 + ["<=50K"] * 10,
                      **{" k": ["a", "b"] * 20})
    out = tmp_path / "o.csv"
    proc = ganaug("resample", data, "--target", "target", "--out", out, "--strategy",
                  "<=50K=20", "--categorical", " k", "--time-budget", 1)
    assert proc.returncode == 0, proc.stderr[-1000:]
    got = pd.read_csv(out, keep_default_na=False)
    assert got["target"].value_counts().to_dict() == {"NA": 30, "<=50K": 20}
    assert list(got.columns) == ["x", " k", "target"]


def test_outputs_are_checked_before_training(tmp_path):
    data = _labelled_csv(tmp_path / "d.csv", ["a"] * 30 + ["b"] * 10)
    (tmp_path / "folder").mkdir()
    cases = [
        (("--out", tmp_path / "same.csv", "--save-model", tmp_path / "same.csv"),
         "two outputs name one file"),
        (("--out", tmp_path / "folder"), "is not a file name"),
        (("--out", f"{tmp_path}/new/"), "is not a file name"),
        (("--out", tmp_path / "o.csv", "--strategy", "bogus"), "--strategy"),
    ]
    for args, expected in cases:
        assert expected in one_line_error(ganaug("resample", data, "--target", "target",
                                                 *args)), args
    assert not (tmp_path / "same.csv").exists() and not (tmp_path / "new").exists()
    # a saved index column: its warning comes only after every check passed
    indexed = tmp_path / "indexed.csv"
    pd.read_csv(data).to_csv(indexed)
    assert "--strategy" in one_line_error(ganaug(
        "resample", indexed, "--target", "target", "--out", tmp_path / "o.csv",
        "--strategy", "bogus"))
    assert "invalid int value" in one_line_error(ganaug("sample", "m.ganaug", "-n", "abc"))


def test_headers_pandas_would_rename_are_refused(tmp_path):
    repeated = tmp_path / "rep.csv"
    repeated.write_text("x,x,target\n1,2,a\n3,4,b\n5,6,a\n")
    trailing = tmp_path / "trail.csv"
    trailing.write_text("x,y,target,\n1,2,a,\n3,4,b,\n5,6,a,\n")
    for path, expected in ((repeated, "repeats the column names ['x']"),
                           (trailing, "column 4 of")):
        assert expected in one_line_error(ganaug("resample", path, "--target", "target",
                                                 "--out", tmp_path / "o.csv"))
    spaced = tmp_path / "spaced.csv"  # a name of spaces is a name (pandas keeps it)
    spaced.write_text("x, ,target\n1,2,a\n3,4,b\n5,6,a\n")
    proc = ganaug("resample", spaced, "--target", "target", "--out", tmp_path / "o.csv",
                  "--strategy", "bogus")
    assert "--strategy" in one_line_error(proc)  # got past the header check


def test_report_takes_the_training_columns_in_any_order(tmp_path):
    data = _labelled_csv(tmp_path / "d.csv", ["a"] * 30 + ["b"] * 10, y=np.arange(40.0))
    model = tmp_path / "m.ganaug"
    proc = ganaug("resample", data, "--target", "target", "--out", tmp_path / "o.csv",
                  "--save-model", model, "--time-budget", 1)
    assert proc.returncode == 0, proc.stderr[-1000:]
    shuffled = tmp_path / "s.csv"
    pd.read_csv(data)[["target", "y", "x"]].to_csv(shuffled, index=False)
    proc = ganaug("report", model, shuffled, "--target", "target")
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert "--plot" in one_line_error(ganaug("report", model, data, "--target", "target",
                                             "--plot", tmp_path / "noext"))
    (tmp_path / "old.png").write_text("keep")
    assert "name a .csv file" in one_line_error(ganaug(  # before the exists check
        "report", model, data, "--target", "target", "--out", tmp_path / "old.png",
        "--plot", tmp_path / "r.png"))
    proc = ganaug("report", model, shuffled, "--target", "target", "--out",
                  tmp_path / "r.csv.gz")  # compressed, as pandas writes it
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert pd.read_csv(tmp_path / "r.csv.gz", index_col=0).index.tolist() == ["a", "b"]
    renamed = tmp_path / "renamed.csv"
    pd.read_csv(data).rename(columns={"y": "w"}).to_csv(renamed, index=False)
    err = one_line_error(ganaug("report", model, renamed, "--target", "target"))
    assert f"{renamed}: The real rows' columns differ" in err and "extra: ['w']" in err
    assert "not a file name" in one_line_error(ganaug(
        "report", model, data, "--target", "target", "--out", ""))


def test_force_never_overwrites_the_commands_own_input(tmp_path):
    from ganaug import cli, load

    data = _labelled_csv(tmp_path / "d.csv", ["a"] * 30 + ["b"] * 10)
    model = tmp_path / "m.ganaug"
    assert cli.main(["resample", str(data), "--target", "target", "--out",
                     str(tmp_path / "r.csv"), "--save-model", str(model),
                     "--time-budget", "1"]) == 0
    before = data.read_bytes(), model.read_bytes()
    link = tmp_path / "link.csv"
    link.symlink_to(data)
    cases = [
        ("resample", data, "--target", "target", "--out", data),
        ("resample", data, "--target", "target", "--out", tmp_path / "o.csv",
         "--save-model", data),
        ("resample", data, "--target", "target", "--out", link),  # the same file, linked
        ("sample", model, "-n", 3, "--out", model),
        ("report", model, data, "--target", "target", "--out", data),
    ]
    for args in cases:
        err = one_line_error(ganaug(*args, "--force"))
        assert "is the input" in err and "name another output file" in err, args
    assert (data.read_bytes(), model.read_bytes()) == before
    assert load(model).classes_.tolist() == ["a", "b"]
    assert ".csv" in one_line_error(ganaug("report", model, data, "--target", "target",
                                           "--out", tmp_path / "table.png"))
    assert not (tmp_path / "table.png").exists()


def test_files_and_flags_are_read_as_a_command_line_user_wrote_them(tmp_path, capsys):
    import gzip

    from ganaug import cli

    def error(*argv):
        assert cli.main([str(a) for a in argv]) == 2
        return capsys.readouterr().err

    data = _labelled_csv(tmp_path / "d.csv", ["a"] * 30 + ["b"] * 10)
    out = tmp_path / "o.csv"
    with gzip.open(tmp_path / "rep.csv.gz", "wt") as f:  # compressed: header checked too
        f.write("x,x,target\n1,2,a\n3,4,b\n")
    assert "repeats the column names ['x']" in error(
        "resample", tmp_path / "rep.csv.gz", "--target", "target", "--out", out)
    (tmp_path / "semi.csv").write_text("x;z;target\n1;2;a\n3;4;b\n")
    assert "split by ';': ganaug reads comma-separated files" in error(
        "resample", tmp_path / "semi.csv", "--target", "target", "--out", out)
    for flag, value, expected in (("--time-budget", "-1", "--time-budget: must be above 0"),
                                  ("--seed", "-5", "--seed: must be at least 0"),
                                  ("--seed", "x", "--seed: invalid whole number value"),
                                  ("--mark-synthetic", " ", "--mark-synthetic needs a")):
        err = one_line_error(ganaug("resample", data, "--target", "target", "--out", out,
                                    flag, value))
        assert expected in err and "parameter of" not in err, err
    assert "--device cuda:9 but CUDA is not available" in error(  # the estimator's words
        "resample", data, "--target", "target", "--out", out, "--device", "cuda:9")
    assert not out.exists()
    # whole numbers with blank cells stay whole numbers (pandas reads them as floats)
    rows = ["x,k,target"] + [f"{0.1 * i:.1f},{'' if i % 4 == 0 else i},{'a' if i < 30 else 'b'}"
                             for i in range(40)]
    (tmp_path / "ints.csv").write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.ganaug"
    assert cli.main(["resample", str(tmp_path / "ints.csv"), "--target", "target", "--out",
                     str(out), "--save-model", str(model), "--time-budget", "1"]) == 0
    written = out.read_text().splitlines()
    assert written[: len(rows)] == rows  # the original rows, as written
    new_k = [line.split(",")[1] for line in written[len(rows):]]
    assert len(new_k) == 20 and all(k == "" or k.lstrip("-").isdigit() for k in new_k)
    (tmp_path / "blank.csv").write_text("\n".join([*rows[:-1], "3.9,39,"]) + "\n")
    assert "1 row of 'target' has no class (an empty cell)" in error(
        "report", model, tmp_path / "blank.csv", "--target", "target")


@pytest.mark.parametrize("kind", ["array", "int-named frame", "images"])
def test_sample_refuses_a_label_column_named_like_a_feature_of_any_model(tmp_path, capsys,
                                                                         kind):
    from ganaug import ConditionalGANAugmenter, cli, save

    rs = np.random.RandomState(0)
    y = np.repeat([0, 1], [30, 10])
    X = {"array": rs.normal(size=(40, 3)),
         "int-named frame": pd.DataFrame(rs.normal(size=(40, 3)), columns=[0, 1, 2]),
         "images": rs.randint(0, 17, size=(40, 8, 8)).astype(np.uint8)}[kind]
    aug = ConditionalGANAugmenter(max_steps=2, width=8, batch_size=8, random_state=0,
                                  device="cpu").fit(X, y)
    save(aug, tmp_path / "m.ganaug")
    out = tmp_path / "s.csv"
    assert cli.main(["sample", str(tmp_path / "m.ganaug"), "-n", "4", "--out", str(out),
                     "--target", "1"]) == 2  # column '1' holds a feature
    assert "have a column named '1'; pass --target" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc")
def test_unwritable_outputs_are_refused_before_training(tmp_path):
    # /proc stands in for a read-only folder (no file can be made there, root or not);
    # the output was found unwritable only after training, with the table already written
    # when the model file failed
    data = tmp_path / "tiny.csv"
    data.write_text("x1,label\n1,a\n2,b\n3,a\n4,b\n5,a\n6,a\n")
    line = one_line_error(ganaug("resample", data, "--target", "label", "--out",
                                 "/proc/o.csv"))
    assert "cannot write /proc/o.csv" in line
    out = tmp_path / "o.csv"
    line = one_line_error(ganaug("resample", data, "--target", "label", "--out", out,
                                 "--save-model", "/proc/m.ganaug"))
    assert "cannot write /proc/m.ganaug" in line and not out.exists()


def test_a_model_without_generators_says_so_in_sample_and_report(tmp_path):
    # resample --method gan on balanced classes trains no generator; sample then failed
    # with "got shape (0,)" and report wrote an empty table
    data = tmp_path / "tiny.csv"
    data.write_text("x1,label\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n")
    model = tmp_path / "m.ganaug"
    proc = ganaug("resample", data, "--target", "label", "--out", tmp_path / "o.csv",
                  "--method", "gan", "--save-model", model)
    assert proc.returncode == 0 and "0 new" in proc.stdout
    for args in (("sample", model, "-n", "5", "--out", tmp_path / "s.csv"),
                 ("report", model, data, "--target", "label", "--out", tmp_path / "e.csv")):
        assert "trained no generator" in one_line_error(ganaug(*args))
    assert not (tmp_path / "s.csv").exists() and not (tmp_path / "e.csv").exists()


def test_flag_errors_name_the_flags(tmp_path):
    data = tmp_path / "three.csv"
    data.write_text("x1,label\n1,a\n2,b\n3,a\n4,c\n5,a\n6,b\n7,a\n")
    out = tmp_path / "o.csv"
    line = one_line_error(ganaug("resample", data, "--target", "label", "--out", out,
                                 "--strategy", "0.5"))
    assert "--strategy can be a float only" in line and "sampling_strategy" not in line
    line = one_line_error(ganaug("resample", data, "--target", "label", "--out", out,
                                 "--categorical", "label"))
    assert "the --target column" in line


@pytest.mark.parametrize("shape", [(8, 8), (8, 8, 3), (3, 8, 8)])
def test_report_reads_an_image_models_flat_pixel_rows(tmp_path, shape):
    """A bug hunt's case: ``ganaug sample`` writes an image model's rows as one column per
    value (a CSV holds nothing else), and ``report`` refused exactly those rows for any
    image model: "images had shape (8, 8) each ... and have (64,)"."""
    import ganaug as g
    from ganaug import ConditionalGANAugmenter

    rs = np.random.RandomState(0)
    images = rs.randint(0, 256, (40, *shape)).astype(np.uint8)
    y = np.repeat(["a", "b"], [30, 10])
    model = tmp_path / "img.ganaug"
    g.save(ConditionalGANAugmenter(max_steps=3, width=8, random_state=0).fit(images, y),
           model)
    out = tmp_path / "s.csv"
    proc = ganaug("sample", model, "-n", 6, "--out", out, "--seed", 1)
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert pd.read_csv(out).shape == (6, int(np.prod(shape)) + 1)
    proc = ganaug("report", model, out, "--target", "target")
    assert proc.returncode == 0, proc.stderr[-1000:]
    assert {"a", "b"} <= set(proc.stdout.split())  # one line per class
    short = tmp_path / "short.csv"  # a column missing: still the clear error
    pd.read_csv(out).drop(columns=["0"]).to_csv(short, index=False)
    assert "do not match" in one_line_error(ganaug("report", model, short,
                                                   "--target", "target"))


@pytest.mark.parametrize("encoding", ["latin1", "utf-16"])
def test_a_file_that_is_not_utf8_gets_a_hint(tmp_path, encoding):
    path = tmp_path / "d.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "target": ["café", "café", "thé", "thé"]}
                 ).to_csv(path, index=False, encoding=encoding)
    line = one_line_error(ganaug("resample", path, "--target", "target",
                                 "--out", tmp_path / "o.csv"))
    assert "not UTF-8 text" in line and "iconv -f ENCODING -t UTF-8" in line

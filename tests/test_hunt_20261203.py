"""Behaviour fixed after the 2026-12-03 bug hunt (each test failed before its fix)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _tiny import TINY
from test_commands import ganaug, one_line_error

from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug.report import quality_report

RS = np.random.RandomState(0)
X = RS.normal(size=(60, 3))
Y = np.r_[np.zeros(45, int), np.ones(15, int)]


def test_report_names_the_frame_a_numpy_x_should_be():
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    aug = ConditionalGANAugmenter(**TINY).fit(frame, Y)
    with pytest.raises(ValueError, match=r"fitted on a DataFrame \(columns 'a', 'b', 'c'\)"
                       r".*feature_names_in_"):
        quality_report(aug, X, Y)
    assert quality_report(aug, frame, Y).index.tolist() == [0, 1]


@pytest.mark.parametrize("est", [ConditionalGANAugmenter, GANAugmenter])
def test_image_shape_with_tabular_kind_is_refused(est):
    images = RS.randint(0, 256, (60, 48)).astype(np.uint8)
    aug = est(**TINY, image_shape=(4, 4, 3), data_kind="tabular")
    with pytest.raises(ValueError, match="image_shape=.*data_kind='tabular'"):
        aug.fit(images, Y)
    assert not hasattr(aug, "codec_")  # refused before any encoding or training


def test_categorical_features_for_images_is_refused():
    images = RS.randint(0, 256, (60, 48)).astype(np.uint8)
    with pytest.raises(ValueError, match=r"categorical_features=\[0\] is for tables"):
        ConditionalGANAugmenter(**TINY, image_shape=(4, 4, 3),
                                categorical_features=[0]).fit(images, Y)


def test_cli_refuses_data_file_names_it_would_not_honour(tmp_path):
    data = tmp_path / "d.csv"
    pd.DataFrame({"a": X[:, 0], "t": Y}).to_csv(data, index=False)
    sheet = tmp_path / "d.xlsx"
    sheet.write_bytes(data.read_bytes())
    out = tmp_path / "o.xlsx"
    assert "data files are .csv" in one_line_error(
        ganaug("resample", data, "--target", "t", "--out", out))
    assert not out.exists()  # nothing written under a name that says Excel
    assert "cannot read" in one_line_error(
        ganaug("resample", sheet, "--target", "t", "--out", tmp_path / "o.csv"))
    assert "data files are .csv" in one_line_error(
        ganaug("sample", tmp_path / "m.ganaug", "-n", 3, "--out", tmp_path / "s.txt"))

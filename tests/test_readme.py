"""The README's quickstart runs as written and does what its comments say."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_block_runs_and_keeps_its_promises():
    text = README.read_text()
    match = re.search(r"## Quickstart\n\n```python\n(.*?)```", text, re.S)
    assert match, "the README lost its Quickstart code block"
    ns: dict = {}
    exec(compile(match.group(1), "README.md#quickstart", "exec"), ns)
    X_train, y_train = ns["X_train"], ns["y_train"]
    X_res, y_res = ns["X_res"], ns["y_res"]
    # the original rows, unchanged, then the new ones; classes balanced
    np.testing.assert_array_equal(X_res[: len(X_train)], X_train)
    np.testing.assert_array_equal(y_res[: len(y_train)], y_train)
    counts = np.bincount(y_res)
    assert counts[0] == counts[1] == np.bincount(y_train).max()
    # exactly 1000 rows of class 1
    assert ns["X_new"].shape == (1000, X_train.shape[1])
    assert np.array_equal(ns["y_new"], np.ones(1000, dtype=ns["y_new"].dtype))
    assert len(ns["pipe"].predict(ns["X_test"])) == len(ns["X_test"])

"""Many jobs on a Dask cluster through joblib, with no change to ganaug code or calls.

Needs the optional extra ``ganaug[dask]`` (skipped without it on a developer's machine,
a failure under CI=true). The cluster is a ``LocalCluster`` of two single-thread
workers in this process (``processes=False``): the joblib->Dask path is the same as
with worker processes or remote machines, and it starts in a fraction of a second on a
busy CI box.
"""

from __future__ import annotations

import os
import re
import runpy
from pathlib import Path

import joblib
import numpy as np
import pytest
from _shared import need_module
from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_validate

from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug.distributed import current_worker_index, parallel_map, select_device

distributed = need_module("distributed")  # skipped without it; under CI=true it fails

TINY = dict(epochs=1, batch_size=16, width=16, latent_dim=8, depth=1, device="cpu",
            random_state=0)
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dask_cluster.py"


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _data():
    return make_classification(
        n_samples=120, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
        n_clusters_per_class=1, weights=[0.6, 0.3], random_state=0,
    )


def _calls(task_stream, function: str) -> int:
    """Calls of ``function`` run as dask tasks (joblib names a task
    ``batch_of_<function>_<n>_calls-<id>``, however it batched them)."""
    calls = 0
    for task in task_stream.data:
        m = re.match(r"batch_of_(.+)_(\d+)_calls-", task["key"])
        if m and m.group(1) == function:
            calls += int(m.group(2))
    return calls


def _worker_view(_):
    return current_worker_index(), select_device("auto", n_gpus=2, env={})


def test_per_class_gans_run_on_dask_workers(client):
    X, y = _data()
    with distributed.get_task_stream(client) as ts, joblib.parallel_backend("dask"):
        aug = GANAugmenter(**TINY).fit(X, y)
    assert _calls(ts, "_fit_one") == 3  # one GAN per class, each a dask task
    workers = set(client.scheduler_info()["workers"])
    assert {t["worker"] for t in ts.data} <= workers
    # bit-identical to the same fit without a cluster: the seeds are drawn in the caller
    ref = GANAugmenter(**TINY).fit(X, y)
    for a, b in zip(aug.generators_, ref.generators_):
        for (k, t), (_, u) in zip(a.state_dict().items(), b.state_dict().items()):
            assert np.array_equal(t.numpy(), u.numpy()), k
    X_new, y_new = aug.sample(9)
    assert X_new.shape == (9, 4) and len(y_new) == 9


def test_cross_validation_of_pipeline_on_dask(client):
    X, y = _data()
    pipe = Pipeline([("aug", ConditionalGANAugmenter(**TINY)), ("clf", LogisticRegression())])
    with distributed.get_task_stream(client) as ts, joblib.parallel_backend("dask"):
        res = cross_validate(pipe, X, y, cv=3, n_jobs=2, scoring="balanced_accuracy")
    assert _calls(ts, "_fit_and_score") == 3  # one task per fold
    assert np.isfinite(res["test_score"]).all() and len(res["test_score"]) == 3


def test_grid_and_device_choice_per_worker(client):
    with joblib.parallel_backend("dask"):
        seen = parallel_map(_worker_view, range(8), n_jobs=2)
    indices = {i for i, _ in seen}
    assert indices <= {0, 1} and None not in indices
    # with two GPUs per machine, the two workers would take one each
    assert {d for i, d in seen} == {f"cuda:{i}" for i in indices}


def test_example_runs_fast(monkeypatch, capsys):
    monkeypatch.setenv("GANAUG_FAST", "1")
    assert os.path.exists(EXAMPLE)
    runpy.run_path(str(EXAMPLE), run_name="__main__")
    out = capsys.readouterr().out
    assert re.search(r"^per-class GANs: 3 in ", out, flags=re.MULTILINE), out
    assert re.search(r"^cross-validated balanced accuracy: [01]\.\d{3} \+- 0\.\d{3}$", out,
                     flags=re.MULTILINE), out
    for arm in ("GAN", "cGAN"):
        assert re.search(rf"^grid {arm}: balanced accuracy [01]\.\d{{3}} over 2 seeds$", out,
                         flags=re.MULTILINE), out

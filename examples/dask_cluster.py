"""ganaug's many-job workloads on a Dask cluster: per-class GANs, cross-validation, a grid.

    pip install "ganaug[dask]"
    python examples/dask_cluster.py                  # LocalCluster of 2 worker processes
    python examples/dask_cluster.py --fast           # tiny settings (or GANAUG_FAST=1; CI)

ganaug's jobs go through joblib, so ``with joblib.parallel_backend("dask"):`` sends them
to whatever cluster the ``Client`` is connected to; nothing else changes. On a real
cluster replace the ``LocalCluster`` with the scheduler's address,
``Client("tcp://scheduler:8786")``. On Ray: ``from ray.util.joblib import register_ray;
register_ray()`` and ``joblib.parallel_backend("ray")``.

With ``device="auto"`` (the default) a job on a worker whose machine has GPUs trains on
``cuda:{worker_index % n_gpus}``: two workers on a two-GPU machine take one GPU each.
"""

from __future__ import annotations

import os
import sys
import time

import joblib
import numpy as np
from distributed import Client, LocalCluster
from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import cross_validate, train_test_split

from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug.distributed import parallel_map

FAST = "--fast" in sys.argv or os.environ.get("GANAUG_FAST") == "1"
GAN = dict(epochs=1, batch_size=16, width=16, latent_dim=8, depth=1) if FAST else dict(
    epochs=100, batch_size=64, width=64, latent_dim=16, depth=2
)


def make_data(seed: int = 0):
    """An imbalanced 3-class table (60 % / 30 % / 10 %)."""
    return make_classification(
        n_samples=300 if FAST else 3000, n_features=8, n_informative=5, n_redundant=0,
        n_classes=3, n_clusters_per_class=1, weights=[0.6, 0.3], random_state=seed,
    )


def grid_point(point: tuple[str, int]) -> dict:
    """One grid job: an oversampler arm and a seed -> test balanced accuracy."""
    arm, seed = point
    X, y = make_data(seed)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, stratify=y, random_state=seed)
    aug = (GANAugmenter if arm == "GAN" else ConditionalGANAugmenter)(
        **GAN, random_state=seed
    )
    pipe = Pipeline([("aug", aug), ("clf", LogisticRegression(max_iter=1000))])
    pipe.fit(X_tr, y_tr)
    return {"arm": arm, "seed": seed,
            "balanced_accuracy": balanced_accuracy_score(y_te, pipe.predict(X_te))}


def main() -> None:
    X, y = make_data()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=not FAST,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        print(f"cluster: {len(client.scheduler_info()['workers'])} workers")
        with joblib.parallel_backend("dask"):
            # 1. one GAN per class, the classes as parallel jobs
            t = time.perf_counter()
            aug = GANAugmenter(**GAN, random_state=0).fit(X, y)
            print(f"per-class GANs: {len(aug.generators_)} in {time.perf_counter() - t:.1f} s")
            # 2. cross-validation of a pipeline, the folds as parallel jobs
            pipe = Pipeline([("aug", ConditionalGANAugmenter(**GAN, random_state=0)),
                             ("clf", LogisticRegression(max_iter=1000))])
            res = cross_validate(pipe, X, y, cv=3, n_jobs=-1, scoring="balanced_accuracy")
            print("cross-validated balanced accuracy: "
                  f"{res['test_score'].mean():.3f} +- {res['test_score'].std():.3f}")
            # 3. a benchmark grid (arms x seeds), the points as parallel jobs
            rows = parallel_map(grid_point, [(a, s) for a in ("GAN", "cGAN") for s in (0, 1)],
                                n_jobs=-1)
        for arm in ("GAN", "cGAN"):
            scores = [r["balanced_accuracy"] for r in rows if r["arm"] == arm]
            print(f"grid {arm}: balanced accuracy {np.mean(scores):.3f} over {len(scores)} seeds")


if __name__ == "__main__":
    main()

"""GAN oversampling inside an imbalanced-learn Pipeline with SVC, and a grid search over it.

The sampler runs only while the pipeline is fitted, so every cross-validation fold is
oversampled from its own training rows; test folds are never touched.

Run: ``python examples/pipeline_grid_search.py`` (``--fast`` or ``GANAUG_FAST=1``: tiny).
"""

import os
import sys

from imblearn.pipeline import Pipeline
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from ganaug import ConditionalGANAugmenter

FAST = "--fast" in sys.argv or os.environ.get("GANAUG_FAST") == "1"

X, y = make_classification(
    n_samples=300 if FAST else 1000, n_features=8, n_informative=5, n_classes=3,
    weights=[0.8, 0.15, 0.05], random_state=0,
)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

pipe = Pipeline([
    ("aug", ConditionalGANAugmenter(max_steps=10 if FAST else None, random_state=0)),
    ("scale", StandardScaler()),
    ("clf", SVC()),
])
grid = {
    "aug__sampling_strategy": ["auto", "minority"],
    "aug__spread": [1.0] if FAST else [1.0, 1.5],
    "clf__C": [1.0] if FAST else [1.0, 10.0],
}
search = GridSearchCV(
    pipe, grid, scoring="balanced_accuracy",
    cv=StratifiedKFold(2 if FAST else 3, shuffle=True, random_state=0),
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated balanced accuracy: {search.best_score_:.3f}")
print(f"held-out balanced accuracy: {search.score(X_test, y_test):.3f}")
print("The cross-validated score is the mean over folds of the training split and was used "
      "to choose the parameters, so it is optimistic; the held-out score (rows never seen "
      "by the search) is the estimate to report. With a 5 % class of a few dozen rows both "
      "move by several points between seeds.")

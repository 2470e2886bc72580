"""BaseGANAugmenter: parameters, validation, fit / sample / _fit_resample plumbing.

This module never builds layers (that is ``nn/``) and never runs a training step (that is
``train.py``): it validates, encodes with ``data/``, asks the subclass to train, and turns
generated rows back into the caller's container.
"""

from __future__ import annotations

import copy
import os
import threading
import time
import warnings
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy, check_target_type
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_array, check_is_fitted, validate_data
from torch import nn

from ._device import resolve_device
from .data import (
    ImageCodec,
    NumericEncoder,
    TabularEncoder,
    neighbour_pairs,
    pooled_within_class_root,
    resolve_categorical,
)
from .distributed import get_comm, job_device, select_device
from .nn.diffaug import parse_policy
from .nn.images import ImageDiscriminator, ImageGenerator
from .nn.losses import LOSSES
from .nn.tabular import AnchorGenerator, MLPDiscriminator, MLPGenerator, PairDiscriminator
from .train import TrainConfig, generate_chunks, train_gan

_MAX_SEED = 2**31 - 1
# Generator steps when ``epochs`` and ``max_steps`` are None (see the ``max_steps`` doc)
DEFAULT_STEPS = {"anchor": 300, "label": 2000, "image": 4000}
# _build seeds torch's process-wide CPU generator: one build at a time, or jobs run as
# threads (joblib threads, Dask thread workers) would interleave their initialisations
_BUILD_LOCK = threading.Lock()


class _Assembler:
    """Decoded chunks written into one preallocated output (ndarray or DataFrame).

    Arrays, and DataFrame columns with numpy dtypes, are filled in place, so the peak
    memory is the output plus one chunk. DataFrame columns with pandas extension dtypes
    (categories, nullable ints, strings) are gathered per column and concatenated (and
    put in row order) at the end, one column at a time: the extra memory is then at most
    about one such column, plus an index of the rows.
    """

    def __init__(self, n: int):
        self.n = n
        self.out = None  # ndarray, or one ndarray / list of pieces per column
        self.kind = None
        self.positions: list = []  # where each chunk went (for extension columns)

    def put(self, pos, part) -> None:
        if self.kind is None:
            self._allocate(part)
        if self.kind == "array":
            self.out[pos] = part
        elif self.kind == "block":
            self.out[pos] = part.to_numpy()
        else:
            for arr, (_, col) in zip(self.out, part.items()):
                if isinstance(arr, np.ndarray):
                    arr[pos] = col.to_numpy()
                else:
                    arr.append(col.array)
            if self.has_extension:
                self.positions.append(pos)

    def _allocate(self, part) -> None:
        n = self.n
        if not isinstance(part, pd.DataFrame):
            self.kind = "array"
            self.out = np.empty((n, *part.shape[1:]), dtype=part.dtype)
            return
        self.columns = part.columns
        dtypes = list(part.dtypes)
        numpy = [isinstance(d, np.dtype) for d in dtypes]
        self.has_extension = not all(numpy)
        if dtypes and all(numpy) and len(set(dtypes)) == 1:
            self.kind = "block"
            self.out = np.empty((n, len(dtypes)), dtype=dtypes[0])
        else:
            self.kind = "columns"
            self.out = [np.empty(n, dtype=d) if isnp else [] for d, isnp in zip(dtypes, numpy)]

    def _order(self) -> np.ndarray | None:
        """Take-indexer from chunk order to row order (None when already in order)."""
        if all(isinstance(p, slice) for p in self.positions):
            return None  # slices are written in increasing order
        where = np.concatenate([
            np.arange(p.start, p.stop) if isinstance(p, slice) else np.asarray(p)
            for p in self.positions
        ])
        order = np.empty(self.n, dtype=np.int64)
        order[where] = np.arange(self.n)
        return order

    def result(self):
        if self.kind == "array":
            return self.out
        if self.kind == "block":  # object stays object (pandas 3 would infer 'str')
            return pd.DataFrame(self.out, columns=self.columns, copy=False,
                                dtype=object if self.out.dtype.kind == "O" else None)
        order = self._order() if self.has_extension else None
        columns = {}
        for j, arr in enumerate(self.out):
            if not isinstance(arr, np.ndarray):
                pieces, self.out[j] = arr, None
                arr = type(pieces[0])._concat_same_type(pieces)
                del pieces
                if order is not None:
                    arr = arr.take(order)
            elif arr.dtype.kind == "O":  # object stays object (pandas 3 would infer 'str')
                arr = pd.Series(arr, dtype=object, copy=False)
            columns[j] = arr
        frame = pd.DataFrame(columns, copy=False)
        frame.columns = self.columns
        return frame


class BaseGANAugmenter(BaseOverSampler):
    """Shared machinery of the GAN augmenters; use a subclass.

    Subclasses implement ``_train(data, codes, rng)`` (set the fitted generators) and
    ``_generator_for(code)`` (the generator that makes a class, and whether it takes the
    class as an input).
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "epochs": [Interval(Integral, 1, None, closed="left"), None],
        "max_steps": [Interval(Integral, 1, None, closed="left"), None],
        "conditioning": [StrOptions({"auto", "anchor", "label"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "latent_dim": [Interval(Integral, 1, None, closed="left"), None],
        "width": [Interval(Integral, 1, None, closed="left"), None],
        "discriminator_width": [Interval(Integral, 1, None, closed="left"), None],
        "depth": [Interval(Integral, 0, None, closed="left")],
        "generator_lr": [Interval(Real, 0, None, closed="neither"), None],
        "discriminator_lr": [Interval(Real, 0, None, closed="neither"), None],
        "adam_betas": [tuple, list, None],
        "loss": [StrOptions(set(LOSSES))],
        "d_steps": [Interval(Integral, 1, None, closed="left"), None],
        "ema_decay": [Interval(Real, 0, 1, closed="both")],
        "lecam_weight": [Interval(Real, 0, None, closed="left")],
        "gsr_weight": [Interval(Real, 0, None, closed="left")],
        "diversity_weight": [Interval(Real, 0, None, closed="left")],
        "time_budget": [Interval(Real, 0, None, closed="neither"), None],
        "diffaug": [str, None],
        "class_balanced": ["boolean"],
        "image_shape": [tuple, list, None],
        "data_kind": [StrOptions({"auto", "tabular", "image"})],
        "device": [str, torch.device],
        "mixed_precision": ["boolean", StrOptions({"auto"})],
        "compile": [
            "boolean",
            StrOptions({"default", "reduce-overhead", "max-autotune",
                        "max-autotune-no-cudagraphs"}),
        ],
        "verbose": ["verbose"],
        "n_jobs": [Integral, None],
        "warm_start": ["boolean"],
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
        "max_categories": [Interval(Integral, 1, None, closed="left")],
        "distributed": ["boolean", StrOptions({"auto"})],
        "cpu_threads": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "spread": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        conditioning="auto",
        spread=1.0,
        epochs=None,
        max_steps=None,
        batch_size=64,
        latent_dim=None,
        width=None,
        discriminator_width=None,
        depth=2,
        generator_lr=None,
        discriminator_lr=None,
        adam_betas=None,
        loss="hinge",
        d_steps=None,
        ema_decay=0.999,
        lecam_weight=0.0,
        gsr_weight=0.0,
        diversity_weight=0.0,
        diffaug="auto",
        class_balanced=True,
        image_shape=None,
        data_kind="auto",
        device="auto",
        mixed_precision="auto",
        compile=False,
        time_budget=None,
        random_state=None,
        verbose=0,
        n_jobs=None,
        warm_start=False,
        categorical_features="auto",
        max_categories=50,
        distributed="auto",
        cpu_threads="auto",
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.conditioning = conditioning
        self.spread = spread
        self.epochs = epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.latent_dim = latent_dim
        self.width = width
        self.discriminator_width = discriminator_width
        self.depth = depth
        self.generator_lr = generator_lr
        self.discriminator_lr = discriminator_lr
        self.adam_betas = adam_betas
        self.loss = loss
        self.d_steps = d_steps
        self.ema_decay = ema_decay
        self.lecam_weight = lecam_weight
        self.gsr_weight = gsr_weight
        self.diversity_weight = diversity_weight
        self.diffaug = diffaug
        self.class_balanced = class_balanced
        self.image_shape = image_shape
        self.data_kind = data_kind
        self.device = device
        self.mixed_precision = mixed_precision
        self.compile = compile
        self.time_budget = time_budget
        self.random_state = random_state
        self.verbose = verbose
        self.n_jobs = n_jobs
        self.warm_start = warm_start
        self.categorical_features = categorical_features
        self.max_categories = max_categories
        self.distributed = distributed
        self.cpu_threads = cpu_threads

    # ------------------------------------------------------------------ validation --
    def _check_X(self, X):
        """Validate X without changing it; decide the data kind; set n_features_in_."""
        if X is None:
            raise ValueError("X is None; pass a 2-D array, a DataFrame or an array of images.")
        if sparse.issparse(X):
            raise TypeError(
                "A sparse matrix was passed, but ganaug needs dense data: convert it with "
                "X.toarray() (or pass a dense numpy array / DataFrame)."
            )
        if isinstance(X, pd.DataFrame):
            sparse_cols = [c for c, d in X.dtypes.items() if isinstance(d, pd.SparseDtype)]
            if sparse_cols:
                raise TypeError(
                    f"Columns {sparse_cols[:5]} of X are pandas sparse columns, but ganaug "
                    "needs dense data: pass X.sparse.to_dense() (or X.astype(float) for "
                    "those columns)."
                )
            if X.columns.has_duplicates:
                dup = list(X.columns[X.columns.duplicated()].unique())
                raise ValueError(f"X has duplicate column names {dup}; rename them first.")
        elif not hasattr(X, "shape") or getattr(X, "dtype", None) is None:
            X = np.asarray(X)
        kind = self._kind_of(X)
        if kind == "tabular":
            if getattr(X, "ndim", 2) != 2:
                raise ValueError(
                    f"Tabular X must be 2-D (n_samples, n_features); got {np.ndim(X)} "
                    "dimension(s). Use X.reshape(-1, 1) for a single feature, or pass "
                    "data_kind='image' / `image_shape` for images."
                )
            self._mixed = self._is_mixed_table(X)
            if self._mixed:  # categorical columns / missing values: TabularEncoder
                return self._check_mixed(X), kind
            Xc = check_array(
                X, dtype="numeric", ensure_min_samples=2, ensure_all_finite=True,
                input_name="X",
            )
            validate_data(self, X=X, reset=not self._warm_ready(), skip_check_array=True)
            return X if isinstance(X, pd.DataFrame) else Xc, kind
        if isinstance(X, pd.DataFrame):
            X = X.to_numpy()
        X = np.asarray(X)
        if X.dtype.kind not in "biuf":
            raise TypeError(f"Images must have a numeric dtype; got {X.dtype}.")
        if X.shape[0] < 2:
            raise ValueError(
                f"Found array with {X.shape[0]} sample(s) while a minimum of 2 is required."
            )
        if X.dtype.kind == "f" and not np.isfinite(X).all():
            raise ValueError("Images contain NaN or infinity; clean them before fitting.")
        if X.ndim == 2:
            validate_data(self, X=X, reset=True, skip_check_array=True)
        else:
            self.n_features_in_ = int(np.prod(X.shape[1:]))
            if hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
        return X, kind

    def _is_mixed_table(self, X) -> bool:
        """Whether X needs the mixed-type encoder (categories, strings, missing values)."""
        explicit = not (
            self.categorical_features is None
            or (isinstance(self.categorical_features, str)
                and self.categorical_features == "auto")
        )
        if isinstance(X, pd.DataFrame):
            if any(
                not pd.api.types.is_numeric_dtype(d) or pd.api.types.is_bool_dtype(d)
                or isinstance(d, pd.CategoricalDtype) for d in X.dtypes
            ):
                return True
            if X.shape[0] and bool(X.isna().to_numpy().any()):
                return True
        elif getattr(X, "dtype", None) is None or X.dtype.kind != "O":
            if X.dtype.kind == "f" and X.size and bool(np.isnan(X).any()):
                return True  # missing values: indicators, as in DataFrames
            # numeric (and string) arrays keep the strict numeric path unless told
            return explicit and X.shape[1] > 0 and bool(
                resolve_categorical(X, self.categorical_features).any()
            )
        else:
            return True
        return explicit and bool(resolve_categorical(X, self.categorical_features).any())

    def _check_mixed(self, X):
        """Validate a mixed-type table (DataFrame or object array); set n_features_in_."""
        n, d = X.shape
        if n < 2:
            raise ValueError(
                f"Found array with {n} sample(s) (shape={X.shape}) while a minimum of 2 "
                "is required."
            )
        if d < 1:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                "required."
            )
        mask = resolve_categorical(X, self.categorical_features)  # checks the spec
        if not isinstance(X, pd.DataFrame):
            arr = np.asarray(X)
            for j in np.flatnonzero(~mask):
                col = pd.to_numeric(pd.Series(arr[:, j], dtype=object), errors="coerce")
                bad = col.isna().to_numpy() & ~pd.isna(arr[:, j])
                if bad.any():
                    raise ValueError(
                        f"Column {j} of X holds non-numbers (e.g. {arr[bad, j][0]!r}); list "
                        "it in categorical_features."
                    )
        validate_data(self, X=X, reset=not self._warm_ready(), skip_check_array=True)
        return X

    def _kind_of(self, X) -> str:
        if self.data_kind != "auto":
            return self.data_kind
        ndim = getattr(X, "ndim", 2)
        if ndim in (3, 4) or (ndim == 2 and self.image_shape is not None):
            return "image"
        return "tabular"

    def _check_X_y(self, X, y):
        # Called by imblearn's fit_resample; keeps the caller's X (DataFrame or array).
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if sparse.issparse(y):
            raise TypeError("y is a sparse matrix; pass a 1-D array of class labels.")
        # missing labels first: sorting labels (type_of_target) fails on None with a
        # message about '<' instead of the real problem
        if pd.isna(pd.Series(np.asarray(y, dtype=object).ravel())).any():
            raise ValueError("y contains missing labels (NaN/None); drop or fill those rows.")
        y = _plain_labels(y)
        check_classification_targets(y)  # "Unknown label type: continuous ..."
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        y_arr = np.asarray(y)
        if y_arr.ndim != 1:
            raise ValueError(f"y must be 1-D; got shape {y_arr.shape}.")
        X, self._kind = self._check_X(X)
        if len(X) != len(y_arr):
            raise ValueError(
                f"X and y have different lengths: {len(X)} rows vs {len(y_arr)} labels."
            )
        return X, y, binarize_y

    def _strategy(self, y) -> dict:
        strategy = self.sampling_strategy
        if callable(strategy):  # check its answer here, before any training
            strategy = strategy(y)
            classes = set(np.unique(np.asarray(y)).tolist())
            if not isinstance(strategy, dict):
                raise TypeError(
                    "A callable sampling_strategy must return a dict {class: number of rows "
                    f"after resampling}}; it returned {type(strategy).__name__}."
                )
            for label, count in strategy.items():
                if label not in classes:
                    raise ValueError(
                        f"The sampling_strategy callable returned class {label!r}, which is "
                        f"not in y (classes {sorted(classes, key=str)})."
                    )
                if isinstance(count, bool) or not isinstance(count, Integral | np.integer):
                    raise TypeError(
                        f"The sampling_strategy callable returned {count!r} rows for class "
                        f"{label!r}; counts must be ints (e.g. int(round(x)))."
                    )
        return check_sampling_strategy(strategy, y, self._sampling_type)

    def _check_extra_params(self) -> None:
        betas = (0.0, 0.0) if self.adam_betas is None else tuple(self.adam_betas)
        if len(betas) != 2 or not all(isinstance(b, Real) and 0 <= b < 1 for b in betas):
            raise ValueError(f"adam_betas must be two numbers in [0, 1); got {self.adam_betas!r}.")
        if self.diffaug not in (None, "auto"):
            parse_policy(self.diffaug)
        if self.image_shape is not None and (
            len(self.image_shape) not in (2, 3)
            or not all(isinstance(s, Integral) and s > 0 for s in self.image_shape)
        ):
            raise ValueError(
                f"image_shape must be (H, W) or (H, W, C) of positive ints; got "
                f"{self.image_shape!r}."
            )

    # ------------------------------------------------------------------ fitting ------
    def _fit_common(self, X, y) -> None:
        """Everything ``fit`` does after validation: encode, train, remember."""
        self._check_extra_params()
        # DDP under torchrun / an initialised process group (ganaug/distributed.py)
        self._comm = comm = get_comm(self.distributed, self.device)
        self.device_ = resolve_device(select_device(self.device, comm=comm))
        # None: fresh OS entropy, never numpy's global RandomState (which
        # check_random_state(None) would return and advance)
        rng = (np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
               if self.random_state is None else check_random_state(self.random_state))
        if comm is not None:  # one seed on all ranks: same init, shards, sampling
            rng = np.random.RandomState(comm.broadcast_int(rng.randint(_MAX_SEED)))
        kind = self._kind
        warm = self._warm_ready()
        if warm:
            self._check_warm(kind, X, y)
        if y is not None:
            classes, codes, counts = np.unique(
                np.asarray(y), return_inverse=True, return_counts=True
            )
            small = classes[counts < 2]
            if len(small):
                raise ValueError(
                    f"Classes {small.tolist()} have fewer than 2 samples; a GAN cannot learn "
                    "a class from one row. Remove them or merge them with another class."
                )
            if warm and not np.array_equal(classes, self.classes_):
                raise ValueError(
                    f"warm_start=True continues training on the classes of the first fit "
                    f"{self.classes_.tolist()}; got classes {classes.tolist()}. Set "
                    "warm_start=False to start over."
                )
        if warm:  # keep the codec: the generator's output space is defined by it
            data = self.codec_.to_storage(X) if kind == "image" else self.codec_.transform(X)
        elif kind == "image":
            self.codec_ = ImageCodec().fit(X, self.image_shape)
            data = self.codec_.to_storage(X)
        elif getattr(self, "_mixed", False):
            self.codec_ = TabularEncoder(
                categorical_features=self.categorical_features,
                max_categories=self.max_categories,
                random_state=int(rng.randint(_MAX_SEED)),
            ).fit(X)
            data = self.codec_.transform(X)
        else:
            self.codec_ = NumericEncoder().fit(X)
            data = self.codec_.transform(X)
        self.data_kind_ = kind
        self.hparams_ = self._resolve_hparams()
        # what the networks' shapes depend on: a warm refit must keep them
        self.arch_params_ = {k: getattr(self, k) for k in (
            "width", "discriminator_width", "depth", "latent_dim", "conditioning")}
        if y is None:
            self.classes_, codes = None, None
        else:
            self.classes_ = classes
            self.class_counts_ = counts
            codes = codes.astype(np.int64).ravel()
        self._resume_states = list(self.train_state_) if warm else None
        t0 = time.perf_counter()
        try:
            if comm is not None:
                comm.check_same_data(data, codes)
            self._train(data, codes, rng)
            self._keep_anchors(data, codes)
            self._warn_if_collapsed(data, codes)
        finally:
            del self._resume_states
            del self._comm
        self._sample_rng = np.random.RandomState(rng.randint(_MAX_SEED))
        if self.verbose and (comm is None or comm.is_main):
            hp = self.hparams_
            length = (f"{hp['max_steps']} generator steps" if hp["max_steps"]
                      else f"{self.epochs} epochs")
            print(f"{type(self).__name__} fitted in {time.perf_counter() - t0:.1f} s on "
                  f"{self.device_}: {self.data_kind_} data, {hp['conditioning']} "
                  f"conditioning, {length}, latent {hp['latent_dim']}, lr "
                  f"{hp['generator_lr']:g}/{hp['discriminator_lr']:g}, d_steps "
                  f"{hp['d_steps']}, batch {self.batch_size}", flush=True)

    # ------------------------------------------------------------ warm start / atomicity --
    def _warm_ready(self) -> bool:
        """Whether this fit continues the last one (``warm_start`` and a kept train state)."""
        return bool(self.warm_start) and getattr(self, "train_state_", None) is not None

    def _check_warm(self, kind: str, X, y) -> None:
        if kind != self.data_kind_:
            raise ValueError(
                f"warm_start=True but X holds {kind} data and the first fit saw "
                f"{self.data_kind_} data; set warm_start=False to start over."
            )
        if (y is None) != (self.classes_ is None):
            raise ValueError(
                "warm_start=True must be fitted the same way as the first fit (with y both "
                "times, or without y both times); set warm_start=False to start over."
            )
        if kind == "image" and tuple(np.shape(X)[1:]) != tuple(self.codec_.input_shape_):
            raise ValueError(
                f"warm_start=True but the images have shape {tuple(np.shape(X)[1:])}; the "
                f"first fit saw {tuple(self.codec_.input_shape_)}. Set warm_start=False to "
                "start over."
            )
        problems, warns = [], []
        if kind == "tabular" and getattr(self, "_mixed", False) != isinstance(
                self.codec_, TabularEncoder):
            problems.append("X now needs the other table encoder (categorical columns or "
                            "missing values appeared or went away)")
        else:
            problems, warns = self.codec_.check_compatible(X)
        for key, value in getattr(self, "arch_params_", {}).items():
            if getattr(self, key) != value:
                problems.append(f"{key} changed from {value!r} to {getattr(self, key)!r}")
        if problems:
            raise ValueError(
                "warm_start=True continues the first fit's networks and encoding, but "
                + "; ".join(problems) + ". Use the first fit's settings and data layout, or "
                "set warm_start=False to start over."
            )
        for w in warns:
            warnings.warn(f"warm_start=True: {w}. Set warm_start=False to refit the "
                          "encoding.", UserWarning, stacklevel=5)

    def _resume(self, k: int) -> dict | None:
        """Kept training state of GAN ``k`` to continue from (warm start), else None."""
        states = getattr(self, "_resume_states", None)
        return None if states is None else states[k]

    def _keep_train_state(self, states: list) -> None:
        """Keep the raw G, D and optimiser states for a later warm start (if asked)."""
        if self.warm_start:
            self.train_state_ = states
        else:
            self.__dict__.pop("train_state_", None)

    def _remember_y(self, y) -> None:
        """Keep the name and dtype of a pandas Series y, so ``sample`` returns one too."""
        if isinstance(y, pd.Series):
            self.y_series_ = {"name": y.name, "dtype": y.dtype}
        else:
            self.__dict__.pop("y_series_", None)

    @contextmanager
    def _cpu_threads(self) -> Iterator[None]:
        """torch's CPU thread count for this fit / sample only, restored afterwards.

        ``cpu_threads='auto'``: one thread for the small tabular networks on the CPU
        (measured by ``benchmarks/fit_time.py`` on 2 cores: with two busy processes
        alongside, torch's two threads took 8.5 s against 4.3 s; idle, 2.1 against
        2.6 s), torch's setting otherwise; an int sets it; None leaves torch's alone.
        """
        n = self.cpu_threads
        device = getattr(self, "device_", None)
        if n == "auto":
            n = 1 if (device is not None and device.type == "cpu"
                      and getattr(self, "data_kind_", None) == "tabular") else None
        if n is None or (device is not None and device.type != "cpu"):
            yield
            return
        old = torch.get_num_threads()
        torch.set_num_threads(int(n))
        try:
            yield
        finally:
            torch.set_num_threads(old)

    @contextmanager
    def _all_or_nothing(self) -> Iterator[None]:
        """Undo every attribute change of a fit that does not finish.

        A ``KeyboardInterrupt`` (or any error) during ``fit`` leaves the estimator as it
        was before the call: unfitted, or with its last complete fitted state.
        """
        before = dict(self.__dict__)
        try:
            yield
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    def fit_resample(self, X, y, **params):
        """Fit the augmenter on ``X, y`` and return the originals followed by new rows.

        Parameters
        ----------
        X : array-like or DataFrame
            Numeric table (n_samples, n_features) or images (see ``image_shape``).
        y : array-like of shape (n_samples,)
            Class labels.
        **params : dict
            Not accepted: passing any raises TypeError (set options as constructor
            parameters, e.g. ``set_params``). Kept for imbalanced-learn's signature.

        Returns
        -------
        X_resampled : ndarray or DataFrame
            ``X`` unchanged and in order, then the synthetic rows.
        y_resampled : ndarray of shape (n_samples_new,)
            ``y`` followed by the labels of the synthetic rows.

        Notes
        -----
        If the call is interrupted (``KeyboardInterrupt``) or fails, the estimator keeps
        the state it had before the call.
        """
        if params:
            raise TypeError(
                f"{type(self).__name__}.fit_resample takes no extra parameters; got "
                f"{sorted(params)}. Set options as constructor parameters (set_params)."
            )
        self._remember_y(y)
        if y is not None and not sparse.issparse(y):
            y = _plain_labels(y)  # object ints as ints; mixed label types refused
            if callable(self.sampling_strategy):
                self._strategy(y)  # check the callable's answer before any training
        with self._all_or_nothing():
            return super().fit_resample(X, y)

    def _resolve_hparams(self) -> dict:
        """Kind-dependent defaults for the parameters left at None.

        Images follow the BigGAN/SNGAN recipe (z of 128, Adam 2e-4, betas (0, 0.999)).
        Tables use a faster schedule (Adam 1e-3, betas (0, 0.99)) and a small z
        (twice the encoded width, clipped to [8, 64]): on the 8-Gaussian ring a z of 64
        and an SN critic left the generator on the curve between modes, while z=8 and a
        plain critic covered all modes within ~1,500 steps; with one critic step per
        generator step one seed in three still collapsed, with two none did (seeds 0-2).
        """
        image = self.data_kind_ == "image"
        mode = self._conditioning()
        if image:
            latent = 128
        elif mode == "anchor":  # room for the prior's noise (up to 64 directions) + 16
            latent = int(min(self.codec_.n_features_, 64) + 16)
        else:
            latent = int(np.clip(2 * self.codec_.n_features_, 8, 64))
        lr = 2e-4 if image else 1e-3
        steps = None
        if self.epochs is None:
            steps = self.max_steps or DEFAULT_STEPS[mode if not image else "image"]
        elif self.max_steps is not None:
            steps = self.max_steps
        return {
            "conditioning": mode,
            "max_steps": steps,
            "latent_dim": self.latent_dim or latent,
            "generator_lr": self.generator_lr or lr,
            "discriminator_lr": self.discriminator_lr or lr,
            "adam_betas": tuple(self.adam_betas or ((0.0, 0.999) if image else (0.0, 0.99))),
            "d_steps": self.d_steps or (1 if image else 2),
        }

    def _conditioning(self) -> str:
        """'anchor' or 'label' (see the ``conditioning`` parameter)."""
        if self.conditioning != "auto":
            if self.conditioning == "anchor" and self.data_kind_ == "image":
                raise ValueError(
                    "conditioning='anchor' is for tables; images use the conditional "
                    "ResNet (conditioning='label' or 'auto')."
                )
            return self.conditioning
        return "anchor" if self._anchor_by_default and self.data_kind_ != "image" else "label"

    _anchor_by_default = False  # subclasses: what conditioning='auto' means for tables

    def _train_config(self, desc: str) -> TrainConfig:
        comm = getattr(self, "_comm", None)
        amp = None
        if self.device_.type == "cuda" and self.mixed_precision in ("auto", True):
            amp = torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        hp = self.hparams_
        policy = self.diffaug
        if policy == "auto":
            policy = "translation,cutout" if self.data_kind_ == "image" else None
        return TrainConfig(
            epochs=self.epochs, max_steps=hp["max_steps"], batch_size=self.batch_size,
            latent_dim=hp["latent_dim"],
            g_lr=hp["generator_lr"], d_lr=hp["discriminator_lr"],
            betas=tuple(float(b) for b in hp["adam_betas"]), loss=self.loss,
            d_steps=hp["d_steps"], diversity_weight=self.diversity_weight,
            ema_decay=self.ema_decay, lecam_weight=self.lecam_weight,
            gsr_weight=self.gsr_weight if self.data_kind_ == "image" else 0.0,
            time_budget=self.time_budget,
            policy=parse_policy(policy) if self.data_kind_ == "image" else (),
            class_balanced=self.class_balanced, amp_dtype=amp,
            channels_last=self.device_.type == "cuda",
            compile=True if self.compile == "default" else self.compile,
            verbose=self.verbose if comm is None or comm.is_main else 0, desc=desc, comm=comm,
        )

    def _build(self, n_classes: int, seed: int) -> tuple[nn.Module, nn.Module]:
        """Fresh G and D, initialised from ``seed`` without touching global RNG state."""
        with _BUILD_LOCK, torch.random.fork_rng(devices=[]):
            # the CPU generator only: torch.manual_seed would also reseed every CUDA/MPS
            # generator, which fork_rng(devices=[]) does not restore
            torch.default_generator.manual_seed(seed)
            if self.data_kind_ == "image":
                # CIFAR-grade size on a GPU (BigGAN/SNGAN CIFAR use 256), small elsewhere
                width = self.width or (256 if self.device_.type == "cuda" else 64)
                shape = self.codec_.shape_
                G = ImageGenerator(self.hparams_["latent_dim"], shape, width, n_classes)
                # D at half G's width: SNGAN's CIFAR recipe, the measured configuration
                d_width = self.discriminator_width or max(width // 2, 8)
                D = ImageDiscriminator(shape, d_width, n_classes)
            elif self.hparams_["conditioning"] == "anchor":
                width = self.width or 256
                d = self.codec_.n_features_
                spans = getattr(self.codec_, "spans_", None)
                G = AnchorGenerator(self.hparams_["latent_dim"], d, width, self.depth, spans)
                D = PairDiscriminator(d, self.discriminator_width or width, self.depth)
            else:
                width = self.width or 256
                d = self.codec_.n_features_
                G = MLPGenerator(
                    self.hparams_["latent_dim"], d, width, self.depth, n_classes,
                    spans=getattr(self.codec_, "spans_", None),
                )
                D = MLPDiscriminator(
                    d, self.discriminator_width or width, self.depth, n_classes,
                    sn=False,  # measured: SN critics blur or drop modes on tables
                )
        return G, D

    def _fit_one(
        self, data: np.ndarray, codes, n_classes: int, seed: int, desc: str,
        resume: dict | None = None,
    ):
        """Build and train one GAN.

        Returns (EMA generator on CPU, history, train state or None). ``resume`` is a
        train state kept by an earlier fit (warm start); it is copied, never modified, so
        an interrupted fit leaves it intact. The train state (CPU tensors) is returned
        only when ``warm_start`` is set.
        """
        with self._cpu_threads():
            return self._fit_one_inner(data, codes, n_classes, seed, desc, resume)

    def _fit_one_inner(self, data, codes, n_classes, seed, desc, resume):
        G, D = self._build(n_classes, seed)
        anchor = self.hparams_["conditioning"] == "anchor"
        if anchor and resume is None:  # the generator's starting noise model
            G.prior.copy_(float(self.spread) * torch.from_numpy(pooled_within_class_root(
                data, codes, G.prior.shape[0], getattr(self.codec_, "spans_", None)
            )))
        checkpoint = copy.deepcopy(resume) if resume is not None else (
            {} if self.warm_start else None
        )
        comm = getattr(self, "_comm", None)
        device = self.device_ if comm is not None else job_device(self.device, self.device_)
        gen = torch.Generator(device=device).manual_seed(
            seed + 1 if comm is None else comm.rank_seed(seed + 1)
        )
        if getattr(G, "heads", None) is not None:  # Gumbel noise of the one-hot heads
            G.heads.noise_generator = gen
        if comm is not None:  # DDP: this rank's stratified shard of the rows
            data, codes = comm.shard(data, codes, seed)
        partners = None
        if anchor:  # real pairs: each row and its nearest neighbours of the same class
            partners = torch.from_numpy(neighbour_pairs(data, codes)).to(device)
        x = torch.from_numpy(np.ascontiguousarray(data)).to(device)
        y = None if codes is None else torch.from_numpy(codes).to(device)
        scale, offset = (
            (self.codec_.scale, self.codec_.offset) if self.data_kind_ == "image" else (1.0, 0.0)
        )
        G_ema, history = train_gan(
            G, D, x, y, n_classes, self._train_config(desc), gen, scale, offset,
            checkpoint=checkpoint, partners=partners,
        )
        if resume is not None:
            history = {k: list(resume["history"].get(k, [])) + v for k, v in history.items()}
        if checkpoint is not None:
            checkpoint["history"] = {k: list(v) for k, v in history.items()}
        return G_ema.cpu(), history, checkpoint

    @abstractmethod
    def _train(self, data: np.ndarray, codes: np.ndarray | None, rng) -> None:
        """Train the generator(s) on encoded ``data`` (codes: class index per row)."""

    @abstractmethod
    def _generator_for(self, code: int | None) -> tuple[nn.Module, bool]:
        """The generator that makes class ``code`` and whether it takes the class as input."""

    def _keep_anchors(self, data: np.ndarray, codes: np.ndarray | None) -> None:
        """Anchor mode: keep the encoded training rows that sampling starts from."""
        if self.hparams_["conditioning"] != "anchor":
            self.__dict__.pop("anchors_", None)
            self.__dict__.pop("anchor_codes_", None)
            return
        self.anchors_ = np.asarray(data, dtype=np.float32)
        self.anchor_codes_ = None if codes is None else np.asarray(codes, dtype=np.int64)

    def _warn_if_collapsed(self, data: np.ndarray, codes: np.ndarray | None, n: int = 128) -> None:
        """Warn when the generated rows of a class barely vary compared with the real ones.

        Mode collapse (every sample the same row) is silent otherwise: the spread of
        ``n`` encoded samples per class is compared with that of the class's real rows.
        """
        groups = [None] if codes is None else range(len(self.classes_))
        latent = self.hparams_["latent_dim"]
        worst = []
        for code in groups:
            real = data if code is None else data[codes == code]
            if len(real) < 2 or data.ndim != 2:
                continue
            real_std = float(np.asarray(real, dtype=np.float64).std(0).mean())
            if real_std <= 0:
                continue
            try:
                G, conditional = self._generator_for(code)
            except ValueError:  # a class fit_resample did not train
                continue
            fake = next(generate_chunks(
                G, code if conditional else None, n, latent, self.device_, 0,
                anchors=self._anchors_for(code),
            ))
            # clipped to the real range, as decoding does: exploded outputs collapse there
            fake = np.clip(fake, real.min(0), real.max(0))
            ratio = float(fake.std(0).mean()) / real_std if np.isfinite(fake).all() else 0.0
            worst.append((ratio, code))
        if worst and min(worst)[0] < 0.05:
            ratio, code = min(worst)
            which = "" if code is None else f" of class {self.classes_.tolist()[code]!r}"
            warnings.warn(
                f"GAN training collapsed: generated rows{which} vary {ratio:.1%} as much as "
                "the real rows (near-identical samples). Refit with lower learning rates "
                "(generator_lr, discriminator_lr), another random_state, or the defaults.",
                UserWarning, stacklevel=4,
            )

    def _anchors_for(self, code: int | None) -> np.ndarray | None:
        """Encoded real rows of class ``code`` to generate from (None: label mode)."""
        anchors = getattr(self, "anchors_", None)
        if anchors is None or code is None or self.anchor_codes_ is None:
            return anchors
        return anchors[self.anchor_codes_ == code]

    # ------------------------------------------------------------------ sampling -----
    def _generate(self, codes: np.ndarray | None, n: int):
        """Decoded synthetic rows for class codes (or n unconditional rows), in order."""
        # Bounded memory: each chunk is generated, checked, decoded and written into one
        # preallocated output; nothing of size n exists besides the output and the codes.
        seed = self._sample_rng.randint(_MAX_SEED)
        if codes is None:
            groups = [(None, None)]
        else:
            present = np.flatnonzero(np.bincount(codes, minlength=len(self.classes_)))
            groups = [(int(c), np.flatnonzero(codes == c)) for c in present]
        out = _Assembler(n)
        with self._cpu_threads():
            self._generate_into(out, groups, n, seed)
        return out.result()

    def _generate_into(self, out: _Assembler, groups: list, n: int, seed: int) -> None:
        for i, (code, where) in enumerate(groups):
            G, conditional = self._generator_for(code)
            G = G.to(self.device_)
            m = n if where is None else len(where)
            start = 0
            for rows in generate_chunks(
                G, code if conditional else None, m, self.hparams_["latent_dim"], self.device_,
                seed + i, anchors=self._anchors_for(code),
            ):
                if not np.isfinite(rows).all():  # never hand back NaN/inf
                    raise FloatingPointError(
                        "The generator produced non-finite values (NaN/inf); refit it, with "
                        "lower learning rates if this repeats."
                    )
                stop = start + len(rows)
                pos = slice(start, stop) if where is None else where[start:stop]
                out.put(pos, self.codec_.inverse_transform(rows))
                start = stop

    def _codes_for(self, n: int, y) -> np.ndarray:
        """Class codes for ``sample``: proportions, one label, or an array of labels."""
        if y is None:
            priors = self.class_counts_ / self.class_counts_.sum()
            base = np.floor(priors * n).astype(int)
            rest = n - base.sum()
            order = np.argsort(-(priors * n - base), kind="stable")
            base[order[:rest]] += 1
            codes = np.repeat(np.arange(len(self.classes_)), base)
            return self._sample_rng.permutation(codes)
        # never cast labels to the classes' dtype: a cast truncates ('ab' -> 'a' for
        # '<U1' classes, 0.5 -> 0 for int classes) and turns unknown labels into known ones
        labels = np.asarray(y, dtype=object if self.classes_.dtype == object else None)
        if labels.ndim == 0:
            labels = np.full(n, labels.item(), dtype=labels.dtype)
        elif labels.ndim != 1 or len(labels) != n:
            raise ValueError(
                f"y must be one label or an array of n_samples={n} labels; got shape "
                f"{labels.shape}."
            )
        try:
            pos = np.searchsorted(self.classes_, labels)
            pos = np.clip(pos, 0, len(self.classes_) - 1)
            unknown = np.asarray(self.classes_[pos] != labels, dtype=bool)
        except TypeError:  # mixed label types that cannot be sorted: look each one up
            index = {c: i for i, c in enumerate(self.classes_.tolist())}
            pos = np.array([index.get(v, -1) for v in labels.tolist()], dtype=np.int64)
            unknown = pos < 0
        if np.any(unknown):
            bad = pd.unique(pd.Series(labels[unknown], dtype=object)).tolist()[:5]
            raise ValueError(
                f"Unknown label(s) {bad} in y; the augmenter was fitted on classes "
                f"{self.classes_.tolist()}."
            )
        return pos.astype(np.int64)

    def sample(self, n_samples: int, y=None):
        """Generate ``n_samples`` new rows.

        Parameters
        ----------
        n_samples : int
            Number of rows, at least 1.
        y : label, array-like of shape (n_samples,) or None, default=None
            Labels of the rows: one label (all rows of that class), one label per row,
            or None (classes in the training proportions, exact counts). Not allowed for
            a ``GANAugmenter`` fitted without ``y``.

        Returns
        -------
        X_new : ndarray or DataFrame
            The synthetic rows in the container, dtype and value range of the training X.
        y_new : ndarray or Series of shape (n_samples,)
            Their labels (a Series with y's name and dtype when the augmenter was
            fitted on a Series; not returned by a ``GANAugmenter`` fitted without ``y``).
        """
        check_is_fitted(self, "codec_")
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral | np.integer):
            raise TypeError(f"n_samples must be an int; got {type(n_samples).__name__}.")
        if n_samples < 1:
            raise ValueError(f"n_samples must be at least 1; got {n_samples}.")
        n = int(n_samples)
        _check_output_fits(n, self.n_features_in_)
        if self.classes_ is None:
            if y is not None:
                raise ValueError("This augmenter was fitted without y; call sample(n).")
            return self._generate(None, n)
        codes = self._codes_for(n, y)
        labels = self.classes_[codes]
        meta = getattr(self, "y_series_", None)
        if meta is not None:  # fitted on a Series: the same container back
            labels = pd.Series(labels, name=meta["name"]).astype(meta["dtype"])
        return self._generate(codes, n), labels

    # ------------------------------------------------------------------ resampling ---
    def _fit_resample(self, X, y):
        # per-class GANs: only the classes that get new rows are trained
        self._needed = {c for c, n in self.sampling_strategy_.items() if n > 0}
        try:
            self._fit_common(X, y)
        finally:
            del self._needed
        index = {c: i for i, c in enumerate(self.classes_.tolist())}
        codes = np.concatenate(
            [np.full(n, index[c], dtype=np.int64) for c, n in self.sampling_strategy_.items()]
            + [np.empty(0, dtype=np.int64)]
        )
        y_orig = np.asarray(y)
        if len(codes) == 0:
            return (X.copy() if hasattr(X, "copy") else X), y_orig.copy()
        X_new = self._generate(codes, len(codes))
        y_res = np.concatenate([y_orig, self.classes_[codes].astype(y_orig.dtype)])
        if isinstance(X, pd.DataFrame):
            return pd.concat([X, X_new], axis=0, ignore_index=True), y_res
        return np.concatenate([np.asarray(X), X_new.astype(np.asarray(X).dtype)]), y_res

    # ------------------------------------------------------------------ pickling -----
    def __getstate__(self):
        """Portable pickles: modules go to the CPU, devices become names.

        Unpickling can run any code a file names, so only unpickle (or joblib-load)
        files you made or trust; to share a model, use :func:`ganaug.save` and
        :func:`ganaug.load`, which read tensors and JSON only.
        """
        state = dict(super().__getstate__())
        for key, value in state.items():
            if isinstance(value, nn.Module):
                state[key] = copy.deepcopy(value).cpu()
            elif isinstance(value, torch.device) and value.type != "cpu":
                state[key] = str(value)
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        dev = getattr(self, "device_", None)
        if dev is not None:
            try:
                self.device_ = resolve_device(dev)
            except ValueError:  # trained on a GPU, loaded on a machine without it
                self.device_ = torch.device("cpu")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True  # tables: NaN becomes a missing-value indicator
        tags.non_deterministic = False
        return tags


def _plain_labels(y):
    """Object arrays of plain ints as ints (as scikit-learn's classifiers take them).

    scikit-learn's ``type_of_target`` calls any object array that does not hold strings
    'unknown'; labels mixing types (ints and strings) are refused with a clear message.
    The caller's labels are not modified (a converted copy is returned).
    """
    arr = np.asarray(y)
    if arr.dtype != object or arr.ndim != 1:
        return y
    kinds = {type(v) for v in arr.tolist()}
    if all(issubclass(k, Integral) and not issubclass(k, bool | np.bool_) for k in kinds):
        return arr.astype(np.int64)
    if all(issubclass(k, str) for k in kinds):
        return y
    if len(kinds) == 1:  # one non-string type (floats, bools): its own numpy dtype
        return np.array(arr.tolist())
    names = sorted(k.__name__ for k in kinds)
    raise ValueError(
        f"y mixes label types ({', '.join(names)}); use one type for all labels, e.g. "
        "y.astype(str)."
    )


def _check_output_fits(n: int, n_features: int) -> None:
    """Refuse a ``sample(n)`` whose output alone would not fit in this machine's memory."""
    need = n * max(int(n_features), 1) * 8  # float64 / object pointers
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # no sysconf: allow up to 1 TiB
        total = 2**40
    if need > total:
        raise ValueError(
            f"sample({n}) would need about {need / 2**30:,.0f} GiB for the output alone, "
            f"more than this machine's {total / 2**30:,.0f} GiB of memory. Sample in "
            "chunks instead, e.g. `for _ in range(k): part = aug.sample(100_000)` and write "
            "each part out."
        )

"""BaseGANAugmenter: the parameters and the sampler contract; everything else is delegated.

``fit``, ``fit_resample`` and ``sample`` live here; the work is done by one private
module per concern: ``_validation.py`` (parameters, X, y), ``_fitting.py`` (codec,
defaults, building and training each GAN), ``_warm.py`` (warm start and undoing an
interrupted fit), ``_ddp.py`` (data-parallel training), ``_sampling.py`` (generation and
decoding, with ``data/assembler.py``) and ``_device.py`` (devices, CPU threads). Layers
live in ``nn/``, the training loop in ``train.py``.
"""

from __future__ import annotations

import copy
from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from imblearn.over_sampling.base import BaseOverSampler
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from torch import nn

from . import _fitting, _sampling
from ._compat import (
    ArraysTransformer,
    StrOptions,
    _fit_context,
    validate_parameter_constraints,
)
from ._device import MAX_SEED, resolve_or_cpu
from ._validation import (
    AdamBetas,
    Classifier,
    DiffAugPolicy,
    ImageShape,
    Number,
    check_strategy,
    check_X,
    check_X_y,
    is_mixed_table,
    kind_of,
    plain_labels,
    require_y,
)
from ._warm import all_or_nothing
from .nn.losses import LOSSES


@contextmanager
def kept_sampling_streams(augmenter, on_error_only: bool = False) -> Iterator[None]:
    """Run a block that samples from ``augmenter``, then put its sampling streams back.

    The streams are a fitted ganaug model's own and its table codec's (categories are
    drawn while decoding). Other objects pass through untouched.

    Parameters
    ----------
    augmenter : object
        The model sampled from.
    on_error_only : bool, default=False
        Put them back only when the block raises (``sample``: a failed call changes
        nothing, a successful one moves the stream on).

    Yields
    ------
    None
    """
    streams = [r for r in (getattr(augmenter, "_sample_rng", None),
                           getattr(getattr(augmenter, "codec_", None), "_sample_rng", None))
               if isinstance(r, np.random.RandomState)]
    states = [r.get_state() for r in streams]

    def restore() -> None:
        for stream, state in zip(streams, states, strict=True):
            stream.set_state(state)

    try:
        yield
    except BaseException:
        restore()
        raise
    if not on_error_only:
        restore()


class BaseGANAugmenter(BaseOverSampler):
    """Shared machinery of the GAN augmenters; use a subclass.

    Subclasses implement ``_train(data, codes, rng)`` (set the fitted generators) and
    ``_generator_for(code)`` (the generator that makes a class, and whether it takes the
    class as an input), and set ``_conditional_generator`` (whether their single
    generator takes the class as an input).
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "epochs": [Number(Integral, 1, None, closed="left"), None],
        "max_steps": [Number(Integral, 1, None, closed="left"), None],
        "conditioning": [StrOptions({"auto", "anchor", "label"})],
        "batch_size": [Number(Integral, 1, None, closed="left")],
        "latent_dim": [Number(Integral, 1, None, closed="left"), None],
        "width": [Number(Integral, 1, None, closed="left"), None],
        "discriminator_width": [Number(Integral, 1, None, closed="left"), None],
        "depth": [Number(Integral, 0, None, closed="left")],
        "generator_lr": [Number(Real, 0, None, closed="neither"), None],
        "discriminator_lr": [Number(Real, 0, None, closed="neither"), None],
        "adam_betas": [AdamBetas(), None],
        "loss": [StrOptions(set(LOSSES))],
        "d_steps": [Number(Integral, 1, None, closed="left"), None],
        "ema_decay": [Number(Real, 0, 1, closed="both")],
        "lecam_weight": [Number(Real, 0, None, closed="left")],
        "gsr_weight": [Number(Real, 0, None, closed="left")],
        "diversity_weight": [Number(Real, 0, None, closed="left")],
        "time_budget": [Number(Real, 0, None, closed="neither"), None],
        "diffaug": [DiffAugPolicy(), None],
        "class_balanced": ["boolean"],
        "image_shape": [ImageShape(), None],
        "data_kind": [StrOptions({"auto", "tabular", "image"})],
        "device": [str, torch.device],
        "mixed_precision": ["boolean", StrOptions({"auto"})],
        "compile": [
            "boolean",
            StrOptions({"default", "reduce-overhead", "max-autotune",
                        "max-autotune-no-cudagraphs"}),
        ],
        "verbose": ["verbose"],
        # joblib's convention: -1 all cores, -2 all but one, ...; 0 means nothing
        "n_jobs": [Number(Integral, None, -1, closed="right"),
                   Number(Integral, 1, None, closed="left"), None],
        "warm_start": ["boolean"],
        "categorical_features": ["array-like", StrOptions({"auto"}), None],
        "max_categories": [Number(Integral, 1, None, closed="left")],
        "distributed": ["boolean", StrOptions({"auto"})],
        "cpu_threads": [Number(Integral, 1, None, closed="left"), StrOptions({"auto"}), None],
        "spread": [Number(Real, 0, None, closed="left")],
        "class_filter": ["boolean", Classifier()],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        conditioning="auto",
        spread=0.7,
        class_filter=True,
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
        self.class_filter = class_filter
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

    # ------------------------------------------------------------------ fitting ------
    def _fit(self, X, y, *, requires_y: bool) -> BaseGANAugmenter:
        """The body of both ``fit`` methods: validate, then train (all or nothing)."""
        with all_or_nothing(self):  # interrupted: unfitted or the last complete state
            self._remember_y(y)
            if y is None and not requires_y:
                X, kind, mixed = check_X(self, X)
                self.sampling_strategy_ = {}
            else:
                (X, kind, mixed), y, _ = check_X_y(self, X, y)
                self.sampling_strategy_ = check_strategy(self, y)
            _fitting.fit_common(self, X, y, kind, mixed)
        return self

    def _check_X_y(self, X, y):
        # imbalanced-learn's hook: (X, y, binarize_y); X stays the caller's container
        (X, _, _), y, binarize_y = check_X_y(self, X, y)
        return X, y, binarize_y

    def _fit_one(
        self, data: np.ndarray, codes, n_classes: int, seed: int, desc: str,
        resume: dict | None = None,
    ):
        """Build and train one GAN (see :func:`ganaug._fitting.fit_one`)."""
        return _fitting.fit_one(self, data, codes, n_classes, seed, desc, resume)

    @abstractmethod
    def _train(self, data: np.ndarray, codes: np.ndarray | None, rng) -> None:
        """Train the generator(s) on encoded ``data`` (codes: class index per row)."""

    @abstractmethod
    def _generator_for(self, code: int | None) -> tuple[nn.Module, bool]:
        """The generator that makes class ``code`` and whether it takes the class as input."""

    _conditional_generator = False  # subclasses: whether the single G takes the class

    def _remember_y(self, y) -> None:
        """Keep the name and dtype of a pandas Series y, and the columns of one-hot
        labels, so ``sample`` returns its labels as they came."""
        if isinstance(y, pd.Series):
            self.y_series_ = {"name": y.name, "dtype": y.dtype}
        else:
            self.__dict__.pop("y_series_", None)
        if not sparse.issparse(y) and np.ndim(y) == 2 and np.shape(y)[1] > 1:
            self.y_one_hot_ = {"width": int(np.shape(y)[1]), "columns": None}
            if isinstance(y, pd.DataFrame):
                self.y_one_hot_.update(columns=list(y.columns), dtypes=list(y.dtypes),
                                       columns_name=y.columns.name)
        else:
            self.__dict__.pop("y_one_hot_", None)

    def _one_hot(self, labels: np.ndarray):
        """Column indices of one-hot labels as one-hot rows, in the container
        ``fit_resample`` returns (ints; a frame's columns and dtypes)."""
        meta = self.y_one_hot_
        rows = (np.asarray(labels)[:, None] == np.arange(meta["width"])).astype(int)
        if meta["columns"] is None:
            return rows
        frame = pd.DataFrame(rows)
        for j, dtype in enumerate(meta["dtypes"]):
            frame.isetitem(j, frame.iloc[:, j].astype(dtype))
        frame.columns = pd.Index(meta["columns"], name=meta.get("columns_name"))
        return frame

    # ------------------------------------------------------------------ sampling -----
    def sample(self, n_samples: int, y=None, random_state=None):
        """Generate ``n_samples`` new rows.

        Parameters
        ----------
        n_samples : int
            Number of rows. 0 gives an empty ``X_new`` (and ``y_new``) in the container,
            columns and dtypes of a sample, so counts computed as deficits need no
            special case.
        y : label, array-like of shape (n_samples,) or None, default=None
            Labels of the rows: one label (all rows of that class), one label per row,
            or None: classes in their training proportions, exact counts (a
            ``GANAugmenter`` fitted by ``fit_resample`` has generators for the classes
            it oversampled only: those, in their training proportions). Not allowed
            for a ``GANAugmenter`` fitted without ``y``. For an augmenter fitted on
            one-hot labels: column indices, or one-hot rows.
        random_state : None, int or numpy RandomState, default=None
            None: draw from the model's own sampling stream, which each call moves on.
            An int or a RandomState: draw from a stream seeded by it and leave the
            model's own stream where it was, so the same value gives the same rows and
            different values give different rows (one per thread or worker, for
            example).

        Returns
        -------
        X_new : ndarray or DataFrame
            The synthetic rows in the container, dtype and value range of the training X.
        y_new : ndarray or Series of shape (n_samples,)
            Their labels (a Series with y's name and dtype when the augmenter was
            fitted on a Series; not returned by a ``GANAugmenter`` fitted without ``y``).
            For an augmenter fitted on one-hot labels (2-D ``y``), one-hot rows, as
            ``fit_resample`` returns them (ints; a DataFrame with the columns and dtypes
            of a DataFrame ``y``).

        Notes
        -----
        Each call moves the model's sampling stream on, so calls give new rows and a
        refit with the same ``random_state`` repeats them; a call that fails leaves the
        stream where it was. Sample one model from one thread at a time, or give each
        thread its own copy (``copy.deepcopy``) and its own ``random_state``: copies
        carry the same stream, so without one they all draw the same rows, and calls at
        once on one model share its stream, so which call gets which rows is not
        reproducible.

        Rows come in random order, the rows the class check redrew (see
        ``class_filter``) spread over each class's positions, so any part of a
        sample, its first rows say, is drawn like the whole.
        """
        check_is_fitted(self, "codec_")
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral | np.integer):
            raise TypeError(f"n_samples must be an int; got {type(n_samples).__name__}.")
        if n_samples < 0:
            raise ValueError(f"n_samples must be 0 or more; got {n_samples}.")
        # the constructor's rule for random_state, named as the parameter of sample
        validate_parameter_constraints({"random_state": ["random_state"]},
                                       {"random_state": random_state}, "sample")
        n = int(n_samples)
        _sampling.check_output_fits(n, self.n_features_in_)
        if self.classes_ is None and y is not None:
            raise ValueError("This augmenter was fitted without y; call sample(n).")
        one_hot = getattr(self, "y_one_hot_", None)
        if one_hot is not None and y is not None and np.ndim(y) == 2:
            y = _sampling.one_hot_indices(y, one_hot)
        if n == 0:  # no rows: an empty block decoded as generated rows are (no
            # generator needed, as a class with nothing to add may have none; no stream moved)
            if y is not None and np.ndim(y) > 0 and (np.ndim(y) != 1 or len(y) != 0):
                raise ValueError("y must be one label or an array of n_samples=0 labels; "
                                 f"got shape {np.shape(y)}.")
            codes = (np.empty(0, dtype=np.int64) if y is None or np.ndim(y) > 0
                     else _sampling.codes_for(self, 1, y)[:0])  # a label is still checked
            with kept_sampling_streams(self):
                X_new = _sampling.empty_rows(self)
            if self.classes_ is None:
                return X_new
        elif random_state is not None:  # a stream of its own; the model's is put back
            seeds = check_random_state(random_state).randint(MAX_SEED, size=2)
            with kept_sampling_streams(self):
                streams = (getattr(self, "_sample_rng", None),
                           getattr(self.codec_, "_sample_rng", None))
                for stream, seed in zip(streams, seeds, strict=True):
                    if isinstance(stream, np.random.RandomState):
                        stream.seed(int(seed))
                return self.sample(n_samples, y)
        else:  # a call that fails leaves the sampling streams where they were
            with kept_sampling_streams(self, on_error_only=True):
                if self.classes_ is None:
                    return _sampling.generate(self, None, n)
                codes = _sampling.codes_for(self, n, y)
                X_new = _sampling.generate(self, codes, n)
        labels = self.classes_[codes]
        meta = getattr(self, "y_series_", None)
        if meta is not None:  # fitted on a Series: the same container back
            labels = pd.Series(labels, name=meta["name"]).astype(meta["dtype"])
        if one_hot is not None:  # fitted on one-hot labels: one-hot rows back
            labels = self._one_hot(labels)
        return X_new, labels

    # ------------------------------------------------------------------ resampling ---
    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y, **params):
        """Fit the augmenter on ``X, y`` and return the originals followed by new rows.

        Parameters
        ----------
        X : array-like or DataFrame
            A table (n_samples, n_features; numbers, categories, text and missing values
            in a DataFrame or object array) or images (see ``image_shape``). Dense data
            only: a scipy sparse matrix or pandas sparse columns get a TypeError (convert
            with ``X.toarray()`` / ``X.sparse.to_dense()``).
        y : array-like of shape (n_samples,)
            Class labels.
        **params : dict
            Not accepted: passing any raises TypeError (set options as constructor
            parameters, e.g. ``set_params``). Kept for imbalanced-learn's signature.

        Returns
        -------
        X_resampled : ndarray or DataFrame
            ``X``'s rows unchanged and in order, then the synthetic rows (a DataFrame
            gets a fresh 0..n-1 index, as ``RandomOverSampler`` gives it).
        y_resampled : ndarray, list or Series of shape (n_samples_new,)
            ``y`` followed by the labels of the synthetic rows, in ``y``'s container
            (a Series keeps its name and dtype).

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
        with all_or_nothing(self):
            self._remember_y(y)
            # the caller's containers: y comes back as it came (a Series of object
            # labels stays one, as ``sample`` returns it)
            require_y(self, y)
            arrays_transformer = ArraysTransformer(X, y)
            width = np.shape(y)[1] if np.ndim(y) == 2 else 0  # one-hot labels' columns
            if not sparse.issparse(y):
                y = plain_labels(y)  # object ints as ints; mixed label types refused
            # imbalanced-learn's SamplerMixin.fit_resample, with validation's findings
            # (data kind, mixed table) handed on instead of stored
            check_classification_targets(y)
            caller_X = X  # returned as given (validation may mark a copy's NaN missing)
            (X, kind, mixed), y, binarize_y = check_X_y(self, X, y)
            # a callable strategy is called once, with the validated labels, before
            # any training (as RandomOverSampler calls it)
            self.sampling_strategy_ = check_strategy(self, y)
            _sampling.check_output_fits(  # the output keeps a numeric array's dtype
                len(y) + sum(int(v) for v in self.sampling_strategy_.values()),
                int(np.prod(np.shape(X)[1:])), resample=True,
                itemsize=X.dtype.itemsize if isinstance(X, np.ndarray)
                and X.dtype.kind in "biuf" else 8)
            X_res, y_res = self._resample(
                X, y, kind, mixed,
                returned=caller_X if isinstance(caller_X, pd.DataFrame) else None)
            if binarize_y:  # one column per input column, two for two classes too
                y_res = _sampling.one_hot_rows(y_res, width)
            return arrays_transformer.transform(X_res, y_res)

    def _fit_resample(self, X, y):
        # imbalanced-learn's hook, for callers that validated X themselves
        return self._resample(X, y, kind_of(self, X), is_mixed_table(self, X))

    def _resample(self, X, y, kind: str, mixed: bool, returned=None):
        # ``returned``: the rows to hand back before the new ones (default: X)
        # per-class GANs: only the classes that get new rows are trained
        self._needed = {c for c, n in self.sampling_strategy_.items() if n > 0}
        try:
            _fitting.fit_common(self, X, y, kind, mixed)
        finally:
            del self._needed
        codes = np.concatenate(
            [np.full(n, _sampling.class_position(self.classes_, c), dtype=np.int64)
             for c, n in self.sampling_strategy_.items()]
            + [np.empty(0, dtype=np.int64)]
        )
        y_orig = np.asarray(y)
        if len(codes) == 0:  # a fresh 0..n-1 index, as when rows are added
            # (RandomOverSampler's output has one whatever it adds)
            if isinstance(X, pd.DataFrame):  # the caller's rows, as when rows are added
                return (X if returned is None else returned).reset_index(drop=True), \
                    y_orig.copy()
            return (X.copy() if hasattr(X, "copy") else X), y_orig.copy()
        X_new = _sampling.generate(self, codes, len(codes))
        y_res = np.concatenate([y_orig, self.classes_[codes]], dtype=y_orig.dtype,
                               casting="unsafe")
        if isinstance(X, pd.DataFrame):
            X = X if returned is None else returned
            return pd.concat([X, X_new], axis=0, ignore_index=True), y_res
        X = np.asarray(X)  # in its own dtype, byte order included (concatenate's
        return np.concatenate([X, X_new], dtype=X.dtype, casting="unsafe"), y_res  # native)

    # ------------------------------------------------------------------ pickling -----
    # caches rebuilt on first use: never pickled, never saved by ganaug.save
    _transient_attrs = ("_device_generators", "_class_judge")

    def __getstate__(self):
        """Portable pickles: modules go to the CPU, devices become names.

        Unpickling can run any code a file names, so only unpickle (or joblib-load)
        files you made or trust; to share a model, use :func:`ganaug.save` and
        :func:`ganaug.load`, which read tensors and JSON only.
        """
        state = dict(super().__getstate__())
        for key in self._transient_attrs:
            state.pop(key, None)
        for key, value in state.items():
            if isinstance(value, nn.Module):
                state[key] = copy.deepcopy(value).cpu()
            elif isinstance(value, torch.device) and value.type != "cpu":
                state[key] = str(value)
        return state

    def __setstate__(self, state):
        for key in ("_kind", "_mixed"):  # stored by older versions; no longer used
            state.pop(key, None)
        super().__setstate__(state)
        dev = getattr(self, "device_", None)
        if dev is not None:
            self.device_ = resolve_or_cpu(dev)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = True  # tables: NaN becomes a missing-value indicator
        # category and string columns (pandas or object arrays) are generated as such
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.non_deterministic = False
        return tags

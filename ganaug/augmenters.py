"""The two public estimators: thin choices of what to build and how to train it."""

from __future__ import annotations

import numpy as np
from joblib import Parallel, delayed
from torch import nn

from . import _ddp
from ._compat import _fit_context
from ._device import MAX_SEED
from ._sampling import class_position
from ._warm import keep_train_state, resume
from .base import BaseGANAugmenter
from .train import HISTORY_KEYS

_PARAMS_DOC = """
    sampling_strategy : float, str, dict or callable, default='auto'
        Which classes to oversample and to how many rows, exactly as for
        imbalanced-learn's ``RandomOverSampler`` ('auto', 'minority', 'not minority',
        'not majority', 'all', a float for binary targets, a dict or a callable).
    conditioning : {'auto', 'anchor', 'label'}, default='auto'
        How the generator is told what to make (tables only; images always use the
        label). 'anchor' (what 'auto' means on tables, for both estimators; a
        ``GANAugmenter`` trains one anchor generator per class, from that class's rows):
        the generator takes a real row of the class (the anchor) plus noise and returns
        ``anchor + noise + a learned residual``; the noise mixes the pooled
        within-class covariance of all classes (so rare classes borrow the variation of
        common ones) with a Gaussian combination of the displacements to the anchor's
        5 nearest rows of its class, a class of ``n`` rows taking ``10 / (n + 10)`` of
        its noise variance from the pooled part (less in a column where a class of 20
        or more rows is confidently narrower than that part: its upper 99 % variance
        bound caps the part there, unless the class holds one value there); the
        residual is trained against a
        discriminator that judges (anchor, row) pairs, real pairs being an anchor and
        one of its 5 nearest neighbours of the same class (with the anchor's categories,
        which generated rows copy), so copies of the anchor are as detectable as
        implausible rows (DAGAN-style; see docs/design.md).
        The fitted model keeps the encoded training rows (``anchors_``), as SMOTE does.
        A class of one row is accepted (as ``RandomOverSampler`` accepts it): its rows
        are that row plus pooled noise, as are those of a class of copies of one row
        (copies of a row are not its neighbours, and rows without any stay out of
        training).
        'label': the class is an input of the generator and the discriminator (what
        'auto' means for images; every class needs 2 rows; a ``GANAugmenter`` trains
        one unconditional GAN per class, 2,000 steps each: on the development tables
        it lost to SMOTE, while its anchor generators beat it, and ran ten times
        faster, see README).
    spread : float, default=0.7
        Anchor conditioning: scale of the pooled part of the noise the generator
        starts from (0: none; 1: noise with the pooled within-class covariance; the
        neighbour part does not depend on it). Like the ``shrinkage`` of
        imbalanced-learn's smoothed bootstrap (ROSE), larger values spread synthetic
        rows further from their anchors. 0.7 was chosen on development data (never
        the benchmark tables), with pooled noise only: on six tables it kept balanced
        accuracy and gained minority F1 and average precision over 1 (and 1.5), while
        0.5 cost long-tailed digits 1.3 points (``benchmarks/results``).
    class_filter : bool or classifier, default=True
        Anchor conditioning with classes: a classifier in the loop. A class-balanced
        ``LogisticRegression`` fitted on the encoded training rows (beyond
        max(2,000, 200,000 / classes) rows, a stratified part in which every class
        keeps up to 20 rows) checks every generated row; a row it assigns to another
        class than the one asked for is redrawn from the same real row, each round
        with half the previous step from it (1/2, 1/4, then 1/8 of a first draw's
        step; up to 3 rounds), and what is still rejected then is kept (counts stay
        exact). It stops noise from carrying rows across a class
        boundary (LITO, ICLR 2024, filters synthetic samples the same way), and it
        never changes which real rows a class's new rows grow from (redrawn from
        other rows, the rows near another class lost their share of the new rows).
        Where a class-balanced RBF ``SVC`` or (two classes) gradient boosting with a
        balanced decision classifies the training rows clearly better (the better of
        them by more than 0.02 balanced accuracy in a 3-fold cross-validation on at
        most 2,000 of them; every class needs 3 rows for that), that one, fitted on those
        rows, is the check instead: a straight line rejects rows that are right on a
        curved boundary, or outside a class held in a box of a few columns' values
        (models saved before the boosting candidate keep the two-way choice). A class
        of at least 20 of those rows whose held-out rows the chosen check assigns to
        it less often than chance (1 / the number of classes) is not checked: the
        check cannot recognise it (a class set apart by a small spread, not a place).
        A scikit-learn classifier instead of True is cloned, fitted on the labels (so
        ``class_weight`` is keyed by label) and used as the check (for
        example ``SVC(class_weight='balanced')`` to always check with a curved
        boundary); False turns it off. The fitted check is
        not saved: it is refitted from the kept anchors when a loaded model first
        samples (``ganaug.save`` stores the check's kinds and a few common classifiers;
        a model with another classifier here can be pickled instead). Chosen on
        development data (see docs/design.md). Categories and missing-value flags
        are copied from the real row and a redraw keeps that row, so over a whole
        sample a class keeps its category shares and missing rates as without the
        check (``benchmarks/results/category_shares``). Redrawn rows are spread at
        random over their class's positions in the output, so the first rows of a
        sample are drawn like the whole.
    epochs : int or None, default=None
        Passes over the training set; each is ``ceil(n_rows / batch_size)`` steps.
        None: training length is ``max_steps`` generator steps, whatever the size of
        the data.
    max_steps : int or None, default=None
        Generator steps to train for (with ``d_steps`` discriminator steps each). None:
        300 for anchor conditioning (measured by training-split cross-validation on
        long-tailed digits: 100-1,000 steps score alike, see
        ``benchmarks/results/ablation``), 2,000 for label-conditioned tables and 4,000
        for images, unless ``epochs`` is set. Training stops at whichever of
        ``epochs``, ``max_steps`` and ``time_budget`` comes first.
    batch_size : int, default=64
        Rows per discriminator and generator step (capped at the number of rows).
    latent_dim : int or None, default=None
        Size of the generator's noise input (None: 128 for images; for tables, with
        anchor conditioning, the encoded width capped at 64, plus 16; with label
        conditioning, twice the encoded width, clipped to [8, 64]).
    width : int or None, default=None
        Architecture size: hidden units of the MLPs (None: 128 with anchor conditioning,
        chosen on development data, where it scored as well as 256 or better and halves
        the sampling time; 256 with label conditioning) or channels of the
        convolutional generator (None: 256 on CUDA, the CIFAR-10 size of SNGAN/BigGAN;
        64 on other devices). Small widths (16-32) train in seconds on a CPU.
    discriminator_width : int or None, default=None
        Hidden units / channels of the discriminator (None: same as ``width`` for
        tables; half of it, at least 8, for images, SNGAN's CIFAR-10 ratio).
    depth : int, default=2
        Hidden layers after the first in the tabular MLPs (ignored for images).
    generator_lr, discriminator_lr : float or None, default=None
        Adam learning rates (None: 2e-4 for images, the BigGAN/SNGAN setting; 1e-3 for
        tables).
    adam_betas : tuple of two floats or None, default=None
        Adam betas (None: (0.0, 0.999) for images, (0.0, 0.99) for tables).
    loss : {'hinge', 'ns', 'wgan-gp'}, default='hinge'
        Adversarial objective: hinge, non-saturating, or Wasserstein with gradient penalty.
    d_steps : int or None, default=None
        Discriminator updates per generator update (None: 1 for images, 2 for tables).
    diversity_weight : float, default=0.0
        Weight of a mode-seeking term (Mao et al., 2019) that pushes the generator to
        map distinct noise to distinct rows of the same class. It is off by default.
        With anchors (the table default), 1.0 scored higher on a training-split
        cross-validation of long-tailed digits (0.890 against 0.883) and on the
        development tables, but lower on the 20 core tables (77 wins /
        73 losses against SMOTE instead of 93 / 56) and in the main job (+0.9 points over
        ROSE instead of +1.2), both against the default of that time (before
        ``class_filter``).
    ema_decay : float, default=0.999
        Decay of the exponential moving average of the generator used for sampling.
    lecam_weight : float, default=0.0
        Weight of the LeCam regulariser on the discriminator (0 turns it off; 0.1-0.3
        helps with little or long-tailed data).
    gsr_weight : float, default=0.0
        Weight of group spectral regularisation of the generator's class-conditional
        batch norm (images only; 0 turns it off; ~0.5 for long-tailed data).
    diffaug : str or None, default='auto'
        Differentiable augmentation of images seen by the discriminator, a comma list of
        'color', 'translation', 'cutout'; 'auto' is 'translation,cutout' for images and
        nothing for tables.
    class_balanced : bool, default=True
        Draw training batches class-uniformly, so rare classes are seen as often as
        common ones.
    image_shape : tuple or None, default=None
        ``(H, W)`` or ``(H, W, C)`` of one image when X holds flattened images as rows
        (channels-last order); turns on the image networks.
    data_kind : {'auto', 'tabular', 'image'}, default='auto'
        What X holds; 'auto' reads it from X's shape and ``image_shape``.
    device : str, default='auto'
        'auto' (CUDA, else Apple MPS, else CPU), 'cpu', 'cuda', 'cuda:N' or 'mps'.
    mixed_precision : bool or 'auto', default='auto'
        bf16 autocast on CUDA GPUs that run bf16 natively ('auto' and True); full
        precision on older GPUs (float16 would need a loss scaler) and other devices.
    compile : bool or str, default=False
        ``torch.compile`` the networks (worth it for long GPU runs); a string picks the
        mode ('default', 'reduce-overhead' adds CUDA graphs, 'max-autotune', ...).
    time_budget : float or None, default=None
        Stop training after this many seconds (wall clock), even before ``epochs``. It
        bounds each GAN: a ``GANAugmenter`` fitted with y trains one per class (one
        after another with ``n_jobs=1``), each within this budget.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batches and sampling through local generators;
        global numpy and torch random state is never touched. An int gives the same
        model and rows again on the same machine and software; on another processor
        or GPU, torch's float arithmetic may differ in the last bits, and so may the
        samples.
    verbose : int, default=0
        0: silent. 1: a tqdm progress bar per GAN that stays on screen, and one summary
        line (device, conditioning, training length, main settings, seconds) when the
        fit ends. 2: also one line of losses per epoch (``d_loss``, ``g_loss``, and the
        discriminator's mean scores of real and generated rows, ``D(real)`` /
        ``D(fake)``).
    n_jobs : int or None, default=None
        Parallel jobs (joblib) for per-class GANs of ``GANAugmenter``; they follow the
        active joblib backend, so ``with joblib.parallel_backend("dask"):`` runs them on
        a Dask cluster. With ``device='auto'`` a job in a worker takes the worker's GPU
        (``cuda:{worker_index % n_gpus}``; see ``ganaug.distributed.select_device``).
    warm_start : bool, default=False
        When True, ``fit`` keeps the raw generator, discriminator and Adam states
        (``train_state_``), and a later ``fit`` on a model fitted this way continues
        training for ``epochs`` more epochs, or ``max_steps`` more steps (by default 300
        more with anchor conditioning; same classes, features and data kind; the fitted
        codec is kept) instead of starting over, on new batches and noise (the
        segment's seed mixes in the steps already trained: reproducible, not a
        replay of the first segment). ``history_`` then spans all fits. A first fit,
        or one on a model fitted with ``warm_start=False``, starts from scratch.
        Whatever its setting, a ``fit`` that is interrupted (``KeyboardInterrupt``) or
        fails leaves the estimator as it was before the call.
    distributed : bool or 'auto', default='auto'
        Data-parallel training of one GAN over ``torch.distributed`` ranks (DDP: each
        rank trains on its stratified shard, gradients are averaged, every rank ends
        with the same fitted estimator). 'auto' turns it on when the script runs under
        ``torchrun`` or a process group of several processes is initialised; False
        trains independently in each process. ``batch_size`` is per rank. See
        ``docs/scaling.md``.
    cpu_threads : int, 'auto' or None, default='auto'
        torch CPU threads during ``fit`` and ``sample`` only (the process-wide setting
        is restored afterwards; when calls overlap in threads, by the last to finish: a
        thread whose call ended while another was running may keep the call's count,
        as torch's setting is partly per thread, partly shared; set it again there, or
        pass None). 'auto': 1 for the small tabular networks on the CPU,
        torch's own setting for images and GPUs; None: never touch it. Image networks on
        the CPU train slightly different weights with another thread count (sums run
        in another order), and joblib's worker processes run fewer threads than the
        fitting process: for the same image samples whatever ``n_jobs`` (or machine),
        set an int, e.g. ``cpu_threads=1`` (giving each worker the fitting process's
        count instead would oversubscribe the cores).
    categorical_features : 'auto', None or array-like of str, int or bool, default='auto'
        Categorical columns of a table, as for imbalanced-learn's ``SMOTENC``: 'auto'
        reads them from DataFrame dtypes (category, object, string, bool, and dates,
        durations, periods and intervals, whose new values are then values seen in
        training) and from the values of numpy object arrays; or a list of column
        names, a list of column positions (ints; on a frame whose columns are named
        by other ints, where names and positions disagree, refused: pass a boolean
        mask), or a boolean mask (a column left out of the list must hold numbers: a
        category or text column left out is refused). Tables with categorical columns
        or missing values (DataFrames and object arrays) go through
        ``ganaug.data.TabularEncoder``:
        one-hot blocks (copied from the anchor with anchor conditioning; Gumbel-softmax
        heads of the label-conditioned generator), continuous columns
        by a quantile map to a standard normal, missing values as indicators; the
        output has the caller's columns, order and dtypes, numbers inside the training
        range (float columns of whole numbers with repeats, at most half of the values
        distinct, such as counts and levels, stay on them), categories only from those
        seen. With anchor conditioning, categories and missing values follow the
        class's own rows (values folded into "other" by their class's shares): on a
        65-row class of a mixed diabetes frame, category shares stayed within 0.1 and
        missing-value rates within 0.06 of the real class's
        (``tests/test_first_hour.py``); label conditioning gives no such guarantee.
        Purely numeric tables without missing values keep the standardising encoder
        (columns whose range is over 1,000 times the spread of their
        middle 90 %, squeezed by a few extreme values, on an ``asinh`` scale).
    max_categories : int, default=50
        One-hot slots per categorical column; rarer values share an "other" slot that
        is decoded by drawing from their training frequencies (bounded memory for
        columns with thousands of categories).
"""

_ATTRS_DOC = """
    classes_ : ndarray or None
        Class labels seen in ``fit`` (None for a GANAugmenter fitted without y).
    class_counts_ : ndarray
        Rows per class in ``fit``.
    sampling_strategy_ : dict
        Rows to add per class, as computed by imbalanced-learn.
    device_ : torch.device
        The device training ran on and sampling runs on.
    data_kind_ : {'tabular', 'image'}
        The kind of data detected in X.
    codec_ : NumericEncoder, TabularEncoder or ImageCodec
        Maps rows to the networks' space and back.
    class_filter_ : bool or classifier
        ``class_filter`` as fitted (an unfitted clone, every ``random_state`` left at
        None fixed to 0): what the check is refitted from after loading, whatever the
        parameter says later.
    history_ : dict of str to list of float
        Per-epoch mean losses, one list per key ('d_loss', 'g_loss', 'd_real',
        'd_fake'), always this shape. For a ``GANAugmenter`` fitted with y (one GAN per
        class), entry ``i`` is the mean over the class GANs that ran an ``i``-th epoch;
        each class's own history is in ``class_history_``.
    n_features_in_ : int
        Number of features (values per image for images).
    feature_names_in_ : ndarray
        Column names, when X was a DataFrame.
    train_state_ : list of dict
        Only with ``warm_start=True``: per GAN (one, or one per class), the raw
        generator, discriminator, EMA generator and Adam states as CPU tensors, with the
        step count and history, from which the next ``fit`` continues.
"""


class ConditionalGANAugmenter(BaseGANAugmenter):
    _conditional_generator = True

    __doc__ = f"""Oversample with one class-conditional GAN.

    One generator makes every class, so a request for ``n`` rows of a class returns
    exactly ``n`` rows of that class, even for rare classes. Tables (by default): the
    generator starts from a real row of the requested class (an anchor) and a pair
    discriminator judges (anchor, row) pairs (see ``conditioning``). Images: the class is
    an input of a conditional ResNet generator and of a spectrally normalised projection
    discriminator.

    Parameters
    ----------{_PARAMS_DOC}
    Attributes
    ----------
    generator_ : torch.nn.Module
        The EMA generator, in eval mode.{_ATTRS_DOC}
    See Also
    --------
    GANAugmenter : one unconditional GAN (or one per class).
    imblearn.over_sampling.RandomOverSampler : same sampling_strategy semantics.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from ganaug import ConditionalGANAugmenter
    >>> X, y = make_classification(n_samples=100, weights=[0.8], random_state=0)
    >>> aug = ConditionalGANAugmenter(max_steps=10, random_state=0)
    >>> X_res, y_res = aug.fit_resample(X, y)
    >>> X_res.shape  # 81 rows of class 0: 81 new rows of class 1 join its 19
    (162, 20)
    >>> X_new, y_new = aug.sample(5, y=1)
    >>> y_new.tolist()
    [1, 1, 1, 1, 1]
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the conditional GAN on ``X`` with labels ``y``.

        Parameters
        ----------
        X : array-like or DataFrame
            A table (n_samples, n_features; numbers, categories, text and missing values
            in a DataFrame or object array) or images (see ``image_shape``). Dense data
            only: a scipy sparse matrix or pandas sparse columns get a TypeError (convert
            with ``X.toarray()`` / ``X.sparse.to_dense()``).
        y : array-like of shape (n_samples,)
            Class labels (ints, strings, pandas categories).

        Returns
        -------
        self : ConditionalGANAugmenter
        """
        return self._fit(X, y, requires_y=True)

    def _train(self, data, codes, rng):
        seed = int(rng.randint(MAX_SEED))
        self.generator_, self.history_, state = self._fit_one(
            data, codes, len(self.classes_), seed, "cGAN", resume(self, 0)
        )
        keep_train_state(self, [state])

    def _generator_for(self, code):
        return self.generator_, True


class GANAugmenter(BaseGANAugmenter):
    __doc__ = f"""Oversample with unconditional GANs: one GAN, or one per class.

    ``fit(X)`` trains one GAN on all rows and ``sample(n)`` returns ``X`` only;
    ``fit(X, y)`` (and ``fit_resample``) trains one GAN per class, in parallel with
    ``n_jobs``, and ``sample`` returns ``(X, y)``. On tables each GAN is, by default, an
    anchor generator of its rows (``conditioning``), whose noise still pools the
    within-class variation of all classes when y is given.

    Parameters
    ----------{_PARAMS_DOC}
    Attributes
    ----------
    generator_ : torch.nn.Module
        The EMA generator when fitted without y.
    generators_ : torch.nn.ModuleList
        The EMA generators of the classes trained when fitted with y: every class for
        ``fit(X, y)``, only the oversampled ones for ``fit_resample`` (all of them with
        ``warm_start=True``).
    generator_index_ : ndarray of int
        Position in ``generators_`` of each class of ``classes_`` (-1: not trained).{_ATTRS_DOC}
    class_history_ : dict
        Only when fitted with y: each trained class's label mapped to its GAN's
        history (the shape of ``history_``).

    See Also
    --------
    ConditionalGANAugmenter : one GAN for all classes, the class as an input.

    Examples
    --------
    >>> import numpy as np
    >>> from ganaug import GANAugmenter
    >>> X = np.random.RandomState(0).normal(size=(50, 3))
    >>> aug = GANAugmenter(epochs=1, random_state=0).fit(X)
    >>> aug.sample(4).shape
    (4, 3)
    """

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Train one GAN on ``X`` (``y=None``) or one GAN per class of ``y``.

        Parameters
        ----------
        X : array-like or DataFrame
            A table (n_samples, n_features; numbers, categories, text and missing values
            in a DataFrame or object array) or images (see ``image_shape``). Dense data
            only: a scipy sparse matrix or pandas sparse columns get a TypeError (convert
            with ``X.toarray()`` / ``X.sparse.to_dense()``).
        y : array-like of shape (n_samples,) or None, default=None
            Class labels; None trains a single unconditional GAN.

        Returns
        -------
        self : GANAugmenter
        """
        return self._fit(X, y, requires_y=False)

    def _train(self, data, codes, rng):
        if codes is None:
            seed = int(rng.randint(MAX_SEED))
            self.generator_, self.history_, state = self._fit_one(
                data, None, 0, seed, "GAN", resume(self, 0)
            )
            for stale in ("class_history_", "generators_", "generator_index_"):
                self.__dict__.pop(stale, None)  # a previous per-class fit's
            keep_train_state(self, [state])
            return
        seeds = rng.randint(MAX_SEED, size=len(self.classes_))
        labels = self.classes_.tolist()
        needed = getattr(self, "_needed", None)  # fit_resample: the oversampled classes
        if needed is not None:
            needed = {class_position(self.classes_, c) for c in needed}
        todo = [k for k in range(len(labels))
                if needed is None or self.warm_start or k in needed]
        prefer = "threads" if self.device_.type != "cpu" else None
        # under DDP the ranks train the classes one after another, in step
        n_jobs = _ddp.n_jobs(self)
        results = Parallel(n_jobs=n_jobs, prefer=prefer)(
            delayed(self._fit_one)(
                data[codes == k], None, 0, int(seeds[k]), f"GAN[{labels[k]}]", resume(self, k)
            )
            for k in todo
        )
        self.__dict__.pop("generator_", None)  # a previous fit's, without y
        self.generators_ = nn.ModuleList([g for g, _, _ in results])
        # class code -> position in generators_ (-1: not trained by this fit_resample)
        self.generator_index_ = np.full(len(labels), -1, dtype=np.int64)
        self.generator_index_[todo] = np.arange(len(todo))
        self.class_history_ = {labels[k]: h for k, (_, h, _) in zip(todo, results)}
        self.history_ = _mean_history([h for _, h, _ in results])
        keep_train_state(self, [s for _, _, s in results])

    def _generator_for(self, code):
        if code is None:
            return self.generator_, False
        index = getattr(self, "generator_index_", None)
        pos = code if index is None else int(index[code])
        if pos < 0:
            raise ValueError(
                f"No GAN was trained for class {self.classes_.tolist()[code]!r}: fit_resample "
                "trains only the classes it oversamples. Call fit(X, y) to train one per "
                "class, then sample."
            )
        return self.generators_[pos], False


def _mean_history(histories: list[dict]) -> dict[str, list[float]]:
    """Epoch-by-epoch mean of several GANs' histories (over those that ran that epoch;
    none, when a ``fit_resample`` had no class to oversample: empty lists)."""
    out: dict[str, list[float]] = {k: [] for k in HISTORY_KEYS}
    for k in out if histories else ():
        runs = [h[k] for h in histories]
        longest = max(len(r) for r in runs)
        out[k] = [float(np.mean([r[i] for r in runs if len(r) > i])) for i in range(longest)]
    return out

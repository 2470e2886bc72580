"""What ``fit`` does after validation: choose the codec, resolve defaults, build and train.

The estimators call :func:`fit_common` once per fit and :func:`fit_one` once per GAN.
Network classes live in ``ganaug/nn/`` (built from plain sizes by
:func:`ganaug.nn.build.build_networks`); the training loop lives in ``ganaug/train.py``.
:func:`build_generator` and :func:`generator_classes` are how ``ganaug.io`` rebuilds the
generators of a saved estimator.
"""

from __future__ import annotations

import copy
import time
import warnings

import numpy as np
import torch
from sklearn.utils import check_random_state
from torch import nn

from . import _ddp
from ._class_filter import fit_check, snapshot
from ._device import MAX_SEED, amp_dtype, cpu_threads, torch_defaults
from ._sampling import _outside_levels, class_column_shares, warn_if_collapsed
from ._warm import arch_value, check_warm, warm_ready
from .data import (
    ImageCodec,
    NumericEncoder,
    TabularEncoder,
    neighbour_pairs,
    pooled_share,
    pooled_within_class_root,
)
from .nn.build import build_networks
from .nn.diffaug import parse_policy
from .train import TrainConfig, train_gan

# Generator steps when ``epochs`` and ``max_steps`` are None (see the ``max_steps`` doc)
DEFAULT_STEPS = {"anchor": 300, "label": 2000, "image": 4000}


@torch_defaults(grad=True)  # the caller's no_grad / float64 default do not reach training
def fit_common(est, X, y, kind: str, mixed: bool) -> None:
    """Everything ``fit`` does after validation: encode, train, remember.

    ``kind`` and ``mixed`` are what validation found (data kind; whether a table needs
    the mixed-type encoder).
    """
    est.__dict__.pop("_device_generators", None)  # sampling's device copies of the old fit
    # DDP under torchrun / an initialised process group (ganaug/_ddp.py)
    comm, est.device_ = _ddp.start(est)
    est._comm = comm
    # None: fresh OS entropy, never numpy's global RandomState (which
    # check_random_state(None) would return and advance)
    rng = (np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
           if est.random_state is None else check_random_state(est.random_state))
    rng = _ddp.shared_rng(comm, rng)
    warm = warm_ready(est)
    # a warm refit's history continues the previous fit's: the summary counts this fit's
    before = len(est.history_["d_loss"]) if warm and hasattr(est, "history_") else 0
    if warm:
        check_warm(est, kind, mixed, X, y)
    if y is not None:
        classes, codes, counts = np.unique(
            np.asarray(y), return_inverse=True, return_counts=True
        )
        codes = codes.astype(np.int64).ravel()
        if warm and not np.array_equal(classes, est.classes_):
            raise ValueError(
                f"warm_start=True continues training on the classes of the first fit "
                f"{est.classes_.tolist()}; got classes {classes.tolist()}. Set "
                "warm_start=False to start over."
            )
    data = _encode(est, X, kind, mixed, warm, rng)
    est.data_kind_ = kind
    est.__dict__.pop("class_tail_probs_", None)  # a previous fit's
    est.__dict__.pop("class_reach_", None)
    if y is not None and isinstance(est.codec_, TabularEncoder):  # folded rare values
        tails = est.codec_.class_tail_probs(X, codes)
        if tails:  # per class: drawn from the class's own rows, not the whole table's
            est.class_tail_probs_ = tails
    if y is not None and isinstance(est.codec_, TabularEncoder | NumericEncoder):
        reach = est.codec_.class_reach(X, codes)
        if reach:  # numbers kept near their class's (sampling clips to these)
            est.class_reach_ = reach
    previous = getattr(est, "hparams_", {}) if warm else {}
    est.hparams_ = resolve_hparams(est)
    if "width" in previous:  # a warm refit continues the networks it has, whatever
        est.hparams_["width"] = previous["width"]  # device it now runs on
    if y is not None and est.hparams_["conditioning"] != "anchor":
        small = classes[counts < 2]
        if len(small):  # an anchor generator starts from the row (pooled noise around it)
            raise ValueError(
                f"Classes {small.tolist()} have fewer than 2 samples; a label-conditioned "
                "GAN cannot learn a class from one row. Remove them or merge them with "
                "another class (tables: conditioning='anchor', the default, accepts them)."
            )
    # what the networks' shapes depend on: a warm refit must keep them
    est.arch_params_ = {k: arch_value(getattr(est, k)) for k in (
        "width", "discriminator_width", "depth", "latent_dim", "conditioning", "spread",
        "image_shape")}
    if y is None:
        est.classes_, codes = None, None
        est.__dict__.pop("class_counts_", None)  # a previous fit's, with y
    else:
        est.classes_ = classes
        est.class_counts_ = counts
    est._resume_states = list(est.train_state_) if warm else None
    # anchor mode: the noise every generator starts from is pooled over all classes,
    # also when GANAugmenter trains one generator per class on that class's rows
    est._noise_root = None
    if est.hparams_["conditioning"] == "anchor":
        rank = min(est.hparams_["latent_dim"], est.codec_.n_features_)
        est._noise_root = pooled_within_class_root(
            data, codes, rank, getattr(est.codec_, "spans_", None))
        if (codes is not None and not est._noise_root.any()
                and any(n > 0 for n in est.sampling_strategy_.values())
                # the root sees continuous columns only: a table of categories varies
                # where its classes hold different rows
                and not any(len(np.unique(data[codes == c], axis=0)) > 1
                            for c in np.unique(codes))):
            warnings.warn(
                "No class has two different rows, so there is no within-class variation "
                "to learn from: the new rows are copies of real rows (as "
                "RandomOverSampler's).",
                UserWarning, stacklevel=_outside_levels(),
            )
    t0 = time.perf_counter()
    try:
        _ddp.check_same_data(comm, data, codes, X)
        est.class_filter_ = snapshot(est.class_filter)
        # the check first: a classifier that cannot fit these rows fails before training
        anchor = est.hparams_["conditioning"] == "anchor" and codes is not None
        judge = (fit_check(est.class_filter_, np.asarray(data, dtype=np.float32),
                           np.asarray(codes, dtype=np.int64), est.classes_,
                           tree=est.hparams_.get("tree_check", False))
                 if anchor else None)
        est._train(data, codes, rng)
        keep_anchors(est, data, codes)
        est._class_judge = judge
        # it samples: on torch's threads as training and sampling are (in a fork()ed
        # child of a process that used them, the inherited pool hung)
        with cpu_threads(est.cpu_threads, est.device_, est.data_kind_):
            warn_if_collapsed(est, data, codes)
    except BaseException:
        if comm is not None:  # a group ganaug started goes with the failed fit
            comm.release()
        raise
    finally:
        del est._resume_states
        del est._noise_root
        est.__dict__.pop("_pairs", None)
        del est._comm
    est._sample_rng = np.random.RandomState(rng.randint(MAX_SEED))
    if est.verbose and _ddp.is_main(comm):
        hp = est.hparams_
        caps = [f"{hp['max_steps']} generator steps" if hp["max_steps"] else None,
                f"{est.epochs} epochs" if est.epochs else None,
                f"{est.time_budget:g} s" if est.time_budget else None]
        # what trained, and what could have stopped it (whichever came first did)
        ran = len(est.history_["d_loss"]) - before
        length = (f"{ran} epoch{'s' * (ran != 1)} trained (stops at "
                  f"{' / '.join(c for c in caps if c)})")
        print(f"{type(est).__name__} fitted in {time.perf_counter() - t0:.1f} s on "
              f"{est.device_}: {est.data_kind_} data, {hp['conditioning']} "
              f"conditioning, {length}, latent {hp['latent_dim']}, lr "
              f"{hp['generator_lr']:g}/{hp['discriminator_lr']:g}, d_steps "
              f"{hp['d_steps']}, batch {_batch_used(est, comm, len(data))}", flush=True)


def _batch_used(est, comm, rows: int) -> str:
    """The batch size the summary shows: as trained (each GAN caps it at its rows)."""
    if getattr(est, "generators_", None) is not None and est.classes_ is not None:
        return f"{est.batch_size} (at most each class's rows)"
    if comm is not None:
        return f"{est.batch_size} per rank (at most its shard's rows)"
    return str(min(est.batch_size, rows))


def _encode(est, X, kind: str, mixed: bool, warm: bool, rng) -> np.ndarray:
    """Fit the codec (kept on a warm refit) and return the encoded rows."""
    if warm:  # keep the codec: the generator's output space is defined by it
        if kind == "image":  # but sample() returns this fit's container (a frame or not):
            # on a copy, so a refit that fails later leaves the kept codec as it was
            est.codec_ = copy.copy(est.codec_)
            est.codec_.columns_ = getattr(X, "columns", None)
            est.codec_.frame_dtypes_ = getattr(X, "dtypes", None)
            return est.codec_.to_storage(X)
        return est.codec_.transform(X)
    if kind == "image":
        est.codec_ = ImageCodec().fit(X, est.image_shape)
        return est.codec_.to_storage(X)
    if mixed:
        est.codec_ = TabularEncoder(
            categorical_features=est.categorical_features,
            max_categories=est.max_categories,
            random_state=int(rng.randint(MAX_SEED)),
        ).fit(X)
    else:
        est.codec_ = NumericEncoder().fit(X)
    return est.codec_.transform(X)


def resolve_hparams(est) -> dict:
    """Kind-dependent defaults for the parameters left at None.

    Images follow the BigGAN/SNGAN recipe (z of 128, Adam 2e-4, betas (0, 0.999)).
    Tables use a faster schedule (Adam 1e-3, betas (0, 0.99)) and a small z
    (twice the encoded width, clipped to [8, 64]): on the 8-Gaussian ring a z of 64
    and an SN critic left the generator on the curve between modes, while z=8 and a
    plain critic covered all modes within ~1,500 steps; with one critic step per
    generator step one seed in three still collapsed, with two none did (seeds 0-2).
    Tables also get their MLP width here (128 for the anchor residual, 256 for label
    conditioning), so a saved model rebuilds the network it was fitted with.
    """
    image = est.data_kind_ == "image"
    mode = conditioning(est)
    if image:
        latent = 128
    elif mode == "anchor":  # the noise root takes min(latent, d) of them; the residual all
        latent = int(min(est.codec_.n_features_, 64) + 16)
    else:
        latent = int(np.clip(2 * est.codec_.n_features_, 8, 64))
    lr = 2e-4 if image else 1e-3
    steps = None
    if est.epochs is None:
        steps = est.max_steps or DEFAULT_STEPS[mode if not image else "image"]
    elif est.max_steps is not None:
        steps = est.max_steps
    return {
        "conditioning": mode,
        "max_steps": steps,
        "latent_dim": est.latent_dim or latent,
        "generator_lr": est.generator_lr or lr,
        "discriminator_lr": est.discriminator_lr or lr,
        "adam_betas": tuple(est.adam_betas or ((0.0, 0.999) if image else (0.0, 0.99))),
        "d_steps": est.d_steps or (1 if image else 2),
    } | ({} if mode != "anchor" else {
        # noise from each anchor's neighbours too, mixed by class size (files saved
        # before lack the key and sample with pooled noise only, as they were trained)
        "neighbour_noise": True,
        # the pooled part of a class's noise capped by the class's own spread per
        # column (files saved before lack the key and sample as they were trained)
        "column_shares": True,
        # new rows keep values many of a class's rows share (files saved before lack
        # the key and sample as they were saved)
        "point_masses": True,
        # the class check's choice has a gradient-boosting candidate (files saved
        # before lack the key and keep the logistic / RBF choice they sampled with)
        "tree_check": True,
    }) | ({
        # images: CIFAR-grade size on a GPU (BigGAN/SNGAN CIFAR use 256), small
        # elsewhere; kept, so a model fitted on a GPU rebuilds (load, warm refit on a
        # CPU) the network it was fitted with
        "width": est.width or (256 if est.device_.type == "cuda" else 64),
    } if image else {
        # tables: 128 hidden units for the anchor residual (development data: as good
        # as 256 or better, and half the sampling time), 256 for label conditioning
        "width": est.width or (128 if mode == "anchor" else 256),
    })


def conditioning(est) -> str:
    """'anchor' or 'label' (see the ``conditioning`` parameter)."""
    if est.conditioning != "auto":
        if est.conditioning == "anchor" and est.data_kind_ == "image":
            raise ValueError(
                "conditioning='anchor' is for tables; images use the conditional "
                "ResNet (conditioning='label' or 'auto')."
            )
        return est.conditioning
    return "label" if est.data_kind_ == "image" else "anchor"  # 'auto'


def train_config(est, desc: str) -> TrainConfig:
    """The :class:`~ganaug.train.TrainConfig` of one GAN of this fit."""
    comm = _ddp.comm_of(est)
    amp = amp_dtype(est.device_, est.mixed_precision)
    hp = est.hparams_
    policy = est.diffaug
    if policy == "auto":
        policy = "translation,cutout" if est.data_kind_ == "image" else None
    return TrainConfig(
        epochs=est.epochs, max_steps=hp["max_steps"], batch_size=est.batch_size,
        latent_dim=hp["latent_dim"],
        g_lr=hp["generator_lr"], d_lr=hp["discriminator_lr"],
        betas=tuple(float(b) for b in hp["adam_betas"]), loss=est.loss,
        d_steps=hp["d_steps"], diversity_weight=est.diversity_weight,
        ema_decay=est.ema_decay, lecam_weight=est.lecam_weight,
        gsr_weight=est.gsr_weight if est.data_kind_ == "image" else 0.0,
        time_budget=est.time_budget,
        policy=parse_policy(policy) if est.data_kind_ == "image" else (),
        class_balanced=est.class_balanced, amp_dtype=amp,
        channels_last=est.device_.type == "cuda",
        compile=True if est.compile == "default" else est.compile,
        verbose=est.verbose if _ddp.is_main(comm) else 0, desc=desc, comm=comm,
    )


def build_for(est, n_classes: int, seed: int) -> tuple[nn.Module, nn.Module]:
    """Fresh G and D for a fitted estimator (its codec, ``hparams_`` and ``device_``).

    The sizes are the fit's (``arch_params_``), not the current parameters: a
    ``set_params(width=...)`` after fitting must not change the networks that a saved
    file's weights are loaded into.
    """
    arch = {k: getattr(est, k) for k in ("width", "discriminator_width", "depth")}
    arch.update({k: v for k, v in getattr(est, "arch_params_", {}).items() if k in arch})
    if est.data_kind_ == "image":  # files saved before hparams_ kept it: by device
        width = (arch["width"] or est.hparams_.get("width")
                 or (256 if est.device_.type == "cuda" else 64))
        # D at half G's width: SNGAN's CIFAR recipe, the measured configuration
        d_width = arch["discriminator_width"] or max(width // 2, 8)
    else:  # files saved before the width was resolved at fit time: 256
        width = arch["width"] or est.hparams_.get("width") or 256
        d_width = arch["discriminator_width"] or width
    return build_networks(
        est.data_kind_, est.hparams_["conditioning"],
        latent_dim=est.hparams_["latent_dim"], n_classes=n_classes, seed=seed,
        width=width, discriminator_width=d_width, depth=arch["depth"],
        n_features=getattr(est.codec_, "n_features_", None),
        spans=getattr(est.codec_, "spans_", None),
        image_shape=getattr(est.codec_, "shape_", None),
    )


def build_generator(est, n_classes: int) -> nn.Module:
    """A freshly initialised generator of a fitted estimator, to load saved weights into.

    Parameters
    ----------
    est : GANAugmenter or ConditionalGANAugmenter
        An estimator with its fitted attributes set (codec, ``hparams_``, ``device_``).
    n_classes : int
        Classes the generator takes as input (see :func:`generator_classes`).

    Returns
    -------
    torch.nn.Module
        The generator (built on torch's current default device, e.g. "meta").
    """
    return build_for(est, n_classes, 0)[0]


def generator_classes(est) -> int:
    """Classes the estimator's single generator takes as input (0: unconditional).

    Parameters
    ----------
    est : GANAugmenter or ConditionalGANAugmenter
        A fitted estimator.

    Returns
    -------
    int
        ``len(classes_)`` for a class-conditional generator, else 0.
    """
    classes = getattr(est, "classes_", None)
    if classes is None:
        return 0
    return len(classes) if est._conditional_generator else 0


@torch_defaults(grad=True)  # also in joblib / Dask workers (per-class GANs, n_jobs)
def fit_one(est, data: np.ndarray, codes, n_classes: int, seed: int, desc: str,
            resume: dict | None = None):
    """Build and train one GAN.

    Returns (EMA generator on CPU, history, train state or None). ``resume`` is a
    train state kept by an earlier fit (warm start); it is copied, never modified, so
    an interrupted fit leaves it intact. The train state (CPU tensors) is returned
    only when ``warm_start`` is set.
    """
    with cpu_threads(est.cpu_threads, getattr(est, "device_", None),
                     getattr(est, "data_kind_", None)):
        return _fit_one(est, data, codes, n_classes, seed, desc, resume)


def _fit_one(est, data, codes, n_classes, seed, desc, resume):
    G, D = build_for(est, n_classes, seed)
    anchor = est.hparams_["conditioning"] == "anchor"
    if anchor and resume is None:  # the generator's starting noise model
        G.prior.copy_(float(est.spread) * torch.from_numpy(est._noise_root))
        if not torch.isfinite(G.prior).all():  # before training, not as a divergence
            raise ValueError(
                f"spread={est.spread!r} makes the generator's noise overflow float32 "
                "(it multiplies the pooled within-class spread); use a spread of a few "
                "units at most (default 0.7).")
    checkpoint = copy.deepcopy(resume) if resume is not None else (
        {} if est.warm_start else None
    )
    # a warm refit's segment draws other batches and noise than the first segment's
    # (the same seed replayed them exactly): its seed mixes in the steps already trained
    # (mixed, not added: seed + steps could equal another rank's or class's seed)
    done = int(resume.get("step", 0)) if resume is not None else 0
    torch_seed = (int(np.random.SeedSequence([seed, done]).generate_state(1)[0]) if done
                  else seed)
    device, gen_seed = _ddp.job_setup(est, torch_seed + 1)
    gen = torch.Generator(device=device).manual_seed(gen_seed)
    if getattr(G, "heads", None) is not None:  # Gumbel noise of the one-hot heads
        G.heads.noise_generator = gen
    share = None
    if anchor and est.hparams_.get("neighbour_noise"):  # pooled share per class, by size
        rows = est.class_counts_ if codes is not None else np.array([len(data)])
        rows = np.asarray(rows, dtype=np.float64)
        # a class of one row has no neighbour: all its noise is pooled, as in sampling
        shares = np.where(rows < 2, 1.0, pooled_share(rows))[:, None]
        if est.hparams_.get("column_shares"):  # capped by each class's own spread
            # a warm refit's G gets its weights (prior included) in train_gan: the
            # kept state's prior, which training never changes
            prior = (G.prior if resume is None else resume["G"]["prior"])
            prior = prior.detach().cpu().numpy()
            groups = ([data] if codes is None
                      else [data[codes == c] for c in range(len(rows))])
            shares = np.stack([class_column_shares(est, g, prior, float(s[0]))
                               for g, s in zip(groups, shares)])
        share = torch.as_tensor(shares, dtype=torch.float32, device=device)
    partners = own = None
    if anchor:  # real pairs: each row and its nearest neighbours of the same class,
        # among all rows, also under DDP (a class dealt one row a rank keeps its pairs):
        # every rank holds all rows and draws its batches' anchors from its own shard
        pairs = pairs_of(est, data, codes)
        est._pairs = pairs  # sampling reuses them (keep_anchors)
        partners = torch.from_numpy(pairs).to(device)
        idx = _ddp.shard_rows(est, codes, len(data), seed)
        own = None if idx is None else torch.from_numpy(idx).to(device)
    else:
        data, codes = _ddp.shard(est, data, codes, seed)  # DDP: this rank's stratified shard
    # a read-only caller's array (np.load mmap_mode='r') is copied, not shared: torch
    # warns about writing through a non-writable array
    x = torch.from_numpy(np.require(data, requirements=("C", "W"))).to(device)
    y = None if codes is None else torch.from_numpy(codes).to(device)
    scale, offset = (
        (est.codec_.scale, est.codec_.offset) if est.data_kind_ == "image" else (1.0, 0.0)
    )
    G_ema, history = train_gan(
        G, D, x, y, n_classes, train_config(est, desc), gen, scale, offset,
        checkpoint=checkpoint, partners=partners, share=share, rows=own,
    )
    if resume is not None:
        history = {k: list(resume["history"].get(k, [])) + v for k, v in history.items()}
    if checkpoint is not None:
        checkpoint["history"] = {k: list(v) for k, v in history.items()}
    return G_ema.cpu(), history, checkpoint


def keep_anchors(est, data: np.ndarray, codes: np.ndarray | None) -> None:
    """Anchor mode: keep the encoded training rows that sampling starts from."""
    if est.hparams_["conditioning"] != "anchor":
        for name in ("anchors_", "anchor_codes_", "anchor_partners_", "_pairs"):
            est.__dict__.pop(name, None)
        return
    est.anchors_ = np.asarray(data, dtype=np.float32)
    est.anchor_codes_ = None if codes is None else np.asarray(codes, dtype=np.int64)
    pairs = est.__dict__.pop("_pairs", None)  # the training's, when it saw all rows
    if pairs is None or len(pairs) != len(data):
        pairs = pairs_of(est, data, codes)
    est.anchor_partners_ = pairs


def pairs_of(est, data: np.ndarray, codes: np.ndarray | None) -> np.ndarray:
    """:func:`~ganaug.data.neighbour_pairs` of encoded rows. Copies are told by the
    columns the generator moves, in the codec's unspread encoding: a table's encoder
    spreads tied values apart, and real pairs take the anchor's categories and missing
    flags, so rows that differ only there make a pair of equal rows."""
    if not hasattr(est.codec_, "tie_keys"):
        return neighbour_pairs(data, codes)
    keys = est.codec_.tie_keys(data)
    for start, stop, kind in getattr(est.codec_, "spans_", None) or ():
        if kind == "softmax":
            keys[:, start:stop] = 0.0
    return neighbour_pairs(data, codes, keys=keys)


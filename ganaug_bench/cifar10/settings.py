"""Protocols, arms and the settings of one CIFAR-10 benchmark invocation."""

from __future__ import annotations

from dataclasses import dataclass, field

PROTOCOLS: dict[str, tuple[str, float | None]] = {
    "lt100": ("lt", 100.0),
    "lt10": ("lt", 10.0),
    "frac0.1": ("frac", 0.1),
    "frac0.2": ("frac", 0.2),
    "full": ("full", None),
}
ARMS = ("none", "ros", "rose", "smote", "reweight", "drw", "mixup", "gan", "cgan", "cgan+filter")
CLASSIC = ("ros", "rose", "smote", "reweight", "drw", "mixup")
TORCH_ONLY = ("drw", "mixup")
DRW_FROM = 0.8  # share of classifier steps before the class weights switch on
MIXUP_ALPHA = 1.0
METRICS = ("top1", "balanced_accuracy", "macro_f1", "many", "medium", "few")
CB_BETA = 0.9999  # class-balanced loss: effective number of samples (Cui et al. 2019)


# --------------------------------------------------------------------------- settings --
@dataclass
class GANSettings:
    """Settings shared by the ``gan`` and ``cgan`` arms (one training budget for both)."""

    steps: int = 20_000  # generator steps of the cGAN; converted to epochs of the split
    batch_size: int = 128  # images per D and G step
    width: int = 128  # generator / discriminator channels
    latent_dim: int = 128
    lr: float = 2e-4  # Adam lr of G and D
    betas: tuple[float, float] = (0.0, 0.999)
    d_steps: int = 2  # D steps per G step
    lecam_weight: float = 0.1
    gsr_weight: float = 0.5  # group spectral regularisation (used if the augmenter has it)
    diffaug: str = "translation,cutout"
    ema_decay: float = 0.999
    # seconds of GAN training per arm and seed (whichever of steps / budget ends first;
    # the per-class GANs of `gan` share it equally), used if the augmenter has it
    time_budget: float | None = 480.0
    n_jobs: int | None = None  # per-class GANs in parallel (GANAugmenter)
    compile: bool = False
    # sklearn track: epochs of the tabular GANs (None: the augmenters' own defaults, a
    # budget of generator steps; 300 epochs was the default before anchor conditioning)
    tabular_epochs: int | None = None
    tabular_width: int | None = None  # sklearn track: MLP width (None: augmenter default)


@dataclass
class Settings:
    """Everything that defines one benchmark invocation besides the arms and seeds."""

    protocol: str = "lt100"
    track: str = "torch"
    smoke: bool = False
    fake_data: bool = False
    device: str = "auto"
    pool_per_class: int | None = None  # subsample the training pool first (None: all)
    test_per_class: int | None = None  # subsample the test set (None: all 10,000)
    low_data_multiplier: float = 2.0  # frac protocols: grow every class to this x its size
    target_per_class: int | None = None  # overrides the sampling strategy
    filter_rounds: int = 4
    filter_with: str = "reweight"  # the real-data classifier that filters: none or reweight
    filter_oversample: float = 2.0  # candidates drawn per missing image in a round
    pca_components: int = 64  # sklearn track
    sklearn_pool_per_class: int = 500  # sklearn track: pool per class before the protocol
    gan: GANSettings = field(default_factory=GANSettings)


"""The image GAN on a CPU at tiny sizes: networks, DiffAugment, balanced batches, training."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ganaug import ConditionalGANAugmenter, GANAugmenter
from ganaug.nn.diffaug import diff_augment, parse_policy
from ganaug.nn.images import ImageDiscriminator, ImageGenerator, n_stages
from ganaug.nn.losses import gsr_penalty
from ganaug.train import GANTrainer, TrainConfig, _BatchSampler, train_gan

TINY_IMG = {
    "epochs": 1,
    "batch_size": 8,
    "width": 8,
    "latent_dim": 8,
    "device": "cpu",
    "random_state": 0,
}


@pytest.mark.parametrize(
    ("hw", "stages"), [((28, 28), 2), ((32, 32), 3), ((64, 64), 4), ((8, 8), 1), ((6, 6), 0)]
)
def test_networks_any_size(hw, stages):
    assert n_stages(*hw) == stages
    for c in (1, 3):
        G = ImageGenerator(8, (c, *hw), 8, n_classes=3)
        D = ImageDiscriminator((c, *hw), 8, n_classes=3)
        y = torch.tensor([0, 2])
        x = G(torch.randn(2, 8), y)
        assert x.shape == (2, c, *hw)
        assert float(x.detach().abs().max()) <= 1.0
        assert D(x, y).shape == (2,)
    # unconditional
    G0, D0 = ImageGenerator(8, (3, *hw), 8, 0), ImageDiscriminator((3, *hw), 8, 0)
    assert D0(G0(torch.randn(2, 8))).shape == (2,)


@pytest.mark.parametrize(
    ("shape", "dtype"),
    [((24, 28, 28), np.uint8), ((24, 32, 32, 3), np.uint8), ((24, 64, 64, 3), np.float32)],
    ids=["28x28-grey", "32x32-colour", "64x64-colour-float"],
)
def test_conditional_fit_sample(shape, dtype):
    rs = np.random.RandomState(0)
    if dtype == np.uint8:
        X = rs.randint(0, 256, size=shape).astype(np.uint8)
    else:
        X = rs.rand(*shape).astype(np.float32)
    y = np.array(["a"] * 16 + ["b"] * 8)
    aug = ConditionalGANAugmenter(
        **TINY_IMG, lecam_weight=0.1, gsr_weight=0.5, diffaug="color,translation,cutout"
    ).fit(X, y)
    assert set(aug.history_) >= {"d_loss", "g_loss", "d_real", "d_fake"}
    X_new, y_new = aug.sample(5, y="b")
    assert X_new.shape == (5, *shape[1:]) and X_new.dtype == X.dtype
    assert y_new.tolist() == ["b"] * 5
    assert X_new.min() >= X.min() - 1e-6 and X_new.max() <= X.max() + 1e-6
    X_res, y_res = aug.fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    assert np.bincount(np.unique(y_res, return_inverse=True)[1]).tolist() == [16, 16]


def test_unconditional_image_gan_and_width_defaults():
    X = np.random.RandomState(1).randint(0, 256, size=(16, 28, 28)).astype(np.uint8)
    aug = GANAugmenter(**TINY_IMG).fit(X)
    assert aug.sample(3).shape == (3, 28, 28)
    gen = aug.generator_
    assert gen.width == 8
    # D defaults to half the generator's width for images (at least 8)
    aug2 = ConditionalGANAugmenter(**{**TINY_IMG, "width": 32}).fit(
        X, np.repeat([0, 1], 8)
    )
    assert aug2.generator_.width == 32


# ------------------------------------------------------------------------ DiffAugment
@pytest.mark.parametrize("policy", ["color", "translation", "cutout", "color,translation,cutout"])
def test_diffaugment_shape_determinism(policy):
    ops = parse_policy(policy)
    x = torch.rand(6, 3, 28, 28) * 2 - 1
    a = diff_augment(x, ops, torch.Generator().manual_seed(3))
    b = diff_augment(x, ops, torch.Generator().manual_seed(3))
    c = diff_augment(x, ops, torch.Generator().manual_seed(4))
    assert a.shape == x.shape
    torch.testing.assert_close(a, b)
    assert not torch.equal(a, c)
    # differentiable: gradients reach the input
    xg = x.clone().requires_grad_(True)
    diff_augment(xg, ops, torch.Generator().manual_seed(0)).sum().backward()
    assert xg.grad is not None and torch.isfinite(xg.grad).all() and xg.grad.abs().sum() > 0


def test_translation_is_an_integer_shift():
    x = torch.arange(2 * 1 * 8 * 8, dtype=torch.float32).view(2, 1, 8, 8) + 1
    out = diff_augment(x, ("translation",), torch.Generator().manual_seed(0))
    for i in range(2):
        vals = set(out[i].flatten().tolist()) - {0.0}
        assert vals <= set(x[i].flatten().tolist())  # only moved pixels and zeros
        # a shift keeps rows consecutive: each non-zero row is a run of +1 steps
        row = out[i, 0][out[i, 0].ne(0).all(dim=1)]
        if len(row):
            assert torch.all(row[:, 1:] - row[:, :-1] == 1)
    # channels_last in, same values as contiguous in
    xc = x.repeat(1, 3, 1, 1)
    a = diff_augment(xc, ("translation",), torch.Generator().manual_seed(1))
    b = diff_augment(xc.contiguous(memory_format=torch.channels_last), ("translation",),
                     torch.Generator().manual_seed(1))
    torch.testing.assert_close(a, b)


def test_cutout_zeroes_a_square():
    x = torch.ones(16, 3, 32, 32)
    out = diff_augment(x, ("cutout",), torch.Generator().manual_seed(0))
    zeros = (out == 0).all(dim=1).float().sum(dim=(1, 2))
    assert torch.all(zeros > 0) and torch.all(zeros <= 16 * 16)
    assert (out == 0).all(dim=1).any()


def test_parse_policy_rejects_unknown():
    assert parse_policy(None) == () and parse_policy("") == ()
    with pytest.raises(ValueError, match="unknown DiffAugment"):
        parse_policy("translation,flip")


# ------------------------------------------------------------------ balanced batches
def test_class_balanced_sampler():
    labels = torch.tensor([0] * 900 + [1] * 90 + [2] * 10 + [4] * 0)
    gen = torch.Generator().manual_seed(0)
    draw = _BatchSampler(labels, len(labels), 5, True, gen)
    idx = draw(30000)
    counts = torch.bincount(labels[idx], minlength=5).float() / 30000
    assert torch.allclose(counts[:3], torch.full((3,), 1 / 3), atol=0.02)
    assert counts[3:].sum() == 0  # absent classes are never drawn
    plain = _BatchSampler(labels, len(labels), 5, False, torch.Generator().manual_seed(0))
    counts = torch.bincount(labels[plain(30000)], minlength=3).float() / 30000
    assert abs(float(counts[0]) - 0.9) < 0.02


# -------------------------------------------------------------------------- training
def _cfg(**kw) -> TrainConfig:
    base = dict(epochs=2, batch_size=8, latent_dim=8, g_lr=2e-4, d_lr=2e-4,
                betas=(0.0, 0.999), loss="hinge", d_steps=2, policy=("translation",))
    return TrainConfig(**{**base, **kw})


def test_trainer_step_and_time_budget(monkeypatch):
    import types

    import ganaug.train

    G = ImageGenerator(8, (3, 16, 16), 8, 2)
    D = ImageDiscriminator((3, 16, 16), 8, 2)
    data = torch.randint(0, 256, (32, 3, 16, 16), dtype=torch.uint8)
    labels = torch.tensor([0] * 28 + [1] * 4)
    tr = GANTrainer(G, D, data, labels, 2, _cfg(channels_last=True, lecam_weight=0.1,
                                                  gsr_weight=0.5),
                    torch.Generator().manual_seed(0), 2 / 255, -1.0)
    out = tr.step()
    assert out.shape == (4,) and torch.isfinite(out).all() and tr.t == 1

    steps = []
    real_step = GANTrainer.step

    def counted(self):
        steps.append(self.t)
        return real_step(self)

    monkeypatch.setattr(GANTrainer, "step", counted)

    def run(**kw):
        steps.clear()
        return train_gan(
            ImageGenerator(8, (3, 16, 16), 8, 2), ImageDiscriminator((3, 16, 16), 8, 2),
            data, labels, 2, _cfg(**kw), torch.Generator().manual_seed(0), 2 / 255, -1.0,
        )

    # the trainer's clock, faked: each reading is 1 s after the previous one (the start
    # reads 0). A 5.5 s budget is passed at the reading after the 6th step, whatever the
    # machine's speed: 4 steps an epoch, so one full epoch and a partial one of 2 steps.
    readings = iter(range(10**6))
    monkeypatch.setattr(ganaug.train, "time",
                        types.SimpleNamespace(perf_counter=lambda: float(next(readings))))
    G_ema, hist = run(epochs=10**6, time_budget=5.5)
    assert len(steps) == 6
    assert len(hist["d_loss"]) == 2 and all(np.isfinite(hist["d_loss"]))
    assert not G_ema.training
    # no budget: no per-step clock readings, and training runs all its epochs
    readings = iter(range(10**6))
    _, hist = run(epochs=3)
    assert len(steps) == 12 and len(hist["d_loss"]) == 3 and next(readings) <= 1
    # max_steps ends training at that generator step, whatever the epochs
    _, hist = run(epochs=10**6, max_steps=7)
    assert len(steps) == 7 and len(hist["d_loss"]) == 2
    with pytest.raises(ValueError, match="needs an end"):
        run(epochs=None)


def test_gsr_penalty_matches_svd():
    G = ImageGenerator(8, (3, 16, 16), 16, 4)
    with torch.no_grad():
        for m in G.modules():
            if isinstance(getattr(m, "gain", None), torch.nn.Embedding):
                m.gain.weight.normal_()
                m.bias.weight.normal_()
    ref = []
    for m in G.modules():
        if isinstance(getattr(m, "gain", None), torch.nn.Embedding):
            for e, neutral in ((m.gain, 1.0), (m.bias, 0.0)):  # the gain's deviation from 1
                ref.append(torch.linalg.matrix_norm((e.weight - neutral).view(4, 4, 4), ord=2))
    got = gsr_penalty(G, groups=4, n_iter=50)
    torch.testing.assert_close(got, torch.cat(ref).mean(), rtol=1e-4, atol=1e-4)
    got.backward()
    assert G.blocks[0].bn1.gain.weight.grad.abs().sum() > 0
    # at initialisation (gains 1, biases 0) nothing is class-specific: no penalty, no pull
    # (the gain itself was penalised: every gain was shrunk towards 0)
    fresh = ImageGenerator(8, (3, 16, 16), 16, 4)
    start = gsr_penalty(fresh, groups=4, n_iter=50)
    start.backward()
    assert float(start) < 1e-5 and float(fresh.blocks[0].bn1.gain.weight.grad.abs().max()) < 1e-6
    # no conditional BN: zero
    assert float(gsr_penalty(ImageGenerator(8, (3, 16, 16), 8, 0))) == 0.0


def test_image_sampling_bounds_the_rows_of_one_generator_forward(monkeypatch):
    # 8,192 images per forward (the row chunk) held about 70 GB at 32 x 32, width 256
    import pickle

    import ganaug._generation as generation

    big = ImageGenerator(128, (3, 32, 32), 256, 10)
    assert generation.forward_rows(big, 8192) == 256
    assert generation.forward_rows(torch.nn.Linear(2, 2), 8192) == 8192
    rs = np.random.RandomState(0)
    X, y = rs.randint(0, 256, size=(90, 8 * 8 * 3)).astype(np.uint8), np.repeat([0, 1], 45)
    est = ConditionalGANAugmenter(image_shape=(8, 8, 3), max_steps=2, width=16,
                                  random_state=0).fit(X, y)
    frozen = pickle.dumps(est)
    whole, _ = pickle.loads(frozen).sample(300)
    monkeypatch.setattr(generation, "FORWARD_BYTES", 8 * 16 * 8 * 8 * 4 * 7)  # 7 rows
    est = pickle.loads(frozen)
    sizes = []
    est.generator_.register_forward_hook(lambda mod, args, out: sizes.append(len(out)))
    parts, _ = est.sample(300)
    assert sizes and max(sizes) == 7 and sum(sizes) == 300
    # the same images, up to float rounding of one grey level
    assert np.abs(whole.astype(int) - parts).max() <= 1 and (whole == parts).mean() > 0.999

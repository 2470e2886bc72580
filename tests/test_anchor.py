"""Anchor-conditioned generation (the default of ConditionalGANAugmenter on tables)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from ganaug import ConditionalGANAugmenter, GANAugmenter, load, save
from ganaug.data import neighbour_pairs, pooled_within_class_root
from ganaug.nn.tabular import AnchorGenerator


def test_neighbour_pairs_are_other_rows_of_the_same_class():
    rs = np.random.RandomState(0)
    X = rs.normal(size=(30, 3))
    codes = np.repeat([0, 1, 2], [24, 4, 2])
    P = neighbour_pairs(X, codes, k=5)
    assert P.shape == (30, 5)
    assert (codes[P] == codes[:, None]).all()
    assert (P != np.arange(30)[:, None]).all()
    # the first partner of a row of the big class is its nearest other row
    d = ((X[:24, None] - X[None, :24]) ** 2).sum(-1) + np.eye(24) * 1e9
    assert (P[:24, 0] == d.argmin(1)).all()
    # a class of 2 rows: each row's only partner is the other one
    assert (P[28] == 29).all() and (P[29] == 28).all()


def test_neighbours_of_a_large_class_come_from_a_fixed_subset_of_it():
    # a class of more rows than max_candidates searches a seeded subset of them (linear,
    # not quadratic, time); each row's partners are its nearest other rows in that subset
    rs = np.random.RandomState(0)
    X = rs.normal(size=(130, 3))
    codes = np.repeat([0, 1], [100, 30])
    P = neighbour_pairs(X, codes, k=4, max_candidates=40)
    assert P.shape == (130, 4)
    assert (codes[P] == codes[:, None]).all() and (P != np.arange(130)[:, None]).all()
    cand = np.unique(P[:100])
    assert len(cand) <= 40  # partners of the big class come from 40 of its rows
    for i in range(100):
        d = ((X[cand] - X[i]) ** 2).sum(1)
        d[cand == i] = np.inf
        assert (P[i] == cand[np.argsort(d)[:4]]).all()
    # the small class is searched exactly, as without the cap; the same data, the same pairs
    assert (P[100:] == neighbour_pairs(X, codes, k=4)[100:]).all()
    assert (P == neighbour_pairs(X, codes, k=4, max_candidates=40)).all()
    # a cap below k + 1 still finds k neighbours (it searches k + 1 rows)
    small = neighbour_pairs(X, codes, k=4, max_candidates=2)
    assert (codes[small] == codes[:, None]).all() and (small != np.arange(130)[:, None]).all()
    assert len(np.unique(small[:100])) <= 5
    # a cap at the class's size is the exact search
    assert (neighbour_pairs(X, codes, k=4, max_candidates=100)
            == neighbour_pairs(X, codes, k=4)).all()


def test_copies_of_a_row_are_not_its_partners():
    # a pair of equal rows shows D that a copy of the anchor is real (G learned to copy)
    X = np.array([[0.0, 0], [0, 0], [1, 0], [0, 0], [3, 0], [9, 9], [9, 9], [7, 7], [5, 5]])
    codes = np.array([0, 0, 0, 0, 0, 1, 1, 2, 2])
    P = neighbour_pairs(X, codes, k=3)
    assert P.shape == (9, 2)  # class 0 has 3 distinct rows: 2 partners each
    # the copies of [0, 0] pair with the other values only (the first row of each), in
    # order of distance, and share their partners
    assert (P[[0, 1, 3]] == [2, 4]).all()
    assert (P[2] == [0, 4]).all() and (P[4] == [2, 0]).all()
    # a class of copies of one row has no partner but itself, as a class of one row
    assert (P[5] == 5).all() and (P[6] == 6).all()
    assert (P[7] == 8).all() and (P[8] == 7).all()
    # classes without copies are searched as before: the same pairs without class 0
    rest = np.flatnonzero(codes == 2)
    assert (neighbour_pairs(X[rest], codes[rest], k=3) == [[1], [0]]).all()


def test_pooled_root_reproduces_the_pooled_within_class_covariance():
    rs = np.random.RandomState(1)
    X = np.vstack([rs.normal(size=(50, 4)) * [1, 2, 3, 0.5], rs.normal(size=(5, 4)) + 10])
    codes = np.repeat([0, 1], [50, 5])
    R = pooled_within_class_root(X, codes, rank=4)
    C = np.zeros((4, 4))
    for c in (0, 1):
        Z = X[codes == c] - X[codes == c].mean(0)
        C += Z.T @ Z
    C /= 55 - 2
    np.testing.assert_allclose(R.T.astype(float) @ R, C, rtol=1e-4, atol=1e-5)
    # one-hot spans get no noise
    R2 = pooled_within_class_root(X, codes, rank=4, spans=[(0, 2, "continuous"),
                                                           (2, 4, "softmax")])
    assert np.abs(R2[:, 2:]).max() == 0 and np.abs(R2[:, :2]).max() > 0


def test_untrained_anchor_generator_is_anchor_plus_prior_noise():
    G = AnchorGenerator(latent_dim=6, out_dim=3, width=8, depth=1)
    G.prior.copy_(torch.eye(3))
    z = torch.randn(5, 6)
    a = torch.randn(5, 3)
    torch.testing.assert_close(G(z, a), a + z[:, :3])


def test_anchor_generator_copies_the_anchors_categories_and_missing_flags():
    # a value column, a 40-category block and a missing-flag pair: only the value moves
    spans = [(0, 1, "continuous"), (1, 41, "softmax"), (41, 43, "softmax")]
    G = AnchorGenerator(latent_dim=8, out_dim=43, width=8, depth=1, spans=spans)
    G.prior[0, 0] = 1.0
    torch.nn.init.normal_(G.body[-1].weight)  # as if trained: the residual is not zero
    a = torch.zeros(1000, 43)
    a[torch.arange(1000), 1 + torch.arange(1000) % 40] = 1.0
    a[torch.arange(1000), 41 + torch.arange(1000) % 2] = 1.0
    out = G(torch.randn(1000, 8), a)
    assert torch.equal(out[:, 1:], a[:, 1:])
    assert (out[:, 0] != 0).all()


def test_real_pairs_carry_the_anchors_categories():
    # D must not tell generated rows (which copy the anchor's categories) from real
    # neighbour rows by their categories: real pairs take the anchor's one-hot blocks too
    from ganaug.nn.tabular import PairDiscriminator
    from ganaug.train import GANTrainer, TrainConfig

    spans = [(0, 1, "continuous"), (1, 4, "softmax")]
    rs = np.random.RandomState(0)
    data = np.zeros((40, 4), dtype=np.float32)
    data[:, 0] = rs.normal(size=40)
    data[np.arange(40), 1 + np.arange(40) % 3] = 1.0
    labels = torch.zeros(40, dtype=torch.long)
    # partners by the value column alone, so most have another category than the anchor
    partners = torch.from_numpy(neighbour_pairs(data[:, :1], np.zeros(40, dtype=int), k=5))
    cfg = TrainConfig(epochs=1, batch_size=40, latent_dim=8, g_lr=1e-3, d_lr=1e-3,
                      betas=(0.0, 0.99), loss="hinge")
    G = AnchorGenerator(latent_dim=8, out_dim=4, width=8, depth=1, spans=spans)
    tr = GANTrainer(G, PairDiscriminator(4, 8, 1), torch.from_numpy(data), labels, 1, cfg,
                    torch.Generator().manual_seed(0), partners=partners)
    x, anchor = tr.batch()
    assert torch.equal(x[:, 1:], anchor[:, 1:])
    # the continuous column is the partner's, not the anchor's
    assert (x[:, 0] != anchor[:, 0]).float().mean() > 0.9
    # without one-hot blocks nothing is replaced
    tr2 = GANTrainer(AnchorGenerator(8, 4, 8, 1), PairDiscriminator(4, 8, 1),
                     torch.from_numpy(data), labels, 1, cfg,
                     torch.Generator().manual_seed(0), partners=partners)
    x2, anchor2 = tr2.batch()
    assert not torch.equal(x2[:, 1:], anchor2[:, 1:])


def test_default_widths_and_files_saved_before_they_were_resolved():
    from ganaug._fitting import build_generator

    X, y, _ = _lt_table()
    anchor = ConditionalGANAugmenter(max_steps=1, random_state=0).fit(X, y)
    assert anchor.hparams_["width"] == 128
    assert anchor.generator_.body[0].out_features == 128
    label = ConditionalGANAugmenter(conditioning="label", max_steps=1, random_state=0)
    assert label.fit(X, y).hparams_["width"] == 256
    explicit = ConditionalGANAugmenter(width=16, max_steps=1, random_state=0).fit(X, y)
    assert build_generator(explicit, 0).body[0].out_features == 16
    # a model fitted before the width was resolved at fit time was built at 256
    del anchor.hparams_["width"]
    assert build_generator(anchor, 0).body[0].out_features == 256


def test_pooled_share_and_neighbour_noise():
    from ganaug.data import neighbour_noise, pooled_share

    assert pooled_share(10.0) == 0.5 and pooled_share(0.0) == 1.0
    assert pooled_share(990.0) == 0.01
    a = torch.tensor([[0.0, 0.0]])
    near = torch.tensor([[[1.0, 0.0], [0.0, 2.0], [1.0, 0.0], [0.0, 2.0]]])
    eps = torch.tensor([[[1.0], [1.0], [-1.0], [0.5]]])
    torch.testing.assert_close(neighbour_noise(a, near, eps), torch.tensor([[0.0, 1.5]]))


def test_neighbour_noise_stays_in_the_span_of_a_large_class():
    # the big class varies in column 0 only: with no pooled noise (spread 0) and an
    # untrained residual, its new rows vary there only, though the other class varies
    # in both columns
    rs = np.random.RandomState(0)
    t = rs.uniform(-3, 3, size=30)
    X = np.vstack([np.c_[t, np.full(30, 5.0)], rs.normal(size=(20, 2)) + [10, 0]])
    y = np.repeat([0, 1], [30, 20])
    aug = ConditionalGANAugmenter(spread=0.0, max_steps=1, random_state=0).fit(X, y)
    assert aug.hparams_["neighbour_noise"] is True
    Xs, _ = aug.sample(300, y=0)
    assert np.abs(Xs[:, 1] - 5.0).max() < 0.05 * Xs[:, 0].std()
    assert np.unique(np.round(Xs[:, 0], 4)).size > 250  # new points, not the anchors
    # a model fitted before neighbour noise samples with pooled noise only
    from ganaug._sampling import partners_for

    assert partners_for(aug, 0).shape == (30, 5)
    del aug.hparams_["neighbour_noise"]
    aug.__dict__.pop("_device_generators", None)
    assert partners_for(aug, 0) is None
    Xo, _ = aug.sample(300, y=0)  # spread 0, no neighbour noise: close to the anchors

    def to_anchor(S):
        return np.median(np.abs(S[:, :1] - X[None, :30, 0]).min(1))

    assert to_anchor(Xo) < to_anchor(Xs)


def _lt_table(seed=0):
    rs = np.random.RandomState(seed)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0]])
    counts = [120, 20, 6]
    X = np.vstack([c + rs.normal(size=(n, 3)) for c, n in zip(centres, counts)])
    y = np.repeat([0, 1, 2], counts)
    return X, y, centres


def test_default_cgan_uses_anchors_and_a_step_budget():
    X, y, centres = _lt_table()
    aug = ConditionalGANAugmenter(max_steps=40, width=32, random_state=0).fit(X, y)
    assert aug.hparams_["conditioning"] == "anchor" and aug.hparams_["max_steps"] == 40
    assert aug.anchors_.shape == (len(X), 3) and aug.anchor_codes_.tolist() == [0] * 120 + [
        1] * 20 + [2] * 6
    # 146 rows, batch 64: 3 steps an epoch; 40 steps end in epoch 14
    assert len(aug.history_["d_loss"]) == 14
    X_new, y_new = aug.sample(300, y=2)
    assert X_new.shape == (300, 3) and (y_new == 2).all()
    # rare-class rows: near the rare class, and not copies (spread like the real class)
    dist = np.linalg.norm(X_new[:, None] - centres[None], axis=2)
    assert (dist.argmin(1) == 2).mean() > 0.9  # (real rows: all of them)
    ratio = X_new.std(0).mean() / X[y == 2].std(0).mean()
    assert 0.5 < ratio < 2.5
    assert np.min(np.linalg.norm(X_new[:, None] - X[None], axis=2), axis=1).mean() > 0.1


def test_default_step_budget_and_explicit_epochs():
    X, y, _ = _lt_table()
    aug = ConditionalGANAugmenter(width=16, random_state=0).fit(X, y)
    assert aug.hparams_["max_steps"] == 300
    assert len(aug.history_["d_loss"]) == 100  # 300 steps / 3 per epoch
    aug = ConditionalGANAugmenter(epochs=2, width=16, random_state=0).fit(X, y)
    assert aug.hparams_["max_steps"] is None and len(aug.history_["d_loss"]) == 2


def test_label_conditioning_still_available_and_anchor_refused_for_images():
    X, y, _ = _lt_table()
    aug = ConditionalGANAugmenter(conditioning="label", epochs=1, width=16,
                                  random_state=0).fit(X, y)
    assert aug.hparams_["conditioning"] == "label" and not hasattr(aug, "anchors_")
    per_class = GANAugmenter(epochs=1, width=16, random_state=0).fit(X, y)
    assert per_class.hparams_["conditioning"] == "anchor"  # 'auto' on tables, both estimators
    assert GANAugmenter(conditioning="label", epochs=1, width=16).fit(
        X, y).hparams_["conditioning"] == "label"
    imgs = np.random.RandomState(0).rand(8, 8, 8, 1)
    with pytest.raises(ValueError, match="conditioning='anchor' is for tables"):
        ConditionalGANAugmenter(conditioning="anchor", epochs=1).fit(imgs, np.arange(8) % 2)


def test_anchor_model_round_trips_through_save_and_load(tmp_path):
    X, y, _ = _lt_table()
    aug = ConditionalGANAugmenter(max_steps=5, width=16, random_state=0).fit(X, y)
    path = tmp_path / "m.ganaug"
    save(aug, path)
    back = load(path)
    a, ya = aug.sample(50, y=1)
    b, yb = back.sample(50, y=1)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ya, yb)


def test_training_noise_of_a_small_class_uses_its_distinct_neighbours_as_sampling_does():
    # a class of 3 rows has 2 neighbours per row; its padded partner list repeats them
    # ([1, 3, 1, 3, 1] for the row at 0), which would weight the first one 3:2. The
    # training noise must have the sampling's covariance: the mean over the distinct
    # neighbours, (1 + 9) / 2 = 5 for the row at 0 (the padded list gives 4.2)
    from ganaug.nn.tabular import PairDiscriminator
    from ganaug.train import GANTrainer, TrainConfig, distinct_partners

    big = np.linspace(10.0, 20.0, 30)
    data = np.r_[[0.0, 1.0, 3.0], big].astype(np.float32)[:, None]
    codes = np.repeat([0, 1], [3, 30])
    partners = torch.from_numpy(neighbour_pairs(data, codes, k=5))
    assert partners[0].tolist() == [1, 2, 1, 2, 1]
    assert distinct_partners(partners).tolist() == [2, 2, 2] + [5] * 30
    cfg = TrainConfig(epochs=1, batch_size=33, latent_dim=4, g_lr=1e-3, d_lr=1e-3,
                      betas=(0.0, 0.99), loss="hinge")
    tr = GANTrainer(AnchorGenerator(4, 1, 8, 1), PairDiscriminator(1, 8, 1),
                    torch.from_numpy(data), torch.from_numpy(codes), 2, cfg,
                    torch.Generator().manual_seed(0), partners=partners,
                    share=torch.tensor([0.5, 0.5]))
    draws = []
    for _ in range(3000):
        _, anchor = tr.batch()
        draws.append(tr.g_kw["local"][anchor[:, 0] == 0.0, 0])
    var = torch.cat(draws).pow(2).mean().item()
    assert abs(var - 5.0) < 0.35, var


def test_sampling_fast_path_makes_the_forward_rows():
    # sample_from computes only the free (continuous) columns and the anchor half of
    # the first layer once per anchor: the rows must be forward's, to float rounding
    from ganaug._generation import _anchor_chunks

    torch.manual_seed(0)
    spans = [(0, 2, "continuous"), (2, 5, "softmax"), (5, 6, "continuous")]
    G = AnchorGenerator(latent_dim=6, out_dim=6, width=16, depth=1, spans=spans).eval()
    for p in G.body[-1].parameters():  # a trained (non-zero) residual
        torch.nn.init.normal_(p)
    G.prior.normal_()
    anchors = torch.randn(7, 6)
    anchors[:, 2:5] = torch.eye(3)[torch.arange(7) % 3]
    free = torch.tensor([0, 1, 5])
    partners = torch.from_numpy(neighbour_pairs(anchors.numpy(), None, k=3))
    for m in (5, 40):  # fewer rows than anchors, and more (anchor half computed once)
        z = torch.randn(m, 6)
        pick = torch.randint(0, 7, (m,))
        eps = torch.randn(m, 3, 1)
        local = ((anchors[partners[pick]] - anchors[pick][:, None]) * eps).sum(1) / 3**0.5
        share = torch.tensor(0.4)
        with torch.no_grad():
            want = G(z, anchors[pick], local, share)
            got = G.sample_from(z, anchors, pick, local[:, free], share)
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
        assert torch.equal(got[:, 2:5], anchors[pick][:, 2:5])
    # the chunked generator draws z, the anchors and eps in generate_chunks' order
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        rows = np.concatenate(list(_anchor_chunks(
            G, 50, 6, torch.device("cpu"), gen, 16, anchors.numpy(), partners.numpy())))
    gen = torch.Generator().manual_seed(3)
    want = []
    for start in range(0, 50, 16):
        m = min(16, 50 - start)
        z = torch.randn(m, 6, generator=gen)
        pick = torch.randint(0, 7, (m,), generator=gen)
        near = anchors[partners[pick]]
        eps = torch.randn(m, 3, 1, generator=gen)
        local = ((near - anchors[pick][:, None]) * eps).sum(1) / 3**0.5
        with torch.no_grad():
            want.append(G(z, anchors[pick], local, torch.tensor(10 / 17)).numpy())
    np.testing.assert_allclose(rows, np.concatenate(want), rtol=1e-5, atol=1e-5)


def test_exact_one_hot_blocks_decode_to_their_slot_with_the_same_draws():
    from ganaug.data import TabularEncoder

    enc = TabularEncoder()
    P = np.eye(4, dtype=np.float32)[[2, 0, 3, 3, 1]]
    rng, ref = np.random.RandomState(5), np.random.RandomState(5)
    assert enc._pick(P, rng).tolist() == [2, 0, 3, 3, 1]
    ref.random_sample(size=(5, 1))  # one draw per row, as for probabilities
    assert rng.randint(10**9) == ref.randint(10**9)
    # probabilities (not exactly one-hot) are still drawn from
    Q = np.full((2000, 2), 0.5, dtype=np.float32)
    assert 0.4 < enc._pick(Q, np.random.RandomState(0)).mean() < 0.6


def test_wide_table_with_fewer_rows_than_noise_directions():
    """More than 256 numeric columns (the randomised SVD) and fewer rows than the
    noise's rank: the root has as many directions as the rows give, the rest zero."""
    X = np.random.RandomState(0).normal(size=(70, 300))
    y = np.repeat([0, 1], [50, 20])
    for make in (ConditionalGANAugmenter, GANAugmenter):
        Xr, yr = make(max_steps=2, width=16, random_state=0).fit_resample(X, y)
        assert Xr.shape == (100, 300) and np.bincount(yr).tolist() == [50, 50]
    root = pooled_within_class_root(X, y, 80)
    assert root.shape == (80, 300)
    norms = np.linalg.norm(root, axis=1)
    assert (norms > 1e-3 * norms.max()).sum() == 68  # 70 rows less 2 class means


@pytest.mark.parametrize("Aug", [ConditionalGANAugmenter, GANAugmenter])
def test_a_class_of_one_row_is_oversampled_around_its_row(Aug, tmp_path):
    # RandomOverSampler accepts a class of one row (a training fold of a rare class in
    # cross-validation often holds one); anchor generation starts from that row with
    # pooled noise only, so it is accepted too, categories copied from the row
    import pandas as pd

    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.randn(60), "b": rng.randn(60) * 3,
                      "c": rng.choice(["x", "y", "z"], 60)})
    X.loc[59, "c"] = "w"  # the one-row class has a category of its own
    y = np.r_[np.zeros(50, int), np.ones(9, int), 2]
    aug = Aug(max_steps=10, width=16, random_state=0)
    Xr, yr = aug.fit_resample(X, y)
    assert np.bincount(yr).tolist() == [50, 50, 50]
    new = Xr.iloc[60:][yr[60:] == 2]
    assert (new["c"] == "w").all()
    num = new[["a", "b"]].to_numpy()
    assert len(np.unique(num.round(6), axis=0)) == 49  # new rows, not copies of the row
    # the rows stay around their only real row, on the scale of the within-class spread
    assert np.all(np.abs(num.mean(0) - X.loc[59, ["a", "b"]].to_numpy(float))
                  < X[["a", "b"]].std().to_numpy())
    # a strategy that leaves the class alone keeps it as it is
    Xs, ys = Aug(max_steps=5, width=16, random_state=0,
                 sampling_strategy={1: 20}).fit_resample(X, y)
    assert np.bincount(ys).tolist() == [50, 20, 1]
    save(aug, tmp_path / "m.ganaug")
    a, _ = aug.sample(5, y=2)
    b, _ = load(tmp_path / "m.ganaug").sample(5, y=2)
    pd.testing.assert_frame_equal(a, b)


def test_classes_without_variation_warn_that_new_rows_are_copies():
    X = np.random.RandomState(0).randn(4, 3)
    aug = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0,
                                  sampling_strategy={0: 3})
    with pytest.warns(UserWarning, match="no within-class variation"):
        Xr, yr = aug.fit_resample(X, np.arange(4))
    assert yr.tolist() == [0, 1, 2, 3, 0, 0]
    np.testing.assert_allclose(Xr[4:], np.repeat(X[:1], 2, axis=0), atol=0.05)


def test_a_table_of_categories_is_not_taken_for_one_without_variation():
    import warnings

    import pandas as pd

    X = pd.DataFrame({"a": list("xyzxyzxyzxyz"), "b": list("ppqqppqqppqq")})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _, yr = ConditionalGANAugmenter(max_steps=2, width=8, random_state=0).fit_resample(
            X, [0] * 9 + [1] * 3)
    assert np.bincount(yr).tolist() == [9, 9]


@pytest.mark.parametrize("minority", ["one row", "four copies", "four copies in a table"])
def test_a_class_without_partners_gets_pooled_noise_not_copies(minority):
    # its only pair was (row, row): D learned that copies are real, G cancelled the noise
    # (generated spread 0.08 and 0.06 per column, against 0.45-0.54 untrained); in a
    # table the encoder spreads the copies' tied values apart, so they still paired
    rs = np.random.RandomState(1)
    major = rs.normal(size=(200, 5))
    rows = np.repeat(major[:1] + 2, 1 if minority == "one row" else 4, axis=0)
    X, y = np.vstack([major, rows]), np.repeat([0, 1], [200, len(rows)])
    if minority.endswith("table"):
        X = pd.DataFrame(X, columns=list("abcde")).assign(
            f=pd.Categorical(rs.choice(list("xyz"), len(X))))
    aug = ConditionalGANAugmenter(random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    assert len(aug.history_["d_loss"]) > 0  # the majority's pairs trained G
    made = np.asarray(X_res)[len(X):, :5].astype(float)
    assert (np.asarray(y_res)[len(X):] == 1).all() and len(made) == 200 - len(rows)
    assert made.std(0).mean() > 0.3


def test_tie_keys_encode_tied_values_at_the_middle_of_their_interval():
    from ganaug.data import TabularEncoder

    rs = np.random.RandomState(0)
    X = pd.DataFrame({"count": rs.poisson(2, 3000), "f": rs.normal(size=3000),
                      "spike": np.where(rs.rand(3000) < 0.8, 0.0, rs.lognormal(size=3000)),
                      "c": rs.choice(list("abc"), 3000)})
    enc = TabularEncoder(random_state=0).fit(X)
    Z = enc.transform(X)
    assert (Z[:, 0] != enc.transform(X, spread_ties=False)[:, 0]).any()  # spread apart
    np.testing.assert_array_equal(enc.tie_keys(Z), enc.transform(X, spread_ties=False))


def test_batches_leave_out_rows_without_partners_and_nothing_trains_without_any():
    from ganaug.nn.tabular import PairDiscriminator
    from ganaug.train import GANTrainer, TrainConfig, train_gan

    rs = np.random.RandomState(0)
    data = np.vstack([rs.normal(size=(12, 2)), np.ones((3, 2))]).astype(np.float32)
    codes = np.repeat([0, 1], [12, 3])  # class 1: three copies of one row
    cfg = TrainConfig(epochs=None, max_steps=5, batch_size=64, latent_dim=4, g_lr=1e-3,
                      d_lr=1e-3, betas=(0.0, 0.99), loss="hinge")

    def parts(x):
        return (AnchorGenerator(latent_dim=4, out_dim=2, width=8, depth=1),
                PairDiscriminator(2, 8, 1), torch.from_numpy(x))

    tr = GANTrainer(*parts(data), torch.from_numpy(codes), 2, cfg,
                    torch.Generator().manual_seed(0),
                    partners=torch.from_numpy(neighbour_pairs(data, codes, k=3)))
    drawn = torch.cat([tr.batch()[1] for _ in range(20)])  # the anchors of 20 batches
    assert len(drawn) == 20 * 15 and not (drawn == 1).all(1).any()
    # only copies: no pair to learn from, so G stays anchor + noise (a zero residual)
    G, history = train_gan(*parts(data[12:]), None, 0, cfg, torch.Generator().manual_seed(0),
                           partners=torch.from_numpy(neighbour_pairs(data[12:], None, k=3)))
    assert history == {k: [] for k in ("d_loss", "g_loss", "d_real", "d_fake")}
    assert float(G.body[-1].weight.abs().max()) == 0.0


def test_column_shares_cap_the_pooled_noise_where_a_class_is_tighter():
    from scipy.stats import chi2

    from ganaug.data import column_shares

    rs = np.random.RandomState(0)
    prior = np.diag([2.0, 2.0, 2.0])  # pooled noise variance 4 per column
    rows = rs.normal(size=(40, 3)) * [0.1, 2.0, 1.0]
    got = column_shares(rows, prior, 0.25)  # pooled part: variance 1 per column
    assert got.dtype == np.float32 and got.shape == (3,)
    # column 0: the class's upper 99 % bound of its variance, not the pooled part's 1
    upper = rows[:, 0].var(ddof=1) * 39 / chi2.ppf(0.01, 39)
    np.testing.assert_allclose(got[0], 0.25 * upper / 1.0, rtol=1e-5)
    assert got[0] < 0.25 * 0.03
    # columns where the class is as wide (or wider) keep the class's share
    np.testing.assert_array_equal(got[1:], [0.25, 0.25])
    # a column the class holds one value in shows no spread to cap at: left as is
    const = rows.copy()
    const[:, 0] = 7.0
    np.testing.assert_array_equal(column_shares(const, prior, 0.25), [0.25] * 3)
    # fewer rows than TRUSTED_ROWS: the class's spread is not trusted
    np.testing.assert_array_equal(column_shares(rows[:19], prior, 0.25), [0.25] * 3)
    # no pooled noise (spread 0), or values too large for a variance: the share as is
    np.testing.assert_array_equal(column_shares(rows, np.zeros((3, 3)), 0.25), [0.25] * 3)
    with np.errstate(all="raise"):
        huge = column_shares(rows * 1e300, prior, 0.25)
    assert huge[1] == 0.25


def test_a_class_set_apart_by_a_small_spread_keeps_it_in_its_new_rows():
    """A minority as wide as the majority in most columns but with a 20 times smaller
    spread in two: its new rows stay about as tight there (the pooled noise used to give
    them the majority's spread, so they covered the majority's region)."""
    r = np.random.default_rng(0)
    X = r.normal(0, 1, (440, 6))
    X[400:, :2] *= 0.05
    y = np.repeat([0, 1], [400, 40])
    aug = ConditionalGANAugmenter(max_steps=1, random_state=0, class_filter=False)
    new = aug.fit(X, y).sample(2000, y=1)[0]
    spread = new.std(0) / X[400:].std(0)
    assert spread[:2].max() < 3  # 2.2 (anchor, capped pooled and neighbour noise); it
    # was 5.7 and 7.2 (the pooled share of the majority's spread)
    assert spread[2:].min() > 0.8  # the wide columns stay wide
    # a model fitted before the shares were per column samples as it was trained
    del aug.hparams_["column_shares"]
    aug.__dict__.pop("class_reach_")  # nor had numeric tables a class reach then
    aug.__dict__.pop("_device_generators", None)
    old = aug.sample(2000, y=1)[0]
    assert old[:, :2].std(0).min() / X[400:, :2].std(0).max() > 4


def test_column_shares_tell_a_column_of_one_value_in_a_mixed_table():
    """The mixed-table encoder spreads a value many rows share over its quantile
    interval, so a column in which the class holds one value is not constant once
    encoded; it still counts as one value (left uncapped), as on a numeric table."""
    from ganaug._sampling import anchors_for, partners_for, share_for

    r = np.random.default_rng(0)
    X = pd.DataFrame({"a": r.normal(size=240), "b": r.normal(size=240),
                      "k": np.r_[r.normal(size=200).round(1) * 3, np.zeros(40)]})
    y = np.repeat([0, 1], [200, 40])
    for table in (X, X.assign(c=pd.Categorical(r.choice(list("xy"), 240)))):
        aug = ConditionalGANAugmenter(max_steps=1, random_state=0, class_filter=False)
        aug.fit(table, y)
        rows = anchors_for(aug, 1)
        shares = share_for(aug, aug.generator_, rows, partners_for(aug, 1))
        assert shares[2] == pytest.approx(10 / 50)  # 'k': the class's pooled share
    assert np.ptp(rows[:, 2]) > 0.1  # mixed: encoded, the class's zeros are spread


def test_point_masses_mark_shared_values_and_keep_them_as_often_as_the_neighbours():
    from ganaug.data import point_masses

    # column 0: value 2.0 held by 4 of 6 rows; column 1: all distinct (no mass);
    # column 2 holds a mass too but is not a noise column (copied anyway)
    a = np.array([[2.0, 0.1, 5.0], [2.0, 0.2, 5.0], [2.0, 0.3, 5.0],
                  [2.0, 0.4, 5.0], [1.0, 0.5, 6.0], [3.0, 0.6, 7.0]], dtype=np.float32)
    partners = np.array([[1, 4], [0, 2], [1, 5], [4, 5], [0, 3], [2, 3]])
    at, keep = point_masses(a, partners, np.array([0, 1]), share=0.5)
    # row 3 sits on the mass but none of its neighbours (rows 4, 5) does
    np.testing.assert_array_equal(at[:, 0], [True, True, True, False, False, False])
    assert not at[:, 1:].any()  # distinct values, and a column noise does not move
    # the share of each anchor's neighbours on its own value
    np.testing.assert_array_equal(keep[:4, 0], [0.5, 1.0, 0.5, 0.0])
    # a value one row holds is no mass, however small the share
    at_low, _ = point_masses(a, partners, np.array([0, 1]), share=0.01)
    np.testing.assert_array_equal(at_low, at)
    assert point_masses(a, partners, np.array([1]), share=0.5) is None
    assert point_masses(a, None, np.array([0, 1]), share=0.5) is None  # no partners


def test_new_rows_keep_a_value_many_of_the_class_share_exactly():
    """A minority whose rows fall in two groups, one all on the interior value 1.5 in
    column 0: rows grown from that group keep 1.5 exactly (about half the new rows);
    before, noise spread it into values no row has (none kept)."""
    rng = np.random.default_rng(0)
    major = rng.normal(0.0, 1.0, size=(400, 3))
    group_a = np.column_stack([np.full(40, 1.5), rng.normal(3.0, 0.3, (40, 2))])
    group_b = np.column_stack([rng.normal(1.5, 1.0, 40), rng.normal(-3.0, 0.3, (40, 2))])
    X = np.vstack([major, group_a, group_b])
    y = np.r_[np.zeros(400, int), np.ones(80, int)]
    X_in = X.copy()
    aug = ConditionalGANAugmenter(max_steps=5, width=16, random_state=0)
    X_res, y_res = aug.fit_resample(X, y)
    np.testing.assert_array_equal(X, X_in)
    new = X_res[len(X):]
    assert len(new) == 320 and (y_res[len(X):] == 1).all()
    kept = new[:, 0] == 1.5
    assert 0.35 < kept.mean() < 0.65  # about the half grown from group A
    # the rows that keep it are group A's (its other columns near +3)
    assert (new[kept, 1] > 1.0).mean() > 0.95
    # columns without a point mass are not copied from real rows
    assert not np.isin(new[:, 1], X[:, 1]).any()
    # a model saved before new rows kept point masses samples as it was saved
    del aug.hparams_["point_masses"]
    assert not (aug.sample(200, y=1)[0][:, 0] == 1.5).any()


def test_tied_float_values_decode_exactly_and_others_are_not_moved_onto_them():
    from ganaug.data import NumericEncoder

    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 3))
    X[::3, 0] = 0.1
    X[1::4, 1] = 1.0 / 3.0
    X[:5, 2] = 1e9  # heavy tail: column 2 is encoded on an asinh scale
    X[5::2, 2] = -2.7
    enc = NumericEncoder().fit(X)
    assert 2 in enc.squash_
    Z = enc.transform(X)
    back = enc.inverse_transform(Z)
    for j, v in [(0, 0.1), (1, 1.0 / 3.0), (2, -2.7), (2, 1e9)]:
        assert (back[X[:, j] == v, j] == v).all()
    # an encoded value a few thousand float32 steps away is a new value, not a tie
    nudged = Z.copy()
    nudged[::3, 0] = np.float32(Z[0, 0]) * (1 + 2**-11)
    assert not (enc.inverse_transform(nudged)[::3, 0] == 0.1).any()
    # array-likes are still taken (a list of rows)
    np.testing.assert_array_equal(enc.inverse_transform(Z[:4].tolist()), back[:4])

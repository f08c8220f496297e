"""Diffusion-like generation and manifold walks on toy models: shapes, frames, determinism, walk distances."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from aecopy.models import build_model
from aecopy.procedures.generate import frame_steps, generate, generate_batched
from aecopy.procedures.batches import batch_indices
from aecopy.procedures.walk import walk, walk_composed, walk_proportion


class Identity(nn.Module):
    """encode = decode = identity: nothing should ever move."""

    def encode(self, x):
        return x

    def decode(self, h):
        return h

    def forward(self, x):
        return x


class Shrink(nn.Module):
    """Halves the distance to 0.5 at every pass: a contraction whose walks converge."""

    def encode(self, x):
        return x

    def decode(self, h):
        return 0.5 + (h - 0.5) / 2

    def forward(self, x):
        return self.decode(self.encode(x))


def tiny_unet():
    torch.manual_seed(0)
    return build_model("unet", 16, base=8, levels=2).train()


def test_generate_shapes_frames_and_determinism():
    model = tiny_unet()
    keep = frame_steps(12, 4)
    assert keep == (0, 4, 7, 11)
    s1, f1 = generate(model, (5, 3, 16, 16), 12, torch.Generator().manual_seed(3), keep, n_keep=2)
    s2, f2 = generate(model, (5, 3, 16, 16), 12, torch.Generator().manual_seed(3), keep, n_keep=2)
    assert s1.shape == (5, 3, 16, 16) and sorted(f1) == list(keep)
    assert all(f.shape == (2, 3, 16, 16) for f in f1.values())
    assert torch.equal(s1, s2) and all(torch.equal(f1[k], f2[k]) for k in keep)
    s3, _ = generate(model, (5, 3, 16, 16), 12, torch.Generator().manual_seed(4))
    assert not torch.equal(s1, s3)
    assert not torch.is_grad_enabled() or not s1.requires_grad


def test_generation_schedule_ends_on_the_model_output():
    """The last frame is the model's output; with an identity model the first step sees pure noise (c = 0)."""
    s, frames = generate(Identity(), (4, 3, 8, 8), 5, torch.Generator().manual_seed(0), keep=(0, 4), n_keep=4)
    assert torch.equal(s, frames[4])
    first = frames[0]
    assert abs(first.mean().item() - 0.7) < 0.05 and abs(first.std().item() - 0.2) < 0.05


def test_generate_batched_counts():
    s, frames = generate_batched(Identity(), 10, 4, (3, 8, 8), 3, torch.Generator().manual_seed(0), keep=(2,), n_keep=3)
    assert s.shape == (10, 3, 8, 8) and frames[2].shape == (3, 3, 8, 8)


class BatchMean(nn.Module):
    """Returns every image's batch's mean image: the output depends on the batch, as with train-mode BatchNorm."""

    def forward(self, x):
        self.sizes = getattr(self, "sizes", []) + [x.shape[0]]
        return x.mean(0, keepdim=True).expand_as(x)


def test_generate_batched_uses_full_batches_only():
    """10 samples in batches of 4: three full batches (the last filled up, then trimmed), never one of 2."""
    model = BatchMean()
    s, _ = generate_batched(model, 10, 4, (3, 8, 8), 2, torch.Generator().manual_seed(0))
    assert s.shape == (10, 3, 8, 8) and set(model.sizes) == {4}


def test_generate_channels_last_matches_contiguous():
    model = tiny_unet()
    a, _ = generate(model, (4, 3, 16, 16), 2, torch.Generator().manual_seed(1))
    model_cl = tiny_unet().to(memory_format=torch.channels_last)
    b, _ = generate(model_cl, (4, 3, 16, 16), 2, torch.Generator().manual_seed(1), channels_last=True)
    assert b.is_contiguous() and torch.allclose(a, b, atol=1e-3)  # the layouts differ by float rounding only


def test_identity_walk_does_not_move():
    x = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    res = walk(Identity(), x, steps=50, eps=0.0, keep=(1, 50), rows=3)
    assert torch.equal(res["distance"], torch.zeros(6))
    assert torch.equal(res["reconstruction"], torch.zeros(6))
    assert walk_proportion(res["distance"], 0.1) == 0.0
    assert sorted(res["frames"]) == [1, 50] and res["frames"][50].shape == (3, 3, 8, 8)


def test_noisy_walk_moves_and_is_reproducible():
    x = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    a = walk(Identity(), x, steps=30, eps=0.2, generator=torch.Generator().manual_seed(1))
    b = walk(Identity(), x, steps=30, eps=0.2, generator=torch.Generator().manual_seed(1))
    assert torch.equal(a["last"], b["last"])
    # a random walk of 29 steps of sd 0.2 per number: RMS displacement ≈ 0.2·√29 ≈ 1.08
    assert np.allclose(a["distance"].numpy(), 0.2 * 29 ** 0.5, rtol=0.2)
    assert walk_proportion(a["distance"], 0.1) == 1.0


def test_contracting_walk_and_batching():
    x = torch.rand(10, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    res = walk_composed(Shrink(), x, 4, "photo", steps=20, eps=0.0, keep=(20,), n_keep=2)
    # g_1 = 0.5 + (x − 0.5)/2, g_T ≈ 0.5: the walk moves by |g_1 − 0.5|
    expected = ((0.5 + (x - 0.5) / 2) - 0.5).pow(2).flatten(1).mean(1).sqrt()
    assert torch.allclose(res["distance"], expected, atol=1e-5)
    assert res["last"].shape == x.shape and res["frames"][20].shape == (2, 3, 8, 8)


class BatchMeanWalker(nn.Module):
    """decode(h) = h pulled halfway to its batch's mean: each image's walk depends on its batch."""

    def encode(self, x):
        return x

    def decode(self, h):
        self.sizes = getattr(self, "sizes", []) + [h.shape[0]]
        return (h + h.mean(0, keepdim=True)) / 2


def test_composed_walks_keep_each_batch_together_and_images_in_order():
    """Random batches: each batch walks as one (an image's result is that of walking its batch alone), results
    land at the images' own indices, a fill-up image keeps the result of the batch it counts in, and the
    frames are those of x's first images."""
    x = torch.rand(10, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    model = BatchMeanWalker()
    res = walk_composed(model, x, 4, "random", steps=5, eps=0.0, batch_generator=torch.Generator().manual_seed(3),
                        keep=(1, 5), n_keep=3)
    assert set(model.sizes) == {4}  # the last batch was filled up to the training batch size
    seen = set()
    for idx in batch_indices(10, 4, "random", torch.Generator().manual_seed(3)):
        alone = walk(BatchMeanWalker(), x[idx], steps=5, eps=0.0)
        for j, i in enumerate(idx.tolist()):
            if i not in seen:
                assert torch.equal(res["last"][i], alone["last"][j]) and res["distance"][i] == alone["distance"][j]
                seen.add(i)
    assert seen == set(range(10))
    assert res["frames"][5].shape == (3, 3, 8, 8) and torch.equal(res["frames"][5], res["last"][:3])
    assert torch.equal(res["frames"][1], res["first"][:3])
    single = walk_composed(BatchMeanWalker(), x, 4, "single", steps=5, eps=0.0)
    assert torch.allclose(single["distance"], torch.zeros(10), atol=1e-6)  # alone, the batch mean is the image
    assert not torch.allclose(res["distance"], torch.zeros(10), atol=1e-3)


def test_unet_walk_runs_in_train_mode():
    model = tiny_unet()
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    res = walk(model, x, steps=3, eps=0.2, generator=torch.Generator().manual_seed(0))
    assert res["distance"].shape == (4,) and torch.isfinite(res["last"]).all()


def test_judged_epochs_need_a_small_one_step_error_and_a_copying_model():
    """E6 judges an epoch only when every seed's median one-step error is below the threshold and every seed's
    model meets the premise bar."""
    from aecopy.experiments.e6 import judged_epochs

    bar = {"min_psnr": 22.0, "min_r2": 0.9}
    good, bad = {"psnr": 30.0, "r2": 0.98}, {"psnr": 18.0, "r2": 0.7}
    recon = {1: [np.full(4, 0.2), np.full(4, 0.05)], 2: [np.full(4, 0.05)] * 2, 3: [np.full(4, 0.05)] * 2}
    quality = {1: {"a": good, "b": good}, 2: {"a": good, "b": bad}, 3: {"a": good, "b": good}}
    judged, informative, copies = judged_epochs([1, 2, 3], recon, quality, 0.1, bar)
    assert judged == [3] and informative == {1: False, 2: True, 3: True} and copies == {1: True, 2: False, 3: True}


def test_budgets_match_within_the_tolerance_and_never_when_unrecorded():
    from aecopy.experiments.e7 import budgets_match

    assert budgets_match({"a": [1000, 1000], "b": [1040]}, 0.05)
    assert not budgets_match({"a": [1000], "b": [500]}, 0.05)
    assert not budgets_match({"a": [1000], "b": [None]}, 0.05)

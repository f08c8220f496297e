"""Diffusion-like generation and manifold walks on toy models: shapes, frames, determinism, walk distances."""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from aecopy.models import build_model
from aecopy.procedures.generate import frame_steps, generate, generate_batched
from aecopy.procedures.walk import walk, walk_batched, walk_proportion


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


def test_identity_walk_does_not_move():
    x = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    res = walk(Identity(), x, steps=50, eps=0.0, keep=(1, 50), n_keep=3)
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
    res = walk_batched(Shrink(), x, batch_size=4, steps=20, eps=0.0, generator=None, keep=(20,), n_keep=2)
    # g_1 = 0.5 + (x − 0.5)/2, g_T ≈ 0.5: the walk moves by |g_1 − 0.5|
    expected = ((0.5 + (x - 0.5) / 2) - 0.5).pow(2).flatten(1).mean(1).sqrt()
    assert torch.allclose(res["distance"], expected, atol=1e-5)
    assert res["last"].shape == x.shape and res["frames"][20].shape == (2, 3, 8, 8)


def test_unet_walk_runs_in_train_mode():
    model = tiny_unet()
    x = torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    res = walk(model, x, steps=3, eps=0.2, generator=torch.Generator().manual_seed(0))
    assert res["distance"].shape == (4,) and torch.isfinite(res["last"]).all()

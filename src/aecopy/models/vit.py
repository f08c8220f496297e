"""Vision Transformer classifiers for E10: a small ViT of our own, and torchvision's `vit_b_32`
built from user-supplied weights (never downloaded). Both split into encode (patch tokens through
the transformer blocks) and decode (class token → logits), with blocks readable by name."""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from .base import AutoEncoder

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class TransformerBlock(nn.Module):
    """Pre-norm block: x + MHSA(LN(x)), then x + MLP(LN(x)) with a GELU MLP of width `mlp_dim`."""

    def __init__(self, dim: int, heads: int, mlp_dim: int):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp_dim), nn.GELU(), nn.Linear(mlp_dim, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, N, dim) -> (B, N, dim)
        y = self.norm1(x)
        x = x + self.attn(y, y, y, need_weights=False)[0]
        return x + self.mlp(self.norm2(x))


class ViT(AutoEncoder):
    """A small ViT: patch embedding (Conv k=s=patch_size) → [class token; patches] + learned position
    embedding → blocks.0 … blocks.{depth-1} → LayerNorm → head on the class token.

    encode(x) = token sequence after the last block, (B, 1 + (H/p)·(W/p), dim); decode(h) = logits.
    With channels·patch_size² > dim the patch embedding is non-invertible, as vit_b_32's (3·32² = 3,072 → 768):
    block 1 then cannot see most of a patch (E10).
    """

    task = "classify"
    overcomplete = False

    def __init__(self, image_size: int, channels: int = 3, patch_size: int = 4, dim: int = 192,
                 depth: int = 6, heads: int = 3, mlp_dim: int = 768, num_classes: int = 10):
        super().__init__()
        if image_size % patch_size:
            raise ValueError(f"image_size {image_size} is not divisible by patch_size {patch_size}")
        n_patches = (image_size // patch_size) ** 2
        self.patch_embed = nn.Conv2d(channels, dim, kernel_size=patch_size, stride=patch_size)
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.randn(1, 1 + n_patches, dim) * 0.02)
        self.blocks = nn.ModuleList(TransformerBlock(dim, heads, mlp_dim) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_classes)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        x = self.patch_embed(x).flatten(2).transpose(1, 2)  # (B, N, dim)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
        for block in self.blocks:
            x = block(x)  # (B, 1 + N, dim)
        return x

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.head(self.norm(h[:, 0]))  # (B, num_classes)


class TorchvisionViT(AutoEncoder):
    """torchvision's VisionTransformer re-exposed with encode/decode; its submodules keep their
    torchvision names ("conv_proj", "encoder.layers.encoder_layer_0", …, "heads"), so state dicts
    and layer names are torchvision's.

    encode = conv_proj → [class token; patches] → encoder (position embedding, layers, final LN);
    decode = heads(class token). `normalize` applies ImageNet mean/std inside the model, so inputs
    stay in [0, 1] like every other model here (and input representations live in that space).
    """

    task = "classify"
    overcomplete = False

    def __init__(self, model: nn.Module, normalize: bool = True):
        super().__init__()
        self.image_size, self.patch_size = model.image_size, model.patch_size
        self.class_token = model.class_token
        self.conv_proj = model.conv_proj
        self.encoder = model.encoder
        self.heads = model.heads
        self.normalize = normalize
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).view(1, 3, 1, 1), persistent=False)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if self.normalize:
            x = (x - self.mean) / self.std
        x = self.conv_proj(x).flatten(2).transpose(1, 2)  # (B, N, hidden_dim)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1)
        return self.encoder(x)  # (B, 1 + N, hidden_dim)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.heads(h[:, 0])  # (B, num_classes)


def vit_b_32_from_state_dict(path: str | Path | None, normalize: bool = True,
                             **kwargs) -> TorchvisionViT:
    """torchvision `vit_b_32(weights=None)` loaded from a user-supplied state dict at `path`
    (`torch.load(..., weights_only=True)`); `path=None` leaves it untrained. Nothing is downloaded.
    `kwargs` go to `torchvision.models.vit_b_32` (e.g. num_classes for a fine-tuned head)."""
    from torchvision.models import vit_b_32

    model = vit_b_32(weights=None, **kwargs)
    if path is not None:
        model.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
    return TorchvisionViT(model, normalize=normalize)

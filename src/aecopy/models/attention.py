"""Self-attention over the pixels of a feature map, and the attention autoencoders of E9.

`LinearAttention` and `Attention` are siblings with one interface, `(dim, heads, dim_head)` and
(B, dim, H, W) → (B, dim, H, W), so swapping one for the other is one line (`ATTENTION[kind]`).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import AutoEncoder
from .blocks import double_conv, hidden_layer_ratio


def split_heads(t: torch.Tensor, heads: int) -> torch.Tensor:
    """(B, heads·d, H, W) -> (B, heads, d, H·W)."""
    b, _, h, w = t.shape
    return t.reshape(b, heads, -1, h * w)


class LinearAttention(nn.Module):
    """Linear attention (Katharopoulos et al.; lucidrains' form): softmax of q over features and of
    k over positions, so the (d × d) context replaces the (N × N) attention matrix.

    out = Conv1×1 → GroupNorm(1) of context·q; cost linear in the number of pixels N.
    """

    def __init__(self, dim: int, heads: int = 4, dim_head: int = 32):
        super().__init__()
        self.heads, self.scale = heads, dim_head ** -0.5
        hidden = heads * dim_head
        self.to_qkv = nn.Conv2d(dim, 3 * hidden, kernel_size=1, bias=False)
        self.to_out = nn.Sequential(nn.Conv2d(hidden, dim, kernel_size=1), nn.GroupNorm(1, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        q, k, v = (split_heads(t, self.heads) for t in self.to_qkv(x).chunk(3, dim=1))  # (B, h, d, N)
        q = q.softmax(dim=-2) * self.scale  # over features
        k = k.softmax(dim=-1)  # over positions
        context = torch.einsum("bhdn,bhen->bhde", k, v)  # (B, heads, d, d)
        out = torch.einsum("bhde,bhdn->bhen", context, q)  # (B, heads, d, N)
        return self.to_out(out.reshape(b, -1, h, w))


class Attention(nn.Module):
    """Dot-product attention between all pixels: softmax(q·kᵀ/√d) over positions, out Conv1×1.

    Computed by `F.scaled_dot_product_attention`, whose fused kernels never hold the (N × N) matrix:
    at 32² and batch 64 the explicit softmax needs 2.5 GB more.
    """

    def __init__(self, dim: int, heads: int = 4, dim_head: int = 32):
        super().__init__()
        self.heads, self.scale = heads, dim_head ** -0.5
        hidden = heads * dim_head
        self.to_qkv = nn.Conv2d(dim, 3 * hidden, kernel_size=1, bias=False)
        self.to_out = nn.Conv2d(hidden, dim, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        # (B, h, N, d), contiguous: the fused CPU kernel needs unit stride in d, else a math fallback builds N × N
        q, k, v = (split_heads(t, self.heads).transpose(-1, -2).contiguous() for t in self.to_qkv(x).chunk(3, dim=1))
        out = F.scaled_dot_product_attention(q, k, v, scale=self.scale)  # softmax over key positions: (B, h, N, d)
        return self.to_out(out.transpose(-1, -2).reshape(b, -1, h, w))


ATTENTION = {"linear": LinearAttention, "dot": Attention}


class AttentionAutoEncoder(AutoEncoder):
    """One attention layer between optional input and output convolutions, with no residual path
    (SPEC `linear_attn`, `dot_attn`, `attn_only`).

    convs=True:  inc = DoubleConv(C→width) → attn = {Linear,}Attention(width) → outc = Conv1×1(width→C)
    convs=False: attn = Attention(C) alone (qkv Conv1×1(C→3·heads·dim_head) … out Conv1×1 → C)
    encode = [inc →] attn (the attended map), decode = outc (nothing when convs=False).
    """

    def __init__(self, image_size: int, channels: int = 3, attention: str = "linear",
                 convs: bool = True, width: int = 64, heads: int = 4, dim_head: int = 32,
                 batch_norm: bool = True):
        super().__init__()
        if attention not in ATTENTION:
            raise ValueError(f"attention must be one of {sorted(ATTENTION)}, got {attention!r}")
        dim = width if convs else channels
        self.inc = double_conv(channels, width, batch_norm) if convs else None
        self.attn = ATTENTION[attention](dim, heads=heads, dim_head=dim_head)
        self.outc = nn.Conv2d(width, channels, kernel_size=1) if convs else None

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        if self.inc is not None:
            x = self.inc(x)  # (B, width, H, W)
        return self.attn(x)  # (B, width or C, H, W)

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return h if self.outc is None else self.outc(h)  # (B, C, H, W)

    def smallest_layer_ratio(self, image_size: int, channels: int = 3) -> float:
        """min over hidden layer outputs (all but the output layer) of numbers / (C·H·W)."""
        return hidden_layer_ratio(self, image_size, channels)

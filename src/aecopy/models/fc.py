"""The fully connected autoencoder of experiment E1 (SPEC: `fc`)."""
from __future__ import annotations

import torch
from torch import nn

from .base import AutoEncoder


class FCAutoEncoder(AutoEncoder):
    """flatten → Linear(D→W) → GELU → BatchNorm1d(W) → depth×[Linear(W→W) → GELU] → Linear(W→D).

    `freeze_hidden=True` reproduces the author's code, which kept the inner layers in a plain Python
    list: they were never registered, so the optimiser never saw them and they stayed at their init.
    """

    def __init__(self, image_size: int, channels: int = 3, width: int = 4000, depth: int = 5,
                 freeze_hidden: bool = False):
        super().__init__()
        self.shape = (channels, image_size, image_size)
        d = channels * image_size * image_size
        self.input_layer = nn.Linear(d, width)
        self.act = nn.GELU()
        self.norm = nn.BatchNorm1d(width)
        self.hidden = nn.ModuleList(nn.Linear(width, width) for _ in range(depth))
        self.output_layer = nn.Linear(width, d)
        self.freeze_hidden = freeze_hidden
        if freeze_hidden:
            self.hidden.requires_grad_(False)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        h = self.norm(self.act(self.input_layer(x.flatten(1))))  # (B, W)
        for layer in self.hidden:
            h = self.act(layer(h))
        return h

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        return self.output_layer(h).view(h.shape[0], *self.shape)  # (B, C, H, W)

    def smallest_layer_ratio(self, image_size: int, channels: int = 3) -> float:
        return self.input_layer.out_features / (channels * image_size * image_size)

"""Registry of the model family: the names used in params.yaml → constructors.

Variants are one class with other defaults (`functools.partial`); any default can be overridden
by keyword, e.g. `build_model("unet_nobn", 32, hidden=None)` is `unet` without BatchNorm.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from torch import nn

from .attention import AttentionAutoEncoder
from .baselines import DDPMUNet, DenoisingUNet, VAEUNet
from .fc import FCAutoEncoder
from .unet import AttnUNet, UNet
from .vit import ViT

HIDDEN_WIDTHS = (500, 100, 500)  # the restrictive module's "three hidden layers"

MODELS: dict[str, Callable[..., nn.Module]] = {
    "fc": FCAutoEncoder,
    "unet": UNet,
    "unet_wide": partial(UNet, base=128),
    "unet_deep_wide": partial(UNet, base=128, levels=5, concat=False),
    "unet_hidden": partial(UNet, hidden=HIDDEN_WIDTHS),
    "unet_nobn": partial(UNet, hidden=HIDDEN_WIDTHS, batch_norm=False),
    "attn_unet": AttnUNet,
    "linear_attn": partial(AttentionAutoEncoder, attention="linear"),
    "dot_attn": partial(AttentionAutoEncoder, attention="dot"),
    "attn_only": partial(AttentionAutoEncoder, attention="dot", convs=False),
    "vit": ViT,
    # baselines beyond the post: the post's U-Net as a DDPM noise predictor, a VAE, a trained denoiser
    "ddpm_unet": DDPMUNet,
    "vae_unet": VAEUNet,
    "dae_unet": DenoisingUNet,
}

def build_model(name: str, image_size: int, **kwargs) -> nn.Module:
    """Build registry entry `name` for square images of side `image_size`; kwargs are its arguments."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name](image_size=image_size, **kwargs)

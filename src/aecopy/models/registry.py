"""Registry of the model family: the names used in params.yaml → constructors.

Variants are one class with other defaults (`functools.partial`); any default can be overridden
by keyword, e.g. `build_model("unet_nobn", 32, hidden=None)` is `unet` without BatchNorm.
"""
from __future__ import annotations

from functools import partial
from typing import Callable

from torch import nn

from .attention import AttentionAutoEncoder
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
}

# The author's sizes (SPEC "Models"); unet was also run at 512² and 256² (landscapes), 64² (LSUN).
PAPER_SCALE_KWARGS: dict[str, dict] = {
    "fc": dict(image_size=32, width=4000, depth=5),
    "unet": dict(image_size=64, base=64, levels=4),
    "unet_wide": dict(image_size=128, base=128, levels=4),
    "unet_deep_wide": dict(image_size=128, base=128, levels=5),
    "unet_hidden": dict(image_size=128, base=64, levels=4),
    "unet_nobn": dict(image_size=128, base=64, levels=4),
    "attn_unet": dict(image_size=128, base=128, dim_mults=(1, 2, 4)),
    "linear_attn": dict(image_size=32, width=64),
    "dot_attn": dict(image_size=32, width=64),
    "attn_only": dict(image_size=32),
    # the post used torchvision's vit_b_32 (see vit.vit_b_32_from_state_dict); these are its sizes
    "vit": dict(image_size=224, patch_size=32, dim=768, depth=12, heads=12, mlp_dim=3072,
                num_classes=1000),
}

# Small, still overcomplete (SPEC "Default scale": narrower by fewer levels, never below the input),
# and fast on 2 CPU cores at 32² patches. Wide = twice the feature maps, deep = one more level, as
# in the paper; smallest hidden layer / input: unet 4/3, wide 8/3, deep_wide 4/3, attn_unet 1.
DEFAULT_SCALE_KWARGS: dict[str, dict] = {
    "fc": dict(image_size=16, width=1024, depth=5),
    "unet": dict(image_size=32, base=16, levels=2),
    "unet_wide": dict(image_size=32, base=32, levels=2),
    "unet_deep_wide": dict(image_size=32, base=32, levels=3),
    "unet_hidden": dict(image_size=32, base=16, levels=2),
    "unet_nobn": dict(image_size=32, base=16, levels=2),
    "attn_unet": dict(image_size=32, base=24, dim_mults=(1, 2, 4)),
    "linear_attn": dict(image_size=32, width=64),
    "dot_attn": dict(image_size=32, width=64),
    "attn_only": dict(image_size=32),
    "vit": dict(image_size=32, patch_size=4, dim=128, depth=6, heads=4, mlp_dim=256, num_classes=10),
}


def build_model(name: str, image_size: int, **kwargs) -> nn.Module:
    """Build registry entry `name` for square images of side `image_size`; kwargs are its arguments."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; expected one of {sorted(MODELS)}")
    return MODELS[name](image_size=image_size, **kwargs)

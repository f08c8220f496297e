"""The model family: sizes at the author's scale, encode/decode round trips, named layers, one
training step per registry entry, overcompleteness at both scales, torchvision vit_b_32 loading."""
from __future__ import annotations

import pytest
import torch
import yaml
from torch import nn

from aecopy import config
from aecopy.models import AutoEncoder, MODELS, build_model
from aecopy.models.attention import ATTENTION
from aecopy.models.unet import AttnUNet, UNet

from .conftest import REPO

# name -> (kwargs at a tiny size, layer names to read)
TINY = {
    "fc": (dict(image_size=8, width=256, depth=2), ["input_layer", "hidden.1", "output"]),
    "unet": (dict(image_size=16, base=8, levels=2), ["inc", "down2", "up1", "outc", "output"]),
    "unet_wide": (dict(image_size=16, base=8, levels=2), ["down1", "up2"]),
    "unet_deep_wide": (dict(image_size=16, base=8, levels=2), ["down2", "up1.up", "up2"]),
    "unet_hidden": (dict(image_size=16, base=8, levels=2), ["hidden", "hidden.linears.1", "up1"]),
    "unet_nobn": (dict(image_size=16, base=8, levels=2), ["hidden.linears.1", "outc"]),
    "attn_unet": (dict(image_size=16, base=8, dim_mults=(1, 2)),
                  ["init_conv", "downs.0", "downs.1.attn", "mid_attn", "ups.0", "final_conv"]),
    "linear_attn": (dict(image_size=8, width=8, heads=2, dim_head=4), ["inc", "attn", "outc"]),
    "dot_attn": (dict(image_size=8, width=8, heads=2, dim_head=4), ["attn", "output"]),
    "attn_only": (dict(image_size=8, heads=2, dim_head=4), ["attn.to_qkv", "attn"]),
    "vit": (dict(image_size=16, patch_size=4, dim=16, depth=2, heads=2, mlp_dim=32, num_classes=5),
            ["patch_embed", "blocks.0", "blocks.1", "head"]),
    "ddpm_unet": (dict(image_size=16, base=8, levels=2, timesteps=20, validation_t=5), ["inc", "down2", "time_mlp", "up1", "output"]),
    "vae_unet": (dict(image_size=16, base=8, levels=2), ["down2", "mu", "logvar", "up2", "output"]),
    "dae_unet": (dict(image_size=16, base=8, levels=2, alpha=0.3), ["inc", "up1", "outc", "output"]),
}

# SPEC "Models": the author's parameter counts
AUTHOR_COUNTS = {
    "fc": (dict(image_size=32, width=4000, depth=5), 105e6),
    "unet": (dict(image_size=64), 31.0e6),
    "unet_wide": (dict(image_size=128), 124e6),
    "unet_deep_wide": (dict(image_size=128), 542e6),
    "unet_hidden": (dict(image_size=128), 56e6),
}


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def build(name: str, kwargs: dict) -> AutoEncoder:
    kwargs = dict(kwargs)
    return build_model(name, kwargs.pop("image_size"), **kwargs)


def test_tables_cover_the_registry():
    assert set(TINY) == set(MODELS)


@pytest.mark.parametrize("name", AUTHOR_COUNTS)
def test_parameter_count_at_author_size(name):
    kwargs, expected = AUTHOR_COUNTS[name]
    with torch.device("meta"):
        model = build(name, kwargs)
    assert abs(n_params(model) / expected - 1) < 0.01, n_params(model)


@pytest.mark.parametrize("name", TINY)
def test_round_trip_shapes_layers_and_one_training_step(name):
    kwargs, layers = TINY[name]
    torch.manual_seed(0)
    model = build(name, kwargs).train()
    x = torch.rand(4, 3, kwargs["image_size"], kwargs["image_size"])

    torch.manual_seed(1)  # attn_unet's noisy residuals draw from the global RNG
    y = model(x)
    torch.manual_seed(1)
    assert torch.allclose(model.decode(model.encode(x)), y, atol=1e-6)
    expected = (4, kwargs["num_classes"]) if model.task == "classify" else x.shape
    assert y.shape == expected

    outputs = model.layer_outputs(x, layers)
    assert set(outputs) == set(layers)
    assert all(isinstance(t, torch.Tensor) and t.shape[0] == 4 for t in outputs.values())

    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    if model.task == "classify":
        loss = nn.functional.cross_entropy(model(x), torch.arange(4) % kwargs["num_classes"])
    else:
        loss = nn.functional.mse_loss(model(x), x)
    loss.backward()
    opt.step()
    assert torch.isfinite(loss)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize("scale", ["default", "paper"])
def test_overcomplete_models_are_overcomplete(scale):
    """On the variants that run: params.yaml's resolved models of both scales."""
    with open(REPO / "params.yaml") as f:
        raw = yaml.safe_load(f)
    raw["scale"] = scale
    variants = config.resolve(raw)["variants"]
    assert {v["model"] for v in variants.values()} == set(MODELS)
    for name, cfg in variants.items():
        with torch.device("meta"):
            model = build_model(cfg["model"], cfg["image_size"], **cfg["kwargs"])
        if model.overcomplete:
            assert model.smallest_layer_ratio(cfg["image_size"]) >= 1, name
    assert not build_model("unet_hidden", 32, base=8, levels=2).overcomplete


def test_unet_ratio_is_the_bottleneck_as_in_spec():
    for base, levels, size in [(64, 4, 64), (48, 4, 32), (24, 3, 32), (12, 2, 32), (16, 4, 64)]:
        with torch.device("meta"):
            model = UNet(size, base=base, levels=levels)
        bottleneck = base * 2 ** levels * (size // 2 ** levels) ** 2
        assert model.smallest_layer_ratio(size) == pytest.approx(bottleneck / (3 * size * size))


def test_unet_hidden_code_and_shapes_follow_resolution():
    with torch.device("meta"):
        model = build_model("unet_hidden", 128)
        code = model.layer_outputs(torch.zeros(2, 3, 128, 128), ["hidden.linears.1"])["hidden.linears.1"]
    assert model.hidden.linears[0].in_features == 4096  # Conv(1024→256, k4 s2 p1) at 8² → 256·4·4
    assert code.shape == (2, 100)
    assert model.smallest_layer_ratio(128) == pytest.approx(100 / (3 * 128 * 128))


def test_unet_nobn_has_no_batchnorm_and_biased_convs():
    model = build_model("unet_nobn", 16, base=8, levels=2)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    assert all(m.bias is not None for m in model.modules() if isinstance(m, nn.Conv2d))
    plain = build_model("unet_nobn", 16, base=8, levels=2, hidden=None)
    assert plain.hidden is None and plain.overcomplete


def test_deep_wide_up_does_not_concatenate():
    model = build_model("unet_deep_wide", 16, base=8, levels=2)
    assert model.up1.up.out_channels == model.up1.up.in_channels == 32
    assert model.up1.conv[0].in_channels == 32 and model.up1.conv[-3].out_channels == 16


@pytest.mark.parametrize("kind", sorted(ATTENTION))
def test_attention_siblings_share_one_interface(kind):
    attn = ATTENTION[kind](16, heads=2, dim_head=8)
    assert attn(torch.rand(2, 16, 8, 8)).shape == (2, 16, 8, 8)


@pytest.mark.parametrize("options", [dict(residual="none"), dict(residual="full"),
                                     dict(mid_attention="linear", resample="pixel")])
def test_attn_unet_switches(options):
    model = AttnUNet(16, base=8, dim_mults=(1, 2, 4), **options)
    x = torch.rand(2, 3, 16, 16)
    y = model(x)
    assert y.shape == x.shape
    if options.get("residual") in ("none", "full"):  # deterministic without the noisy mix
        assert torch.equal(model(x), y)


def test_attn_unet_noise_from_an_explicit_generator():
    model = AttnUNet(16, base=8, dim_mults=(1, 2))
    x = torch.rand(2, 3, 16, 16)
    outs = []
    for global_seed in (0, 1):
        torch.manual_seed(global_seed)
        model.set_noise_generator(torch.Generator().manual_seed(7))
        outs.append(model(x))
    assert torch.equal(*outs)
    assert not torch.equal(outs[0], model(x))  # the generator moved on: fresh noise


@pytest.mark.slow
def test_vit_b_32_loads_a_user_state_dict(tmp_path):
    from torchvision.models import vit_b_32

    from aecopy.models.vit import vit_b_32_from_state_dict

    torch.manual_seed(0)
    reference = vit_b_32(weights=None)
    path = tmp_path / "vit_b_32.pt"
    torch.save(reference.state_dict(), path)
    model = vit_b_32_from_state_dict(path, normalize=False)
    assert model.task == "classify"
    assert model.state_dict().keys() == reference.state_dict().keys()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        outputs = model.layer_outputs(x, ["encoder.layers.encoder_layer_0", "output"])
        assert torch.allclose(outputs["output"], reference(x), atol=1e-4)
    assert outputs["encoder.layers.encoder_layer_0"].shape == (1, 50, 768)


def test_dot_attention_equals_the_explicit_softmax():
    from aecopy.models.attention import Attention, split_heads

    torch.manual_seed(0)
    attn = Attention(16, heads=2, dim_head=8)
    x = torch.randn(3, 16, 6, 6)
    q, k, v = (split_heads(t, 2) for t in attn.to_qkv(x).chunk(3, dim=1))  # (B, h, d, N)
    weights = (torch.einsum("bhdi,bhdj->bhij", q, k) / 8 ** 0.5).softmax(dim=-1)  # over key positions
    explicit = attn.to_out(torch.einsum("bhij,bhdj->bhdi", weights, v).reshape(3, -1, 6, 6))
    torch.testing.assert_close(attn(x), explicit)

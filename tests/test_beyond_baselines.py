"""The baselines beyond the post (B-ddpm, B-vae-blur, B-dae): their models, objectives and sampling, the params
cross-checks, the `beyond` switch, and a tiny end-to-end run of their rule."""
from __future__ import annotations

import copy
import json

import pytest
import torch
import yaml

from aecopy import config, objectives, plan
from aecopy.controls.baselines import BankDDPM
from aecopy.models import build_model
from aecopy.procedures.sampling import ddpm_samples, vae_samples

from .conftest import REPO, make_project, run, tiny_params

TINY = dict(base=8, levels=1)
OBJECTIVE = {"ddpm_unet": "ddpm", "vae_unet": "vae", "dae_unet": "denoise"}


@pytest.fixture(scope="module")
def raw() -> dict:
    with open(REPO / "params.yaml") as f:
        return yaml.safe_load(f)


@pytest.mark.parametrize("name", sorted(OBJECTIVE))
def test_objective_trains_a_step_and_repeats_under_the_global_seed(name):
    x = torch.rand(4, 3, 16, 16)
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        model = build_model(name, 16, **TINY).train()
        before = [p.detach().clone() for p in model.parameters()]
        loss = objectives.get(OBJECTIVE[name], model)(model, x, None)
        loss.backward()
        torch.optim.Adam(model.parameters(), lr=1e-3).step()
        assert torch.isfinite(loss)
        assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))
        losses.append(loss.item())
    assert losses[0] == losses[1]


def test_ddpm_noises_with_diffusers_scheduler_and_predicts_the_noise():
    from diffusers import DDPMScheduler

    model = build_model("ddpm_unet", 16, **TINY, timesteps=50, beta_schedule="squaredcos_cap_v2", validation_t=10)
    reference = DDPMScheduler(num_train_timesteps=50, beta_schedule="squaredcos_cap_v2")
    assert torch.allclose(model.alphas_cumprod, reference.alphas_cumprod.float())
    seen = {}

    def spy(x_t, t):  # what the objective feeds the model, and the target it is scored against
        seen.update(x_t=x_t, t=t)
        return torch.zeros_like(x_t)

    class Spy(torch.nn.Module):
        module = model

        def forward(self, x_t, t):
            return spy(x_t, t)

    x = torch.rand(3, 3, 16, 16)
    torch.manual_seed(1)
    loss = objectives.get("ddpm", model)(Spy(), x, None)
    torch.manual_seed(1)
    noise = torch.randn_like(x)
    t = torch.randint(0, 50, (3,))
    assert torch.equal(seen["t"], t)
    assert torch.allclose(seen["x_t"], reference.add_noise(2 * x - 1, noise, t), atol=1e-6)
    assert torch.isclose(loss, noise.pow(2).mean())  # the zero prediction scored against the drawn noise


def test_ddpm_sampling_is_seeded_and_a_perfect_noise_predictor_samples_its_data():
    g = torch.Generator().manual_seed(0)
    bank = torch.rand(6, 3, 8, 8)
    oracle = BankDDPM(bank)
    s1 = ddpm_samples(oracle, oracle.make_scheduler(), 5, 2, (3, 8, 8), 50, torch.Generator().manual_seed(3))
    s2 = ddpm_samples(oracle, oracle.make_scheduler(), 5, 2, (3, 8, 8), 50, torch.Generator().manual_seed(3))
    assert s1.shape == (5, 3, 8, 8) and torch.equal(s1, s2)
    nearest = torch.cdist(s1.flatten(1), bank.flatten(1)).min(1).values / (3 * 64) ** 0.5  # RMS per pixel
    assert nearest.max() < 0.02, nearest
    model = build_model("ddpm_unet", 8, base=8, levels=1, timesteps=20, validation_t=5).eval()
    out = ddpm_samples(model, model.make_scheduler(), 3, 2, (3, 8, 8), 4, g)
    assert out.shape == (3, 3, 8, 8) and out.min() >= 0 and out.max() <= 1


def test_vae_reconstructs_its_posterior_mean_and_samples_its_prior():
    torch.manual_seed(0)
    vae = build_model("vae_unet", 16, **TINY).train()
    x = torch.rand(4, 3, 16, 16)
    mu, logvar = vae.posterior(x)
    assert mu.shape == logvar.shape == (4, *vae.latent_shape)
    assert torch.allclose(vae(x), vae.decode(mu))
    recon, mu2, _ = vae(x, with_posterior=True)
    assert torch.allclose(mu, mu2) and not torch.allclose(recon, vae(x))
    s = vae_samples(vae, 5, 4, torch.Generator().manual_seed(0))
    assert s.shape == (5, 3, 16, 16) and s.min() >= 0 and s.max() <= 1


def test_the_denoiser_is_unet_with_the_noise_mix_it_trains_on():
    torch.manual_seed(0)
    unet = build_model("unet", 16, **TINY)
    torch.manual_seed(0)
    dae = build_model("dae_unet", 16, **TINY, alpha=0.3)
    assert dae.alpha == 0.3
    assert unet.state_dict().keys() == dae.state_dict().keys()
    assert all(torch.equal(a, b) for a, b in zip(unet.state_dict().values(), dae.state_dict().values()))


@pytest.mark.parametrize("path,value,message", [
    ("scales.default.variants.dae.kwargs.alpha", 0.3,
     "variants.dae.kwargs.alpha: got 0.3, expected experiments.e3.judge_alpha"),
    ("scales.default.variants.vae.image_size", 16, "variants.vae.image_size: got 16, expected 32, that of unet"),
    ("scales.default.experiments.beyond_baselines.ddpm", "nope", "beyond_baselines.ddpm: got 'nope'"),
])
def test_baselines_cross_checks_name_the_key(raw, path, value, message):
    bad = copy.deepcopy(raw)
    node = bad
    *parents, leaf = path.split(".")
    for part in parents:
        node = node[part]
    node[leaf] = value
    with pytest.raises(config.ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config.resolve(bad)


def test_inputs_are_each_models_last_checkpoints_of_the_first_seeds(raw):
    p = config.resolve(raw)
    inputs = plan.baselines_inputs(p)
    got = {(c["variant"], c["seed"], c["epoch"]) for c in inputs["checkpoints"]}
    b = p["experiments"]["beyond_baselines"]
    assert got == {(v, s, plan.last_epoch(p, v)) for v in (b["reference"], b["ddpm"], b["vae"], b["dae"])
                   for s in config.variant_seeds(p, v)[: b["max_seeds"]]}
    assert {s["split"] for s in inputs["splits"]} == {"train", "val"}
    assert {v for v in p["variants"] if p["variants"][v].get("group") == "beyond"} >= {b["ddpm"], b["vae"], b["dae"]}
    assert not set(plan.trained_variants(p)) & {b["ddpm"], b["vae"], b["dae"]}  # beyond: false by default


@pytest.mark.slow
def test_beyond_switch_adds_the_baselines_to_the_run_and_the_tiny_run_makes_their_claims(tmp_path, photos_available):
    params = tiny_params()
    off = make_project(tmp_path / "off", params)
    dry = run(["snakemake", "-n", "--forceall"], off).stdout
    assert "rule beyond_baselines:" not in dry and "results/train/ddpm" not in dry
    params["beyond"] = True
    on = make_project(tmp_path / "on", params)
    dry = run(["snakemake", "-n", "--forceall"], on).stdout
    assert "rule beyond_baselines:" in dry and "results/train/ddpm/seed0" in dry
    run(["snakemake", "--cores", "2", "results/beyond_baselines/claims.json"], on)
    claims = json.loads((on / "results/beyond_baselines/claims.json").read_text())
    assert [c["id"] for c in claims] == ["B-ddpm", "B-vae-blur", "B-dae"]
    assert all(c["experiment"] == "Beyond the post" and c["verdict"] in ("reproduced", "not reproduced", "inconclusive")
               and c["budgets"] for c in claims)
    for c in claims:
        for fig in c["figures"]:
            assert (on / "results" / fig["path"]).is_file() and fig["caption"]

"""Controls of B-ddpm, B-vae-blur and B-dae: constructed stand-ins for the post's U-Net, the DDPM, the VAE and
the trained denoiser on synthetic images, run through `experiments.beyond_baselines.run`.

The stand-ins: a perfect DDPM of the training images (`BankDDPM`: ε̂ from the exact posterior mean of x₀
over them, so its samples are training images), a DDPM that predicts no noise (its samples stay noise);
VAEs whose reconstructions and samples are blurred training images (`SampledBank` with a blur) or sharp ones;
an `Oracle` over training and validation images (it copies both exactly, removes any noise from them and
generates training images), and a `GatedOracle`, the Oracle for inputs that resemble one of its images and the
identity for anything else (it copies and denoises, but iterated from noise it stays noise). Unless a scenario
says otherwise the U-Net is the GatedOracle, the DDPM a BankDDPM, the VAE blurs by σ 1 px, the denoiser is the
Oracle, and every model saw 1,000 training images.
"""
from __future__ import annotations

import torch

from ..models.base import AutoEncoder
from . import scenario, small
from .inputs import ControlInputs
from .models import Blur, Identity, MeanColour, Oracle, blur

SIZE = 32  # 32²: large enough for the Oracle to find its image under the α = 0.5 noise mix
BUDGET = 1000
ROLES = ("reference", "ddpm", "vae", "dae")
ALL = ("B-ddpm", "B-vae-blur", "B-dae")


def shrink(p: dict) -> None:
    """Synthetic images at 32², three seeds per model, 32 evaluation images, 16 samples of E7's generation
    and 20 DDPM steps, a short SWD; the rules, thresholds and guards of params.yaml."""
    b, e7 = p["experiments"]["beyond_baselines"], p["experiments"]["e7"]
    for role in ROLES:
        small(p, b[role], SIZE, batch=min(p["variants"][b[role]]["train"]["batch_size"], 16))
    b.update(max_seeds=3, sample_steps=20, max_images=32)
    e7.update(n_samples=16, max_reference=32)
    e7["swd"].update(per_image=16, directions=32, n_boot=50)


class Scheduled(AutoEncoder):
    """A constructed noise predictor ε̂(x_t, t) with the DDPM's interface (make_scheduler, forward(x, t))."""

    def __init__(self):
        super().__init__()
        self.scheduler = self.make_scheduler()

    def make_scheduler(self):
        from diffusers import DDPMScheduler

        return DDPMScheduler(num_train_timesteps=1000, beta_schedule="linear", clip_sample=True)

    def encode(self, x):
        return x

    def decode(self, h):
        return h


class BankDDPM(Scheduled):
    """The exact ε̂ of the empirical distribution of `bank` (K, C, H, W) in [0, 1]: x̂₀ = Σ_k w_k·b_k with
    w ∝ exp(−‖x_t − √ᾱ_t·b_k‖² / 2(1 − ᾱ_t)) (b in [−1, 1]), ε̂ = (x_t − √ᾱ_t·x̂₀)/√(1 − ᾱ_t). Its samples
    are bank images."""

    def __init__(self, bank: torch.Tensor):
        super().__init__()
        self.register_buffer("bank", (2 * bank.float() - 1).flatten(1))  # (K, D)

    def forward(self, x, timesteps=None):
        if timesteps is None:
            return x
        a = self.scheduler.alphas_cumprod.to(x.device)[timesteps.long()].float()[:, None]  # (B, 1)
        flat = x.flatten(1)  # (B, D)
        d2 = (flat.pow(2).sum(1, keepdim=True) - 2 * a.sqrt() * flat @ self.bank.T
              + a * self.bank.pow(2).sum(1)[None])  # (B, K): ‖x_t − √ᾱ·b_k‖²
        w = torch.softmax(-d2 / (2 * (1 - a)), dim=1)
        x0 = w @ self.bank  # (B, D)
        return ((flat - a.sqrt() * x0) / (1 - a).sqrt()).view_as(x)


class ZeroNoise(Scheduled):
    """Predicts no noise at all: its samples never leave the starting noise's neighbourhood."""

    def forward(self, x, timesteps=None):
        return torch.zeros_like(x) if timesteps is not None else x


class GatedOracle(Oracle):
    """The Oracle for inputs whose best bank match correlates above `threshold` (clean or α = 0.5 noisy copies of
    bank images: about 0.7 and more) and the identity for the rest (pure noise: below 0.1 at 32²)."""

    def __init__(self, bank: torch.Tensor, threshold: float = 0.3):
        super().__init__(bank)
        self.threshold = threshold

    def decode(self, h: torch.Tensor) -> torch.Tensor:
        q = h.flatten(1) - h.flatten(1).mean(1, keepdim=True)
        corr = (q @ self.unit.T).max(1).values / q.norm(dim=1).clamp_min(1e-8)  # (B,)
        near = (corr > self.threshold)[:, None, None, None]
        return torch.where(near, self.bank[self.nearest(h)], h)


class SampledBank(AutoEncoder):
    """A VAE stand-in: forward(x) = f(x), sample(n) = f(random bank images) for f = a Gaussian blur of sd
    `sigma` px (0: none) or, with `mean_colour`, each image's mean colour (a VAE that encodes nothing)."""

    def __init__(self, bank: torch.Tensor, sigma: float = 0.0, mean_colour: bool = False):
        super().__init__()
        self.register_buffer("bank", bank.float())
        self.sigma, self.mean_colour = sigma, mean_colour

    def encode(self, x):
        if self.mean_colour:
            return x.mean(dim=(2, 3), keepdim=True).expand_as(x)
        if self.sigma == 0:
            return x
        return blur(x, self.sigma)

    def decode(self, h):
        return h

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        return self(self.bank[torch.randint(self.bank.shape[0], (n,), generator=generator)])


DEFAULTS = {
    "reference": lambda train, val: GatedOracle(torch.cat([train, val])),
    "ddpm": lambda train, val: BankDDPM(train),
    "vae": lambda train, val: SampledBank(train, sigma=1.0),
    "dae": lambda train, val: Oracle(val),
}


def _inputs(p: dict, models: dict | None = None, budgets=None) -> ControlInputs:
    """ControlInputs whose model of each role is `models[role](train, val)` (else DEFAULTS'), train and val being
    the control's image banks; `budgets(role)` gives the images seen (default 1,000 for every model)."""
    models = {**DEFAULTS, **(models or {})}
    b = p["experiments"]["beyond_baselines"]
    role = {b[r]: r for r in ROLES}
    cache: dict = {}

    def make(v, s, e):
        if "banks" not in cache:
            cache["banks"] = inputs.images(b["reference"], "train"), inputs.images(b["reference"], "val")
        return models[role[v]](*cache["banks"])

    inputs = ControlInputs(p, models=make, images_seen=lambda v, s, e: budgets(role[v]) if budgets else BUDGET)
    return inputs


@scenario("baselines/oracles", "beyond_baselines", "A perfect DDPM of the training images (its samples are training "
          "images), a VAE that blurs by σ 1 px (reconstructions and samples), a perfect denoiser, and a U-Net that "
          "copies and denoises images perfectly but leaves inputs that resemble no image unchanged: its iterated "
          "samples stay noise. Every claim true.", dict.fromkeys(ALL, "reproduced"))
def oracles(p):
    return _inputs(p)


@scenario("baselines/ddpm-no-noise", "beyond_baselines", "The DDPM predicts no noise (its samples stay near the "
          "starting noise) while the U-Net is an Oracle whose iterated samples are training images: the DDPM is "
          "further from the data.", {"B-ddpm": "not reproduced"})
def ddpm_no_noise(p):
    return _inputs(p, {"ddpm": lambda train, val: ZeroNoise(),
                       "reference": lambda train, val: Oracle(torch.cat([train, val]))})


@scenario("baselines/sharp-vae", "beyond_baselines", "The VAE copies exactly and samples sharp training images, "
          "while the U-Net is a Gaussian blur of σ 0.5 px (a copy good enough for the premise) whose iterated "
          "samples are blurred noise: the VAE is the sharper one.", {"B-vae-blur": "not reproduced"})
def sharp_vae(p):
    return _inputs(p, {"vae": lambda train, val: SampledBank(train), "reference": lambda train, val: Blur(0.5)})


@scenario("baselines/identity-copy", "beyond_baselines", "The copy-trained U-Net is the identity (it removes none "
          "of the noise) and the denoiser is perfect: the share of the denoiser's gain is 0.",
          {"B-dae": "not reproduced"})
def identity_copy(p):
    return _inputs(p, {"reference": lambda train, val: Identity()})


@scenario("baselines/no-copy", "beyond_baselines", "The U-Net outputs each image's mean colour: it copies nothing, "
          "so the premise guard makes every claim about it inconclusive.", dict.fromkeys(ALL, "inconclusive"))
def no_copy(p):
    return _inputs(p, {"reference": lambda train, val: MeanColour(SIZE)})


@scenario("baselines/collapsed-vae", "beyond_baselines", "The VAE outputs mean colours (reconstructions and "
          "samples): blurrier than anything, but it encodes nothing (R² 0), so B-vae-blur is inconclusive.",
          {"B-vae-blur": "inconclusive"})
def collapsed_vae(p):
    return _inputs(p, {"vae": lambda train, val: SampledBank(train, mean_colour=True)})


@scenario("baselines/denoiser-fails", "beyond_baselines", "The trained denoiser is the identity: it removes nothing, "
          "so the share of its gain is undefined and B-dae is inconclusive.", {"B-dae": "inconclusive"})
def denoiser_fails(p):
    return _inputs(p, {"dae": lambda train, val: Identity()})


@scenario("baselines/unequal-budgets", "beyond_baselines", "The models of baselines/oracles, but the DDPM, the VAE "
          "and the denoiser saw 55% of the U-Net's training images: every contrast is inconclusive (unequal budgets).",
          dict.fromkeys(ALL, "inconclusive"))
def unequal_budgets(p):
    return _inputs(p, budgets=lambda role: BUDGET if role == "reference" else 550)

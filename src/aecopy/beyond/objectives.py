"""Training objectives of the baselines beyond the post, registered by name with `aecopy.objectives`
(params: a variant's `train.objective`). Each is `loss(model, x, labels) -> scalar` on clean images x
(B, C, H, W) in [0, 1]; its randomness comes from torch's global generator, which training seeds and
restores on resume. `model` may be wrapped by DistributedDataParallel, so each calls the model itself
(its forward) and reads attributes from the unwrapped module."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..objectives import register
from ..procedures.noise import NOISE_MEAN, NOISE_STD


def _module(model):
    return getattr(model, "module", model)


@register("ddpm")
def ddpm_loss(model, x, labels=None):
    """DDPM's simple loss (Ho et al. 2020): ‖ε − ε̂(x_t, t)‖² with t uniform over the schedule's steps and
    x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε by the model's diffusers DDPMScheduler (add_noise), x₀ = 2x − 1; ‖x₀ − x̂₀‖²
    for a model that predicts x₀ (prediction "sample")."""
    m = _module(model)
    x0 = 2 * x - 1
    noise = torch.randn_like(x0)
    t = torch.randint(0, m.timesteps, (x.shape[0],), device=x.device)
    x_t = m.scheduler.add_noise(x0, noise, t)
    return F.mse_loss(model(x_t, t), noise if m.prediction == "epsilon" else x0)


@register("vae")
def vae_loss(model, x, labels=None):
    """The negative ELBO per pixel with a Gaussian decoder of one shared variance set to its maximum-
    likelihood value, the batch MSE (the "optimal σ-VAE", Rybkin et al. 2021): ½·log MSE + KL(q(z|x) ‖
    N(0, I)) / D, D = C·H·W. No weighting knob: the likelihood's own scale sets the balance with the KL."""
    recon, mu, logvar = model(x, with_posterior=True)
    mse = F.mse_loss(recon, x)
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).flatten(1).sum(1).mean()  # per image
    return 0.5 * torch.log(mse) + kl / x[0].numel()


@register("denoise")
def denoise_loss(model, x, labels=None):
    """MSE(model(x̂), x) for the post's noise mix x̂ = α·x + (1−α)·n, n ~ N(0.7, 0.2), α the model's `alpha`."""
    alpha = _module(model).alpha
    noise = NOISE_MEAN + NOISE_STD * torch.randn_like(x)
    return F.mse_loss(model(alpha * x + (1 - alpha) * noise), x)

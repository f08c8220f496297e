"""Baselines beyond the post, each the post's U-Net (`unet`) with one change:

- `DDPMUNet`: a noise-level-conditioned U-Net for a DDPM (a timestep embedding added in every DoubleConv,
  the blocks otherwise the U-Net's); it predicts the noise ε (or x₀) of x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε,
  x₀ = 2x − 1, under diffusers' DDPMScheduler.
- `VAEUNet`: a VAE whose encoder is the U-Net's encode, a Gaussian posterior over the bottleneck by two
  1×1 convolutions (mean, log-variance), and whose decoder is the U-Net's decode.
- `DenoisingUNet`: the U-Net itself, carrying the noise mix α it is trained to remove (objective `denoise`).

Their training objectives are in `aecopy.beyond.objectives`. Every forward(x) returns an estimate of x, so
training's validation curve (copy quality on clean images) stays defined.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .base import AutoEncoder
from .blocks import double_conv
from .unet import UNet


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps t (B,) → (B, dim) (Ho et al. 2020, after Vaswani et al.)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = t.float()[:, None] * freqs[None]  # (B, dim/2)
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class TimeDoubleConv(nn.Module):
    """blocks.double_conv (2 × [Conv3×3 → BatchNorm → ReLU]) with the projected timestep embedding added to
    the output of its first Conv → BatchNorm → ReLU, as a DDPM U-Net adds it inside each residual block."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, batch_norm: bool = True):
        super().__init__()
        layers = double_conv(c_in, c_out, batch_norm)
        split = 3 if batch_norm else 2
        self.first, self.second = layers[:split], layers[split:]
        self.time = nn.Linear(emb_dim, c_out)

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:  # (B, c_in, H, W), (B, E)
        return self.second(self.first(h) + self.time(emb)[:, :, None, None])  # (B, c_out, H, W)


class TimeDown(nn.Module):
    """blocks.Down with a timestep embedding: MaxPool2 → TimeDoubleConv."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, batch_norm: bool = True):
        super().__init__()
        self.pool = nn.MaxPool2d(2)
        self.conv = TimeDoubleConv(c_in, c_out, emb_dim, batch_norm)

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        return self.conv(self.pool(h), emb)


class TimeUp(nn.Module):
    """blocks.Up with a timestep embedding: ConvTranspose(k2, s2) → [the post's dead skip: concatenated with
    itself] → TimeDoubleConv."""

    def __init__(self, c_in: int, c_out: int, emb_dim: int, batch_norm: bool = True, concat: bool = True):
        super().__init__()
        self.concat = concat
        self.up = nn.ConvTranspose2d(c_in, c_in // 2 if concat else c_in, kernel_size=2, stride=2)
        self.conv = TimeDoubleConv(c_in, c_out, emb_dim, batch_norm)

    def forward(self, h: torch.Tensor, emb: torch.Tensor) -> torch.Tensor:
        h = self.up(h)  # (B, C/2 or C, 2H, 2W)
        return self.conv(torch.cat([h, h], dim=1) if self.concat else h, emb)


class DDPMUNet(AutoEncoder):
    """The post's U-Net (`unet`: milesial blocks, BatchNorm, dead skips) predicting the noise (or x₀) at t: the
    same inc, down1..L, up1..L and outc, each DoubleConv given the timestep embedding (sinusoidal → MLP →
    a per-block linear projection added after its first convolution).

    timesteps, beta_schedule: the DDPMScheduler it is trained and sampled with (`make_scheduler`).
    prediction: what the network predicts, "epsilon" (the noise, Ho et al.) or "sample" (x₀), the
        scheduler's prediction_type.
    validation_t: forward(x) without timesteps is decode(encode(x)): x noised to this timestep by a fixed
    draw of ε (the same each call), then one denoising step, so that the validation curve measures denoising.
    """

    def __init__(self, image_size: int, channels: int = 3, base: int = 64, levels: int = 4,
                 batch_norm: bool = True, concat: bool = True, timesteps: int = 1000,
                 beta_schedule: str = "linear", prediction: str = "epsilon", validation_t: int = 100):
        super().__init__()
        if prediction not in ("epsilon", "sample"):
            raise ValueError(f"prediction must be 'epsilon' or 'sample', got {prediction!r}")
        if image_size % 2 ** levels:
            raise ValueError(f"image_size {image_size} is not divisible by 2^levels = {2 ** levels}")
        if not 0 <= validation_t < timesteps:
            raise ValueError(f"validation_t must lie in [0, timesteps = {timesteps}), got {validation_t}")
        self.levels, self.timesteps, self.beta_schedule = levels, timesteps, beta_schedule
        self.prediction, self.validation_t = prediction, validation_t
        self.embed_dim, emb = base, 4 * base
        self.time_mlp = nn.Sequential(nn.Linear(base, emb), nn.SiLU(), nn.Linear(emb, emb))
        widths = [base * 2 ** i for i in range(levels + 1)]
        self.inc = TimeDoubleConv(channels, base, emb, batch_norm)
        for i in range(1, levels + 1):
            self.add_module(f"down{i}", TimeDown(widths[i - 1], widths[i], emb, batch_norm))
        for i in range(1, levels + 1):
            self.add_module(f"up{i}", TimeUp(widths[levels - i + 1], widths[levels - i], emb, batch_norm, concat))
        self.outc = nn.Conv2d(base, channels, kernel_size=1)
        with torch.device("cpu"):  # the schedule is computed, even when the model is built on the meta device
            self.scheduler = self.make_scheduler()  # training's add_noise (beyond.objectives)
        self.register_buffer("alphas_cumprod", self.scheduler.alphas_cumprod.float(), persistent=False)

    def make_scheduler(self):
        """A fresh DDPMScheduler of this model's noise schedule (diffusers; samples clipped to [−1, 1])."""
        from diffusers import DDPMScheduler  # deferred: importing diffusers takes a second

        return DDPMScheduler(num_train_timesteps=self.timesteps, beta_schedule=self.beta_schedule, clip_sample=True,
                             prediction_type=self.prediction)

    def predict(self, x_t: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """ε̂(x_t, t) (or x̂₀ with prediction "sample"): x_t (B, C, H, W) in the scheduler's [−1, 1] scale,
        t (B,) integer timesteps."""
        emb = self.time_mlp(timestep_embedding(t, self.embed_dim))  # (B, 4·base)
        h = self.inc(x_t, emb)  # (B, base, H, W)
        for i in range(1, self.levels + 1):
            h = getattr(self, f"down{i}")(h, emb)  # (B, base·2^i, H/2^i, W/2^i)
        for i in range(1, self.levels + 1):
            h = getattr(self, f"up{i}")(h, emb)  # (B, base·2^(L-i), H/2^(L-i), W/2^(L-i))
        return self.outc(h)  # (B, C, H, W)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """x (B, C, H, W) in [0, 1] → x_t at `validation_t` in [−1, 1], with a fixed draw of ε (seed 0)."""
        eps = torch.randn_like(x) if x.device.type == "meta" else \
            torch.randn(x.shape, generator=torch.Generator().manual_seed(0)).to(x)
        a = self.alphas_cumprod[self.validation_t]
        return a.sqrt() * (2 * x - 1) + (1 - a).sqrt() * eps

    def decode(self, x_t: torch.Tensor) -> torch.Tensor:
        """x_t at `validation_t` → the one-step estimate of x₀, back in [0, 1]."""
        t = torch.full((x_t.shape[0],), self.validation_t, device=x_t.device, dtype=torch.long)
        a = self.alphas_cumprod[self.validation_t]
        out = self.predict(x_t, t)
        x0 = out if self.prediction == "sample" else (x_t - (1 - a).sqrt() * out) / a.sqrt()
        return (x0 + 1) / 2

    def forward(self, x: torch.Tensor, timesteps: torch.Tensor | None = None) -> torch.Tensor:
        """With timesteps (B,): `predict(x, t)` for x = x_t in [−1, 1] (training, sampling). Without:
        decode(encode(x)), one denoising step at `validation_t` (the validation curve)."""
        if timesteps is not None:
            return self.predict(x, timesteps)
        return self.decode(self.encode(x))

    def smallest_layer_ratio(self, image_size: int, channels: int = 3) -> float:
        """The U-Net's measure, leaving out the timestep embedding (a vector per image, not a layer of it)."""
        from .blocks import hidden_layer_ratio

        skip = {n for n, m in self.named_modules() if isinstance(m, nn.MaxPool2d)}
        skip |= {n for n, _ in self.named_modules() if n.startswith("time_mlp") or n.endswith(".time")}
        return hidden_layer_ratio(self, image_size, channels, exclude=skip)


class VAEUNet(UNet):
    """A VAE with the plain U-Net's encoder and decoder: q(z|x) = N(μ(h), diag σ²(h)) over the bottleneck
    h = encode(x) (B, C, h, w), μ and log σ² by 1×1 convolutions; the prior is N(0, I); decode is the
    U-Net's. encode returns μ, forward(x) the reconstruction decode(μ) (the posterior mean), and
    forward(x, with_posterior=True) a sampled reconstruction with (μ, log σ²) for the ELBO."""

    def __init__(self, image_size: int, channels: int = 3, base: int = 64, levels: int = 4,
                 batch_norm: bool = True, concat: bool = True):
        super().__init__(image_size, channels, base, levels, batch_norm, None, concat)
        c = base * 2 ** levels
        self.latent_shape = (c, image_size // 2 ** levels, image_size // 2 ** levels)
        self.mu = nn.Conv2d(c, c, kernel_size=1)
        self.logvar = nn.Conv2d(c, c, kernel_size=1)

    def posterior(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = super().encode(x)  # (B, C, h, w)
        return self.mu(h), self.logvar(h)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.posterior(x)[0]

    def forward(self, x: torch.Tensor, with_posterior: bool = False):
        mu, logvar = self.posterior(x)
        if not with_posterior:
            return self.decode(mu)
        z = mu + (0.5 * logvar).exp() * torch.randn_like(mu)  # reparametrised draw, global RNG (training)
        return self.decode(z), mu, logvar

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """decode(z), z ~ N(0, I) drawn on the CPU from `generator`: (n, C, H, W) on the model's device."""
        p = next(self.parameters())
        z = torch.randn((n, *self.latent_shape), generator=generator).to(p.device)
        return self.decode(z)


class DenoisingUNet(UNet):
    """The plain U-Net trained to remove the post's noise mix: x̂ = α·x + (1−α)·n, n ~ N(0.7, 0.2) → x
    (objective `denoise`). The architecture is `unet`'s; `alpha` is what training corrupts with."""

    def __init__(self, image_size: int, channels: int = 3, base: int = 64, levels: int = 4,
                 batch_norm: bool = True, concat: bool = True, alpha: float = 0.5):
        super().__init__(image_size, channels, base, levels, batch_norm, None, concat)
        self.alpha = alpha

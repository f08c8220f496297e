"""Input representation by inversion (SPEC "Input representation"): the input a whose layer output
f(a) matches f(x), found by gradient descent from a noisy grey start.

The author's procedure: a = start_mean + randn·start_sd (0.7 + randn/20); T times
L = c·Σ|f(a) − f(x)| (L1, summed over the image), a ← a − lr·∇ₐL (lr 0.1); no clamp, blur or jitter.

Batching: L is summed over the images of a batch, and every f used here treats each image on its
own, so the gradient for image i depends only on image i and a batch of B gives the same images as B
separate runs from the same starts. Train-mode BatchNorm would break that (its statistics mix the
batch), so during inversion every BatchNorm in train mode normalises each image with that image's own
statistics — exactly what train-mode BatchNorm computes for a batch of one (`per_image_batchnorm`).
Running statistics are never updated. `eval_mode=True` uses the stored running statistics instead.

Convergence: the start carries noise of sd start_sd. An inversion has converged when that noise no
longer shows in f: Σ|f(a) − f(x)| is at most a tolerance times Σ|f(x + η) − f(x)|, η ~ N(0, start_sd²)
(`fit_start`, the L1 distance the loss descends, relative to what the whole start noise does to f). A
second draw η' gives the control `control_start`, a representation equal to x plus the whole start
noise: near 1 by construction, so a tolerance well below 1 separates it from a converged inversion
(`converged` requires both, image by image).
(In float32 the sign of the L1 gradient can flip on rounding differences between batched and single
kernels, after which the trajectories part; in float64 they agree to rounding error. A stochastic
model's fixed noise, see `inversion_mode`, is drawn per batch, so there batching changes which draw an
image sees.)
"""
from __future__ import annotations

import contextlib
from typing import Callable, Iterator

import torch
import torch.nn.functional as F
from torch import nn

from ..image_stats import hf_ratio, rel_error

STEPS = 1000  # the author's values at 32² (SPEC): T = 1000, c = 0.02
C = 0.02
LR = 0.1
START_MEAN = 0.7
START_SD = 1 / 20
REFERENCE_SD = 1 / 18  # the reference perturbation x + N(0, 1)/18


def _per_image_forward(bn: nn.modules.batchnorm._BatchNorm) -> Callable[[torch.Tensor], torch.Tensor]:
    def forward(x: torch.Tensor) -> torch.Tensor:  # (B, C, *spatial)
        if x.dim() < 3:
            raise ValueError(f"per-image BatchNorm statistics need spatial positions; got shape {tuple(x.shape)}")
        # Train-mode BatchNorm of a batch of one: mean and biased variance over the spatial positions.
        return F.instance_norm(x, None, None, bn.weight, bn.bias, use_input_stats=True, eps=bn.eps)

    return forward


@contextlib.contextmanager
def per_image_batchnorm(model: nn.Module) -> Iterator[nn.Module]:
    """Within the block, every BatchNorm in train mode uses per-image statistics (batch-of-one
    semantics) and leaves its running statistics alone; BatchNorms in eval mode are untouched."""
    patched = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.training]
    for m in patched:
        m.forward = _per_image_forward(m)  # instance attribute shadows the class method
    try:
        yield model
    finally:
        for m in patched:
            del m.forward


@contextlib.contextmanager
def frozen(model: nn.Module) -> Iterator[nn.Module]:
    """Parameters stop requiring gradients inside the block (inversion differentiates the input only)."""
    flags = [(p, p.requires_grad) for p in model.parameters()]
    for p, _ in flags:
        p.requires_grad_(False)
    try:
        yield model
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)


@contextlib.contextmanager
def inversion_mode(model: nn.Module, eval_mode: bool = False, noise_seed: int | None = None) -> Iterator[nn.Module]:
    """The state a model is inverted in: train mode with per-image BatchNorm statistics (SPEC's
    default) or eval mode, parameters frozen; everything is restored on exit.

    Stochastic layers (attn_unet's noisy residuals) draw the same noise at every forward pass (their
    generator is re-seeded with `noise_seed` before each call), so f is one deterministic function and
    f(a) = f(x) has a meaning; with fresh noise at every step the target would move with each draw."""
    was_training = model.training
    model.train(not eval_mode)
    stochastic = hasattr(model, "set_noise_generator")
    if stochastic:
        noise = torch.Generator()

        def reseed(_module, _inputs):
            noise.manual_seed(noise_seed or 0)

        model.set_noise_generator(noise)
        hook = model.register_forward_pre_hook(reseed)
    try:
        with frozen(model), per_image_batchnorm(model):
            yield model
    finally:
        model.train(was_training)
        if stochastic:
            hook.remove()
            model.set_noise_generator(None)


def layer_fn(model: nn.Module, layer: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """a ↦ the output of `layer` for input a ("output" = the model's output)."""
    if layer == "output":
        return model
    return lambda a: model.layer_outputs(a, [layer])[layer]


def start_like(x: torch.Tensor, generator: torch.Generator, mean: float = START_MEAN,
               sd: float = START_SD) -> torch.Tensor:
    """The author's start a₀ = 0.7 + randn/20 with x's shape, drawn on the CPU (device-independent)."""
    z = torch.randn(x.shape, generator=generator, dtype=torch.float32)
    return (mean + sd * z).to(x.device)


def _l1(y: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return (y - target).abs().flatten(1).sum(1)  # (B,)


def invert(f: Callable[[torch.Tensor], torch.Tensor], target: torch.Tensor, start: torch.Tensor,
           steps: int = STEPS, c: float = C, lr: float = LR, record_every: int = 10) -> dict[str, torch.Tensor]:
    """Gradient descent on L = c·Σ|f(a) − target| from `start` (B, C, H, W); f must treat images
    independently. Returns a (B, C, H, W), the per-image L1 distance Σ|f(a) − target| (without c)
    at the recorded steps, `loss` (R, B), and those steps, `record_steps` (R,), the last being `steps`."""
    target = target.detach()
    a = start.detach().clone().requires_grad_(True)
    history, recorded = [], []
    for t in range(steps + 1):
        y = f(a)
        dist = _l1(y, target)  # (B,)
        if t % record_every == 0 or t == steps:
            history.append(dist.detach().cpu())
            recorded.append(t)
        if t == steps:
            break
        (grad,) = torch.autograd.grad(c * dist.sum(), a)
        with torch.no_grad():
            a -= lr * grad
    return {"a": a.detach(), "loss": torch.stack(history), "record_steps": torch.tensor(recorded)}


def _norm(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1).norm(dim=1)  # (B,)


def _centre(x: torch.Tensor) -> torch.Tensor:
    return x - x.flatten(2).mean(2)[:, :, None, None]  # per-image, per-channel means removed


def aligned_error(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """min over k, b of ‖k·a + b − x‖ / ‖x − x̄‖ per image (B,), with one gain k per image and one
    offset b per channel: 0 = a is x up to brightness and contrast, 1 = a explains none of x.

    Train-mode BatchNorm with per-image statistics is blind to exactly these changes of its input
    (they shift and scale each conv output channel uniformly), so a representation's brightness and
    contrast are not determined by the layer output; the raw ‖a − x‖ would measure the start's."""
    return _norm(aligned_residual(a, x)) / _norm(_centre(x)).clamp_min(1e-12)


def aligned_residual(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """k·a + b − x per image (B, C, H, W) with the gain k and per-channel offsets b of `aligned_error`:
    what of a is not x after the best brightness/contrast match (T's representation noise)."""
    ac, xc = _centre(a), _centre(x)
    k = (ac * xc).flatten(1).sum(1) / (ac * ac).flatten(1).sum(1).clamp_min(1e-12)  # (B,)
    return k[:, None, None, None] * ac - xc


NSR_CEILING = 1e3  # a representation with no positive component along x counts as 60 dB of noise over signal


def noise_to_signal(y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """‖y − β·x‖ / ‖β·x‖ per image (B,) after removing each channel's mean from y and x, β the least-squares
    gain of x in y: the distance to x once y is scaled so that its clean-image component is x itself.
    Blind to brightness and contrast like `aligned_error`, but unbounded: x gives 0, x plus noise of the
    image's own size gives ≈ 1, more noise more (capped at NSR_CEILING when β ≤ 0, no signal left)."""
    yc, xc = _centre(y).flatten(1), _centre(x).flatten(1)  # (B, D)
    beta = (yc * xc).sum(1) / (xc * xc).sum(1).clamp_min(1e-12)
    residual = (yc - beta[:, None] * xc).norm(dim=1)
    nsr = residual / (beta * xc.norm(dim=1)).clamp_min(1e-30)
    return torch.where(beta > 0, nsr.clamp_max(NSR_CEILING), torch.full_like(nsr, NSR_CEILING))


def standardised(x: torch.Tensor) -> torch.Tensor:
    """Per image: channel means removed, then divided by the overall sd (brightness and contrast removed)."""
    xc = _centre(x)
    return xc / xc.flatten(1).std(1).clamp_min(1e-12)[:, None, None, None]


def noise_measure(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """hf_ratio of the standardised images (B,): the share of a's variance at high spatial frequencies
    (Laplacian energy) relative to x's, independent of brightness and contrast; > 1: a is noisier."""
    return hf_ratio(standardised(a), standardised(x))


def _l1_norm(t: torch.Tensor) -> torch.Tensor:
    return t.abs().flatten(1).sum(1)  # (B,)


def converged(fit_start: torch.Tensor, control_start: torch.Tensor, tolerance: float) -> torch.Tensor:
    """Per image: the start noise is gone from f(a) (fit_start ≤ tolerance) while the control, x plus the
    whole start noise, is not (control_start > tolerance): the test tells the two apart for this image."""
    return (fit_start <= tolerance) & (control_start > tolerance)


@torch.no_grad()
def representation_stats(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, a: torch.Tensor,
                         generator: torch.Generator, reference_sd: float = REFERENCE_SD,
                         start_sd: float = START_SD) -> dict[str, torch.Tensor]:
    """Per image (each (B,)): how well a represents x through f.

    rel_error      ‖a − x‖/‖x‖ (SPEC's representation error)
    aligned_error  the same after the best brightness/contrast match (`aligned_error`)
    ref_aligned    aligned_error of the reference input x + ε, ε ~ N(0, 1)·reference_sd: a with a smaller
                   aligned_error represents x at least as accurately as x + N(0,1)/18 does
    noise          `noise_measure`(a, x); noise_raw = hf_ratio(a, x) without standardising
    fit            ‖f(a) − f(x)‖/‖f(x)‖ (SPEC's fit error), fit_abs = ‖f(a) − f(x)‖
    reference      ‖f(x + ε) − f(x)‖ (SPEC's reference), reference_rel = reference/‖f(x)‖, fit_ref = fit_abs/reference
    start_reference  Σ|f(x + η) − f(x)|, η ~ N(0, start_sd²): what the whole start noise does to f (L1)
    fit_start      Σ|f(a) − f(x)| / start_reference: the convergence measure (see the module docstring)
    control_start  Σ|f(x + η') − f(x)| / start_reference for a second draw η': the same measure for a
                   representation equal to x plus the whole start noise (≈ 1)
    """
    fx = f(x)
    fa = f(a)
    eps = reference_sd * torch.randn(x.shape, generator=generator, dtype=torch.float32).to(x)
    fref = f(x + eps)
    eta = [start_sd * torch.randn(x.shape, generator=generator, dtype=torch.float32).to(x) for _ in range(2)]
    start_ref = _l1_norm(f(x + eta[0]) - fx).clamp_min(1e-12)
    fx_norm = _norm(fx).clamp_min(1e-12)
    return {
        "rel_error": rel_error(a, x),
        "aligned_error": aligned_error(a, x),
        "ref_aligned": aligned_error(x + eps, x),
        "noise": noise_measure(a, x),
        "noise_raw": hf_ratio(a, x),
        "fit": _norm(fa - fx) / fx_norm,
        "fit_abs": _norm(fa - fx),
        "reference": _norm(fref - fx),
        "reference_rel": _norm(fref - fx) / fx_norm,
        "fit_ref": _norm(fa - fx) / _norm(fref - fx).clamp_min(1e-12),
        "start_reference": start_ref,
        "fit_start": _l1_norm(fa - fx) / start_ref,
        "control_start": _l1_norm(f(x + eta[1]) - fx) / start_ref,
    }


def invert_layer(model: nn.Module, x: torch.Tensor, layer: str = "output", generator: torch.Generator | None = None,
                 steps: int = STEPS, c: float = C, lr: float = LR, start_mean: float = START_MEAN,
                 start_sd: float = START_SD, reference_sd: float = REFERENCE_SD, eval_mode: bool = False,
                 start: torch.Tensor | None = None, record_every: int = 10) -> dict[str, torch.Tensor]:
    """Invert `layer`'s output of the whole batch x (B, C, H, W) at once and measure the result.

    BatchNorm: per-image statistics in train mode (see the module docstring), running statistics
    with eval_mode=True. The start is drawn from `generator` unless given; the seed of a stochastic
    model's fixed noise and the reference noises are drawn from it afterwards. Returns {"a", "loss",
    "record_steps"} of `invert`, the per-image measures of `representation_stats`, and `gap`,
    Σ|f(a) − f(x)| / Σ|f(a₀) − f(x)|: the share of the start's output discrepancy left. loss (R, B)
    divided by start_reference (B,) is fit_start along the way (the convergence curve).
    """
    if generator is None:
        raise ValueError("invert_layer needs an explicit torch.Generator")
    if start is None:
        start = start_like(x, generator, start_mean, start_sd)
    noise_seed = int(torch.randint(2 ** 31, (1,), generator=generator))
    with inversion_mode(model, eval_mode, noise_seed):
        f = layer_fn(model, layer)
        with torch.no_grad():
            target = f(x)
        out = invert(f, target, start, steps=steps, c=c, lr=lr, record_every=record_every)
        out.update(representation_stats(f, x, out["a"], generator, reference_sd, start_sd))
    out["gap"] = out["loss"][-1] / out["loss"][0].clamp_min(1e-12)
    return out

"""GPU throughput of the paper-scale `unet` on LSUN-sized 64² random data (a prepared device check).

fp32 eager vs bf16 autocast + channels_last (+ torch.compile when it works); achieved FLOP/s against a
bf16 matmul measured in the same run; the projected time of one epoch over 126,227 images.
Run: python -m aecopy.cli.bench_gpu --out bench_gpu.json  (add --device cpu --base 4 --batch 4 --steps 2 --no-compile for a smoke run).
"""
from __future__ import annotations

import contextlib
import time

import torch
import torch.nn.functional as F

from ..bench import step_flops
from ..models import build_model

LSUN_CHURCH_IMAGES = 126_227


def matmul_peak(device, dtype, n=8192, seconds=2.0) -> float:
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    sync(device)
    k, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        k += 1
    sync(device)
    return 2 * n ** 3 * k / (time.perf_counter() - t0)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def images_per_s(model, x, bf16: bool, steps: int, device) -> float:
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    ctx = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()

    def step():
        with ctx:
            loss = F.mse_loss(model(x), x)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(3):
        step()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    sync(device)
    return x.shape[0] * steps / (time.perf_counter() - t0)


def run(device: torch.device, base: int, batch: int, steps: int, compile_: bool = True) -> dict:
    """fp32 eager vs bf16 autocast + channels-last (+ torch.compile) for the paper-scale unet at 64²."""
    torch.backends.cuda.matmul.allow_tf32 = False
    x = torch.rand(batch, 3, 64, 64, device=device)
    results = {"device": torch.cuda.get_device_name() if device.type == "cuda" else "cpu", "batch": batch}
    flops = step_flops(build_model("unet", 64, base=base).to(device), x, lambda m, v: F.mse_loss(m(v), v))
    peak = (matmul_peak(device, torch.bfloat16) if device.type == "cuda" else matmul_peak(device, torch.float32, n=1024))
    results.update(flops_per_step=flops, bf16_matmul_peak=peak)
    configs = {"fp32_eager": dict(bf16=False, cl=False, compile=False),
               "bf16_channels_last": dict(bf16=True, cl=True, compile=False),
               "bf16_channels_last_compile": dict(bf16=True, cl=True, compile=True)}
    if not compile_:
        configs.pop("bf16_channels_last_compile")
    for name, c in configs.items():
        torch.manual_seed(0)
        model = build_model("unet", 64, base=base).to(device).train()
        xin = x
        if c["cl"]:
            model, xin = model.to(memory_format=torch.channels_last), x.contiguous(memory_format=torch.channels_last)
        try:
            if c["compile"]:
                model = torch.compile(model)
            ips = images_per_s(model, xin, c["bf16"], steps, device)
        except Exception as err:  # torch.compile may be unavailable (no compiler): report, don't fail
            results[name] = {"error": f"{type(err).__name__}: {err}"[:300]}
            continue
        achieved = flops / batch * ips
        results[name] = {"images_per_s": ips, "achieved_flops": achieved, "fraction_of_bf16_peak": achieved / peak,
                         "projected_epoch_s": LSUN_CHURCH_IMAGES / ips}
        print(name, results[name], flush=True)
    return results

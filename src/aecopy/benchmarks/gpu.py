"""GPU readiness: the paper-scale `unet` (params.yaml, scale paper) on 64² images, one GPU, a few minutes.

In interleaved rounds (median, spread): fp32 eager (TF32 off, NCHW as the author's code); bf16 autocast
+ channels-last; the same under torch.compile (its compile time reported apart); and the bf16
channels-last step inside DistributedDataParallel in a one-process group (DDP's own per-step cost; the
all-reduce between GPUs needs several). Each configuration's achieved FLOP/s (FlopCounterMode) against
the fp32 and bf16 matmul peaks measured in the same run, and the projected LSUN-churches epoch (126,227
images at the paper's batch) and full run (the paper's epochs) on one GPU. What could not be measured
is listed under "not_measured" with the reason. A CPU run (--device cpu, tiny sizes) is a smoke test:
its numbers say nothing about a GPU.
"""
from __future__ import annotations

import contextlib
import socket
import time

import torch
import torch.nn.functional as F

from ..bench import flops_of, interleaved, summary
from ..models import build_model

LSUN_CHURCH_IMAGES = 126_227  # LSUN church_outdoor train (the lsun_npy export's first dimension)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def matmul_peak(device: torch.device, dtype: torch.dtype, n: int, seconds: float = 1.0) -> float:
    """FLOP/s of an n×n matmul in `dtype` (TF32 off for float32)."""
    a, b = torch.randn(n, n, device=device, dtype=dtype), torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    sync(device)
    k, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        a @ b
        k += 1
    sync(device)
    return 2 * n ** 3 * k / (time.perf_counter() - t0)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def one_process_group(device: torch.device):
    """A DDP process group of this one process (nccl on a GPU, gloo on the CPU)."""
    import torch.distributed as dist

    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", rank=0, world_size=1,
                            init_method=f"tcp://127.0.0.1:{_free_port()}")
    try:
        yield
    finally:
        dist.destroy_process_group()


class Config:
    """One way of running the training step: a model, its optimizer and one input batch."""

    def __init__(self, cfg: dict, x: torch.Tensor, device: torch.device, bf16: bool, channels_last: bool,
                 compile_: bool = False, ddp: bool = False):
        torch.manual_seed(0)
        self.model = build_model(cfg["model"], cfg["image_size"], **cfg["kwargs"]).to(device).train()
        self.x, self.device = x, device
        if channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
            self.x = x.contiguous(memory_format=torch.channels_last)
        self.net = self.model
        if ddp:
            self.net = torch.nn.parallel.DistributedDataParallel(self.model,
                                                                 device_ids=[device] if device.type == "cuda" else None)
        if compile_:
            self.net = torch.compile(self.net)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg["train"]["lr"])
        self.autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()

    def step(self) -> None:
        with self.autocast:
            loss = F.mse_loss(self.net(self.x).float(), self.x)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def images_per_s(self, steps: int) -> float:
        sync(self.device)
        t0 = time.perf_counter()
        for _ in range(steps):
            self.step()
        sync(self.device)
        return self.x.shape[0] * steps / (time.perf_counter() - t0)


def run(cfg: dict, device: torch.device, steps: int, rounds: int, compile_: bool = True, peak_n: int = 8192,
        images: int = LSUN_CHURCH_IMAGES) -> dict:
    """Every configuration's images/s, share of the peaks and projected epoch and run; `cfg` is the
    variant's params block (model, image_size, kwargs, train: batch_size, epochs, lr)."""
    torch.backends.cuda.matmul.allow_tf32 = False  # fp32 means fp32: TF32 would be a third precision
    torch.backends.cudnn.allow_tf32 = False
    bs, s = cfg["train"]["batch_size"], cfg["image_size"]
    x = torch.rand(bs, 3, s, s, device=device)
    not_measured = []
    if device.type != "cuda":
        not_measured.append("every GPU figure: no GPU here; this is a CPU smoke run at the sizes given, its "
                            "shares of peak and projections describe the CPU, not a GPU")
    n_gpus = torch.cuda.device_count() if device.type == "cuda" else 0
    if n_gpus < 2:
        not_measured.append("the DDP all-reduce between GPUs and multi-GPU scaling: needs 2+ GPUs (measured: "
                            "DDP's per-step cost in a one-process group)")
    peaks = {"fp32": matmul_peak(device, torch.float32, peak_n), "bf16": matmul_peak(device, torch.bfloat16, peak_n)}
    flops = flops_of(lambda: Config(cfg, x, device, False, False).step())  # forward + backward, per step
    configs = {"fp32_eager": Config(cfg, x, device, bf16=False, channels_last=False),
               "bf16_channels_last": Config(cfg, x, device, bf16=True, channels_last=True)}
    compile_s, errors = None, {}
    if compile_:
        try:
            c = Config(cfg, x, device, bf16=True, channels_last=True, compile_=True)
            sync(device)
            t0 = time.perf_counter()
            c.step()
            sync(device)
            compile_s = time.perf_counter() - t0
            configs["bf16_channels_last_compile"] = c
        except Exception as err:  # no C++ compiler / Triton: report it, measure the rest
            errors["bf16_channels_last_compile"] = f"{type(err).__name__}: {err}"[:300]
            not_measured.append(f"torch.compile: {errors['bf16_channels_last_compile']}")
    else:
        not_measured.append("torch.compile: skipped (--no-compile)")
    with one_process_group(device):
        configs["ddp_bf16_channels_last"] = Config(cfg, x, device, bf16=True, channels_last=True, ddp=True)
        for c in configs.values():  # warm-up (cuDNN autotuning, allocator)
            c.images_per_s(2)
        res = interleaved({name: (lambda c=c: c.images_per_s(steps)) for name, c in configs.items()}, rounds)
    epoch_steps = images // bs
    out = {}
    for name, r in res.items():
        ips = r["median"]
        achieved = flops / bs * ips
        out[name] = {"images_per_s": r, "achieved_flops": achieved, "fraction_of_bf16_peak": achieved / peaks["bf16"],
                     "fraction_of_fp32_peak": achieved / peaks["fp32"],
                     "speedup_vs_fp32_eager": summary([a / b for a, b in zip(r["samples"], res["fp32_eager"]["samples"])]),
                     "projected_epoch_s": epoch_steps * bs / ips,
                     "projected_run_h": epoch_steps * bs / ips * cfg["train"]["epochs"] / 3600}
    ddp = [a / b for a, b in zip(res["ddp_bf16_channels_last"]["samples"], res["bf16_channels_last"]["samples"])]
    return {"device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
            "torch": torch.__version__, "cuda": torch.version.cuda, "gpus": n_gpus,
            "model": {"name": cfg["model"], "image_size": s, "kwargs": dict(cfg["kwargs"]), "batch_size": bs,
                      "epochs": cfg["train"]["epochs"]},
            "lsun_images": images, "steps_per_round": steps, "rounds": rounds, "flops_per_step": flops,
            "peak_flops": peaks, "compile_s": compile_s, "configs": out, "ddp_vs_plain": summary(ddp), "errors": errors,
            "not_measured": not_measured}

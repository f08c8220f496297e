"""The one training loop for every variant, with self-describing, resumable checkpoints.

A run is identified by its `spec` (variant, model config, training config, dataset config, seed).
State is saved at the end of every epoch to `work_dir/last.pt`; a rerun after a crash or `kill -9`
resumes from there and, on CPU, ends with weights byte-identical to an uninterrupted run, because the
shuffling order of epoch e is drawn from a generator seeded by (seed, e) and the global RNG state is
restored from the checkpoint.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F
from tqdm import tqdm

from .io import load_torch, save_torch
from .models import build_model

FORMAT = "aecopy-checkpoint/1"


class CheckpointMismatch(RuntimeError):
    """A checkpoint was made for another variant or configuration than the one asked for."""


def make_spec(variant: str, cfg: dict, dataset: dict, seed: int) -> dict:
    """Everything that determines a training run, from a variant's params block."""
    return {
        "variant": variant,
        "model": {"name": cfg["model"], "image_size": cfg["image_size"], "kwargs": dict(cfg["kwargs"])},
        "train": dict(cfg["train"]),
        "dataset": dict(dataset),
        "seed": seed,
    }


def _resumable_part(spec: dict) -> dict:
    """The spec without what may change between a run and its resumption (how long to train, what to keep)."""
    return {**spec, "train": {k: v for k, v in spec["train"].items() if k not in ("epochs", "save_epochs")}}


def run_key(spec: dict) -> str:
    """A short stable hash of the resumable part of a spec: runs of other configurations never share state."""
    text = json.dumps(_resumable_part(spec), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def code_key() -> str:
    """A short hash of the code a run's numbers depend on (this loop, the models, the data loading):
    resume state kept under it is never continued by changed code, which would mix two versions."""
    pkg = Path(__file__).parent
    h = hashlib.sha256()
    for path in [pkg / "train.py", pkg / "datasets.py", *sorted((pkg / "models").glob("*.py"))]:
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()[:12]


def check_compatible(ckpt: dict, spec: dict, path: str | Path = "checkpoint") -> None:
    """Refuse a checkpoint of another variant or config, naming what differs."""
    if ckpt.get("format") != FORMAT:
        raise CheckpointMismatch(f"{path}: not an aecopy checkpoint (format {ckpt.get('format')!r})")
    new, old = _resumable_part(spec), _resumable_part(ckpt["spec"])
    diffs = [k for k in ("variant", "model", "dataset", "seed", "train") if old.get(k) != new.get(k)]
    if diffs:
        detail = "; ".join(f"{k}: checkpoint has {ckpt['spec'].get(k)!r}, expected {spec.get(k)!r}" for k in diffs)
        raise CheckpointMismatch(f"{path}: made for another configuration ({detail})")


def model_from_checkpoint(ckpt: dict, device: str | torch.device = "cpu") -> torch.nn.Module:
    """Rebuild the model a checkpoint describes and load its weights."""
    m = ckpt["spec"]["model"]
    model = build_model(m["name"], m["image_size"], **m["kwargs"])
    model.load_state_dict(ckpt["model_state"])
    return model.to(device)


def load_checkpoint(path: str | Path, spec: dict | None = None, device="cpu") -> tuple[torch.nn.Module, dict]:
    """Load a checkpoint safely (`weights_only=True`), optionally checking it matches `spec`."""
    ckpt = load_torch(path)
    if spec is not None:
        check_compatible(ckpt, spec, path)
    elif ckpt.get("format") != FORMAT:
        raise CheckpointMismatch(f"{path}: not an aecopy checkpoint")
    return model_from_checkpoint(ckpt, device), ckpt


def to_input(batch_u8: torch.Tensor, image_size: int, device, channels_last: bool = False) -> torch.Tensor:
    """uint8 (B, 3, S, S) → float (B, 3, image_size, image_size) in [0, 1] on `device`.

    Data stays uint8 in memory; conversion (and area downsampling when the variant trains on smaller
    images than the prepared patches) happens per batch.
    """
    x = batch_u8.to(device, non_blocking=True).float().div_(255.0)
    if x.shape[-1] != image_size:
        x = F.interpolate(x, size=(image_size, image_size), mode="area")
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return x


def _loss(model, x, labels):
    if getattr(model, "task", "autoencode") == "classify":
        return F.cross_entropy(model(x), labels)
    return F.mse_loss(model(x), x)


def _distributed() -> tuple[int, int]:
    """(rank, world size) of a `torchrun` job; (0, 1) otherwise."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def run_epoch(model, optimizer, images: torch.Tensor, labels: torch.Tensor | None, order: torch.Tensor,
              steps: int, batch_size: int, image_size: int, device, bf16: bool = False,
              channels_last: bool = False, desc: str = "", progress: bool = False) -> list[float]:
    """`steps` optimizer steps over uint8 `images` in the given order; returns the loss of each step.

    The hot loop does no per-item Python work: a batch is one index into the in-memory uint8 tensor,
    converted to float on the fly.
    """
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    losses = []
    bar = tqdm(range(steps), desc=desc, disable=not progress, mininterval=2.0, leave=False)
    for i in bar:
        idx = order[i * batch_size:(i + 1) * batch_size]
        x = to_input(images[idx], image_size, device, channels_last)
        y = labels[idx].to(device) if labels is not None else None
        with autocast:
            loss = _loss(model, x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)
    return losses


def train(spec: dict, images: torch.Tensor, work_dir: str | Path, labels: torch.Tensor | None = None,
          device: str | torch.device = "cpu", log: Callable[[str], None] = print,
          progress: bool = True) -> dict[int, Path]:
    """Train (or resume) the run `spec` on uint8 `images` (N, 3, S, S); return {epoch: checkpoint path}.

    Checkpoints for `spec.train.save_epochs` are kept as `work_dir/epoch{E:04d}.pt`. Under `torchrun`
    (an initialised process group) the model is wrapped in DDP and only rank 0 writes.
    """
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    tcfg = spec["train"]
    device = torch.device(device)
    seed = spec["seed"]

    torch.manual_seed(seed)
    m = spec["model"]
    model = build_model(m["name"], m["image_size"], **m["kwargs"]).to(device)
    if tcfg.get("channels_last"):
        model = model.to(memory_format=torch.channels_last)
    rank, world = _distributed()
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(params, lr=tcfg["lr"])
    history = {"step_loss": [], "epoch_loss": []}
    start_epoch = 1

    last = work_dir / "last.pt"
    if last.exists():
        ckpt = load_torch(last)
        check_compatible(ckpt, spec, last)
        model.load_state_dict(ckpt["model_state"])
        optimizer.load_state_dict(ckpt["optimizer_state"])
        torch.set_rng_state(ckpt["rng"]["torch"])
        history = {k: v.tolist() for k, v in ckpt["history"].items()}
        start_epoch = ckpt["epoch"] + 1
        log(f"resuming {spec['variant']} seed {seed} from epoch {ckpt['epoch']} ({last})")

    saved = {e: work_dir / f"epoch{e:04d}.pt" for e in tcfg["save_epochs"] if (work_dir / f"epoch{e:04d}.pt").exists()}
    n = images.shape[0]
    bs = tcfg["batch_size"]
    steps = n // (bs * world)  # the last incomplete (global) batch is dropped
    if tcfg.get("max_steps_per_epoch"):
        steps = min(steps, tcfg["max_steps_per_epoch"])
    if steps == 0:
        raise ValueError(f"{spec['variant']}: {n} training images are fewer than one batch of {bs}")
    net = model
    if world > 1:  # DDP: every rank sees its own slice of each global batch; gradients are averaged
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)
    model.train()
    for epoch in range(start_epoch, tcfg["epochs"] + 1):
        t0 = time.perf_counter()
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
        order = order[:steps * bs * world].view(steps, world, bs)[:, rank].reshape(-1)
        losses = run_epoch(net, optimizer, images, labels, order, steps, bs, m["image_size"], device,
                           bf16=tcfg.get("bf16", False), channels_last=tcfg.get("channels_last", False),
                           desc=f"{spec['variant']} s{seed} epoch {epoch}/{tcfg['epochs']}", progress=progress)
        if world > 1:  # record the loss of each global batch (the mean over ranks), not rank 0's slice
            mean = torch.tensor(losses, dtype=torch.float64, device=device)
            torch.distributed.all_reduce(mean)
            losses = (mean / world).tolist()
        total = sum(losses)
        history["step_loss"].extend(losses)
        history["epoch_loss"].append(total / steps)
        log(f"{spec['variant']} seed {seed} epoch {epoch}: loss {total / steps:.5f} ({time.perf_counter() - t0:.1f} s)")
        ckpt = {
            "format": FORMAT,
            "spec": spec,
            "epoch": epoch,
            "step": epoch * steps,
            "model_state": model.state_dict(),
            "optimizer_state": optimizer.state_dict(),
            "rng": {"torch": torch.get_rng_state()},
            "history": {k: torch.tensor(v, dtype=torch.float64) for k, v in history.items()},
        }
        if epoch in tcfg["save_epochs"]:
            saved[epoch] = work_dir / f"epoch{epoch:04d}.pt"
            if rank == 0:
                save_torch(saved[epoch], ckpt)
        if rank == 0:  # only rank 0 writes
            save_torch(last, ckpt)
    return dict(sorted(saved.items()))

"""The one training loop for every variant, with self-describing, resumable checkpoints.

A run is identified by its `spec` (variant, model config, training config, dataset config, seed).
State is saved at the end of every epoch to `work_dir/last.pt`; a rerun after a crash or `kill -9`
resumes from there and, on CPU, ends with weights byte-identical to an uninterrupted run, because the
shuffling order of epoch e is drawn from a generator seeded by (seed, e) and the global RNG state is
restored from the checkpoint.
"""
from __future__ import annotations

import contextlib
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


def check_compatible(ckpt: dict, spec: dict, path: str | Path = "checkpoint") -> None:
    """Refuse a checkpoint of another variant or config, naming what differs."""
    if ckpt.get("format") != FORMAT:
        raise CheckpointMismatch(f"{path}: not an aecopy checkpoint (format {ckpt.get('format')!r})")
    diffs = [k for k in ("variant", "model", "dataset", "seed") if ckpt["spec"].get(k) != spec.get(k)]
    # Training settings that only say how long to train or what to keep may change between runs.
    same_run = {k: v for k, v in spec["train"].items() if k not in ("epochs", "save_epochs")}
    old_run = {k: v for k, v in ckpt["spec"]["train"].items() if k not in ("epochs", "save_epochs")}
    if same_run != old_run:
        diffs.append("train")
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


def train(spec: dict, images: torch.Tensor, work_dir: str | Path, labels: torch.Tensor | None = None,
          device: str | torch.device = "cpu", log: Callable[[str], None] = print,
          progress: bool = True) -> dict[int, Path]:
    """Train (or resume) the run `spec` on uint8 `images` (N, 3, S, S); return {epoch: checkpoint path}.

    Checkpoints for `spec.train.save_epochs` are kept as `work_dir/epoch{E:04d}.pt`.
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
    steps = n // bs  # the last incomplete batch is dropped
    if tcfg.get("max_steps_per_epoch"):
        steps = min(steps, tcfg["max_steps_per_epoch"])
    if steps == 0:
        raise ValueError(f"{spec['variant']}: {n} training images are fewer than one batch of {bs}")
    autocast = (torch.autocast(device.type, dtype=torch.bfloat16) if tcfg.get("bf16")
                else contextlib.nullcontext())
    model.train()
    for epoch in range(start_epoch, tcfg["epochs"] + 1):
        t0 = time.perf_counter()
        order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
        total = 0.0
        bar = tqdm(range(steps), desc=f"{spec['variant']} s{seed} epoch {epoch}/{tcfg['epochs']}",
                   disable=not progress, mininterval=2.0, leave=False)
        for i in bar:
            idx = order[i * bs:(i + 1) * bs]
            x = to_input(images[idx], m["image_size"], device, tcfg.get("channels_last", False))
            y = labels[idx].to(device) if labels is not None else None
            with autocast:
                loss = _loss(model, x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            value = loss.item()
            total += value
            history["step_loss"].append(value)
            bar.set_postfix(loss=f"{value:.4f}", refresh=False)
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
            save_torch(saved[epoch], ckpt)
        save_torch(last, ckpt)
    return dict(sorted(saved.items()))

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
import math
import re
import shutil
import time
from pathlib import Path
from typing import Callable

import pandas as pd
import torch
import torch.nn.functional as F
from tqdm import tqdm

from . import objectives
from .io import CheckpointError, atomic_path, load_torch, remove_leftovers, save_torch
from .models import build_model

FORMAT = "aecopy-checkpoint/1"


class CheckpointMismatch(RuntimeError):
    """A checkpoint was made for another variant or configuration than the one asked for."""


def make_spec(variant: str, cfg: dict, dataset: dict, seed: int) -> dict:
    """Everything that determines a training run, from a variant's params block."""
    return {
        "variant": variant,
        "model": {"name": cfg["model"], "image_size": cfg["image_size"], "kwargs": dict(cfg["kwargs"])},
        "train": json.loads(json.dumps(cfg["train"], default=dict)),  # plain containers all the way down
        "dataset": dict(dataset),
        "seed": seed,
    }


def _resumable_part(spec: dict) -> dict:
    """The spec without what may change between a run and its resumption (how long to train, what to keep).
    A decaying learning rate depends on the run's length, so with one `epochs` stays in."""
    free = ("save_epochs",) if spec["train"].get("schedule", "constant") != "constant" else ("epochs", "save_epochs")
    return {**spec, "train": {k: v for k, v in spec["train"].items() if k not in free}}


WARMUP = 0.05  # share of a cosine schedule's steps spent warming up linearly from lr/10
FINAL = 0.01   # the cosine schedule ends at this share of lr


def learning_rate(step: int, total: int, lr: float, schedule: str = "constant") -> float:
    """The learning rate of optimizer step `step` (0-based) of `total`: constant, or "cosine": a linear
    warm-up from lr/10 over the first WARMUP of the steps, then a cosine decay to FINAL·lr. A pure
    function of the step, so a resumed run continues on the same curve with no scheduler state."""
    if schedule == "constant":
        return lr
    warm = max(1, round(WARMUP * total))
    if step < warm:
        return lr * (0.1 + 0.9 * step / warm)
    t = (step - warm) / max(1, total - warm - 1)
    return lr * (FINAL + (1 - FINAL) * 0.5 * (1 + math.cos(math.pi * min(t, 1.0))))


def run_key(spec: dict) -> str:
    """A short stable hash of the resumable part of a spec: runs of other configurations never share state."""
    text = json.dumps(_resumable_part(spec), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def code_key() -> str:
    """A short hash of the code a run's numbers depend on (this loop, the models, the data loading):
    resume state kept under it is never continued by changed code, which would mix two versions."""
    pkg = Path(__file__).parent
    h = hashlib.sha256()
    for path in [pkg / "train.py", pkg / "datasets.py", pkg / "objectives.py", *sorted((pkg / "beyond").glob("*.py")),
                 *sorted((pkg / "models").glob("*.py"))]:
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




def _distributed() -> tuple[int, int]:
    """(rank, world size) of a `torchrun` job; (0, 1) otherwise."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def run_epoch(model, optimizer, images: torch.Tensor, labels: torch.Tensor | None, order: torch.Tensor,
              steps: int, batch_size: int, image_size: int, device, bf16: bool = False,
              channels_last: bool = False, desc: str = "", progress: bool = False,
              lr_at: Callable[[int], float] | None = None, objective: str | None = None) -> list[float]:
    """`steps` optimizer steps over uint8 `images` in the given order; returns the loss of each step.
    `lr_at(i)` sets the learning rate of step i of the epoch (None: leave it); `objective` names the loss
    (aecopy.objectives; None: copy for autoencoders, cross-entropy for classifiers).

    The hot loop does no per-item Python work: a batch is one index into the in-memory uint8 tensor,
    converted to float on the fly.
    """
    autocast = torch.autocast(device.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    loss_fn = objectives.get(objective, getattr(model, "module", model))
    losses = []
    bar = tqdm(range(steps), desc=desc, disable=not progress, mininterval=2.0, leave=False)
    for i in bar:
        if lr_at is not None:
            for group in optimizer.param_groups:
                group["lr"] = lr_at(i)
        idx = order[i * batch_size:(i + 1) * batch_size]
        x = to_input(images[idx], image_size, device, channels_last)
        y = labels[idx].to(device) if labels is not None else None
        with autocast:
            loss = loss_fn(model, x, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.4f}", refresh=False)
    return losses


@torch.no_grad()
def validate(model, images: torch.Tensor, labels: torch.Tensor | None, batch_size: int, image_size: int, device,
             seed: int, channels_last: bool = False) -> dict[str, float]:
    """Validation metrics of the model as experiments use it: BatchNorm in train mode, random batches at
    the training batch size (`procedures.batches`). Autoencoders: copy quality (`premise.copy_quality`);
    classifiers: cross-entropy and accuracy. BatchNorm's running statistics are restored afterwards, so
    validating never changes training."""
    from .premise import copy_quality
    from .procedures.batches import run_composed

    buffers = {k: v.clone() for k, v in model.named_buffers()}
    was_training = model.training
    model.train()
    x = to_input(images, image_size, "cpu")
    gen = torch.Generator().manual_seed(seed)

    def net(b):
        b = b.to(device)
        return model(b.contiguous(memory_format=torch.channels_last) if channels_last else b)

    try:
        out = run_composed(net, x, batch_size, "random", gen, device)
    finally:
        model.train(was_training)
        for k, v in model.named_buffers():
            v.copy_(buffers[k])
    if labels is None:
        return copy_quality(out, x)
    return {"loss": float(F.cross_entropy(out, labels)), "accuracy": float((out.argmax(1) == labels).float().mean())}


def _epoch_path(work_dir: Path, epoch: int) -> Path:
    return work_dir / f"epoch{epoch:04d}.pt"


def _cached_epochs(work_dir: Path) -> list[int]:
    """Epochs whose full state (weights, optimizer, RNG) is kept in `work_dir`, ascending."""
    found = (re.fullmatch(r"epoch(\d{4,})\.pt", p.name) for p in work_dir.glob("epoch*.pt"))
    return sorted(int(m.group(1)) for m in found if m)


def _load_state(path: Path, spec: dict, log: Callable[[str], None], rank: int) -> dict | None:
    """A resume state checked against `spec`; a truncated or corrupt one is discarded with a warning
    (None), so that a file cut short by a crash never blocks the run. Another configuration's state
    is refused (CheckpointMismatch)."""
    try:
        ckpt = load_torch(path)
    except CheckpointError as err:
        log(f"warning: discarding unusable resume state: {err.args[0].split('; ')[0]}; training from an earlier state")
        if rank == 0:
            path.unlink(missing_ok=True)
        return None
    check_compatible(ckpt, spec, path)
    return ckpt


def train(spec: dict, images: torch.Tensor, work_dir: str | Path, labels: torch.Tensor | None = None,
          device: str | torch.device = "cpu", log: Callable[[str], None] = print,
          progress: bool = True, val_images: torch.Tensor | None = None,
          val_labels: torch.Tensor | None = None) -> dict[int, Path]:
    """Train (or resume) the run `spec` on uint8 `images` (N, 3, S, S); return {epoch: checkpoint path}.

    Checkpoints for `spec.train.save_epochs` are kept as `work_dir/epoch{E:04d}.pt`, each holding the
    full state of its epoch. When `save_epochs` asks for an epoch that lies before the resume state
    but was never kept (added to params after a run), training replays from the latest kept state
    before it (or from the start) to write it: the same seed and state give the same weights, so the
    replayed epochs equal the original ones. Under `torchrun` (an initialised process group) the model
    is wrapped in DDP and only rank 0 writes. With `val_images` (uint8, (V, 3, S, S)), an epoch ends with
    `validate` on them every `train.validate_every` epochs (default 1) and at every kept epoch; the history
    holds the validation curve (`val_epoch` and `val_<metric>`).
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
    # fused: one kernel for the whole update; 1.15× faster steps on fc, the same trajectory to rounding (`snakemake bench`)
    optimizer = torch.optim.Adam(params, lr=tcfg["lr"], fused=True)

    if rank == 0:
        for tmp in remove_leftovers(work_dir):
            log(f"removed {tmp}, left behind by an interrupted write")
    last = work_dir / "last.pt"
    state = _load_state(last, spec, log, rank) if last.exists() else None
    if state is None:  # none, or discarded: resume from the latest kept epoch state, if any
        for e in reversed(_cached_epochs(work_dir)):
            state = _load_state(_epoch_path(work_dir, e), spec, log, rank)
            if state is not None:
                if rank == 0:
                    save_torch(last, state)
                break
    done = state["epoch"] if state else 0
    asked = sorted(set(tcfg["save_epochs"]))
    if rank == 0 and state is not None and done in asked and not _epoch_path(work_dir, done).exists():
        save_torch(_epoch_path(work_dir, done), state)  # the resume state is that epoch's state
    missing = [e for e in asked if e < done and not _epoch_path(work_dir, e).exists()]
    replay_from = None  # the kept state replaying starts from (None: from the start)
    if missing:
        state = None  # loaded again once the replay is done
        for e in reversed([e for e in _cached_epochs(work_dir) if e < missing[0]]):
            replay_from = _load_state(_epoch_path(work_dir, e), spec, log, rank)
            if replay_from is not None:
                break
    if world > 1:
        torch.distributed.barrier()  # every rank has seen the files before rank 0 writes any

    def restore(ckpt: dict) -> dict:
        model.load_state_dict(ckpt["model_state"])
        optimizer.load_state_dict(ckpt["optimizer_state"])
        torch.set_rng_state(ckpt["rng"]["torch"])
        return {k: v.tolist() for k, v in ckpt["history"].items()}

    n = images.shape[0]
    bs = tcfg["batch_size"]
    steps = n // (bs * world)  # the last incomplete (global) batch is dropped
    if tcfg.get("max_steps_per_epoch"):
        steps = min(steps, tcfg["max_steps_per_epoch"])
    if steps == 0:
        raise ValueError(f"{spec['variant']}: {n} training images are fewer than one batch of {bs}")
    schedule = tcfg.get("schedule", "constant")
    total_steps = steps * tcfg["epochs"]
    net = model
    if world > 1:  # DDP: every rank sees its own slice of each global batch; gradients are averaged
        net = torch.nn.parallel.DistributedDataParallel(model, device_ids=[device] if device.type == "cuda" else None)

    def run(first: int, final: int, history: dict, keep: set[int], write_last: bool) -> None:
        """Epochs first..final; keeps the full state of the epochs in `keep` (and last.pt if asked)."""
        model.train()
        for epoch in range(first, final + 1):
            t0 = time.perf_counter()
            order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 1_000_003 + epoch))
            order = order[:steps * bs * world].view(steps, world, bs)[:, rank].reshape(-1)
            first_step = (epoch - 1) * steps
            losses = run_epoch(net, optimizer, images, labels, order, steps, bs, m["image_size"], device,
                               bf16=tcfg.get("bf16", False), channels_last=tcfg.get("channels_last", False),
                               desc=f"{spec['variant']} s{seed} epoch {epoch}/{tcfg['epochs']}", progress=progress,
                               lr_at=lambda i: learning_rate(first_step + i, total_steps, tcfg["lr"], schedule),
                               objective=tcfg.get("objective"))
            if world > 1:  # record the loss of each global batch (the mean over ranks), not rank 0's slice
                mean = torch.tensor(losses, dtype=torch.float64, device=device)
                torch.distributed.all_reduce(mean)
                losses = (mean / world).tolist()
            total = sum(losses)
            history["step_loss"].extend(losses)
            history["epoch_loss"].append(total / steps)
            val = ""
            every = tcfg.get("validate_every", 1)
            # every `validate_every` epochs, and at every kept epoch (the premise is judged there)
            if val_images is not None and (epoch % every == 0 or epoch in asked or epoch == tcfg["epochs"]):
                history.setdefault("val_epoch", []).append(epoch)
                for k, v in validate(model, val_images, val_labels, bs, m["image_size"], device, seed,
                                     tcfg.get("channels_last", False)).items():
                    history.setdefault(f"val_{k}", []).append(v)
                    val += f", validation {k} {v:.4g}"
            log(f"{spec['variant']} seed {seed} epoch {epoch}: loss {total / steps:.5f}{val} "
                f"({time.perf_counter() - t0:.1f} s)")
            if rank != 0:  # only rank 0 writes
                continue
            ckpt = {
                "format": FORMAT,
                "spec": spec,
                "epoch": epoch,
                "step": epoch * steps,
                "images_seen": epoch * steps * bs * world,
                "model_state": model.state_dict(),
                "optimizer_state": optimizer.state_dict(),
                "rng": {"torch": torch.get_rng_state()},
                "history": {k: torch.tensor(v, dtype=torch.float64) for k, v in history.items()},
            }
            if epoch in keep:
                save_torch(_epoch_path(work_dir, epoch), ckpt)
            if write_last:
                save_torch(last, ckpt)

    if missing:
        start = replay_from["epoch"] if replay_from else 0
        log(f"save_epochs asks for epoch(s) {missing}, not kept by the earlier run: replaying epochs "
            f"{start + 1}-{missing[-1]} from {'the kept state of epoch %d' % start if start else 'the start'}")
        history = restore(replay_from) if replay_from else {"step_loss": [], "epoch_loss": []}
        run(start + 1, missing[-1], history, set(missing), write_last=False)
        state = load_torch(last)  # then continue from where the earlier run ended
    if state is not None:
        history = restore(state)
        log(f"resuming {spec['variant']} seed {seed} from epoch {state['epoch']} ({last})")
        done = state["epoch"]
        del state
    elif not missing:
        history = {"step_loss": [], "epoch_loss": []}
    run(done + 1, tcfg["epochs"], history, set(asked), write_last=True)

    saved = {e: _epoch_path(work_dir, e) for e in asked}
    absent = [str(p) for p in saved.values() if not p.exists()]
    if rank == 0 and absent:
        raise RuntimeError(f"training ended without writing {', '.join(absent)}")
    return saved


def publish(saved: dict, work_dir: Path, out: Path, epochs_asked: int) -> None:
    """Copy a run's saved checkpoints from its resume state into the rule's output folder, with its loss
    per step and per epoch (paths.loss_steps, paths.loss_epochs)."""
    out.mkdir(parents=True, exist_ok=True)
    for epoch, path in saved.items():
        with atomic_path(out / path.name) as tmp:
            shutil.copyfile(path, tmp)
    history = load_torch(work_dir / "last.pt")["history"]
    epochs = history["epoch_loss"].tolist()
    per_epoch = len(history["step_loss"]) // len(epochs)
    epochs = epochs[:epochs_asked]  # a state trained further (train.epochs lowered since) shows as asked
    steps = history["step_loss"].tolist()[:len(epochs) * per_epoch]
    with atomic_path(out / "loss_steps.csv") as tmp:
        pd.DataFrame({"step": range(1, len(steps) + 1),
                      "epoch": [i // per_epoch + 1 for i in range(len(steps))],
                      "loss": steps}).to_csv(tmp, index=False)
    with atomic_path(out / "loss_epochs.csv") as tmp:
        pd.DataFrame({"epoch": range(1, len(epochs) + 1), "loss": epochs}).to_csv(tmp, index=False)
    val = pd.DataFrame({k[4:]: v.tolist() for k, v in history.items() if k.startswith("val_")})
    if len(val):  # the validation curve (paths.validation): what the premise is judged on
        val["epoch"] = val["epoch"].astype(int)
        val = val[val["epoch"] <= len(epochs)]
        val.insert(1, "step", val["epoch"] * per_epoch)
        with atomic_path(out / "validation.csv") as tmp:
            val.to_csv(tmp, index=False)

"""What every experiment entry point needs: trained or untrained models of a variant, evaluation sets."""
from __future__ import annotations

import numpy as np
import torch

from . import datasets
from .models import build_model
from .train import load_checkpoint, make_spec


def variant_seeds(params: dict, variant: str) -> list[int]:
    """The training seeds of a variant: its own `seeds`, else the scale's."""
    return list(params["variants"][variant].get("seeds", params["seeds"]))


def checkpoint_path(params: dict, variant: str, seed: int, epoch: int | None = None) -> str:
    """results/train/{variant}/seed{seed}/epoch{E}.pt; the last saved epoch by default."""
    epoch = epoch or max(params["variants"][variant]["train"]["save_epochs"])
    return f"results/train/{variant}/seed{seed}/epoch{epoch:04d}.pt"


def load_trained(params: dict, variant: str, seed: int, epoch: int | None = None, device="cpu"):
    """(model, checkpoint) of a variant at a saved epoch; refuses a checkpoint of another configuration."""
    cfg = params["variants"][variant]
    spec = make_spec(variant, cfg, params["datasets"][cfg["dataset"]], seed)
    return load_checkpoint(checkpoint_path(params, variant, seed, epoch), spec, device)


def untrained(params: dict, variant: str, seed: int, device="cpu") -> torch.nn.Module:
    """The variant exactly as training starts: same seed, same initialisation."""
    cfg = params["variants"][variant]
    torch.manual_seed(seed)
    return build_model(cfg["model"], cfg["image_size"], **cfg["kwargs"]).to(device)


def evaluation_sets(params: dict, dataset: str, max_images: int) -> dict[str, torch.Tensor]:
    """uint8 (N, 3, S, S) images to evaluate on: the data set's validation split (key = dataset name)
    and every extra evaluation folder of params' eval_sets (key = "eval:<name>"), at most
    `max_images` each, spread evenly so that every source photograph is represented."""
    val = datasets.load_split(dataset, "val")
    sets = {dataset: val[datasets.spread_indices(val.shape[0], max_images)]}
    size = params["datasets"][dataset]["size"]
    for name in params["eval_sets"]:
        ev = torch.from_numpy(np.load(datasets.eval_set_path(name, size)))
        sets[f"eval:{name}"] = ev[datasets.spread_indices(ev.shape[0], max_images)]
    return sets


def set_label(name: str, dataset: str) -> str:
    """How a set is named in claims.json's `data` field."""
    return name if name.startswith("eval:") else f"{dataset} (validation patches)"


def claim_suffix(name: str) -> str:
    """Claim ids on extra evaluation sets get the set's name: E1[name]."""
    return f"[{name.split(':', 1)[1]}]" if name.startswith("eval:") else ""

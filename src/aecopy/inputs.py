"""A job's inputs, as its rule describes them (`plan`): checkpoints, image arrays, evaluation sets and
inversion files, loaded on demand. Experiments ask for "the model of variant v, seed s" or "the
validation images of data set d" and never see a path.
"""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import torch

from . import datasets, paths
from .io import load_torch
from .models import build_model
from .plan import spread_indices
from .train import load_checkpoint, make_spec


class Inputs:
    def __init__(self, description: dict, params):
        self.description = description
        self.params = params

    @classmethod
    def from_json(cls, text: str, params) -> "Inputs":
        return cls(json.loads(text), params)

    def _entries(self, kind: str) -> list[dict]:
        return self.description.get(kind, [])

    # ---- trained models
    def checkpoint(self, variant: str, seed: int, epoch: int | None = None) -> str:
        found = [c for c in self._entries("checkpoints") if c["variant"] == variant and c["seed"] == seed
                 and (epoch is None or c["epoch"] == epoch)]
        if not found:
            raise KeyError(f"no checkpoint of {variant} seed {seed} epoch {epoch} among this job's inputs")
        return max(found, key=lambda c: c["epoch"])["path"]

    def model(self, variant: str, seed: int, epoch: int | None = None, device="cpu"):
        """(model, checkpoint) of a variant at a saved epoch (the last given by default); refuses a
        checkpoint of another configuration than params describe."""
        cfg = self.params["variants"][variant]
        spec = make_spec(variant, cfg, self.params["datasets"][cfg["dataset"]], seed)
        return load_checkpoint(self.checkpoint(variant, seed, epoch), spec, device)

    def untrained(self, variant: str, seed: int, device="cpu") -> torch.nn.Module:
        """The variant exactly as training starts: same seed, same initialisation."""
        return untrained_model(self.params["variants"][variant], seed, device)

    # ---- images
    def split(self, dataset: str, name: str) -> torch.Tensor:
        """uint8 (N, 3, S, S) images of split "train" or "val" of a prepared data set."""
        for s in self._entries("splits"):
            if s["dataset"] == dataset and s["split"] == name:
                return torch.from_numpy(np.load(s["path"]))
        raise KeyError(f"the {name} split of {dataset} is not among this job's inputs")

    def labels(self, dataset: str, name: str) -> torch.Tensor:
        """Source-photograph index of every image of a split (the ViT's offline classification task)."""
        manifest = next(m["path"] for m in self._entries("manifests") if m["dataset"] == dataset)
        return datasets.labels_from_manifest(manifest, name)

    def evaluation_sets(self, dataset: str, max_images: int) -> dict[str, torch.Tensor]:
        """uint8 (N, 3, S, S) images to evaluate on: the data set's validation split (key = dataset name)
        and every extra evaluation folder at its resolution (key = "eval:<name>"), at most `max_images`
        each, spread evenly so that every source photograph is represented."""
        val = self.split(dataset, "val")
        sets = {dataset: val[spread_indices(val.shape[0], max_images)]}
        for e in self._entries("eval_sets"):
            if e["dataset"] == dataset:
                ev = torch.from_numpy(np.load(e["path"]))
                sets[f"eval:{e['name']}"] = ev[spread_indices(ev.shape[0], max_images)]
        return sets

    # ---- other files
    def inversions(self) -> list[dict]:
        """Every inversion file of the job (see cli.invert), loaded."""
        return [load_torch(p) for p in self._entries("inversions")]

    def loss_epochs(self, variant: str, seed: int) -> pd.DataFrame:
        """The training loss per epoch of a run whose checkpoint the job was given."""
        self.checkpoint(variant, seed)  # one of this job's training runs
        return pd.read_csv(paths.loss_epochs(variant, seed))

    def premise(self, variant: str, seed: int, epoch: int | None = None) -> dict | None:
        """The copy quality {mse, psnr, r2} of a trained autoencoder on clean validation images at a saved
        epoch (the last given by default), from its run's validation curve (`train.validate`); None for a
        classifier."""
        entry = next(c for c in self._entries("checkpoints") if c["path"] == self.checkpoint(variant, seed, epoch))
        curve = pd.read_csv(paths.validation(variant, seed)).set_index("epoch")
        if "psnr" not in curve:
            return None
        return {k: float(curve.loc[entry["epoch"], k]) for k in ("mse", "psnr", "r2")}

    def loss_steps(self) -> dict[tuple[str, int], pd.DataFrame]:
        """{(variant, seed): training loss per step} of every run the job was given (training summary)."""
        return {(r["variant"], r["seed"]): pd.read_csv(r["path"]) for r in self._entries("runs")}

    def validation_curves(self) -> dict[tuple[str, int], pd.DataFrame]:
        """{(variant, seed): validation metrics per epoch} of every run the job was given (training summary)."""
        return {(r["variant"], r["seed"]): pd.read_csv(r["validation"]) for r in self._entries("runs")}


def untrained_model(cfg, seed: int, device="cpu") -> torch.nn.Module:
    torch.manual_seed(seed)
    return build_model(cfg["model"], cfg["image_size"], **cfg["kwargs"]).to(device)


def set_label(name: str, dataset: str) -> str:
    """How a set is named in claims.json's `data` field."""
    return name if name.startswith("eval:") else f"{dataset} (validation patches)"


def claim_suffix(name: str) -> str:
    """Claim ids on extra evaluation sets get the set's name: E1[name]."""
    return f"[{name.split(':', 1)[1]}]" if name.startswith("eval:") else ""

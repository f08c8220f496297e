"""What a training step minimises, by name (params: `train.objective`). The post's autoencoders copy
(`copy`: MSE(O(x), x)); the ViT classifies; the baselines beyond the post learn other objectives, which
register here (`register`). An objective is `loss(model, x, labels) -> scalar tensor`; its randomness comes
from torch's global generator, which training seeds and restores on resume, so runs repeat bit for bit."""
from __future__ import annotations

import importlib
from typing import Callable

import torch
import torch.nn.functional as F

Objective = Callable[[torch.nn.Module, torch.Tensor, "torch.Tensor | None"], torch.Tensor]
OBJECTIVES: dict[str, Objective] = {}


def register(name: str):
    def add(fn: Objective) -> Objective:
        OBJECTIVES[name] = fn
        return fn
    return add


@register("copy")
def copy_loss(model, x, labels=None):
    """Mean squared error between the output and the input (the post's training)."""
    return F.mse_loss(model(x), x)


@register("classify")
def classify_loss(model, x, labels):
    return F.cross_entropy(model(x), labels)


def default_objective(model) -> str:
    return "classify" if getattr(model, "task", "autoencode") == "classify" else "copy"


def get(name: str | None, model) -> Objective:
    """The objective `name` (None: the model's default), loading the modules that register others."""
    name = name or default_objective(model)
    if name not in OBJECTIVES:
        importlib.import_module("aecopy.beyond.objectives")  # registers the objectives of the baselines
    if name not in OBJECTIVES:
        raise KeyError(f"unknown training objective {name!r}; expected one of {sorted(OBJECTIVES)}")
    return OBJECTIVES[name]

"""The inputs of an experiment job, built from constructed models and synthetic images instead of files:
the same interface as `aecopy.inputs.Inputs`, so a control runs the experiment's own `run()`."""
from __future__ import annotations

from typing import Callable

import pandas as pd
import torch

from ..plan import spread_indices
from ..train import to_input, validate
from .images import synthetic_images

# builds the model of (variant, seed, epoch); epoch None = the last saved one
ModelFactory = Callable[[str, int, "int | None"], torch.nn.Module]


class ControlInputs:
    """models(variant, seed, epoch) gives a constructed model; images are synthetic (`synthetic_images`),
    one "dataset" per image size, split into train and val; `inversions` are inversion results in the
    format of `experiments.invert.run`."""

    def __init__(self, params: dict, models: ModelFactory | None = None, untrained: ModelFactory | None = None,
                 inversions: list[dict] | None = None, n_train: int = 64, n_val: int = 32, seed: int = 0,
                 images_seen: Callable[[str, int, int], "int | None"] | None = None):
        self.params = params
        self._models, self._untrained = models, untrained
        self._images_seen = images_seen  # (variant, seed, epoch) -> the checkpoint's training images, or None
        self._inversions = inversions or []
        self._n_train, self._n_val, self._seed = n_train, n_val, seed
        self._splits: dict = {}

    # ---- images
    def _size(self, dataset: str) -> int:
        return self.params["datasets"][dataset]["size"]

    def split(self, dataset: str, name: str) -> torch.Tensor:
        key = (dataset, name)
        if key not in self._splits:
            n = self._n_train if name == "train" else self._n_val
            self._splits[key] = self._synthetic(n, self._size(dataset), self._seed + (name == "val"))
        return self._splits[key][0]

    def _synthetic(self, n: int, size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(uint8 images, photo index) of a split; subclasses may change how the images look."""
        return synthetic_images(n, size, seed)

    def images(self, variant: str, name: str) -> torch.Tensor:
        """A split of the variant's dataset as the variant's model input: float in [0, 1] at its image size."""
        cfg = self.params["variants"][variant]
        return to_input(self.split(cfg["dataset"], name), cfg["image_size"], "cpu")

    def labels(self, dataset: str, name: str) -> torch.Tensor:
        self.split(dataset, name)
        return self._splits[(dataset, name)][1]

    def evaluation_sets(self, dataset: str, max_images: int) -> dict[str, torch.Tensor]:
        val = self.split(dataset, "val")
        return {dataset: val[spread_indices(val.shape[0], max_images)]}

    # ---- models
    def model(self, variant: str, seed: int, epoch: int | None = None, device="cpu"):
        saved = self.params["variants"][variant]["train"]["save_epochs"]
        epoch = max(saved) if epoch is None else epoch
        model = self._models(variant, seed, epoch).to(device)
        seen = self._images_seen(variant, seed, epoch) if self._images_seen else None
        return model, {"epoch": epoch, "images_seen": seen, "spec": {"variant": variant, "seed": seed}}

    def untrained(self, variant: str, seed: int, device="cpu") -> torch.nn.Module:
        return self._untrained(variant, seed, None).to(device)

    def premise(self, variant: str, seed: int, epoch: int | None = None) -> dict:
        """The copy quality of the constructed model on the control's validation images, measured as
        training measures its validation curve (`train.validate`)."""
        cfg = self.params["variants"][variant]
        model, _ = self.model(variant, seed, epoch)
        val = self.split(cfg["dataset"], "val")
        if getattr(model, "task", "autoencode") != "autoencode":
            return None
        return validate(model, val, None, cfg["train"]["batch_size"], cfg["image_size"], "cpu", seed)

    def loss_epochs(self, variant: str, seed: int) -> pd.DataFrame:
        epochs = self.params["variants"][variant]["train"]["epochs"]
        return pd.DataFrame({"epoch": range(1, epochs + 1), "loss": [0.01] * epochs})

    # ---- other files
    def inversions(self) -> list[dict]:
        return list(self._inversions)

"""The training loop as the benchmarks run it: `train.run_epoch` on a variant's model, data and batch size,
with one option changed at a time (the optimizer's implementation, threads, batch size, torch.compile)."""
from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Mapping

import torch

from .. import datasets, paths
from ..bench import flops_of, timed
from ..models import build_model
from ..train import run_epoch

CPU = torch.device("cpu")

# torch.optim.Adam's implementations. "default" is what train.py builds (Adam(params, lr)): on CPU
# tensors torch picks the per-parameter for-loop.
ADAM = {"default": {}, "foreach": {"foreach": True}, "fused": {"fused": True}}


def plain(value):
    """A params view (or part of one) as plain dicts and lists, for JSON to a worker process."""
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def variant_config(cfg) -> dict:
    """The parts of a variant's params block a benchmark builds and trains from, as plain values (the
    block's other keys, such as its seeds, are not declared by every benchmark's rule)."""
    return {k: plain(cfg[k]) for k in ("model", "image_size", "kwargs", "dataset", "train")}


def job_steps(cfg: dict, n_train: int) -> int:
    """Optimizer steps of one training job of the variant, counted as train.py counts them (one process)."""
    t = cfg["train"]
    per_epoch = n_train // t["batch_size"]
    if t.get("max_steps_per_epoch"):
        per_epoch = min(per_epoch, t["max_steps_per_epoch"])
    return per_epoch * t["epochs"]


def training_data(cfg: dict) -> tuple[torch.Tensor, torch.Tensor | None]:
    """(uint8 training images, labels or None) of the variant's data set."""
    images = datasets.load_split(cfg["dataset"], "train")
    labels = None
    if cfg["model"] == "vit":  # classifies which photograph a patch comes from (train.py's task)
        labels = datasets.labels_from_manifest(paths.manifest(cfg["dataset"]), "train")
    return images, labels


@contextlib.contextmanager
def threads(n: int | None):
    """torch's intra-op threads set to n inside the block (None: unchanged)."""
    before = torch.get_num_threads()
    if n is not None:
        torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class Loop:
    """One model and optimizer trained with the project's loop; `images_per_s(k)` times k steps.

    The model starts from `torch.manual_seed(seed)` as train.py's does; batches are drawn from shuffled
    passes over the images. `reset()` returns model and optimizer to their first state, so that a
    workload run again computes the same numbers (the byte-identity checks).
    """

    def __init__(self, cfg: dict, images: torch.Tensor, labels: torch.Tensor | None, *, adam: str = "default",
                 batch_size: int | None = None, n_threads: int | None = None, compile_: bool = False, seed: int = 0):
        self.cfg, self.images, self.labels = cfg, images, labels
        self.bs = batch_size or cfg["train"]["batch_size"]
        self.size = cfg["image_size"]
        self.channels_last = cfg["train"].get("channels_last", False)
        self.n_threads = n_threads
        torch.manual_seed(seed)
        self.model = build_model(cfg["model"], self.size, **cfg["kwargs"]).train()
        if self.channels_last:
            self.model = self.model.to(memory_format=torch.channels_last)
        self.net = torch.compile(self.model) if compile_ else self.model
        params = [p for p in self.model.parameters() if p.requires_grad]
        self.optimizer = torch.optim.Adam(params, lr=cfg["train"]["lr"], **ADAM[adam])
        self.generator = torch.Generator().manual_seed(seed)
        self._first = (copy.deepcopy(self.model.state_dict()), copy.deepcopy(self.optimizer.state_dict()))

    def reset(self) -> None:
        self.model.load_state_dict(self._first[0])
        self.optimizer.load_state_dict(self._first[1])
        self.generator.manual_seed(0)

    def steps(self, k: int) -> list[float]:
        """k optimizer steps; their losses."""
        n = self.images.shape[0]
        order = torch.cat([torch.randperm(n, generator=self.generator) for _ in range(-(-k * self.bs // n))])
        with threads(self.n_threads):
            return run_epoch(self.net, self.optimizer, self.images, self.labels, order, k, self.bs, self.size, CPU,
                             channels_last=self.channels_last)

    def images_per_s(self, k: int, clock=time.perf_counter) -> float:
        return self.bs * k / timed(lambda: self.steps(k), clock=clock)

    def step_flops(self) -> int:
        """FLOPs of one step (forward, backward; the optimizer's elementwise work counts zero)."""
        return flops_of(lambda: self.steps(1))

    def steps_for(self, seconds: float, clock=time.perf_counter) -> int:
        """How many steps take about `seconds` on `clock`, from the time of one step (after a warm-up step)."""
        self.steps(1)
        return max(1, min(500, round(seconds / timed(lambda: self.steps(1), clock=clock))))

    def digest(self) -> str:
        """sha256 of the model's parameters and buffers, byte for byte."""
        import hashlib

        h = hashlib.sha256()
        for k, v in self.model.state_dict().items():
            h.update(k.encode() + v.detach().contiguous().numpy().tobytes())
        return h.hexdigest()

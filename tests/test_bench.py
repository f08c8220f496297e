"""Benchmark helpers: the reference loop runs exactly the steps asked for, however many batches the
loader holds, and interleaved rounds report every sample."""
from __future__ import annotations

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from aecopy.bench import interleaved, ratio
from aecopy.benchmarks.train import reference_steps


class CountingSGD(torch.optim.SGD):
    def __init__(self, params):
        super().__init__(params, lr=0.0)
        self.steps = 0

    def step(self, closure=None):
        self.steps += 1
        return super().step(closure)


def test_reference_loop_runs_the_steps_asked_for_across_epochs():
    model = nn.Conv2d(3, 3, 1)
    loader = DataLoader(TensorDataset(torch.rand(12, 3, 4, 4)), batch_size=4, drop_last=True)  # 3 batches
    for steps in (2, 3, 7):
        opt = CountingSGD(model.parameters())
        reference_steps(model, opt, loader, steps)
        assert opt.steps == steps


def test_interleaved_rounds_and_ratio():
    calls = []
    res = interleaved({"a": lambda: calls.append("a") or 2.0, "b": lambda: calls.append("b") or 1.0}, rounds=3)
    assert calls == ["a", "b"] * 3
    assert res["a"]["samples"] == [2.0] * 3 and ratio(res["a"], res["b"])["median"] == 2.0


def test_gpu_benchmark_script_runs_on_cpu_at_a_tiny_size(tmp_path):
    """The prepared device check (`python -m aecopy.cli.bench_gpu`), smoke-run on CPU: every
    configuration reports images/s, achieved/peak and the projected LSUN epoch."""
    import json

    from aecopy.benchmarks.gpu import LSUN_CHURCH_IMAGES
    from aecopy.cli import bench_gpu

    out = tmp_path / "gpu.json"
    bench_gpu.main(["--out", str(out), "--device", "cpu", "--base", "4", "--batch", "2", "--steps", "1", "--no-compile"])
    res = json.loads(out.read_text())
    for name in ("fp32_eager", "bf16_channels_last"):
        assert res[name]["images_per_s"] > 0 and res[name]["fraction_of_bf16_peak"] > 0
        assert res[name]["projected_epoch_s"] == LSUN_CHURCH_IMAGES / res[name]["images_per_s"]

"""Benchmark helpers on tiny sizes (seconds): the reference loop, interleaved rounds and paired ratios,
what the profile categories and the compile verdict compute, byte-identical reruns, fused Adam against
the default on a tiny model, the inversion figures, and the prepared GPU script smoke-run on CPU."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from aecopy.bench import MachineLoad, flops_of, interleaved, ratio
from aecopy.benchmarks.train import reference_steps

TINY_FC = {"model": "fc", "dataset": "d", "image_size": 4, "kwargs": {"width": 64, "depth": 2},
           "train": {"epochs": 1, "batch_size": 8, "lr": 1e-3, "schedule": "cosine", "max_steps_per_epoch": 20}}
TINY_UNET = {"model": "unet", "dataset": "d", "image_size": 8, "kwargs": {"base": 4, "levels": 1},
             "train": {"epochs": 1, "batch_size": 4, "lr": 1e-3, "channels_last": True}}


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny kernels on one thread: two threads only add OpenMP barriers (slow when other work shares the cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def tiny_data(monkeypatch):
    """Random uint8 images in place of a prepared data set."""
    from aecopy import datasets

    images = torch.randint(0, 256, (64, 3, 8, 8), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    monkeypatch.setattr(datasets, "load_split", lambda name, split: images)
    return images


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


def test_interleaved_rounds_and_paired_ratio():
    calls = []
    a_values, b_values = iter([2.0, 4.0, 3.0]), iter([1.0, 4.0, 1.0])
    res = interleaved({"a": lambda: calls.append("a") or next(a_values),
                       "b": lambda: calls.append("b") or next(b_values)}, rounds=3)
    assert calls == ["a", "b"] * 3
    assert res["a"]["samples"] == [2.0, 4.0, 3.0] and res["a"]["median"] == 3.0
    # per-round ratios 2, 1, 3: their median and spread (not the ratio of the medians, 3/1)
    assert ratio(res["a"], res["b"]) == {"median": 2.0, "low": 1.0, "high": 3.0}


def test_flop_count_and_machine_load():
    a, b = torch.rand(8, 16), torch.rand(16, 4)
    assert flops_of(lambda: a @ b) == 2 * 8 * 16 * 4
    with MachineLoad() as load:
        sum(range(10_000))
    assert load.result["cpus"] >= 1 and load.result["wall_s"] > 0
    assert load.result["other_work_cores"] is None or load.result["other_work_cores"] >= 0


def test_profile_categories():
    from aecopy.bench import category
    from aecopy.benchmarks.limit import family

    assert category("aten::convolution_backward") == category("aten::addmm") == "compute"
    assert category("aten::_scaled_dot_product_flash_attention_for_cpu") == "compute"
    assert category("aten::native_batch_norm_backward") == category("aten::native_group_norm") == "normalisation"
    assert category("aten::threshold_backward") == category("aten::copy_") == "other"
    assert [family(m) for m in ("unet_wide", "fc", "attn_unet", "vit")] == ["unet", "fc", "attention", "attention"]


def test_compile_verdict_counts_compile_time_against_the_job_steps():
    from aecopy.benchmarks.compile import steps_of_both, verdict

    v = verdict(0.10, 0.08, compile_cold=60.0, compile_warm=5.0, steps=1000, seeds=3)  # saves 20 s per job
    assert v["first_job_gain_s"] == pytest.approx(-40) and v["later_job_gain_s"] == pytest.approx(15)
    assert v["default_run_gain_s"] == pytest.approx(-10) and not v["pays_in_default_run"]
    assert v["break_even_steps_cold"] == pytest.approx(3000)
    assert verdict(0.10, 0.08, 60.0, 5.0, steps=5000, seeds=3)["pays_first_job"]
    # the rounds of both processes pooled: eager at 10 images/s (0.1 s a step of 1 image), compiled 1.25× as fast
    run = {"eager_step_s": 0.1, "images_per_s": {"eager": {"median": 10.0, "samples": [10.0, 10.0]},
                                                 "compiled": {"samples": [12.5, 12.5]}}}
    both = steps_of_both(run, run)
    assert both["compiled_vs_eager"]["median"] == pytest.approx(1.25)
    assert both["compiled_step_s"] == pytest.approx(0.08)


def test_job_steps_as_train_counts_them():
    from aecopy.benchmarks.loop import job_steps

    assert job_steps(TINY_FC, 100) == 12  # 100 // 8 = 12 per epoch, under the cap of 20
    assert job_steps({**TINY_FC, "train": {**TINY_FC["train"], "max_steps_per_epoch": 5, "epochs": 3}}, 100) == 15


def test_loop_reruns_are_byte_identical_after_reset(tiny_data):
    from aecopy.benchmarks.loop import Loop

    loop = Loop(TINY_UNET, tiny_data, None)
    assert loop.step_flops() > 0
    loop.reset()
    loop.steps(3)
    first = loop.digest()
    loop.reset()
    loop.steps(3)
    assert loop.digest() == first
    loop.steps(1)
    assert loop.digest() != first


def test_fused_adam_follows_the_default_trajectory_to_rounding(tiny_data):
    """The minimal reproduction behind `bench_adam` at a tiny size: fused and default Adam from the same
    state part by rounding only (as far apart as a one-ulp nudge of one weight), far less than seeds."""
    from aecopy.benchmarks.adam import compare

    images = tiny_data[:, :, :4, :4].contiguous()
    res = compare(TINY_FC, images, images[:16], seeds=[0, 1, 2], steps=15)
    runs = res["runs"]
    assert runs["fused"]["param_rel_distance"] < 1e-4 and runs["foreach"]["param_rel_distance"] < 1e-4
    assert runs["default_seed1"]["param_rel_distance"] > 0.1
    assert res["fused_within_seed_spread"] and res["fused_like_one_ulp"]


def test_inversion_benchmark_reports_its_share_of_the_peak(tiny_data):
    from aecopy.benchmarks.inversion import bench_variant

    settings = {"batch_size": 4, "max_images": 4, "c": 0.02, "lr": 0.1, "start_mean": 0.7, "start_sd": 0.05,
                "record_every": 1}
    r = bench_variant(TINY_UNET, settings, images=4, steps=2, rounds=1, seed=0, single=True, n_threads=2)
    assert r["flops_per_step"] > 0 and r["steps_per_round"] == 2
    assert r["fraction_of_peak_1_thread"]["median"] > 0 and r["fraction_of_peak_2_threads"]["median"] > 0
    assert r["batched_vs_one_at_a_time"]["median"] > 0


def test_limit_benchmark_reports_every_contestant(tiny_data):
    from aecopy.benchmarks.limit import bench_variant

    r = bench_variant("unet", TINY_UNET, n_images=32, rounds=1, seconds=0.01, n_threads=2)
    assert set(r["images_per_s"]) == {"peak_1", "default_1", "foreach_1", "fused_1", "batch_x2_1",
                                      "peak_2", "default_2"}
    assert r["fraction_of_peak_1_thread"]["median"] > 0 and r["job_steps"] == 64 // 4
    shares = r["time_shares_1_thread"]
    assert shares["compute"] > 0 and min(shares.values()) >= 0 and sum(shares.values()) == pytest.approx(1, abs=0.05)


def test_concurrency_workloads_repeat_bit_for_bit(tiny_data):
    from aecopy.benchmarks.concurrency import workload

    spec = {"cfg": TINY_UNET, "batch_size": 4, "images": 32, "c": 0.02, "lr": 0.1, "start_mean": 0.7,
            "start_sd": 0.05}
    for kind in ("train", "invert", "generate"):
        run = workload({**spec, "kind": kind})
        assert run(2) == run(2) != run(3)


def test_gpu_benchmark_script_runs_on_cpu_at_a_tiny_size(tmp_path):
    """The prepared device check (`python -m aecopy.cli.bench_gpu`), smoke-run on CPU: every configuration
    (DDP included) reports images/s and the projections, and the output says what it could not measure."""
    from aecopy.benchmarks.gpu import LSUN_CHURCH_IMAGES
    from aecopy.cli import bench_gpu

    out = tmp_path / "gpu.json"
    bench_gpu.main(["--out", str(out), "--device", "cpu", "--base", "4", "--levels", "1", "--batch", "2",
                    "--steps", "1", "--rounds", "1", "--peak-n", "64", "--no-compile"])
    res = json.loads(out.read_text())
    assert res["model"]["image_size"] == 64 and res["model"]["epochs"] == bench_gpu.paper_unet()["train"]["epochs"]
    for name in ("fp32_eager", "bf16_channels_last", "ddp_bf16_channels_last"):
        r = res["configs"][name]
        assert r["images_per_s"]["median"] > 0 and r["fraction_of_bf16_peak"] > 0
        assert r["projected_epoch_s"] == pytest.approx(LSUN_CHURCH_IMAGES // 2 * 2 / r["images_per_s"]["median"])
        assert r["projected_run_h"] == pytest.approx(r["projected_epoch_s"] * res["model"]["epochs"] / 3600)
    assert any("no GPU" in m for m in res["not_measured"])
    assert any("torch.compile" in m for m in res["not_measured"])

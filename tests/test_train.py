"""The training loop: self-describing checkpoints, refusal of foreign ones, resume after kill -9."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
import torch

from aecopy.train import CheckpointMismatch, load_checkpoint, make_spec, train

from .conftest import ENV


def tiny_spec(seed=0, epochs=2, **train_kw):
    cfg = {"model": "fc", "image_size": 8, "kwargs": {"width": 256, "depth": 2},
           "train": {"epochs": epochs, "batch_size": 16, "lr": 1e-3, "save_epochs": [1, epochs], **train_kw}}
    return make_spec("fc", cfg, {"source": "embedded", "size": 8}, seed)


def images(n=64, size=8):
    return torch.randint(0, 256, (n, 3, size, size), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)


def test_checkpoints_describe_themselves_and_load_safely(tmp_path):
    spec = tiny_spec()
    saved = train(spec, images(), tmp_path, progress=False, log=lambda m: None)
    assert sorted(saved) == [1, 2]
    ckpt = torch.load(saved[2], weights_only=True)
    assert ckpt["spec"] == spec and ckpt["epoch"] == 2
    assert {"model_state", "optimizer_state", "rng", "history"} <= set(ckpt)
    model, _ = load_checkpoint(saved[2], spec)
    x = images(4).float() / 255
    model.train()
    assert model(x).shape == x.shape
    assert not list(tmp_path.glob(".*tmp"))  # atomic writes leave no partial files


def test_loss_decreases(tmp_path):
    spec = tiny_spec(epochs=6)
    train(spec, images(256), tmp_path, progress=False, log=lambda m: None)
    history = torch.load(tmp_path / "last.pt", weights_only=True)["history"]["epoch_loss"]
    assert history[-1] < 0.5 * history[0]


@pytest.mark.parametrize("change", ["variant", "seed", "model", "train"])
def test_foreign_checkpoint_is_refused(tmp_path, change):
    spec = tiny_spec()
    saved = train(spec, images(), tmp_path, progress=False, log=lambda m: None)
    other = dict(spec)
    if change == "variant":
        other["variant"] = "unet"
    elif change == "seed":
        other["seed"] = 1
    elif change == "model":
        other["model"] = {**spec["model"], "kwargs": {"width": 512, "depth": 2}}
    else:
        other["train"] = {**spec["train"], "lr": 1e-4}
    with pytest.raises(CheckpointMismatch, match=change):
        load_checkpoint(saved[2], other)
    with pytest.raises(CheckpointMismatch):
        train(other, images(), tmp_path, progress=False, log=lambda m: None)


SCRIPT = textwrap.dedent("""
    import sys, torch
    from aecopy.train import make_spec, train
    torch.set_num_threads(1)
    cfg = {"model": "fc", "image_size": 16, "kwargs": {"width": 1024, "depth": 3},
           "train": {"epochs": 5, "batch_size": 32, "lr": 1e-3, "save_epochs": [2, 5]}}
    spec = make_spec("fc", cfg, {"source": "embedded", "size": 16}, 3)
    data = torch.randint(0, 256, (1024, 3, 16, 16), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    train(spec, data, sys.argv[1], progress=False, log=lambda m: print(m, flush=True))
""")


def test_resume_after_kill_is_bit_identical(tmp_path):
    """kill -9 in the middle of an epoch, rerun: the final weights equal an uninterrupted run's."""
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    subprocess.run([sys.executable, str(script), str(clean)], env=ENV, check=True, timeout=300)

    proc = subprocess.Popen([sys.executable, str(script), str(killed)], env=ENV, stdout=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not (killed / "epoch0002.pt").exists():  # two epochs done
        assert time.time() < deadline and proc.poll() is None, "training ended or stalled before the kill"
        time.sleep(0.02)
    time.sleep(0.3)  # well inside epoch 3
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (killed / "epoch0005.pt").exists()
    out = subprocess.run([sys.executable, str(script), str(killed)], env=ENV, check=True, timeout=300,
                         capture_output=True, text=True).stdout
    assert "resuming" in out
    a = torch.load(clean / "epoch0005.pt", weights_only=True)
    b = torch.load(killed / "epoch0005.pt", weights_only=True)
    for key, tensor in a["model_state"].items():
        assert torch.equal(tensor, b["model_state"][key]), key
    assert torch.equal(a["history"]["step_loss"], b["history"]["step_loss"])


DDP_SCRIPT = textwrap.dedent("""
    import os, sys, torch
    from aecopy.train import make_spec, train
    torch.set_num_threads(1)
    torch.distributed.init_process_group("gloo")
    cfg = {"model": "fc", "image_size": 8, "kwargs": {"width": 256, "depth": 2},
           "train": {"epochs": 2, "batch_size": 8, "lr": 1e-3, "save_epochs": [2]}}
    spec = make_spec("fc", cfg, {"source": "embedded", "size": 8}, 0)
    data = torch.randint(0, 256, (64, 3, 8, 8), generator=torch.Generator().manual_seed(0), dtype=torch.uint8)
    train(spec, data, sys.argv[1], progress=False, log=lambda m: None)
    torch.distributed.barrier()
    print("rank", torch.distributed.get_rank(), "done", flush=True)
    torch.distributed.destroy_process_group()
""")


@pytest.mark.slow
def test_ddp_under_torchrun_only_rank0_writes(tmp_path):
    """Two CPU processes (gloo) through `torchrun --standalone`: one checkpoint, global batches of 2×8."""
    script = tmp_path / "ddp.py"
    script.write_text(DDP_SCRIPT)
    out = subprocess.run([os.path.join(os.path.dirname(sys.executable), "torchrun"), "--standalone",
                          "--nproc_per_node", "2", str(script), str(tmp_path / "run")],
                         env=ENV, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.count("done") == 2
    ckpt = torch.load(tmp_path / "run" / "epoch0002.pt", weights_only=True)
    assert ckpt["step"] == 2 * (64 // 16)  # each step consumed one global batch of 16 images
    assert not any(k.startswith("module.") for k in ckpt["model_state"])
    assert len(list((tmp_path / "run").glob("*.pt"))) == 2  # epoch0002.pt and last.pt, written once

"""Rule `train`: train one variant with one seed; keep the checkpoints of params' save_epochs."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import torch

from .. import paths
from ..inputs import Inputs
from ..io import atomic_path, load_torch
from ..train import code_key, make_spec, run_key, train
from .common import device, guarded, log, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--variant", required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--inputs", required=True, help="JSON description of the input files (aecopy.plan)")
    p.add_argument("--out-dir", required=True, help="the training run's folder (paths.run_dir)")
    p.add_argument("--work-dir", default=None, help="resume state (default: paths.resume_dir)")
    args = p.parse_args(argv)
    params = setup(args)
    inputs = Inputs.from_json(args.inputs, params)
    cfg = params["variants"][args.variant]
    spec = make_spec(args.variant, cfg, params["datasets"][cfg["dataset"]], args.seed)
    work_dir = Path(args.work_dir or paths.resume_dir(args.variant, args.seed, f"{run_key(spec)}-{code_key()}"))
    images = inputs.split(cfg["dataset"], "train")
    labels = inputs.labels(cfg["dataset"], "train") if cfg["model"] == "vit" else None
    dev = device(params)
    rank = 0
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # launched by torchrun: one process per GPU
        torch.distributed.init_process_group("nccl" if dev.type == "cuda" else "gloo")
        rank = torch.distributed.get_rank()
        if dev.type == "cuda":
            dev = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
            torch.cuda.set_device(dev)
    log(f"training {args.variant} (model {cfg['model']}) seed {args.seed} on {images.shape[0]} images, device {dev}")
    saved = train(spec, images, work_dir, labels=labels, device=dev, log=log, progress=rank == 0)
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    if rank != 0:
        return

    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for epoch, path in saved.items():
        with atomic_path(out / path.name) as tmp:
            shutil.copyfile(path, tmp)
    history = load_torch(work_dir / "last.pt")["history"]
    epochs = history["epoch_loss"].tolist()
    per_epoch = len(history["step_loss"]) // len(epochs)
    epochs = epochs[:cfg["train"]["epochs"]]  # a state trained further (train.epochs lowered since) shows as asked
    steps = history["step_loss"].tolist()[:len(epochs) * per_epoch]
    with atomic_path(out / "loss_steps.csv") as tmp:
        pd.DataFrame({"step": range(1, len(steps) + 1),
                      "epoch": [i // per_epoch + 1 for i in range(len(steps))],
                      "loss": steps}).to_csv(tmp, index=False)
    with atomic_path(out / "loss_epochs.csv") as tmp:
        pd.DataFrame({"epoch": range(1, len(epochs) + 1), "loss": epochs}).to_csv(tmp, index=False)
    log(f"wrote {len(saved)} checkpoint(s) and loss curves to {out}")


if __name__ == "__main__":
    main()

"""Rule `train`: train one variant with one seed; keep the checkpoints of params' save_epochs."""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .. import paths
from ..datasets import training_subset
from ..inputs import Inputs
from ..plan import spread_indices
from ..train import code_key, make_spec, publish, run_key, train
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
    subset = cfg["train"].get("subset")
    if subset:  # a part of the training photographs, or fewer images (aecopy.datasets.training_subset)
        keep = training_subset(inputs.labels(cfg["dataset"], "train"), params["seed"], **subset)
        images, labels = images[keep], (labels[keep] if labels is not None else None)
    val = inputs.split(cfg["dataset"], "val")
    val_images = val[spread_indices(val.shape[0], params["premise"]["images"])]
    val_labels = inputs.labels(cfg["dataset"], "val")[spread_indices(val.shape[0], params["premise"]["images"])] \
        if labels is not None else None
    dev = device(params)
    rank = 0
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # launched by torchrun: one process per GPU
        torch.distributed.init_process_group("nccl" if dev.type == "cuda" else "gloo")
        rank = torch.distributed.get_rank()
        if dev.type == "cuda":
            dev = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
            torch.cuda.set_device(dev)
    log(f"training {args.variant} (model {cfg['model']}) seed {args.seed} on {images.shape[0]} images, device {dev}")
    saved = train(spec, images, work_dir, labels=labels, device=dev, log=log, progress=rank == 0,
                  val_images=val_images, val_labels=val_labels)
    if torch.distributed.is_initialized():
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    if rank != 0:
        return

    publish(saved, work_dir, Path(args.out_dir), cfg["train"]["epochs"])
    log(f"wrote {len(saved)} checkpoint(s) and loss curves to {args.out_dir}")


if __name__ == "__main__":
    main()

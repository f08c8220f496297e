"""GPU readiness check (aecopy.benchmarks.gpu): the paper-scale `unet` of params.yaml on 64² images, one GPU.

Run on a GPU machine (a few minutes; never part of the pipeline or the tests):
    python -m aecopy.cli.bench_gpu --out bench_gpu.json
CPU smoke run: --device cpu --base 4 --levels 1 --batch 2 --steps 1 --rounds 1 --peak-n 64 --no-compile
"""
from __future__ import annotations

import argparse

import torch

from .. import config
from ..benchmarks.gpu import run
from ..io import write_json


def paper_unet(path: str = "params.yaml") -> dict:
    """The `unet` variant of the paper scale (model, image size, kwargs, batch size, epochs, lr)."""
    return config.resolve({**config.load_raw(path), "scale": "paper"})["variants"]["unet"]


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda")
    p.add_argument("--base", type=int, help="override the U-Net's base width (smoke runs)")
    p.add_argument("--levels", type=int, help="override the U-Net's levels (smoke runs)")
    p.add_argument("--batch", type=int, help="override the batch size (paper: the variant's)")
    p.add_argument("--steps", type=int, default=30, help="steps per configuration and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--peak-n", type=int, default=8192, help="matmul size of the peak measurement")
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile configuration")
    args = p.parse_args(argv)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("error: no CUDA device here: this check measures a GPU (for a CPU smoke run add --device cpu "
                         "and tiny sizes; its numbers say nothing about a GPU)")
    cfg = paper_unet()
    kwargs = {**cfg["kwargs"], **{k: v for k, v in (("base", args.base), ("levels", args.levels)) if v is not None}}
    cfg = {**cfg, "kwargs": kwargs, "train": {**cfg["train"], "batch_size": args.batch or cfg["train"]["batch_size"]}}
    write_json(args.out, run(cfg, torch.device(args.device), args.steps, args.rounds, not args.no_compile, args.peak_n))


if __name__ == "__main__":
    main()

"""GPU throughput of the paper-scale `unet` on LSUN-sized 64² random data (a prepared device check).

fp32 eager vs bf16 autocast + channels_last (+ torch.compile when it works); achieved FLOP/s against a
bf16 matmul measured in the same run; the projected time of one epoch over 126,227 images.
Run: python -m aecopy.cli.bench_gpu --out bench_gpu.json  (add --device cpu --base 4 --batch 4 --steps 2 --no-compile for a smoke run).
"""
from __future__ import annotations

import argparse

import torch

from ..benchmarks.gpu import run
from ..io import write_json


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--device", default="cuda")
    p.add_argument("--base", type=int, default=64)
    p.add_argument("--batch", type=int, default=16, help="the author's batch for LSUN churches")
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile configuration")
    args = p.parse_args(argv)
    write_json(args.out, run(torch.device(args.device), args.base, args.batch, args.steps, not args.no_compile))


if __name__ == "__main__":
    main()

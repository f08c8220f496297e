"""Rule `invert_*`: input representations of one model (trained or untrained, one seed) on every
evaluation set (experiments.invert), written to one file."""
from __future__ import annotations

import torch

from ..experiments.invert import run
from ..inputs import Inputs
from ..io import save_torch
from ..plan import VIT_B_32
from .common import device, guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--variant", required=True, help=f"a params variant, or {VIT_B_32}")
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--state", choices=("trained", "untrained"), required=True)
    p.add_argument("--bn", choices=("train", "eval"), default="train",
                   help="BatchNorm mode (train: per-image statistics)")
    p.add_argument("--kind", choices=("clean", "noisy"), default="clean",
                   help="invert x, or x̂ = α·x + (1−α)·n with E4's α")
    p.add_argument("--weights", default=None, help=f"state dict of {VIT_B_32} (its trained state)")
    p.add_argument("--inputs", required=True, help="JSON description of the input files (aecopy.plan)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    params = setup(args, torch_threads=False)
    torch.set_num_threads(params["experiments"]["inversion"]["threads"])  # the rule's threads
    torch.use_deterministic_algorithms(True, warn_only=True)
    result = run(params, Inputs.from_json(args.inputs, params), args.variant, args.seed, args.state, args.bn,
                 args.kind, args.weights, device(params))
    save_torch(args.out, result)


if __name__ == "__main__":
    main()

"""`snakemake bench`: seconds to invert the same images as one batch and one at a time, in one run."""
from __future__ import annotations

import time

import torch

from .. import datasets, plan
from ..experiments.invert import SETTINGS, settings_for
from ..inputs import Inputs
from ..io import write_json
from ..procedures.inversion import invert_layer, start_like
from ..train import to_input
from .common import device, guarded, log, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--inputs", required=True, help="JSON description of the input files (aecopy.plan)")
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    params = setup(args)
    inputs = Inputs.from_json(args.inputs, params)
    bench = params["experiments"]["inversion"]["bench"]
    variant = params["experiments"]["e2"]["variant"]
    cfg = params["variants"][variant]
    dev = device(params)
    seed = plan.bench_inversion_seed(params)
    model, _ = inputs.model(variant, seed, device=dev)
    val = inputs.split(cfg["dataset"], "val")
    x = to_input(val[datasets.spread_indices(val.shape[0], bench["images"])], cfg["image_size"], dev)
    kw = {k: settings_for(params["experiments"]["inversion"], variant)[k] for k in SETTINGS}
    kw["steps"] = bench["steps"]
    start = start_like(x, torch.Generator().manual_seed(params["seed"]))

    def timed(fn):
        t0 = time.perf_counter()
        fn()
        if dev.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - t0

    gen = lambda: torch.Generator().manual_seed(params["seed"])  # noqa: E731
    invert_layer(model, x[:2], generator=gen(), start=start[:2], **{**kw, "steps": 2})  # warm-up
    batched = timed(lambda: invert_layer(model, x, generator=gen(), start=start, **kw))
    single = timed(lambda: [invert_layer(model, x[i:i + 1], generator=gen(), start=start[i:i + 1], **kw)
                            for i in range(x.shape[0])])
    result = {"variant": variant, "images": int(x.shape[0]), "steps": bench["steps"], "image_size": cfg["image_size"],
              "device": dev.type, "threads": params["threads"], "seconds_batched": batched,
              "seconds_one_at_a_time": single, "speedup": single / batched}
    log(f"inversion of {x.shape[0]} images, {bench['steps']} steps: batched {batched:.1f} s, "
        f"one at a time {single:.1f} s, speed-up {single / batched:.1f}×")
    write_json(args.out, result)


if __name__ == "__main__":
    main()

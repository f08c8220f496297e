"""Rule `bench_adam`: fused against default Adam on a variant's first training steps, beside the spread
between seeds (aecopy.benchmarks.adam)."""
from __future__ import annotations

from .. import datasets
from ..bench import write_measured
from ..benchmarks.adam import compare
from ..config import variant_seeds
from .common import guarded, log, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--out", required=True)
    p.add_argument("--variant", required=True)
    p.add_argument("--steps", type=int, default=60)
    p.add_argument("--val-images", type=int, default=256)
    args = p.parse_args(argv)
    params = setup(args)
    cfg = params["variants"][args.variant]
    images = datasets.load_split(cfg["dataset"], "train")
    val = datasets.load_split(cfg["dataset"], "val")
    val = val[datasets.spread_indices(val.shape[0], args.val_images)]
    result = write_measured(args.out, lambda: compare(cfg, images, val, variant_seeds(params, args.variant), args.steps),
                            variant=args.variant, threads=params["threads"])
    r, spread = result["runs"], result["seed_spread"]
    log(f"{args.variant}, step {args.steps}: fused vs default loss {r['fused']['loss_last_rel_diff']:+.2%}, "
        f"validation MSE {r['fused']['val_mse_rel_diff']:+.2%}, "
        f"parameters {r['fused']['param_rel_distance']:.1e} apart "
        f"(one ulp: {r['default_one_ulp']['param_rel_distance']:.1e}); seeds spread: validation MSE "
        f"{spread['val_mse_rel_range']:.1%}, loss {spread['loss_tail_rel_range']:.1%}")


if __name__ == "__main__":
    main()

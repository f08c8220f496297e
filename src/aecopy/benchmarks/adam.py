"""`snakemake bench` (cli.bench_adam): is fused Adam's training trajectory the default one's?

A minimal reproduction on a variant's real first steps (its init, data order, batch size, learning-rate
schedule, params' threads): the same run with torch.optim.Adam's default (for-loop), foreach and fused
implementations; the default from first-layer weights one float32 step (ulp) above the seed's; the default
with the other training seeds; and the default with the first seed's init but another seed's data order
(what comparing the losses of different batches shows). After `steps` steps each run is compared with
the default run of the first seed: the loss of the last steps, the MSE on fixed validation images and
the relative distance of the parameters. The implementations differ only in rounding, so fused must sit
with the one-ulp run, far inside the spread between seeds; a larger gap would be a misuse or a defect.
"""
from __future__ import annotations

import statistics

import torch
import torch.nn.functional as F

from ..models import build_model
from ..train import learning_rate, run_epoch, to_input
from .loop import ADAM, CPU, job_steps


def trajectory(cfg: dict, images: torch.Tensor, val: torch.Tensor, seed: int, adam: str, steps: int,
               total_steps: int, perturb: bool = False, order_seed: int | None = None) -> dict:
    """`steps` steps of the variant's training job with seed `seed` (train.py's init, epoch-1 order and
    schedule; `order_seed`: the data order of another seed). `perturb`: the first layer's weights one ulp up.
    Returns the step losses, the validation MSE (train-mode BatchNorm, one batch) and the flat parameters."""
    t = cfg["train"]
    torch.manual_seed(seed)
    model = build_model(cfg["model"], cfg["image_size"], **cfg["kwargs"]).train()
    channels_last = t.get("channels_last", False)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    params = [p for p in model.parameters() if p.requires_grad]
    if perturb:  # every weight of the first layer one ulp up: a change at rounding level (one weight alone
        with torch.no_grad():  # can vanish in the rounding of the sums it enters)
            params[0].copy_(torch.nextafter(params[0], torch.full_like(params[0], float("inf"))))
    optimizer = torch.optim.Adam(params, lr=t["lr"], **ADAM[adam])
    order_seed = seed if order_seed is None else order_seed
    order = torch.randperm(images.shape[0], generator=torch.Generator().manual_seed(order_seed * 1_000_003 + 1))
    order = order.repeat(-(-steps * t["batch_size"] // images.shape[0]))
    schedule = t.get("schedule", "constant")
    losses = run_epoch(model, optimizer, images, None, order, steps, t["batch_size"], cfg["image_size"], CPU,
                       channels_last=channels_last, lr_at=lambda i: learning_rate(i, total_steps, t["lr"], schedule))
    with torch.no_grad():
        x = to_input(val, cfg["image_size"], CPU, channels_last)
        val_mse = float(F.mse_loss(model(x), x))
    return {"loss": losses, "val_mse": val_mse, "params": torch.cat([p.detach().flatten() for p in params])}


def compare(cfg: dict, images: torch.Tensor, val: torch.Tensor, seeds: list[int], steps: int,
            total_steps: int | None = None, tail: int = 10) -> dict:
    """Every run against the default run of seeds[0] at step `steps`, and the spread between seeds."""
    total = total_steps or job_steps(cfg, images.shape[0])
    first = seeds[0]
    runs = {"default": (first, "default", False, None), "foreach": (first, "foreach", False, None),
            "fused": (first, "fused", False, None), "default_one_ulp": (first, "default", True, None),
            "default_other_order": (first, "default", False, first + 1),
            **{f"default_seed{s}": (s, "default", False, None) for s in seeds[1:]}}
    out = {name: trajectory(cfg, images, val, s, adam, steps, total, perturb, order)
           for name, (s, adam, perturb, order) in runs.items()}
    ref = out["default"]

    def tail_loss(r):
        return statistics.mean(r["loss"][-tail:])

    rows = {}
    for name, r in out.items():
        rows[name] = {
            "loss_last": r["loss"][-1], "loss_tail_mean": tail_loss(r), "val_mse": r["val_mse"],
            "loss_last_rel_diff": r["loss"][-1] / ref["loss"][-1] - 1,
            "val_mse_rel_diff": r["val_mse"] / ref["val_mse"] - 1,
            "param_rel_distance": float((r["params"] - ref["params"]).norm() / ref["params"].norm()),
        }
    seed_runs = [out["default"]] + [out[f"default_seed{s}"] for s in seeds[1:]]
    val_seed = [r["val_mse"] for r in seed_runs]
    tail_seed = [tail_loss(r) for r in seed_runs]
    spread = {"val_mse_rel_range": (max(val_seed) - min(val_seed)) / statistics.median(val_seed),
              "loss_tail_rel_range": (max(tail_seed) - min(tail_seed)) / statistics.median(tail_seed)}
    fused = rows["fused"]
    within = (abs(fused["val_mse_rel_diff"]) < spread["val_mse_rel_range"]
              and abs(tail_loss(out["fused"]) / tail_loss(ref) - 1) < spread["loss_tail_rel_range"])
    return {"steps": steps, "total_steps": total, "seeds": list(seeds), "runs": rows, "seed_spread": spread,
            "fused_within_seed_spread": within,
            "fused_like_one_ulp": fused["param_rel_distance"] <= 10 * rows["default_one_ulp"]["param_rel_distance"]}

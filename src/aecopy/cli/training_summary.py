"""Rule `training_summary`: loss curves of every trained variant and a table of the models (report section)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..config import variant_seeds
from ..inputs import Inputs, untrained_model
from ..io import write_json
from ..report import figures
from .common import guarded, parser, setup


@guarded
def main(argv=None) -> None:
    p = parser(__doc__)
    p.add_argument("--inputs", required=True, help="JSON description of the input files (aecopy.plan)")
    p.add_argument("--out-dir", required=True)
    args = p.parse_args(argv)
    params = setup(args)
    losses = Inputs.from_json(args.inputs, params).loss_steps()
    out = Path(args.out_dir)
    rows, panels = [], {}
    for v in params["variants"]:
        cfg = params["variants"][v]
        model = untrained_model(cfg, 0)
        series = {}
        for seed in variant_seeds(params, v):
            steps = losses[(v, seed)]
            series[f"seed {seed}"] = (steps["step"].to_numpy(), steps["loss"].to_numpy())
        panels[v] = series
        last = [s[1][-1] for s in series.values()]
        rows.append({
            "variant": v, "model": cfg["model"], "image_size": cfg["image_size"],
            "parameters": sum(t.numel() for t in model.parameters()),
            "smallest_layer_ratio": round(float(model.smallest_layer_ratio(cfg["image_size"])), 4)
            if getattr(model, "task", "autoencode") == "autoencode" else None,
            "overcomplete": bool(getattr(model, "overcomplete", False)),
            "epochs": cfg["train"]["epochs"], "batch_size": cfg["train"]["batch_size"], "lr": cfg["train"]["lr"],
            "seeds": variant_seeds(params, v), "final_step_loss": float(np.mean(last)),
        })
    figures.panels(panels, out / "loss_curves.png", "step", "training loss", logy=True)
    write_json(out / "section.json", {
        "id": "training", "title": "Training",
        "text": "Every variant trained by the pipeline: its size, the ratio of its smallest layer to the input "
                "(≥ 1 = overcomplete, the premise of the post; unet_hidden is restrictive on purpose), and its "
                "loss per step (one line per seed).",
        "table": rows,
        "figures": [{"path": "training/loss_curves.png", "caption": "Training loss per optimizer step, log scale; "
                     "one panel per variant. Look for curves that have flattened: a still-falling curve means the "
                     "variant is under-trained at this scale."}],
    })


if __name__ == "__main__":
    main()

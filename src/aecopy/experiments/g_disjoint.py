"""G-disjoint (beyond the post; after Kadkhodaie, Guth, Simoncelli & Mallat, ICLR 2024): two U-Nets trained
on disjoint halves of the training photographs generate from the same noise by E7's procedure, and their
samples are compared with each other and each with its model's nearest training image (mean-removed
cosine similarity, `procedures.similarity`). Models that generalise give nearly the same sample from the
same noise, unlike any training image; models that memorise give copies of their own training images,
which differ between the two halves.

`measure_pair` is shared with G-size (the same measurement at several training-set sizes).
"""
from __future__ import annotations

import functools

import numpy as np
import torch

from .. import datasets, premise
from ..claims import make_claim
from ..cli.common import device, log
from ..config import variant_seeds
from ..distribution import contrast_ci, statistic_ci
from ..procedures.generate import generate_batched
from ..procedures.similarity import cosine, nearest_cosine
from ..report import figures
from ..train import to_input, validate

EXPERIMENT = "Beyond the post"  # the report section of the claims beyond the post
N_SHOW = 8


def training_images(params, inputs, variant: str) -> torch.Tensor:
    """uint8 (N, 3, S, S): the images `variant` trained on, its data set's training split cut as training
    cut it (`train.subset`, datasets.training_subset with params' seed)."""
    cfg = params["variants"][variant]
    images = inputs.split(cfg["dataset"], "train")
    subset = cfg["train"].get("subset")
    if subset:
        images = images[datasets.training_subset(inputs.labels(cfg["dataset"], "train"), params["seed"], **subset)]
    return images


def training_copy(params, model, train: torch.Tensor, variant: str, seed: int, dev) -> dict:
    """How well a model copies its own training images (`premise.images` of them, spread over the set), measured
    as training measures validation (`train.validate`: random batches at the training batch size, BatchNorm in
    train mode, running statistics restored)."""
    cfg = params["variants"][variant]
    picked = train[datasets.spread_indices(train.shape[0], params["premise"]["images"])]
    return validate(model, picked, None, cfg["train"]["batch_size"], cfg["image_size"], dev, seed,
                    cfg["train"].get("channels_last", False))


def common_seeds(params, pair) -> list[int]:
    """The training seeds both models of a pair have; seed s of one is compared with seed s of the other."""
    a, b = (variant_seeds(params, v) for v in pair)
    return [s for s in a if s in b]


def _model(inputs, variant: str, seed: int, cfg, dev):
    model, ckpt = inputs.model(variant, seed, device=dev)
    model.train()  # BatchNorm in train mode during generation, as in E7 and the post
    if cfg["train"].get("channels_last"):
        model = model.to(memory_format=torch.channels_last)
    return model, ckpt


def measure_pair(params, inputs, pair, n_samples: int, steps: int, dev, guard_training: bool = False) -> dict:
    """Samples of the two models of `pair` (seed s with seed s) from the same noise, and their similarities.

    Per seed, arrays over the n_samples samples: "m" cos(sample A, sample B), "n_a"/"n_b" cos(sample, the
    model's nearest own training image), "n" their mean, "d" = m − n (> 0: closer to each other than to their
    training images); over as many validation images, "val" the mean over A and B of cos(validation image, the
    model's nearest training image): what a new photograph scores, the level a copy would exceed.
    Also "quality" {label: validation copy quality (the premise)}, "train_quality" {label: copy quality on the
    model's own training images} when `guard_training`, "n_train" (A's and B's training-set sizes),
    "steps_trained" {label: optimizer steps}, and "shown": the first seed's samples and nearest images."""
    seed0 = params["seed"]
    cfgs = [params["variants"][v] for v in pair]
    size, bs = cfgs[0]["image_size"], cfgs[0]["train"]["batch_size"]
    to_image = functools.partial(to_input, image_size=size, device="cpu")  # uint8 chunk → [0, 1] floats
    trains = [training_images(params, inputs, v) for v in pair]
    val = inputs.split(cfgs[0]["dataset"], "val")
    probe = to_image(val[datasets.spread_indices(val.shape[0], n_samples)])
    val_sim = sum(nearest_cosine(probe, t, transform=to_image)[0].numpy() for t in trains) / 2
    out = {k: [] for k in ("m", "n_a", "n_b", "n", "d", "val")}
    out.update(quality={}, train_quality={}, steps_trained={}, n_train=[int(t.shape[0]) for t in trains], shown=None)
    seeds = common_seeds(params, pair)
    for seed in seeds:
        samples, nearest = [], []
        for v, cfg, train in zip(pair, cfgs, trains):
            model, ckpt = _model(inputs, v, seed, cfg, dev)
            label = f"{v} seed {seed}"
            out["quality"][label] = inputs.premise(v, seed)
            if guard_training:
                out["train_quality"][label] = training_copy(params, model, train, v, seed, dev)
            seen = ckpt.get("images_seen")
            out["steps_trained"][label] = None if seen is None else int(seen) // cfg["train"]["batch_size"]
            gen = torch.Generator().manual_seed(seed0 + seed)  # the same noise for both models of the pair
            s, _ = generate_batched(model, n_samples, bs, (3, size, size), steps, gen, device=dev,
                                    channels_last=cfg["train"].get("channels_last", False))
            samples.append(s.clamp(0, 1))
            nearest.append(nearest_cosine(samples[-1], train, transform=to_image))
        m = cosine(*samples).numpy()
        n_a, n_b = nearest[0][0].numpy(), nearest[1][0].numpy()
        n = (n_a + n_b) / 2
        for k, v in (("m", m), ("n_a", n_a), ("n_b", n_b), ("n", n), ("d", m - n), ("val", val_sim)):
            out[k].append(v)
        if out["shown"] is None:
            out["shown"] = {"a": samples[0][:N_SHOW], "b": samples[1][:N_SHOW],
                            "near_a": to_image(trains[0][nearest[0][1][:N_SHOW]]),
                            "near_b": to_image(trains[1][nearest[1][1][:N_SHOW]])}
        log(f"{pair[0]} / {pair[1]} seed {seed} (N = {out['n_train']}): model-to-model {np.mean(m):.3f}, "
            f"sample-to-nearest-training {np.mean(n_a):.3f} / {np.mean(n_b):.3f}")
    out["seeds"] = seeds
    return out


def summary(res: dict, seed: int) -> dict:
    """Mean of each similarity over samples and seeds, with its interval (`distribution.statistic_ci`), and
    "novelty": mean val − mean n, > 0 when the samples are farther from their training images than new
    photographs are (no copies)."""
    out = {k: statistic_ci(res[k], seed=seed) for k in ("m", "n_a", "n_b", "n", "d", "val")}
    out["novelty"] = contrast_ci(res["val"], res["n"], op="diff", paired_seeds=True, seed=seed)
    return out


def similarity_histogram(res: dict, pair) -> dict[str, np.ndarray]:
    return {"model-to-model": np.concatenate(res["m"]),
            f"{pair[0]} sample to its nearest training image": np.concatenate(res["n_a"]),
            f"{pair[1]} sample to its nearest training image": np.concatenate(res["n_b"]),
            "validation image to its nearest training image": np.concatenate(res["val"])}


def run(params, inputs):
    """Claim G-disjoint."""
    exp = params["experiments"]["g_disjoint"]
    pair = exp["pair"]
    seed0 = params["seed"]
    steps = params["experiments"]["e7"]["judge_steps"]
    figs = figures.Figures()
    res = measure_pair(params, inputs, pair, exp["n_samples"], steps, device(params))
    stats = summary(res, seed0)

    shown = res["shown"]
    figs.add("samples.png", figures.image_rows,
             {f"{pair[0]}": shown["a"], f"{pair[1]}": shown["b"], f"{pair[0]}'s nearest": shown["near_a"],
              f"{pair[1]}'s nearest": shown["near_b"]},
             title=f"same noise, {steps} steps: two models on disjoint photographs, each one's nearest training image")
    figs.add("similarity.png", figures.histogram, similarity_histogram(res, pair), "mean-removed cosine similarity",
             title="model-to-model and sample-to-nearest-training similarity")
    ds = params["variants"][pair[0]]["dataset"]
    claim = make_claim(
        "G-disjoint", "Two copy-trained U-Nets on disjoint halves of the training photographs generate nearly the "
        "same image from the same noise: their samples are closer to each other than to their nearest training "
        "images (Kadkhodaie et al.'s sign of generalisation)",
        f"mean over samples of cos(sample A, sample B) − mean of cos(sample, its model's nearest training image) "
        f"(mean-removed cosine, E7's generation, {steps} steps)", stats["d"], params["claims"]["G-disjoint"],
        scale=params["scale"], data=f"{ds}: {res['n_train'][0]} and {res['n_train'][1]} training patches of disjoint "
        f"photographs; {exp['n_samples']} samples per model and seed", experiment=EXPERIMENT, seeds=res["seeds"],
        figures=[{"path": "g_disjoint/samples.png", "caption": "From the same noise, the samples of the two models "
                  "(rows 1–2) and each sample's nearest training image of its own model (rows 3–4). Generalisation: "
                  "rows 1 and 2 nearly equal and unlike rows 3–4; memorisation: row 1 copies row 3 and row 2 row 4."},
                 {"path": "g_disjoint/similarity.png", "caption": "Per sample: the two models' samples compared with each "
                  "other (model-to-model) and each with its nearest training image, beside validation images compared "
                  "with theirs (what a new photograph scores). Generalisation puts model-to-model to the right of the "
                  "sample-to-training curves."}],
        details={"model_to_model": stats["m"], "nearest_training_a": stats["n_a"], "nearest_training_b": stats["n_b"],
                 "validation_nearest_training": stats["val"], "novelty": stats["novelty"],
                 "steps_trained": res["steps_trained"],
                 "pair": list(pair)})
    premise.guard(claim, res["quality"], params["premise"])
    metrics = {"similarity": stats, "n_train": res["n_train"], "steps_trained": res["steps_trained"]}
    return [claim], metrics, figs

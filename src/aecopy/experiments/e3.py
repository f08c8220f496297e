"""E3: the denoising test (SPEC E3) with classical baselines, BatchNorm and batch size 1 (E8), and the
attention models (E9 denoising).

Every model sees the same corrupted inputs (one draw per data set and resolution) with BatchNorm in train
mode, in random batches at its own training batch size, as training drew them; batches of consecutive
patches ("photo") and single images ("single") are measured beside, and each claim records how its
verdict depends on them. Every MSE claim is a ratio of mean errors over images and seeds. Each trained
model a claim is about must copy clean images to the premise bar (`premise.guard`), and models contrasted
in one claim must have seen as many training images (the reference's checkpoint at the matched budget
when one is saved); otherwise the claim is inconclusive.
"""
from __future__ import annotations

import numpy as np
import torch

from .. import baselines, datasets, premise
from ..claim_ids import ATTENTION_MODELS_WITH_DENOISING_CLAIMS, experiment_claim_ids
from ..claims import add_sensitivity, make_claim, mark_confounded
from ..cli.common import device, log
from ..config import variant_seeds
from ..distribution import contrast_ci, interval, statistic_ci
from ..inputs import claim_suffix, set_label
from ..metrics import INTERVAL_METHOD, widen
from ..plan import e3_variants, last_epoch
from ..procedures import denoise
from ..procedures.batches import COMPOSITIONS
from ..report import figures
from ..train import to_input

PAPER_FIGURE = {"E3": "denoising autoencoder; unet autoencoder",
                "E8": "no batchnorm autoencoder; modified batchnorm autoencoder",
                "E9": "attention autoencoder"}
# E9's denoising claims, by registry model: the claim, and whether it is measured against the reference
# U-Net at the attention models' resolution ("contrast") or on the model alone ("alone").
ATTENTION_CLAIMS = {
    "attn_unet": ("The linear-attention U-Net denoises poorly", "contrast"),
    "linear_attn": ("One linear attention block (with input and output convolutions) copies its input, "
                    "so it denoises poorly", "contrast"),
    "attn_only": ("Dot-product attention alone does not denoise", "alone"),
}
assert set(ATTENTION_CLAIMS) == set(ATTENTION_MODELS_WITH_DENOISING_CLAIMS)
N_SHOW = 8
STATS_IMAGES = 4096  # training images, spread over the split, that give the data's channel mean and sd
RANDOM = COMPOSITIONS[0]


# ---- statistics ------------------------------------------------------------------------------------

def ratio_of_means(num, den, seed: int, paired_seeds: bool = True) -> dict:
    """mean(num) / mean(den) over images and seeds, with a 95% interval: num and den are per-seed arrays of
    per-image values on the same images (`distribution.contrast_ci` resamples seeds, then images, alike on
    both sides). paired_seeds: the same training runs on both sides (a model's error against its input's)."""
    out = contrast_ci(num, den, op="ratio", paired_images=True, paired_seeds=paired_seeds, seed=seed)
    return {**out, "n": int(sum(np.size(a) for a in num))}  # values of the numerator (images × seeds)


def ratio_of_ratios(a: tuple, b: tuple, seed: int, n_boot: int = 2000, level: float = 0.95) -> dict:
    """(mean a_num / mean a_den) / (mean b_num / mean b_den) for two models measured on different images
    (another data set or resolution); a, b = (per-seed arrays of numerators, of denominators). Each side
    resamples its seeds, then its images (numerator and denominator alike), independently of the other; the
    interval is widened by the t interval over per-seed ratios when both sides have as many seeds."""
    rng = np.random.default_rng(seed)
    point, boots, per_seed, n = [], [], [], 0
    for num, den in (a, b):
        vn, vd = np.stack(num).astype(np.float64), np.stack(den).astype(np.float64)  # (S, N)
        s, k = vn.shape
        si, ii = rng.integers(s, size=(n_boot, s, 1)), rng.integers(k, size=(n_boot, s, k))
        boots.append(vn[si, ii].mean((1, 2)) / vd[si, ii].mean((1, 2)))
        point.append(vn.mean() / vd.mean())
        per_seed.append(vn.mean(1) / vd.mean(1))
        n += vn.size
    out = {**interval(point[0] / point[1], boots[0] / boots[1], level), "n": n}
    if len(per_seed[0]) == len(per_seed[1]):
        return widen(out, per_seed[0] / per_seed[1], level, log=True)
    return {**out, "n_seeds": min(len(p) for p in per_seed), "interval": INTERVAL_METHOD}


def abs_log(stats: dict) -> dict:
    """|log r| of a ratio r, its interval the image of r's interval under |log| (0 when it holds 1). A rule
    "< log m" on it is a two-sided equivalence: reproduced when r's whole interval lies within (1/m, m),
    not reproduced when it lies wholly outside. The ratio itself is kept under "ratio"."""
    lo, hi = float(np.log(stats["ci_low"])), float(np.log(stats["ci_high"]))
    return {**stats, "value": abs(float(np.log(stats["value"]))),
            "ci_low": 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi)), "ci_high": max(abs(lo), abs(hi)),
            "ratio": {k: stats[k] for k in ("value", "ci_low", "ci_high")}}


def _finite_mean(a: np.ndarray) -> float | None:
    """Mean for metrics.json; None where undefined."""
    m = float(np.mean(a))
    return m if np.isfinite(m) else None


# ---- training budgets ------------------------------------------------------------------------------

def images_seen(inputs, cache: dict, variant: str, seed: int, epoch: int) -> int | None:
    """Training images a checkpoint has seen (`images_seen`, written by training); None if unrecorded."""
    key = (variant, seed, epoch)
    if key not in cache:
        _, ckpt = inputs.model(variant, seed, epoch)
        cache[key] = ckpt.get("images_seen")
    return cache[key]


def matched_reference(params, inputs, cache: dict, variant: str, reference: str, tolerance: float) -> dict:
    """The reference's latest saved epoch whose checkpoints (every seed) saw as many training images as the
    variant's last ones, within `tolerance` (relative): {"epoch", "equal": True, "budgets"}. Without one
    (or with an unrecorded budget), the reference's last epoch and "equal": False."""
    last = last_epoch(params, variant)
    target = [images_seen(inputs, cache, variant, s, last) for s in variant_seeds(params, variant)]
    tried = {}
    for epoch in sorted(params["variants"][reference]["train"]["save_epochs"], reverse=True):
        have = [images_seen(inputs, cache, reference, s, epoch) for s in variant_seeds(params, reference)]
        tried[epoch] = have
        if None not in target + have and all(abs(a - b) <= tolerance * max(a, b) for a in target for b in have):
            return {"epoch": epoch, "equal": True, "budgets": {variant: target, f"{reference} epoch {epoch}": have}}
    budgets = {variant: target, **{f"{reference} epoch {e}": h for e, h in tried.items()}}
    return {"epoch": last_epoch(params, reference), "equal": False, "budgets": budgets}


# ---- evaluation ------------------------------------------------------------------------------------

def role_of(name: str) -> str:
    """"val" for a data set's validation split, "eval:<name>" for an extra evaluation folder."""
    return name if name.startswith("eval:") else "val"


def evaluation_sets(params, exp, inputs, dataset: str, image_size: int) -> dict[str, dict]:
    """{role: {"label", "name", "x", "inputs", "input_metrics", "blur"}}: clean images (N, 3, S, S) in [0, 1]
    and their corrupted copies for every condition, drawn from one generator per role (the same for every
    model at this resolution)."""
    k, s = denoise.blur_settings(image_size, **exp["blur"])
    out = {}
    for name, imgs in inputs.evaluation_sets(dataset, exp["max_images"]).items():
        x = to_input(imgs, image_size, "cpu")
        corrupted = denoise.corrupted_inputs(x, exp["alphas"], k, s, torch.Generator().manual_seed(params["seed"]))
        out[role_of(name)] = {"label": set_label(name, dataset), "name": name, "x": x, "inputs": corrupted,
                              "input_metrics": {c: denoise.input_metrics(x, xh) for c, xh in corrupted.items()},
                              "blur": {"kernel": k, "sigma": s}}
    return out


def evaluate(params, inputs, variant: str, epoch: int, sets: dict, dev, ssim_conditions=()) -> dict:
    """One model (every training seed, at `epoch`) on every set, condition and batch composition.

    Returns {"per_image": {role: {composition: {condition: {metric: [per-seed arrays]}}}},
    "examples": {role: {condition: first outputs of the first seed}}, "premise": {label: copy quality}}."""
    bs = params["variants"][variant]["train"]["batch_size"]
    threads = torch.get_num_threads()
    res: dict = {"per_image": {}, "examples": {}, "premise": {}}
    for seed in variant_seeds(params, variant):
        model, ckpt = inputs.model(variant, seed, epoch, device=dev)
        model.train()  # BatchNorm in train mode, as in the post
        label = f"{variant} seed {seed}" + ("" if epoch == last_epoch(params, variant) else f" epoch {epoch}")
        res["premise"][label] = inputs.premise(variant, seed, epoch)
        log(f"{label}: epoch {ckpt['epoch']}, {ckpt.get('images_seen')} training images, batch {bs}")
        for role, st in sets.items():
            done: dict = {}
            for comp in COMPOSITIONS:
                if bs == 1 and done:  # every composition of batch size 1 is the same single images
                    metrics = next(iter(done.values()))
                else:
                    if hasattr(model, "set_noise_generator"):  # the attention U-Net's noisy residuals
                        model.set_noise_generator(torch.Generator(device=dev).manual_seed(params["seed"] + seed))
                    # single images are too small to share between threads; one thread is several times faster
                    torch.set_num_threads(1 if bs == 1 or comp == "single" else threads)
                    # the claims are judged in random batches; the other compositions only need their numerators
                    metrics, outputs = denoise.sweep(model, st["x"], st["inputs"], bs, comp, params["seed"] + 1, dev,
                                                     comp == RANDOM, ssim_conditions if comp == RANDOM else ())
                    torch.set_num_threads(threads)
                    if comp == RANDOM:
                        res["examples"].setdefault(role, {c: o[:N_SHOW] for c, o in outputs.items()})
                done[comp] = metrics
                for cond, m in metrics.items():
                    for key, v in m.items():
                        (res["per_image"].setdefault(role, {}).setdefault(comp, {}).setdefault(cond, {})
                         .setdefault(key, []).append(v))
    return res


def run_baselines(params, exp, inputs, dataset: str, image_size: int, batch_size: int, sets: dict
                  ) -> tuple[dict, dict]:
    """Classical denoisers on the first images of every set: ({role: {name: {condition: per-image metrics}},
    "_index"}, {"chosen", "data_stats", "names"}). x̂ is renormalised in random batches of `batch_size` (the
    reference's training batch size); strengths are chosen per α on corrupted training images."""
    bcfg = exp["baselines"]
    train = inputs.split(dataset, "train")
    mean, std = baselines.data_channel_stats(
        to_input(train[datasets.spread_indices(train.shape[0], STATS_IMAGES)], image_size, "cpu"))
    sel_x = to_input(train[datasets.spread_indices(train.shape[0], bcfg["train_images"])], image_size, "cpu")
    names = baselines.available(list(bcfg["grids"]))
    missing = sorted(set(bcfg["grids"]) - set(names))
    if missing:
        log(f"warning: baselines {missing} need packages that are not installed; they are left out")

    def renorm(x_hat, offset):
        gen = torch.Generator().manual_seed(params["seed"] + offset)
        return baselines.renormalise(x_hat, mean, std, batch_size, gen)

    chosen: dict = {}
    gen = torch.Generator().manual_seed(params["seed"] + 2)
    for alpha in bcfg["alphas"]:
        inp = renorm(denoise.corrupt(sel_x, alpha, gen), 3)
        for name in names:
            best, scores = baselines.select_parameter(name, bcfg["grids"][name], sel_x, inp)
            chosen.setdefault(name, {})[denoise.condition_name(alpha)] = {"param": best, "train_mse": scores}
            log(f"baseline {name} α={alpha}: strength {best} (training MSE {scores[best]:.4f})")
    res: dict = {}
    for role, st in sets.items():
        idx = datasets.spread_indices(st["x"].shape[0], bcfg["max_images"])
        x = st["x"][idx]
        for alpha in bcfg["alphas"]:
            cond = denoise.condition_name(alpha)
            inp = renorm(st["inputs"][cond][idx], 4)
            for name in ["renorm", *names]:
                param = chosen[name][cond]["param"] if name != "renorm" else None
                out = baselines.run_baseline(name, param, inp)
                res.setdefault(role, {}).setdefault(name, {})[cond] = denoise.output_metrics(x, out, with_ssim=True)
        res[role]["_index"] = idx
    return res, {"chosen": chosen, "data_stats": {"mean": mean.tolist(), "std": std.tolist()}, "names": names}


def summarise(per_image: dict, input_metrics: dict, seed: int) -> dict:
    """{condition: {ratio, shift_ratio, hf_ratio, stat_dist, psnr[, ssim]}} of one model in random batches:
    ratios of means over images and seeds (none for the clean input, whose error is the reconstruction's:
    mse_out), means of the rest."""
    out = {}
    for cond, m in per_image.items():
        n = len(m["mse_out"])
        den = input_metrics[cond]
        s = {"mse_out": statistic_ci(m["mse_out"], seed=seed), "stat_dist": statistic_ci(m["stat_dist"], seed=seed),
             "hf_ratio": ratio_of_means(m["hf_out"], [den["hf_clean"]] * n, seed)}
        if den["mse_in"].sum() > 0:
            s["ratio"] = ratio_of_means(m["mse_out"], [den["mse_in"]] * n, seed)
            s["shift_ratio"] = ratio_of_means(m["mse_shift"], [den["mse_in"]] * n, seed)
            s["psnr"] = statistic_ci(m["psnr"], seed=seed)
        if "ssim" in m:
            s["ssim"] = statistic_ci(m["ssim"], seed=seed)
        out[cond] = s
    return out


# ---- claims ----------------------------------------------------------------------------------------

class Measured:
    """Every evaluated (variant, epoch) unit on one evaluation set (role), and the statistics the claims
    take of it; `res` = {unit: `evaluate` result}, `sets` = {variant: its evaluation set of this role}."""

    def __init__(self, res: dict, sets: dict, seeds: dict, role: str, seed: int):
        self.res, self.sets, self.seeds, self.role, self.seed = res, sets, seeds, role, seed

    def per(self, u, comp: str, cond: str, key: str) -> list[np.ndarray]:
        return self.res[u]["per_image"][self.role][comp][cond][key]

    def given(self, u, cond: str, key: str) -> list[np.ndarray]:
        """An input's per-image value, once per seed of the unit."""
        return [self.sets[u[0]]["input_metrics"][cond][key]] * len(self.seeds[u[0]])

    def own_ratio(self, u, cond: str, comp: str) -> dict:
        """Σ MSE(O(x̂), x) / Σ MSE(x̂, x) over images and seeds."""
        return ratio_of_means(self.per(u, comp, cond, "mse_out"), self.given(u, cond, "mse_in"), self.seed)

    def contrast(self, u, r, cond: str, comp: str, key: str = "mse_out") -> dict:
        """u's mean `key` over r's, image by image on the same inputs; on different inputs (another data set
        or resolution) each relative to its own inputs' (MSE) or as it is (other keys)."""
        if self.sets[u[0]] is self.sets[r[0]]:
            return ratio_of_means(self.per(u, comp, cond, key), self.per(r, comp, cond, key), self.seed,
                                  paired_seeds=False)
        own = [(self.per(w, comp, cond, key), self.given(w, cond, "mse_in") if key == "mse_out"
                else [np.ones_like(a) for a in self.per(w, comp, cond, key)]) for w in (u, r)]
        return ratio_of_ratios(*own, self.seed)

    def sample(self, *variants: str) -> dict:
        """The fewest evaluation images and training seeds among the variants."""
        return {"images": min(self.sets[v]["x"].shape[0] for v in variants),
                "seeds": min(len(self.seeds[v]) for v in variants)}

    def copies(self, *units) -> dict:
        """{label: copy quality} of every seed of the units (the premise guard's input)."""
        return {k: q for u in units for k, q in self.res[u]["premise"].items()}


def judged(claim_id: str, text: str, metric: str, stat_of, params, rule_id: str, m: Measured, qualities: dict,
           variants: tuple, budget: dict | None = None, **fields) -> dict:
    """A claim judged in random batches (`stat_of(composition)` → stats), its value and verdict in the other
    compositions beside (`add_sensitivity`), and its guards: the premise over `qualities` ({label: copy
    quality}), the sample size (min_images per training seed, min_seeds of every model) and, for a contrast of
    two models, the training budget (`matched_reference`). `variants`: the claim's models, each evaluated at
    its training batch size."""
    exp = params["experiments"]["e3"]
    rule = params["claims"][rule_id]
    by_comp = {c: stat_of(c) for c in COMPOSITIONS}
    claim = make_claim(claim_id, text, metric, by_comp[RANDOM], rule, **fields)
    sizes = [params["variants"][v]["train"]["batch_size"] for v in variants]
    add_sensitivity(claim, rule, by_comp, sizes[0])
    claim["batches"] = ", ".join(f"{v} in random batches of {b} across photographs" if b > 1 else
                                 f"{v} on single images" for v, b in zip(variants, sizes)) + (
        ", each at its training batch size (BatchNorm in train mode)")
    premise.guard(claim, qualities, params["premise"])
    claim["sample"] = m.sample(*variants)
    mark_confounded(claim, f"fewer than {exp['min_images']} images per training seed or {exp['min_seeds']} seeds",
                    claim["sample"]["images"] < exp["min_images"] or claim["sample"]["seeds"] < exp["min_seeds"],
                    reason="too few images or seeds")
    if budget is not None:
        claim["budgets"] = budget["budgets"]
        mark_confounded(claim, "the models compared saw different numbers of training images (checkpoints' "
                        "images_seen) and no saved epoch of the reference matches", not budget["equal"],
                        reason="unequal budgets")
    return claim


def run(params, inputs):
    """Claims E3-*, E8a-*, E8b and E9-<attention variant> on every evaluation set."""
    exp = params["experiments"]["e3"]
    seed, dev, figs = params["seed"], device(params), figures.Figures()
    ref, att_ref, b1 = exp["reference"], exp["attention_reference"], exp["batch1"]
    bn_v, nobn_v = exp["bn_pair"]
    variants = e3_variants(params)
    ids = set(experiment_claim_ids(params, "e3"))
    last = {v: last_epoch(params, v) for v in variants}
    seeds = {v: variant_seeds(params, v) for v in variants}

    # Contrasts (model, reference): the reference at the model's training budget when one of its epochs matches.
    cache: dict = {}
    pairs = {"E8a-stats": (nobn_v, bn_v), "E8b": (b1, ref)}
    pairs.update({f"E9-{v}": (v, att_ref) for v in exp["attention"] if f"E9-{v}" in ids
                  and ATTENTION_CLAIMS[params["variants"][v]["model"]][1] == "contrast"})
    budget = {c: matched_reference(params, inputs, cache, v, r, exp["budget_tolerance"]) for c, (v, r) in pairs.items()}
    matched = {c: (r, budget[c]["epoch"]) for c, (_, r) in pairs.items()}

    # Every (variant, epoch) once, on the corrupted inputs of its data set and resolution.
    data_key = {v: (params["variants"][v]["dataset"], params["variants"][v]["image_size"]) for v in variants}
    sets_by_key = {k: evaluation_sets(params, exp, inputs, *k) for k in dict.fromkeys(data_key.values())}
    quality = [v for v in dict.fromkeys([ref, bn_v, nobn_v, b1]) if data_key[v] == data_key[ref]]
    ssim_conds = [denoise.condition_name(a) for a in exp["baselines"]["alphas"]]
    units = list(dict.fromkeys([(v, last[v]) for v in variants] + list(matched.values())))
    res = {u: evaluate(params, inputs, *u, sets_by_key[data_key[u[0]]], dev,
                       ssim_conds if u[0] in quality and u[1] == last[u[0]] else ()) for u in units}
    name = {u: u[0] if u[1] == last[u[0]] else f"{u[0]} (epoch {u[1]})" for u in units}
    ref_sets = sets_by_key[data_key[ref]]
    base_res, base_info = run_baselines(params, exp, inputs, *data_key[ref],
                                        params["variants"][ref]["train"]["batch_size"], ref_sets)

    metrics: dict = {"baselines": {"chosen": base_info["chosen"], "data_stats": base_info["data_stats"]},
                     "blur": {f"{k[1]} px": next(iter(s.values()))["blur"] for k, s in sets_by_key.items() if s},
                     "budgets": budget}
    claims = []
    for role, st in ref_sets.items():
        m = Measured(res, {v: sets_by_key[data_key[v]][role] for v in variants}, seeds, role, seed)
        here = [u for u in units if role in res[u]["per_image"]]
        summ = {name[u]: summarise(res[u]["per_image"][role][RANDOM], m.sets[u[0]]["input_metrics"], seed)
                for u in here}
        metrics[role] = {"variants": summ, "premise": m.copies(*here),
                         "inputs": {c: {k: _finite_mean(a) for k, a in v.items()}
                                    for c, v in st["input_metrics"].items()}}
        ftag = f"-{st['name'].split(':', 1)[1]}" if role != "val" else ""
        cx = dict(params=params, exp=exp, m=m, st=st, ids=ids, name=name, summ=summ, last=last, budget=budget,
                  matched=matched, tag=claim_suffix(st["name"]), common=dict(scale=params["scale"], data=st["label"]),
                  figs=_figures(figs, params, exp, m, name, last, summ, base_res[role], matched, ftag, metrics[role]))
        claims += _e3_claims(cx, base_res[role], base_info) + _e8_claims(cx) + _e9_claims(cx)
    return claims, metrics, figs


def _e3_claims(cx: dict, base: dict, base_info: dict) -> list[dict]:
    """E3-a<α> and E3-deblur: the reference U-Net on every noise mix and on the blur."""
    params, exp, m, st, name, summ = (cx[k] for k in ("params", "exp", "m", "st", "name", "summ"))
    ref = exp["reference"]
    R = (ref, cx["last"][ref])
    s = summ[name[R]]
    renorm = {c: ratio_of_means([v["mse_out"]], [st["input_metrics"][c]["mse_in"][base["_index"]]], params["seed"])
              for c, v in base["renorm"].items()}  # what renormalisation alone does, on the baselines' images
    strengths = {k: {c: v[c]["param"] for c in v} for k, v in base_info["chosen"].items()}
    claims = []
    for c in st["inputs"]:
        rule_id = "E3-deblur" if c == denoise.BLUR else f"E3-{c}"
        if rule_id not in cx["ids"]:
            continue
        details = {"psnr": s[c]["psnr"], "psnr_input": _finite_mean(st["input_metrics"][c]["psnr_in"]),
                   "author_measure_output_shift": s[c]["shift_ratio"], "baseline_strengths": strengths}
        if c == denoise.BLUR:
            text = f"The U-Net ({ref}) also deblurs: its output on a blurred input is closer to the clean image"
            metric = (f"Σ MSE(O(x_b), x) / Σ MSE(x_b, x) over images and seeds, x_b = x blurred with σ "
                      f"{st['blur']['sigma']:.3g} px (kernel {st['blur']['kernel']})")
            details.update(_deblur_details(st, s, c))
        else:
            text = (f"The U-Net ({ref}), never trained to denoise, brings a noisy input "
                    f"x̂ = {c[1:]}·x + (1−{c[1:]})·n closer to the clean image")
            metric = f"Σ MSE(O(x̂), x) / Σ MSE(x̂, x) over images and seeds, {c}"
            if c in renorm:
                details["renormalised_input_ratio"] = renorm[c]
        claims.append(judged(f"{rule_id}{cx['tag']}", text, metric, lambda comp, c=c: m.own_ratio(R, c, comp), params,
                             rule_id, m, m.copies(R), (ref,), experiment="E3", seeds=m.seeds[ref],
                             paper_figure=PAPER_FIGURE["E3"], figures=cx["figs"]["e3"], details=details,
                             **cx["common"]))
    return claims


def _e8_claims(cx: dict) -> list[dict]:
    """E8a: without BatchNorm statistically off but still deblurring; E8b: trained and run with batch size 1,
    about as good a denoiser as the reference."""
    params, exp, m, st, name, summ = (cx[k] for k in ("params", "exp", "m", "st", "name", "summ"))
    bn_v, nobn_v = exp["bn_pair"]
    ref, b1 = exp["reference"], exp["batch1"]
    judge = denoise.condition_name(exp["judge_alpha"])
    NB, BN = (nobn_v, cx["last"][nobn_v]), cx["matched"]["E8a-stats"]
    B1, RB = (b1, cx["last"][b1]), cx["matched"]["E8b"]
    fields = dict(experiment="E8", paper_figure=PAPER_FIGURE["E8"], **cx["common"])
    stats = judged(
        f"E8a-stats{cx['tag']}", "Without BatchNorm the outputs are statistically further from the data (channel "
        "means and sds)", f"mean channel-statistic distance to x, {name[NB]} / {name[BN]}, {judge}",
        lambda comp: m.contrast(NB, BN, judge, comp, "stat_dist"), params, "E8a-stats", m, m.copies(NB, BN),
        (nobn_v, bn_v), cx["budget"]["E8a-stats"], seeds=m.seeds[nobn_v], figures=cx["figs"]["e8"],
        details={name[u]: {k: summ[name[u]][judge][k] for k in ("stat_dist", "hf_ratio", "ratio")} for u in (BN, NB)},
        **fields)
    deblur = judged(
        f"E8a-deblur{cx['tag']}", "Without BatchNorm the U-Net still deblurs",
        f"Σ MSE(O(x_b), x) / Σ MSE(x_b, x) of {nobn_v} over images and seeds",
        lambda comp: m.own_ratio(NB, denoise.BLUR, comp), params, "E8a-deblur", m, m.copies(NB), (nobn_v,),
        seeds=m.seeds[nobn_v], figures=cx["figs"]["e8"][:1],
        details={"with_batchnorm": summ[name[BN]][denoise.BLUR]["ratio"],
                 **_deblur_details(st, summ[name[NB]], denoise.BLUR)}, **fields)
    batch1 = judged(
        f"E8b{cx['tag']}", "Trained and run with batch size 1, the U-Net denoises about as well",
        f"|log(Σ MSE(O(x̂), x) of {name[B1]} / of {name[RB]})|, {judge} (within ±25%: < log 1.25)",
        lambda comp: abs_log(m.contrast(B1, RB, judge, comp)), params, "E8b", m, m.copies(B1, RB), (b1, ref),
        cx["budget"]["E8b"], seeds=m.seeds[b1], figures=cx["figs"]["e8b"],
        details={name[u]: summ[name[u]][judge]["ratio"] for u in (B1, RB)}, **fields)
    return [stats, deblur, batch1]


def _e9_claims(cx: dict) -> list[dict]:
    """E9-<variant>: each attention model against the U-Net at its resolution and budget, or alone."""
    params, exp, m, name, summ = (cx[k] for k in ("params", "exp", "m", "name", "summ"))
    judge = denoise.condition_name(exp["judge_alpha"])
    claims = []
    for v in exp["attention"]:
        V = (v, cx["last"][v])
        if f"E9-{v}" not in cx["ids"] or m.role not in m.res[V]["per_image"]:
            continue
        text, kind = ATTENTION_CLAIMS[params["variants"][v]["model"]]
        if kind == "contrast":
            A = cx["matched"][f"E9-{v}"]
            models, budget = (V, A), cx["budget"][f"E9-{v}"]
            metric = f"Σ MSE(O(x̂), x) of {v} / of {name[A]} over images and seeds, {judge}"
        else:
            models, budget = (V,), None
            metric = f"Σ MSE(O(x̂), x) / Σ MSE(x̂, x) of {v} over images and seeds, {judge}"

        def stat_of(comp, models=models):
            return m.contrast(*models, judge, comp) if len(models) == 2 else m.own_ratio(models[0], judge, comp)
        details = {name[u]: summ[name[u]][judge]["ratio"] for u in models}
        details["deblur"] = summ[name[V]][denoise.BLUR]["ratio"]
        claims.append(judged(f"E9-{v}{cx['tag']}", text, metric, stat_of, params, f"E9-{v}", m, m.copies(*models),
                             tuple(u[0] for u in models), budget, experiment="E9", seeds=m.seeds[v],
                             paper_figure=PAPER_FIGURE["E9"], figures=cx["figs"]["e9"], details=details,
                             **cx["common"]))
    return claims


def _deblur_details(st: dict, s: dict, cond: str) -> dict:
    """Beside a deblur ratio: the blur's own error, the sharpness of output and input (high-frequency
    energy relative to the clean image's: 1 = as sharp, below 1 = blurrier) and the clean reconstruction's error."""
    im = st["input_metrics"][cond]
    return {"blur": st["blur"], "mse_blur": float(np.mean(im["mse_in"])),
            "sharpness_output": s[cond]["hf_ratio"], "sharpness_input": float(im["hf_in"].sum() / im["hf_clean"].sum()),
            "mse_reconstruction": s[denoise.CLEAN]["mse_out"] if denoise.CLEAN in s else None}


# ---- figures ---------------------------------------------------------------------------------------

def _figures(figs, params, exp, m: Measured, name: dict, last: dict, summ: dict, base: dict, matched: dict,
             ftag: str, mrole: dict) -> dict[str, list[dict]]:
    """Draw one evaluation set's figures; {claim group: [figure entries]}. Quality (PSNR, SSIM) series
    go into `mrole["quality"]`."""
    seed, res, role = params["seed"], m.res, m.role
    ref, att_ref, b1 = exp["reference"], exp["attention_reference"], exp["batch1"]
    bn_v, nobn_v = exp["bn_pair"]
    judge = denoise.condition_name(exp["judge_alpha"])

    def unit(v):
        return v, last[v]

    def shown(u, cond):
        return res[u]["examples"][role][cond]

    st, R = m.sets[ref], unit(ref)

    conds = list(st["inputs"])
    rows = {"clean x": st["x"][:N_SHOW]}
    for c in conds:
        rows[f"input {c}"] = st["inputs"][c][:N_SHOW]
        rows[f"{ref} on {c}"] = shown(R, c)
    f_denoise = figs.add(f"denoise{ftag}.png", figures.image_rows, rows,
                         title=f"E3 {ref} (first seed), BatchNorm in train mode, random batches")
    ratio_conds = [c for c in conds if c not in (denoise.CLEAN, denoise.BLUR)]
    f_ratio = figs.add(f"ratio{ftag}.png", figures.interval_plot,
                       {n: (ratio_conds, [s[c]["ratio"] for c in ratio_conds]) for n, s in summ.items()},
                       "noise mix (a = α)", "Σ MSE(O(x̂), x) / Σ MSE(x̂, x)", hline=1.0,
                       title="below 1: the output is closer to the clean image than its input")

    b_alphas = [denoise.condition_name(a) for a in exp["baselines"]["alphas"]]
    idx = base["_index"]
    quality = {}
    for metric, label in (("psnr", "PSNR (dB)"), ("ssim", "SSIM")):
        series = {}
        for v in dict.fromkeys([ref, bn_v, nobn_v, b1]):
            per = res[unit(v)]["per_image"].get(role, {}).get(RANDOM, {})
            if all(metric in per.get(c, {}) for c in b_alphas):
                series[v] = [statistic_ci([a[idx] for a in per[c][metric]], seed=seed) for c in b_alphas]
        for bname, bm in base.items():
            if bname != "_index":
                series["renormalised input" if bname == "renorm" else f"{bname} (classical)"] = [
                    statistic_ci([bm[c][metric]], seed=seed) for c in b_alphas]
        series["noisy input"] = [statistic_ci([st["input_metrics"][c][f"{metric}_in"][idx]], seed=seed)
                                 for c in b_alphas]
        quality[metric] = series
        figs.add(f"{metric}{ftag}.png", figures.interval_plot, {k: (b_alphas, v) for k, v in series.items()},
                 "noise mix α", label, title=f"{len(idx)} images; classical denoisers after batch renormalisation")
    mrole["quality"] = {m: {k: dict(zip(b_alphas, v)) for k, v in s.items()} for m, s in quality.items()}
    psnr = quality["psnr"]
    best = max((k for k in psnr if k.endswith("(classical)")), key=lambda k: psnr[k][0]["value"], default=None)
    versus = "" if not best or ref not in psnr else "; ".join(
        f"α {c[1:]}: {ref} {psnr[ref][i]['value']:.2f} dB vs best classical ({best.split()[0]}) "
        f"{psnr[best][i]['value']:.2f} dB" for i, c in enumerate(b_alphas))
    e3 = [
        {"path": f"e3/{f_denoise}", "caption": f"Rows: clean validation images, then for each corruption the input and "
         f"the {ref}'s output (a1 = clean input, a0 = pure noise, blur = Gaussian blur σ "
         f"{st['blur']['sigma']:.3g} px, kernel {st['blur']['kernel']}). The model was never trained on corrupted "
         "inputs."},
        {"path": f"e3/{f_ratio}", "caption": "Ratio of mean errors per noise level with 95% intervals over images "
         "and seeds, every model in random batches at its training batch size; the dashed line is 1 (no "
         "improvement over the input). Attention models and their reference U-Net are measured at their own "
         "resolution."},
        {"path": f"e3/psnr{ftag}.png", "caption": "PSNR of the outputs against the clean image, the U-Nets beside "
         "scikit-image denoisers whose strength was chosen on training images, applied after the renormalisation "
         "train-mode BatchNorm gives for free (each channel standardised over random batches at the U-Net's training "
         f"batch size, then given the training data's mean and sd). {versus}."},
        {"path": f"e3/ssim{ftag}.png", "caption": "SSIM, same inputs and models."},
    ]

    BN, NB = matched["E8a-stats"], unit(nobn_v)
    bn_rows = {"clean x": st["x"][:N_SHOW], f"input {judge}": st["inputs"][judge][:N_SHOW],
               f"{name[BN]} (BN)": shown(BN, judge), f"{nobn_v} (no BN)": shown(NB, judge),
               "input blur": st["inputs"][denoise.BLUR][:N_SHOW], f"{name[BN]} on blur": shown(BN, denoise.BLUR),
               f"{nobn_v} on blur": shown(NB, denoise.BLUR)}
    f_bn = figs.add(f"batchnorm{ftag}.png", figures.image_rows, bn_rows, title="E8: with and without BatchNorm")
    e8 = [{"path": f"e3/{f_bn}", "caption": "Without BatchNorm the outputs should lose the noise but keep off "
           "colours and contrast; deblurring should be unaffected."},
          {"path": f"e3/{f_ratio}", "caption": "Ratios of mean errors of every model (see E3)."}]
    B1, RB = unit(b1), matched["E8b"]
    f_b1 = figs.add(f"batch1{ftag}.png", figures.image_rows,
                    {f"input {judge}": st["inputs"][judge][:N_SHOW], f"{name[RB]} (random batches)": shown(RB, judge),
                     f"{b1} (single images)": shown(B1, judge)}, title="E8b: BatchNorm over a single image")
    e8b = [{"path": f"e3/{f_b1}", "caption": "Noisy inputs, the U-Net trained and run with batches, the one "
            "trained and run with batch size 1."}]

    sa, A = m.sets[att_ref], unit(att_ref)
    att_rows = {"clean x": sa["x"][:N_SHOW], f"input {judge}": sa["inputs"][judge][:N_SHOW], att_ref: shown(A, judge)}
    att_rows.update({v: shown(unit(v), judge) for v in exp["attention"] if role in res[unit(v)]["examples"]})
    f_att = figs.add(f"attention{ftag}.png", figures.image_rows, att_rows,
                     title=f"E9: attention models and {att_ref} on the same noisy inputs")
    e9 = [{"path": f"e3/{f_att}", "caption": f"The U-Net at the attention models' resolution ({att_ref}) and each "
           "attention model on the same noisy inputs."},
          {"path": f"e3/{f_ratio}", "caption": "Ratios of mean errors of every model (see E3)."}]
    return {"e3": e3, "e8": e8, "e8b": e8b, "e9": e9}

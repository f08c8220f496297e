"""E3: the denoising test (SPEC E3) with classical baselines, BatchNorm and batch size 1 (E8),
and the attention models (E9 denoising). Every model and baseline sees the same corrupted inputs."""
from __future__ import annotations

import numpy as np
import torch

from .. import baselines, datasets
from ..claim_ids import experiment_claim_ids
from ..claims import make_claim, mark_confounded
from ..cli.common import device, log
from ..config import variant_seeds
from ..distribution import contrast_ci, statistic_ci
from ..inputs import claim_suffix, set_label
from ..plan import e3_variants
from ..procedures import denoise
from ..report import figures
from ..train import to_input

PAPER_FIGURE = {"E3": "denoising autoencoder; unet autoencoder",
                "E8": "no batchnorm autoencoder; modified batchnorm autoencoder",
                "E9": "attention autoencoder"}
# E9's denoising claims, by registry model: (claim, measured against the reference U-Net or alone)
ATTENTION_CLAIMS = {
    "attn_unet": ("The linear-attention U-Net denoises poorly", "contrast"),
    "linear_attn": ("One linear attention block (with input and output convolutions) copies its input, "
                    "so it denoises poorly", "contrast"),
    "attn_only": ("Dot-product attention alone does not denoise", "alone"),
}
N_SHOW = 8
STATS_IMAGES = 4096  # training images, spread over the split, that give the data's channel mean and sd


def role_of(name: str) -> str:
    """"val" for a data set's validation split, "eval:<name>" for an extra evaluation folder."""
    return name if name.startswith("eval:") else "val"


def inputs_for(params, exp, source, dataset: str, image_size: int) -> dict[str, dict]:
    """{role: {"label", "x", "inputs", "input_metrics"}}: clean images (N, 3, S, S) in [0, 1] and their
    corrupted copies for every condition, drawn from one generator per role (the same for every model)."""
    k, s = denoise.blur_settings(image_size, **exp["blur"])
    out = {}
    for name, imgs in source.evaluation_sets(dataset, exp["max_images"]).items():
        x = to_input(imgs, image_size, "cpu")
        gen = torch.Generator().manual_seed(params["seed"])
        inputs = denoise.corrupted_inputs(x, exp["alphas"], k, s, gen)
        out[role_of(name)] = {"label": set_label(name, dataset), "name": name, "x": x, "inputs": inputs,
                              "input_metrics": {c: denoise.input_metrics(x, xh) for c, xh in inputs.items()},
                              "blur": {"kernel": k, "sigma": s}}
    return out


def sweep(params, exp, source, vname: str, sets: dict, dev) -> tuple[dict, dict]:
    """Per-image metrics {role: {cond: {metric: [per-seed arrays]}}} and seed-0 example outputs."""
    bs = 1 if vname == exp["batch1"] else exp["batch_size"]
    threads = torch.get_num_threads()
    if bs == 1:  # single images are too small to share between threads; one thread is several times faster
        torch.set_num_threads(1)
    res: dict = {}
    examples: dict = {}
    for seed in variant_seeds(params, vname):
        model, ckpt = source.model(vname, seed, device=dev)
        model.train()  # BatchNorm in train mode, as in the post
        if hasattr(model, "set_noise_generator"):  # the attention U-Net's noisy residuals
            model.set_noise_generator(torch.Generator(device=dev).manual_seed(params["seed"] + seed))
        log(f"{vname} seed {seed}: epoch {ckpt['epoch']}, batch {bs}")
        for role, st in sets.items():
            metrics, outputs = denoise.denoise_sweep(model, st["x"], st["inputs"], bs, dev)
            for cond, m in metrics.items():
                for key, v in m.items():
                    res.setdefault(role, {}).setdefault(cond, {}).setdefault(key, []).append(v)
            examples.setdefault(role, {c: o[:N_SHOW] for c, o in outputs.items()})
    torch.set_num_threads(threads)
    return res, examples


def summarise(res: dict, seed: int) -> dict:
    """{cond: {metric: mean with interval}} over images and seeds (α = 1 has no ratio)."""
    out = {}
    for cond, m in res.items():
        out[cond] = {}
        for key in ("ratio", "ratio_recon", "psnr", "ssim", "stat_dist", "mse_out", "hf_ratio"):
            vals = m[key]
            if np.isnan(np.concatenate(vals)).all():
                continue
            out[cond][key] = statistic_ci(vals, seed=seed)
    return out


def run_baselines(params, exp, source, dataset: str, image_size: int, sets: dict) -> tuple[dict, dict]:
    """Classical denoisers on the first images of every set: per-image metrics and the chosen strengths.

    Strengths are chosen per α on corrupted training images (their own noise), never on the set."""
    bcfg = exp["baselines"]
    train = source.split(dataset, "train")
    mean, std = baselines.data_channel_stats(
        to_input(train[datasets.spread_indices(train.shape[0], STATS_IMAGES)], image_size, "cpu"))
    sel_x = to_input(train[datasets.spread_indices(train.shape[0], bcfg["train_images"])], image_size, "cpu")
    names = baselines.available(list(bcfg["grids"]))
    missing = sorted(set(bcfg["grids"]) - set(names))
    if missing:
        log(f"warning: baselines {missing} need packages that are not installed; they are left out")
    chosen: dict = {}
    gen = torch.Generator().manual_seed(params["seed"] + 1)
    for alpha in bcfg["alphas"]:
        noisy = denoise.corrupt(sel_x, alpha, gen)
        for name in names:
            best, scores = baselines.select_parameter(name, bcfg["grids"][name], sel_x, noisy, mean, std)
            chosen.setdefault(name, {})[denoise.condition_name(alpha)] = {"param": best, "train_mse": scores}
            log(f"baseline {name} α={alpha}: strength {best} (training MSE {scores[best]:.4f})")
    res: dict = {}
    for role, st in sets.items():
        idx = datasets.spread_indices(st["x"].shape[0], bcfg["max_images"])
        x = st["x"][idx]
        for alpha in bcfg["alphas"]:
            cond = denoise.condition_name(alpha)
            x_hat = st["inputs"][cond][idx]
            for name in ["renorm", *names]:
                param = chosen[name][cond]["param"] if name != "renorm" else None
                out = baselines.run_baseline(name, param, x_hat, mean, std)
                res.setdefault(role, {}).setdefault(name, {})[cond] = denoise.output_metrics(x, x_hat, out)
        res[role]["_index"] = idx
    stats = {"mean": mean.tolist(), "std": std.tolist()}
    return res, {"chosen": chosen, "data_stats": stats, "names": names}


def copy_r2(res_role: dict, x: torch.Tensor) -> float | None:
    """How well a model copies clean inputs: R² = 1 − MSE(O(x), x)/Var(x), Var(x) about the set's channel
    means (a constant output at the data mean scores 0). None when α = 1 is not among the conditions."""
    clean = denoise.condition_name(1.0)
    if clean not in res_role:
        return None
    var = float(((x - x.mean(dim=(0, 2, 3), keepdim=True)) ** 2).mean())
    return 1.0 - float(np.concatenate(res_role[clean]["mse_out"]).mean()) / var


def guard_copy(claim: dict, r2: dict[str, float | None], min_r2: float) -> dict:
    """A denoising claim about models that do not copy their clean inputs is confounded: a model with a
    constant output "denoises poorly" and "keeps no noise" trivially. Such a claim is inconclusive."""
    claim["copy_r2"] = r2
    return mark_confounded(claim, f"a model's output on clean inputs explains less than {min_r2:.0%} of their "
                           "variance (R² = 1 − MSE(O(x), x)/Var(x))",
                           any(v is not None and v < min_r2 for v in r2.values()))


def _finite_mean(a: np.ndarray) -> float | None:
    """Mean for metrics.json; None where undefined (the PSNR of a clean input is infinite)."""
    m = float(np.mean(a))
    return m if np.isfinite(m) else None


def run(params, inputs):
    """Claims E3-*, E8a-*, E8b and E9-<attention variant> on every evaluation set."""
    exp = params["experiments"]["e3"]
    figs = figures.Figures()
    dev = device(params)
    seed = params["seed"]
    ref = exp["reference"]
    bn_v, nobn_v = exp["bn_pair"]
    variants = e3_variants(params)
    claim_ids = set(experiment_claim_ids(params, "e3"))

    # Corrupted inputs per (data set, resolution): shared by every variant trained on the same data.
    data_key = {v: (params["variants"][v]["dataset"], params["variants"][v]["image_size"]) for v in variants}
    sets_by_key = {k: inputs_for(params, exp, inputs, *k) for k in dict.fromkeys(data_key.values())}
    res, examples = {}, {}
    for v in variants:
        res[v], examples[v] = sweep(params, exp, inputs, v, sets_by_key[data_key[v]], dev)
    seeds = {v: variant_seeds(params, v) for v in variants}
    ref_sets = sets_by_key[data_key[ref]]
    base_res, base_info = run_baselines(params, exp, inputs, *data_key[ref], ref_sets)

    def paired(v):  # same images and the same corrupted inputs as the reference
        return data_key[v] == data_key[ref]

    metrics: dict = {"baselines": {"chosen": base_info["chosen"], "data_stats": base_info["data_stats"]},
                     "blur": {r: st["blur"] for r, st in ref_sets.items()}}
    claims = []
    judge = denoise.condition_name(exp["judge_alpha"])
    for role, st in ref_sets.items():
        tag = claim_suffix(st["name"])
        ftag = f"-{st['name'].split(':', 1)[1]}" if role != "val" else ""
        summ = {v: summarise(res[v][role], seed) for v in variants if role in res[v]}
        metrics[role] = {"variants": summ, "inputs": {c: {k: _finite_mean(a) for k, a in m.items()}
                                                      for c, m in st["input_metrics"].items()}}
        data = st["label"]
        r = res[ref][role]
        r2 = {v: copy_r2(res[v][role], sets_by_key[data_key[v]][role]["x"]) for v in summ}
        metrics[role]["copy_r2"] = r2

        def guarded(claim, *models):
            return guard_copy(claim, {m: r2[m] for m in models}, exp["min_copy_r2"])
        conds = list(st["inputs"])

        # --- figures
        ex = examples[ref][role]
        rows = {"clean x": st["x"][:N_SHOW]}
        for c in conds:
            rows[f"input {c}"] = st["inputs"][c][:N_SHOW]
            rows[f"{ref} on {c}"] = ex[c]
        f_denoise = f"denoise{ftag}.png"
        figs.add(f_denoise, figures.image_rows, rows, title=f"E3 {ref} (seed {seeds[ref][0]}), BatchNorm in train mode")
        ratio_conds = [c for c in conds if c not in (denoise.condition_name(1.0), "blur")]
        f_ratio = f"ratio{ftag}.png"
        figs.add(f_ratio, figures.interval_plot, {v: (ratio_conds, [summ[v][c]["ratio"] for c in ratio_conds]) for v in summ}, "noise mix (a = α)", "MSE(O(x̂), x) / MSE(x̂, x)", hline=1.0,
                              title="below 1: the output is closer to the clean image than its input")
        b_alphas = [denoise.condition_name(a) for a in exp["baselines"]["alphas"]]
        idx = base_res[role]["_index"]
        quality_figs = []
        for metric, label in (("psnr", "PSNR (dB)"), ("ssim", "SSIM")):
            series = {}
            for v in [ref, bn_v, nobn_v, exp["batch1"]]:
                if paired(v):
                    series[v] = [statistic_ci([a[idx] for a in res[v][role][c][metric]], seed=seed) for c in b_alphas]
            for name, bm in base_res[role].items():
                if name != "_index":
                    label_b = "renormalised input" if name == "renorm" else f"{name} (classical)"
                    series[label_b] = [statistic_ci([bm[c][metric]], seed=seed) for c in b_alphas]
            series["noisy input"] = [statistic_ci([st["input_metrics"][c][f"{metric}_in"][idx]], seed=seed)
                                     for c in b_alphas]
            metrics[role].setdefault("quality", {})[metric] = {k: dict(zip(b_alphas, v)) for k, v in series.items()}
            fname = f"{metric}{ftag}.png"
            figs.add(fname, figures.interval_plot, {k: (b_alphas, v) for k, v in series.items()}, "noise mix α", label,
                                  title=f"{len(idx)} images; classical denoisers after channel renormalisation")
            quality_figs.append((fname, series))
        psnr_series = quality_figs[0][1]
        best = max((k for k in psnr_series if k.endswith("(classical)")),
                   key=lambda k: psnr_series[k][0]["value"], default=None)
        summary = "; ".join(
            f"α {c[1:]}: {ref} {psnr_series[ref][i]['value']:.2f} dB vs best classical ({best.split()[0]}) "
            f"{psnr_series[best][i]['value']:.2f} dB" for i, c in enumerate(b_alphas)) if best else ""
        e3_figs = [
            {"path": f"e3/{f_denoise}", "caption": f"Rows: clean validation images, then for each corruption the "
             f"input and the {ref}'s output (a1 = clean input, a0 = pure noise, blur = Gaussian blur kernel "
             f"{st['blur']['kernel']}, σ {st['blur']['sigma']:.2f} px). The model was never trained on noisy inputs."},
            {"path": f"e3/{f_ratio}", "caption": "Mean MSE ratio per noise level with 95% intervals over images and "
             "seeds, for every model; the dashed line is 1 (no improvement over the input). "
             f"Deblur ({ref}): MSE(O(x_b), x)/MSE(x_b, x) = {summ[ref]['blur']['ratio']['value']:.3g}; the author's "
             f"measure MSE(O(x_b), O(x))/MSE(x_b, x) = {summ[ref]['blur']['ratio_recon']['value']:.3g}."},
            {"path": f"e3/{quality_figs[0][0]}", "caption": "PSNR of the outputs against the clean image, the "
             "U-Nets beside scikit-image denoisers whose strength was chosen on training images (after the same "
             f"channel renormalisation that train-mode BatchNorm gives for free). {summary}."},
            {"path": f"e3/{quality_figs[1][0]}", "caption": "SSIM, same inputs and models."},
        ]
        common = dict(scale=params["scale"], data=data)
        details = {"blur": st["blur"], "baseline_strengths": {k: {c: v[c]["param"] for c in v}
                                                              for k, v in base_info["chosen"].items()}}
        for c in conds:
            rule_id = "E3-deblur" if c == "blur" else f"E3-{c}"
            if rule_id not in claim_ids:
                continue
            extra = {"psnr": summ[ref][c]["psnr"], "ssim": summ[ref][c]["ssim"],
                     "psnr_input": _finite_mean(st["input_metrics"][c]["psnr_in"])}
            if c == "blur":
                stats = statistic_ci(r[c]["ratio"], seed=seed)
                text = f"The U-Net ({ref}) also deblurs: its output on a blurred input is closer to the clean image"
                metric = "mean MSE(O(x_b), x)/MSE(x_b, x), x_b = blurred x"
                clean = denoise.condition_name(1.0)
                extra.update(author_measure_output_shift=summ[ref][c]["ratio_recon"],
                             mse_blur=float(np.mean(st["input_metrics"][c]["mse_in"])),
                             mse_reconstruction=summ[ref][clean]["mse_out"] if clean in r else None)
            else:
                stats = statistic_ci(r[c]["ratio"], seed=seed)
                text = (f"The U-Net ({ref}), never trained to denoise, brings a noisy input "
                        f"x̂ = {c[1:]}·x + (1−{c[1:]})·n closer to the clean image")
                metric = f"mean MSE(O(x̂), x)/MSE(x̂, x), {c}"
            claims.append(guarded(make_claim(
                f"{rule_id}{tag}", text, metric, stats, params["claims"][rule_id], **common, experiment="E3",
                seeds=seeds[ref], paper_figure=PAPER_FIGURE["E3"], figures=e3_figs, details={**details, **extra}), ref))

        # --- E8a: BatchNorm
        f_bn = f"batchnorm{ftag}.png"
        bn_rows = {"clean x": st["x"][:N_SHOW], f"input {judge}": st["inputs"][judge][:N_SHOW],
                   f"{bn_v} (BN)": examples[bn_v][role][judge], f"{nobn_v} (no BN)": examples[nobn_v][role][judge],
                   "input blur": st["inputs"]["blur"][:N_SHOW], f"{bn_v} on blur": examples[bn_v][role]["blur"],
                   f"{nobn_v} on blur": examples[nobn_v][role]["blur"]}
        figs.add(f_bn, figures.image_rows, bn_rows, title="E8: with and without BatchNorm")
        bn_figs = [{"path": f"e3/{f_bn}", "caption": "Without BatchNorm the outputs should lose the noise but keep "
                    "off colours and contrast; deblurring should be unaffected."},
                   {"path": f"e3/{f_ratio}", "caption": "MSE ratios of every model (see E3)."}]
        sd_with = res[bn_v][role][judge]["stat_dist"]
        sd_without = res[nobn_v][role][judge]["stat_dist"]
        stats = contrast_ci(sd_without, sd_with, paired_images=data_key[bn_v] == data_key[nobn_v], seed=seed)
        claims.append(guarded(make_claim(
            f"E8a-stats{tag}", "Without BatchNorm the outputs are statistically further from the data "
            "(channel means and sds)", f"mean channel-statistic distance to x, {nobn_v} / {bn_v}, {judge}", stats,
            params["claims"]["E8a-stats"], **common, experiment="E8", seeds=seeds[nobn_v],
            paper_figure=PAPER_FIGURE["E8"], figures=bn_figs,
            details={v: {k: summ[v][judge][k] for k in ("stat_dist", "hf_ratio", "ratio")} for v in (bn_v, nobn_v)}),
            bn_v, nobn_v))
        stats = statistic_ci(res[nobn_v][role]["blur"]["ratio"], seed=seed)
        claims.append(guarded(make_claim(
            f"E8a-deblur{tag}", "Without BatchNorm the U-Net still deblurs",
            f"mean MSE(O(x_b), x)/MSE(x_b, x) of {nobn_v}", stats, params["claims"]["E8a-deblur"], **common,
            experiment="E8", seeds=seeds[nobn_v], paper_figure=PAPER_FIGURE["E8"], figures=bn_figs[:1],
            details={"with_batchnorm": summ[bn_v]["blur"]["ratio"],
                     "author_measure_output_shift": summ[nobn_v]["blur"]["ratio_recon"],
                     "mse_reconstruction": summ[nobn_v][denoise.condition_name(1.0)]["mse_out"]
                     if denoise.condition_name(1.0) in summ[nobn_v] else None}), nobn_v))

        # --- E8b: batch size 1
        b1 = exp["batch1"]
        f_b1 = f"batch1{ftag}.png"
        figs.add(f_b1, figures.image_rows, {f"input {judge}": st["inputs"][judge][:N_SHOW], f"{ref} (batch {exp['batch_size']})":
                            examples[ref][role][judge], f"{b1} (batch 1)": examples[b1][role][judge]},
                           title="E8b: BatchNorm over a single image")
        stats = contrast_ci(res[b1][role][judge]["ratio"], r[judge]["ratio"], paired_images=paired(b1), seed=seed)
        claims.append(guarded(make_claim(
            f"E8b{tag}", "Trained and run with batch size 1, the U-Net denoises about as well",
            f"mean MSE ratio {b1} / {ref}, {judge}", stats, params["claims"]["E8b"], **common, experiment="E8",
            seeds=seeds[b1], paper_figure=PAPER_FIGURE["E8"],
            figures=[{"path": f"e3/{f_b1}", "caption": "Noisy inputs, the U-Net trained with batches, the one "
                      "trained and evaluated with batch size 1."}],
            details={b1: summ[b1][judge]["ratio"], ref: summ[ref][judge]["ratio"]}), b1, ref))

        # --- E9: attention models
        f_att = f"attention{ftag}.png"
        att_rows = {"clean x": st["x"][:N_SHOW], f"input {judge}": st["inputs"][judge][:N_SHOW],
                    ref: examples[ref][role][judge]}
        att_rows.update({v: examples[v][role][judge] for v in exp["attention"] if paired(v)})
        figs.add(f_att, figures.image_rows, att_rows, title="E9: attention models on the same noisy inputs")
        att_figs = [{"path": f"e3/{f_att}", "caption": "The U-Net and each attention model on the same noisy input."},
                    {"path": f"e3/{f_ratio}", "caption": "MSE ratios of every model (see E3)."}]
        for v in exp["attention"]:
            model_name = params["variants"][v]["model"]
            rule_id = f"E9-{v}"
            if rule_id not in claim_ids or role not in res[v]:
                continue
            text, kind = ATTENTION_CLAIMS[model_name]
            if kind == "contrast":
                stats = contrast_ci(res[v][role][judge]["ratio"], r[judge]["ratio"], paired_images=paired(v), seed=seed)
                metric = f"mean MSE ratio {v} / {ref}, {judge}"
            else:
                stats = statistic_ci(res[v][role][judge]["ratio"], seed=seed)
                metric = f"mean MSE(O(x̂), x)/MSE(x̂, x) of {v}, {judge}"
            claims.append(guarded(make_claim(
                f"{rule_id}{tag}", text, metric, stats, params["claims"][rule_id], **common, experiment="E9",
                seeds=seeds[v], paper_figure=PAPER_FIGURE["E9"], figures=att_figs,
                details={v: summ[v][judge]["ratio"], ref: summ[ref][judge]["ratio"],
                         "deblur": summ[v]["blur"]["ratio"]}), *((v, ref) if kind == "contrast" else (v,))))
    return claims, metrics, figs

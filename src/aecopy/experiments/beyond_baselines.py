"""Baselines beyond the post (report section "Beyond the post"): what the post argues without measuring.

- B-ddpm: real diffusion at equal compute. A DDPM (the post's U-Net with a timestep embedding, diffusers'
  DDPMScheduler; params choose whether it predicts the noise or x₀) against the post's iterated autoencoder
  (E7's own generation with `reference`), both trained on the same images for as many images: SWD of their
  samples to validation images, with E7's floor and ceiling (distribution.swd_report). Claim: the DDPM's
  samples are closer to the data (ratio < 1).
- B-vae-blur: the post's blur argument. A VAE with the plain U-Net's encoder and decoder against the plain
  U-Net at equal compute: sharpness (high-frequency energy) of reconstructions of the same validation images
  and of samples (the VAE's prior samples; the plain U-Net's samples are E7's iterated generation, the post's
  own way of sampling it). Claim: the VAE's reconstructions and samples are both blurrier.
- B-dae: the upper bound of E3. A U-Net trained to remove E3's judged noise mix against the copy-trained
  U-Net on the same noisy inputs: the share of the denoiser's gain (1 − Σ MSE(O(x̂), x)/Σ MSE(x̂, x)) the
  copy-trained U-Net gets. Claim: at least half (a share > 0.5).

Every model runs in batches of its training batch size with BatchNorm in train mode, as E3 and E7 run the
post's models; the DDPM too, although a sampling batch holds one noise level where a training batch mixed
them: with running statistics (eval mode) the trained DDPM's x̂₀ is far worse at large t (MSE 0.29 against
0.13 at t = 600, default scale, seed 0) and its samples collapse to one grey image. Guards: the copy-trained
U-Net must copy to the premise bar; the VAE must reconstruct (R² ≥ min_vae_r2) and the denoiser must
denoise; every model contrasted with the U-Net must have seen as many training images (checkpoints'
images_seen). A guard that fails makes the claim inconclusive.
"""
from __future__ import annotations

import torch

from .. import premise
from ..claims import make_claim, mark_confounded
from ..cli.common import device, log
from ..distribution import contrast_ci, interval, statistic_ci, swd_report
from ..image_stats import hf_energy
from ..inputs import set_label
from ..metrics import widen
from ..plan import baseline_seeds, spread_indices
from ..procedures.batches import run_composed
from ..procedures.denoise import mse as per_image_mse
from ..procedures.noise import corrupt
from ..procedures.sampling import ddpm_samples, vae_samples
from ..report import figures
from ..train import to_input
from . import e7 as e7_experiment

EXPERIMENT = "Beyond the post"
N_SHOW = 8


# ---- statistics -----------------------------------------------------------------------------------

def swd_ratio(rep: dict, a: str, b: str) -> dict:
    """Mean SWD of set a / of set b from one `swd_report` (their replicates share each reference
    resampling), widened by the t interval over per-seed ratios when both have as many seeds."""
    point = rep["_point"][a].mean() / rep["_point"][b].mean()
    out = interval(point, rep["_boot"][a].mean(1) / rep["_boot"][b].mean(1))
    pa, pb = rep["_per_seed"][a].mean(1), rep["_per_seed"][b].mean(1)
    return widen(out, pa / pb, log=True) if len(pa) == len(pb) else {**out, "n_seeds": int(min(len(pa), len(pb)))}


def larger_of(a: dict, b: dict) -> dict:
    """max(a, b) of two statistics with 95% intervals: the larger value, the interval [max of the lower ends,
    max of the upper ends]. A rule "< v" on it holds only when both intervals lie below v (an
    intersection–union test, valid without correction) and fails when either lies at or above v."""
    return {"value": max(a["value"], b["value"]), "ci_low": max(a["ci_low"], b["ci_low"]),
            "ci_high": max(a["ci_high"], b["ci_high"]), "n": (a.get("n") or 0) + (b.get("n") or 0)}


def gain_of(ratio: dict) -> dict:
    """1 − r of an MSE ratio r with its interval: the share of the input's squared error a model removes."""
    return {"value": 1 - ratio["value"], "ci_low": 1 - ratio["ci_high"], "ci_high": 1 - ratio["ci_low"]}


# ---- guards ---------------------------------------------------------------------------------------

def budget_guard(claim: dict, seen: dict[str, list], tolerance: float) -> dict:
    """Inconclusive ("unequal budgets") unless every checkpoint of the claim's models saw as many training
    images (checkpoints' images_seen) within `tolerance` (relative; E7's test). seen: {variant: [per seed]}."""
    claim["budgets"] = seen
    return mark_confounded(claim, f"the models compared saw different numbers of training images (checkpoints' "
                           f"images_seen differ by more than {tolerance:.0%})",
                           not e7_experiment.budgets_match(seen, tolerance), reason="unequal budgets")


# ---- the experiment -------------------------------------------------------------------------------

def run(params, inputs):
    """Claims B-ddpm, B-vae-blur and B-dae."""
    exp = params["experiments"]["beyond_baselines"]
    e7 = params["experiments"]["e7"]
    seed0, dev, bar = params["seed"], device(params), params["premise"]
    ref, ddpm_v, vae_v, dae_v = exp["reference"], exp["ddpm"], exp["vae"], exp["dae"]
    cfg = params["variants"][ref]
    dataset, size = cfg["dataset"], cfg["image_size"]
    shape = (3, size, size)
    seeds = {v: baseline_seeds(params, v) for v in (ref, ddpm_v, vae_v, dae_v)}
    bs = {v: params["variants"][v]["train"]["batch_size"] for v in seeds}

    seen: dict[str, list] = {}  # images seen per variant and seed (checkpoints')

    def models(v):
        """(seed, model) of every seed of v at its last saved epoch, BatchNorm in train mode; records images seen."""
        for s in seeds[v]:
            model, ckpt = inputs.model(v, s, device=dev)
            if len(seen.setdefault(v, [])) < len(seeds[v]):
                seen[v].append(ckpt.get("images_seen"))
            if params["variants"][v]["train"].get("channels_last"):  # as trained: faster, equal up to rounding
                model = model.to(memory_format=torch.channels_last)
            yield s, model.train()

    # --- the evaluation images: E7's reference, floor and ceiling, and validation images for the rest
    d = e7_experiment.data_for(inputs, e7, dataset, size, seed0)
    val = inputs.split(dataset, "val")
    x = to_input(val[spread_indices(val.shape[0], exp["max_images"])], size, "cpu")  # (N, 3, S, S)
    x_noisy = corrupt(x, params["experiments"]["e3"]["judge_alpha"], torch.Generator().manual_seed(seed0))

    def batches_of(model, t, v):  # random batches at v's training batch size, the same draw for every model
        return run_composed(model, t, bs[v], "random", torch.Generator().manual_seed(seed0 + 1), dev)

    # --- the copy-trained U-Net: E7's own generation (same starting noise, batches, frames), then reconstructions
    # and denoising
    gen = e7_experiment.generate_all(params, inputs, e7, [ref], {ref: seeds[ref]}, {ref: [e7["judge_steps"]]}, dev)
    quality = gen["quality"][ref]
    out: dict = {"samples": {(ref, s): t for s, t in zip(seeds[ref], gen["samples"][(ref, e7["judge_steps"])])},
                 "recon": {}, "denoised": {}}
    for s, model in models(ref):
        out["recon"][(ref, s)] = batches_of(model, x, ref)
        out["denoised"][(ref, s)] = batches_of(model, x_noisy, ref)

    for i, (s, model) in enumerate(models(ddpm_v)):
        gen = torch.Generator().manual_seed(seed0 + 1000 * i)
        out["samples"][(ddpm_v, s)] = ddpm_samples(model, model.make_scheduler(), e7["n_samples"], bs[ddpm_v], shape,
                                                   exp["sample_steps"], gen, dev)
    log(f"{ddpm_v}: {e7['n_samples']} samples of {exp['sample_steps']} DDPM steps per seed")

    vae_quality = {}
    for i, (s, model) in enumerate(models(vae_v)):
        out["samples"][(vae_v, s)] = vae_samples(model, e7["n_samples"], bs[vae_v],
                                                 torch.Generator().manual_seed(seed0 + 1000 * i))
        out["recon"][(vae_v, s)] = batches_of(model, x, vae_v)
        vae_quality[f"{vae_v} seed {s}"] = inputs.premise(vae_v, s)

    for s, model in models(dae_v):
        out["denoised"][(dae_v, s)] = batches_of(model, x_noisy, dae_v)

    def per_seed(kind, v):
        return [out[kind][(v, s)] for s in seeds[v]]

    claims, metrics, figs = [], {"budgets": seen}, figures.Figures()
    common = dict(scale=params["scale"], experiment=EXPERIMENT, data=set_label(dataset, dataset))
    first = {label: per_seed("samples", v)[0] for label, v in
             (("DDPM", ddpm_v), (f"{ref}, iterated", ref), ("VAE prior", vae_v))}
    sample_fig = _sample_figure(figs, d["reference"], first, ref, ddpm_v, vae_v, e7["judge_steps"], exp["sample_steps"])

    # --- B-ddpm
    rep = swd_report({"ddpm": per_seed("samples", ddpm_v), "iterated": per_seed("samples", ref)}, d["reference"],
                     d["floor"], d["ceiling"], **e7["swd"], seed=seed0, extra={"noise": d["noise"]})
    swd_fig = _swd_figure(figs, rep, ddpm_v, ref, e7["judge_steps"])
    claim = make_claim(
        "B-ddpm", "A DDPM trained at equal compute generates images closer to the data than the post's iterated "
        "autoencoder", f"mean SWD to validation images of {ddpm_v}'s samples ({exp['sample_steps']} DDPM steps) / of "
        f"{ref}'s iterated samples ({e7['judge_steps']} steps, E7)", swd_ratio(rep, "ddpm", "iterated"),
        params["claims"]["B-ddpm"], **common, seeds=seeds[ddpm_v], figures=[sample_fig, swd_fig],
        details={"ddpm": {k: rep["ddpm"][k] for k in ("mean", "vs_ceiling", "position")},
                 "iterated": {k: rep["iterated"][k] for k in ("mean", "vs_ceiling", "position")},
                 "swd_floor_train_vs_val": rep["_floor"]["mean"],
                 "swd_ceiling_phase_randomised": rep["_ceiling"]["mean"],
                 "swd_noise": rep["_noise"]["mean"], "seeds": {ref: seeds[ref], ddpm_v: seeds[ddpm_v]},
                 "batchnorm": "train mode, batches of each model's training batch size (as E7)"})
    premise.guard(claim, quality, bar)
    claims.append(budget_guard(claim, {ref: seen[ref], ddpm_v: seen[ddpm_v]}, exp["budget_tolerance"]))

    # --- B-vae-blur
    data_hf = float(hf_energy(d["reference"]).mean())
    hf = {k: {v: [hf_energy(t).numpy() for t in per_seed(k, v)] for v in (ref, vae_v)} for k in ("recon", "samples")}
    recon = contrast_ci(hf["recon"][vae_v], hf["recon"][ref], paired_images=True, seed=seed0)
    samples = contrast_ci(hf["samples"][vae_v], hf["samples"][ref], seed=seed0)
    sharp = {k: {v: statistic_ci([a / data_hf for a in hf[k][v]], seed=seed0) for v in (ref, vae_v)} for k in hf}
    mse = {v: [per_image_mse(t, x) for t in per_seed("recon", v)] for v in (ref, vae_v)}
    recon_fig, sharp_fig = _vae_figures(figs, x, per_seed("recon", ref)[0], per_seed("recon", vae_v)[0], sharp, ref,
                                        vae_v)
    claim = make_claim(
        "B-vae-blur", "A VAE with the plain autoencoder's encoder and decoder, trained at equal compute, makes "
        "blurrier reconstructions and blurrier samples than the plain autoencoder",
        f"the larger of two high-frequency-energy ratios {vae_v} / {ref}: reconstructions of the same validation "
        f"images, and samples ({vae_v}: prior samples; {ref}: E7's {e7['judge_steps']}-step iterated generation)",
        larger_of(recon, samples), params["claims"]["B-vae-blur"], **common, seeds=seeds[vae_v],
        figures=[sharp_fig, recon_fig, sample_fig],
        details={"sharpness_ratio_reconstructions": recon, "sharpness_ratio_samples": samples,
                 "sharpness_vs_data": sharp,
                 "reconstruction_mse": {v: statistic_ci(m, seed=seed0) for v, m in mse.items()},
                 "reconstruction_mse_ratio": contrast_ci(mse[vae_v], mse[ref], paired_images=True, seed=seed0),
                 "vae_copy_quality": vae_quality,
                 "plain_autoencoder_samples": f"E7's iterated generation ({e7['judge_steps']} steps)"})
    premise.guard(claim, quality, bar)
    weak = [k for k, q in vae_quality.items() if q is None or q["r2"] < exp["min_vae_r2"]]
    mark_confounded(claim, f"the VAE does not reconstruct (R² of clean validation copies < {exp['min_vae_r2']:g}): "
                    "a model that encodes nothing is blurry without testing the argument", bool(weak),
                    reason="VAE does not reconstruct")
    claims.append(budget_guard(claim, {ref: seen[ref], vae_v: seen[vae_v]}, exp["budget_tolerance"]))

    # --- B-dae
    mse_in = per_image_mse(x_noisy, x)
    err = {v: [per_image_mse(t, x) for t in per_seed("denoised", v)] for v in (ref, dae_v)}
    gain = {v: [mse_in - e for e in err[v]] for v in err}  # per image: what the model removes of the input's error
    own = {v: contrast_ci(err[v], [mse_in] * len(err[v]), paired_images=True, paired_seeds=True, seed=seed0)
           for v in err}  # Σ MSE(O(x̂), x) / Σ MSE(x̂, x)
    dae_fig = _dae_figure(figs, x, x_noisy, per_seed("denoised", ref)[0], per_seed("denoised", dae_v)[0], own, ref,
                          dae_v, params["experiments"]["e3"]["judge_alpha"])
    claim = make_claim(
        "B-dae", "The copy-trained U-Net, never trained to denoise, gets at least half of the gain of the same "
        "U-Net trained to denoise", f"(Σ MSE(x̂, x) − Σ MSE(O(x̂), x)) of {ref} / of {dae_v} on the same noisy "
        f"inputs x̂ = α·x + (1−α)·n, α = {params['experiments']['e3']['judge_alpha']:g}",
        contrast_ci(gain[ref], gain[dae_v], paired_images=True, seed=seed0), params["claims"]["B-dae"], **common,
        seeds=seeds[ref], figures=[dae_fig],
        details={"mse_ratio": own, "gain": {v: gain_of(r) for v, r in own.items()},
                 "batches": {v: f"random batches of {bs[v]}, BatchNorm in train mode" for v in err}})
    premise.guard(claim, quality, bar)
    mark_confounded(claim, "the trained denoiser does not denoise (its MSE ratio's interval reaches 1): the share "
                    "of its gain is undefined", own[dae_v]["ci_high"] >= 1, reason="denoiser does not denoise")
    claims.append(budget_guard(claim, {ref: seen[ref], dae_v: seen[dae_v]}, exp["budget_tolerance"]))

    metrics.update(swd={k: r for k, r in rep.items() if not k.startswith(("_boot", "_point", "_per_seed"))},
                   sharpness_vs_data=sharp, sharpness_ratio={"reconstructions": recon, "samples": samples},
                   denoising_mse_ratio=own)
    return claims, metrics, figs


# ---- figures --------------------------------------------------------------------------------------

def _entry(name: str, caption: str) -> dict:
    return {"path": f"beyond_baselines/{name}", "caption": caption}


def _sample_figure(figs, reference, rows: dict, ref, ddpm_v, vae_v, judge, ddpm_steps) -> dict:
    shown = {"validation": reference[spread_indices(reference.shape[0], N_SHOW)]}
    shown.update({k: t[:N_SHOW] for k, t in rows.items()})
    name = figs.add("samples.png", figures.image_rows, shown, title="samples (first seed) beside validation images")
    return _entry(name, f"Validation images, then samples of the first seed: {ddpm_v} after {ddpm_steps} DDPM steps, "
                  f"{ref} after {judge} steps of E7's iterated denoising, {vae_v} decoding prior draws z ~ N(0, I) "
                  "(clamped to [0, 1], not rescaled). Look for edges and textures like the validation row's: smooth "
                  "colour blobs are what a blurry generator makes, speckle what an unconverged one makes.")


def _swd_figure(figs, rep, ddpm_v, ref, judge) -> dict:
    sets = {ddpm_v: "ddpm", f"{ref} N={judge}": "iterated", "floor": "_floor", "ceiling": "_ceiling", "noise": "_noise"}
    name = figs.add("swd.png", figures.interval_plot,
                    {"mean SWD": (list(sets), [rep[k]["mean"] for k in sets.values()])}, "image set",
                    "mean SWD to validation images", title="B-ddpm: distance of samples to the data")
    return _entry(name, f"Mean SWD (Laplacian-pyramid patches, E7's settings) of each set to validation images with "
                  f"95% intervals: the DDPM's samples ({ddpm_v}), the post's iterated autoencoder's ({ref}, {judge} "
                  "steps), training images (floor: what real images reach), phase-randomised training images (ceiling: "
                  "the data's spectrum without objects) and E7's starting noise. The claim holds when the DDPM's point "
                  "sits lower than the iterated autoencoder's; how close either comes to the floor says how good "
                  "both are.")


def _vae_figures(figs, x, recon_ref, recon_vae, sharp, ref, vae_v) -> tuple[dict, dict]:
    rows = {"clean x": x[:N_SHOW], ref: recon_ref[:N_SHOW], f"{vae_v} (posterior mean)": recon_vae[:N_SHOW]}
    name = figs.add("reconstructions.png", figures.image_rows, rows,
                    title="reconstructions of the same validation images (first seed)")
    recon_fig = _entry(name, f"Clean validation images and their reconstructions by the plain U-Net ({ref}) and "
                       f"the VAE ({vae_v}, decoding the posterior mean), first seed, in random batches at the training "
                       "batch size. Look at edges and fine texture: the post's argument predicts the VAE's row softer.")
    kinds = ["recon", "samples"]
    name = figs.add("sharpness.png", figures.interval_plot,
                    {v: (["reconstructions", "samples"], [sharp[k][v] for k in kinds]) for v in (ref, vae_v)},
                    "images", "high-frequency energy / the data's", hline=1.0, title="B-vae-blur: sharpness")
    sharp_fig = _entry(name, "Mean high-frequency energy (squared Laplacian) of reconstructions and samples "
                       "relative to validation images (1 = as rough as the data, below 1 = blurrier), 95% intervals "
                       "over images and seeds. The claim holds when the VAE sits below the plain autoencoder on both. "
                       "Speckle counts as high-frequency energy too: the samples figure tells detail from noise.")
    return recon_fig, sharp_fig


def _dae_figure(figs, x, x_noisy, out_ref, out_dae, own, ref, dae_v, alpha) -> dict:
    rows = {"clean x": x[:N_SHOW], f"x̂ (α = {alpha:g})": x_noisy[:N_SHOW], f"{ref} (copy-trained)": out_ref[:N_SHOW],
            f"{dae_v} (trained to denoise)": out_dae[:N_SHOW]}
    name = figs.add("denoise.png", figures.image_rows, rows, title="B-dae: the same noisy inputs")
    return _entry(name, "Clean validation images, their noisy copies, and the outputs of the copy-trained U-Net and of "
                  "the U-Net trained on exactly this corruption (first seed, random batches at the training batch "
                  f"size). Σ MSE(O(x̂), x)/Σ MSE(x̂, x): {ref} {own[ref]['value']:.3f}, "
                  f"{dae_v} {own[dae_v]['value']:.3f}. The claim compares what each removes of the noisy input's "
                  "error.")

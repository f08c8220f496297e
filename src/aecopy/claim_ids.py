"""Which claims each experiment makes, and the verdict rules' compact form.

The claim ids follow from a scale's experiments block alone, so params.yaml can be checked for a missing
or a stray rule before any job runs, and each rule declares exactly the rules its job applies.
A claim on an extra evaluation set (`E1[name]`) uses the rule of its id without the suffix.
"""
from __future__ import annotations

import re

# E9's denoising claims by registry model; dot_attn makes none (its claim is about representation).
ATTENTION_MODELS_WITH_DENOISING_CLAIMS = ("attn_unet", "linear_attn", "attn_only")


def base_id(claim_id: str) -> str:
    """The rule id of a claim: `E1[my_photos]` (a claim on an extra evaluation set) → `E1`."""
    return claim_id.split("[", 1)[0]


def denoise_condition(alpha: float) -> str:
    """"a0.5" for the noise mix with α = 0.5 (procedures.denoise uses the same names)."""
    return f"a{alpha:g}"


EXPERIMENTS = ("e1", "e2", "e3", "e4", "e5", "e6", "e7", "e8c", "e9_represent", "e10", "t", "beyond_baselines",
               "g_disjoint", "g_size", "m_attractor")
FIXED = {
    "e1": ["E1", "E1-identity"],
    "e2": ["E2", "E2-eval"],
    "e4": ["E4", "E4-noise"],
    "e5": ["E5", "E5-gap"],
    "e6": ["E6-noisefree", "E6-trend", "E6-generates"],
    "e8c": ["E8c"],
    "e9_represent": ["E9-repr-linear", "E9-repr-attn_only", "E9-repr-dot"],
    "e10": ["E10-block1", "E10-block1-untrained", "E10-deep"],
    "t": ["T", "T-depth", "T-trained"],
    "beyond_baselines": ["B-ddpm", "B-vae-blur", "B-dae"],  # run only with params' beyond: true
    "g_disjoint": ["G-disjoint"],  # beyond the post, run only with params' beyond: true
    "g_size": ["G-size"],
    "m_attractor": ["M-attractor"],
}


def experiment_claim_ids(block, experiment: str) -> list[str]:
    """The claim ids one experiment makes, from the keys of the scale's block it reads anyway."""
    if experiment in FIXED:
        return list(FIXED[experiment])
    exps = block["experiments"]
    if experiment == "e3":
        e3 = exps["e3"]
        noisy = [denoise_condition(a) for a in e3["alphas"] if 0 < a < 1]
        attention = [f"E9-{v}" for v in e3["attention"]
                     if block["variants"][v]["model"] in ATTENTION_MODELS_WITH_DENOISING_CLAIMS]
        return [f"E3-{c}" for c in noisy] + ["E3-deblur", "E8a-stats", "E8a-deblur", "E8b", *attention]
    if experiment == "e7":
        return [f"E7-N{n}" for n in exps["e7"]["steps"]] + ["E7-novel", "E7-width-detail", "E7-depth-coherence"]
    raise KeyError(experiment)


def claim_ids(block) -> dict[str, list[str]]:
    """{experiment id: [claim ids]} for one scale's merged block."""
    return {e: experiment_claim_ids(block, e) for e in EXPERIMENTS}


# The compact form: "< 1.0" = the interval lies below 1.0 (reproduced: ci_high < 1.0) and is not
# reproduced when it lies wholly on the other side (ci_low >= 1.0); likewise "> v", ">= v", "<= v".
COMPACT = re.compile(r"^\s*(<=|>=|<|>)\s*(-?[0-9.eE+-]+)\s*$")
_FORM = {"<": ("ci_high", "<", "ci_low", ">="), "<=": ("ci_high", "<=", "ci_low", ">"),
         ">": ("ci_low", ">", "ci_high", "<="), ">=": ("ci_low", ">=", "ci_high", "<")}


def expand_rule(rule) -> dict:
    """A verdict rule in full form {reproduced: {stat, op, value}, not_reproduced: {...}}."""
    if isinstance(rule, dict):
        return rule
    op, value = COMPACT.match(rule).groups()
    stat, op_r, stat_n, op_n = _FORM[op]
    value = float(value)
    return {"reproduced": {"stat": stat, "op": op_r, "value": value},
            "not_reproduced": {"stat": stat_n, "op": op_n, "value": value}}

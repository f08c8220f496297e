"""params.yaml: load, merge the selected scale, validate, resolve.

`scales.default` is a whole configuration; `scales.paper` holds only what differs from it and is merged
onto it at load time (mappings merge key by key, anything else replaces). Both merged scales are
validated against the schema and cross-checked (names that must refer to something, lists that must
contain a value), so a bad reference fails before any job runs. Every failure is a `ConfigError` whose
message is one line naming the key and what was expected.
"""
from __future__ import annotations

import copy
import inspect
import re
from pathlib import Path

import jsonschema
import yaml

from .claim_ids import claim_ids, expand_rule

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "params.schema.yaml"
NAME = re.compile(r"^[A-Za-z0-9_-]+$")  # variant, data set and evaluation-set names: path and wildcard safe


class ConfigError(ValueError):
    """A params.yaml problem; `str(err)` is a single line fit for the terminal."""


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _describe(error: jsonschema.ValidationError, prefix: tuple = ()) -> str:
    """One line: the offending key and the value the schema expects there."""
    key = _key(prefix + tuple(error.absolute_path))
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"{key}: unknown key {', '.join(map(repr, extra))}{hint}"
    if error.validator in ("required", "oneOf", "pattern"):
        return f"{key}: {error.message}"
    expected = {
        "type": lambda v: f"a value of type {v}",
        "enum": lambda v: "one of " + ", ".join(map(repr, v)),
        "minimum": lambda v: f"a number >= {v}",
        "exclusiveMinimum": lambda v: f"a number > {v}",
        "maximum": lambda v: f"a number <= {v}",
        "exclusiveMaximum": lambda v: f"a number < {v}",
        "minItems": lambda v: f"a list of at least {v} item(s)",
        "minLength": lambda v: "a non-empty string",
        "minProperties": lambda v: f"at least {v} entry",
    }.get(error.validator)
    if expected is None:
        return f"{key}: {error.message}"
    return f"{key}: got {error.instance!r}, expected {expected(error.validator_value)}"


def load_schema() -> dict:
    with open(SCHEMA_PATH) as f:
        return yaml.safe_load(f)


def _check_schema(schema: dict, instance, prefix: tuple = ()) -> None:
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(instance))
    if errors:
        # The deepest error is the most specific one; report it alone.
        best = max(errors, key=lambda e: len(e.absolute_path))
        raise ConfigError(f"params.yaml: {_describe(best, prefix)}")


def merge(base: dict, override: dict) -> dict:
    """`override` onto a copy of `base`: mappings merge key by key, anything else replaces."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def scale_block(params: dict, scale: str) -> dict:
    """The whole configuration of one scale: `default`, or `default` with the scale's differences merged on."""
    default = params["scales"]["default"]
    return copy.deepcopy(default) if scale == "default" else merge(default, params["scales"][scale])


def validate(params: dict) -> None:
    """Schema validation of the file and of every merged scale, then the cross-references."""
    schema = load_schema()
    _check_schema(schema, params)
    block_schema = {"$defs": schema["$defs"], "$ref": "#/$defs/scale_block"}
    for scale in params["scales"]:
        block = scale_block(params, scale)
        _check_schema(block_schema, block, ("scales", scale))
        check_references(block, params, f"scales.{scale}")


def _fail(key: str, got, expected: str):
    raise ConfigError(f"params.yaml: {key}: got {got!r}, expected {expected}")


def _one_of(key: str, got, names) -> None:
    if got not in names:
        _fail(key, got, "one of " + ", ".join(sorted(names)))


def _check_kwargs(key: str, model: str, kwargs: dict) -> None:
    """Keyword arguments the model's constructor accepts (a typo such as `widht` fails here, not in training)."""
    from .models import MODELS  # deferred: importing torch is slow and not needed for the schema

    sig = inspect.signature(MODELS[model])
    if any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    allowed = sorted(n for n in sig.parameters if n != "image_size")
    for name in kwargs:
        if name not in allowed:
            raise ConfigError(f"params.yaml: {key}.kwargs: unknown argument {name!r} of model {model!r}; "
                              f"allowed: {', '.join(allowed)}")


def check_references(block: dict, params: dict, prefix: str) -> None:
    """What a schema cannot say: names that must refer to something, values that must be among others."""
    from .models import MODELS

    variants, datasets = block["variants"], block["datasets"]
    for name in [*variants, *datasets, *params["eval_sets"]]:
        if not NAME.match(name):
            _fail(f"{prefix} name", name, "letters, digits, '_' or '-' only (it becomes a path and a wildcard)")
    for name, variant in variants.items():
        key = f"{prefix}.variants.{name}"
        _one_of(f"{key}.model", variant["model"], MODELS)
        _one_of(f"{key}.dataset", variant["dataset"], datasets)
        _check_kwargs(key, variant["model"], variant["kwargs"])
        train = variant["train"]
        late = [e for e in train["save_epochs"] if e > train["epochs"]]
        if late:
            _fail(f"{key}.train.save_epochs", late, f"epochs <= train.epochs ({train['epochs']})")
    for ds_name, ds in datasets.items():
        if ds["source"] != "embedded" and "path" not in ds:
            raise ConfigError(f"params.yaml: {prefix}.datasets.{ds_name}.path: missing, expected the path of the "
                              f"user-supplied {ds['source']} data")

    exps = block["experiments"]
    ekey = f"{prefix}.experiments"
    for exp_name, fields in VARIANT_FIELDS.items():
        for field in fields:
            value = exps[exp_name][field]
            for i, v in enumerate(value if isinstance(value, list) else [value]):
                where = f"{ekey}.{exp_name}.{field}" + (f"[{i}]" if isinstance(value, list) else "")
                _one_of(where, v, variants)
    e3, e6, e7 = exps["e3"], exps["e6"], exps["e7"]
    if e3["judge_alpha"] not in e3["alphas"]:
        _fail(f"{ekey}.e3.judge_alpha", e3["judge_alpha"], f"one of experiments.e3.alphas {e3['alphas']}")
    for alpha in e3["baselines"]["alphas"]:
        if alpha not in e3["alphas"]:
            _fail(f"{ekey}.e3.baselines.alphas", alpha, f"one of experiments.e3.alphas {e3['alphas']}")
    if e7["judge_steps"] not in e7["steps"]:
        _fail(f"{ekey}.e7.judge_steps", e7["judge_steps"], f"one of experiments.e7.steps {e7['steps']}")
    for pair in ("detail_pair", "coherence_pair"):
        for v in e7[pair]:
            if v not in e7["variants"]:
                _fail(f"{ekey}.e7.{pair}", v, f"one of experiments.e7.variants {e7['variants']}")
    saved = variants[e6["variant"]]["train"]["save_epochs"]
    if len(set(saved)) < 2:
        _fail(f"{prefix}.variants.{e6['variant']}.train.save_epochs", saved,
              "two or more epochs (E6 compares walks over training)")
    for exp_name, field, owners in (("e2", "eval_seeds", ("variant",)), ("e2", "seeds", ("variant",)),
                                    ("e4", "seeds", ("variant",)), ("e5", "seeds", ("variant", "reference")),
                                    ("e8c", "seeds", ("variant", "reference"))):
        exp = exps[exp_name]
        for owner in owners:
            have = variant_seeds(block, exp[owner])
            for s in exp.get(field, []):
                if s not in have:
                    _fail(f"{ekey}.{exp_name}.{field}", s, f"a training seed of {exp[owner]} ({have})")
    inv = exps["inversion"]
    for field in ("layers", "overrides"):
        for v in inv[field]:
            if v not in variants and v != "vit_b_32":
                _fail(f"{ekey}.inversion.{field}", v, "a variant of this scale or vit_b_32")

    check_baselines(block, f"{prefix}.variants")
    check_pairs(block, prefix)

    wanted = {i for ids in claim_ids(block).values() for i in ids}
    for claim_id in sorted(wanted - set(params["claims"])):
        raise ConfigError(f"params.yaml: claims.{claim_id}: missing, expected the verdict rule of this claim")
    for claim_id in sorted(set(params["claims"]) - wanted):
        raise ConfigError(f"params.yaml: claims.{claim_id}: no experiment of {prefix} makes this claim")


def check_baselines(block: dict, vkey: str) -> None:
    """The baselines beyond the post are compared with the post's U-Net on the same images (data set and
    resolution), and the trained denoiser removes the noise mix E3 judges (experiments.e3.judge_alpha)."""
    b, variants = block["experiments"]["beyond_baselines"], block["variants"]
    ref = variants[b["reference"]]
    for role in ("ddpm", "vae", "dae"):
        for field in ("dataset", "image_size"):
            got = variants[b[role]][field]
            if got != ref[field]:
                _fail(f"{vkey}.{b[role]}.{field}", got,
                      f"{ref[field]!r}, that of {b['reference']} (compared on the same images)")
    alpha = variants[b["dae"]]["kwargs"].get("alpha")
    if alpha != block["experiments"]["e3"]["judge_alpha"]:
        _fail(f"{vkey}.{b['dae']}.kwargs.alpha", alpha,
              f"experiments.e3.judge_alpha ({block['experiments']['e3']['judge_alpha']})")


def check_pairs(block: dict, prefix: str) -> None:
    """G-disjoint and G-size compare two models trained alike on disjoint parts of one training split: the same
    model, data and batch size, the same `train.subset` but for its `part`, and a training seed in common."""
    exps, variants = block["experiments"], block["variants"]
    pairs = [("g_disjoint.pair", exps["g_disjoint"]["pair"])]
    pairs += [(f"g_size.pairs[{i}]", pair) for i, pair in enumerate(exps["g_size"]["pairs"])]
    for where, pair in pairs:
        key = f"{prefix}.experiments.{where}"
        for v in pair:
            _one_of(key, v, variants)
        a, b = (variants[v] for v in pair)
        sa, sb = a["train"].get("subset") or {}, b["train"].get("subset") or {}
        rest = ({k: v for k, v in s.items() if k != "part"} for s in (sa, sb))
        if sa.get("parts", 1) < 2 or next(rest) != next(rest) or sa.get("part", 0) == sb.get("part", 0):
            _fail(key, pair, "two variants on different parts of one split (train.subset: the same parts ≥ 2 and "
                  "limit, another part)")
        for field in ("model", "dataset", "image_size", "kwargs"):
            if a[field] != b[field]:
                _fail(f"{prefix}.variants.{pair[1]}.{field}", b[field], f"{a[field]!r}, that of {pair[0]}")
        if a["train"]["batch_size"] != b["train"]["batch_size"]:
            _fail(f"{prefix}.variants.{pair[1]}.train.batch_size", b["train"]["batch_size"],
                  f"{a['train']['batch_size']}, that of {pair[0]} (samples are made in batches of it)")
        if not set(variant_seeds(block, pair[0])) & set(variant_seeds(block, pair[1])):
            _fail(key, pair, "two variants with a training seed in common (seed s is compared with seed s)")


# Fields of each experiment block that name variants of the same scale.
VARIANT_FIELDS = {
    "e1": ("variant",), "e2": ("variant",), "e4": ("variant",), "e5": ("variant", "reference"),
    "e6": ("variant",), "e7": ("variants",), "e8c": ("variant", "reference"),
    "e3": ("reference", "bn_pair", "batch1", "attention", "attention_reference"), "e9": ("unet", "linear", "dot", "attention_only"),
    "e10": ("variant",), "t": ("variant",), "beyond_baselines": ("reference", "ddpm", "vae", "dae"),
    "g_disjoint": ("pair",), "m_attractor": ("variants",),
}


def variant_seeds(block: dict, variant: str) -> list[int]:
    """The training seeds of a variant: its own `seeds`, else the scale's."""
    cfg = block["variants"][variant]
    return list(cfg["seeds"] if "seeds" in cfg else block["seeds"])


def resolve(params: dict) -> dict:
    """Validate, then return a flat view: the common keys plus the selected scale's merged block, with
    every claim rule in its full form."""
    validate(params)
    resolved = copy.deepcopy({k: v for k, v in params.items() if k not in ("scales", "claims")})
    resolved.update(scale_block(params, params["scale"]))
    resolved["claims"] = {k: expand_rule(v) for k, v in params["claims"].items()}
    return resolved


def load(path: str | Path = "params.yaml") -> dict:
    """Read, validate and resolve a params file."""
    return resolve(load_raw(path))


def load_raw(path: str | Path = "params.yaml") -> dict:
    """Read a params file without validating it."""
    path = Path(path)
    try:
        with open(path) as f:
            params = yaml.safe_load(f)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {' '.join(str(err).split())}") from None
    if not isinstance(params, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level")
    return params

"""params.yaml: load, validate against the JSON schema, resolve the selected scale.

Every failure is a `ConfigError` whose message is one line naming the key and what was expected.
"""
from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "params.schema.yaml"


class ConfigError(ValueError):
    """A params.yaml problem; `str(err)` is a single line fit for the terminal."""


def _key(path) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _describe(error: jsonschema.ValidationError) -> str:
    """One line: the offending key and the value the schema expects there."""
    key = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        hint = f"; allowed keys: {', '.join(allowed)}" if allowed else ""
        return f"{key}: unknown key {', '.join(map(repr, extra))}{hint}"
    if error.validator == "required":
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


def validate(params: dict) -> None:
    """Schema validation plus the cross-references a schema cannot express."""
    validator = jsonschema.Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(params), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if errors:
        # The deepest error is the most specific one; report it alone.
        best = max(errors, key=lambda e: len(e.absolute_path))
        raise ConfigError(f"params.yaml: {_describe(best)}")
    from .models import MODELS  # deferred: importing torch is slow and not needed for the schema

    for scale, block in params["scales"].items():
        prefix = f"scales.{scale}"
        for name, variant in block["variants"].items():
            key = f"{prefix}.variants.{name}"
            if variant["model"] not in MODELS:
                raise ConfigError(f"params.yaml: {key}.model: got {variant['model']!r}, expected one of {', '.join(sorted(MODELS))}")
            if variant["dataset"] not in block["datasets"]:
                raise ConfigError(f"params.yaml: {key}.dataset: got {variant['dataset']!r}, expected one of {', '.join(sorted(block['datasets']))}")
            train = variant["train"]
            late = [e for e in train["save_epochs"] if e > train["epochs"]]
            if late:
                raise ConfigError(f"params.yaml: {key}.train.save_epochs: got {late}, expected epochs <= train.epochs ({train['epochs']})")
        for exp_name, exp in block["experiments"].items():
            for field in ("variant",):
                if field in exp and exp[field] not in block["variants"]:
                    raise ConfigError(f"params.yaml: {prefix}.experiments.{exp_name}.{field}: got {exp[field]!r}, expected one of {', '.join(sorted(block['variants']))}")
        for ds_name, ds in block["datasets"].items():
            if ds["source"] != "embedded" and "path" not in ds:
                raise ConfigError(f"params.yaml: {prefix}.datasets.{ds_name}.path: missing, expected the path of the user-supplied {ds['source']} data")


def resolve(params: dict) -> dict:
    """Validate, then return a flat view: the common keys plus the selected scale's block."""
    validate(params)
    resolved = copy.deepcopy({k: v for k, v in params.items() if k != "scales"})
    resolved.update(copy.deepcopy(params["scales"][params["scale"]]))
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

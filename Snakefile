# The whole pipeline: data preparation → per-variant training → experiments → claims → report.
# `dvc repro` runs this same file (dvc.yaml has one stage that calls snakemake).
import sys

from aecopy import config as aecfg


configfile: "params.yaml"


report: "workflow/report/workflow.rst"


envvars:
    "PATH",


try:
    # params.yaml is the one configuration (dvc tracks it), so the pipeline refuses `--config` overrides.
    if config != aecfg.load_raw("params.yaml"):
        raise aecfg.ConfigError("params.yaml: --config/--configfile overrides are not supported; edit params.yaml")
    P = aecfg.resolve(config)
except aecfg.ConfigError as err:
    # One line naming the bad key; nothing has run, so nothing under results/ has changed.
    sys.stderr.write(f"error: {err}\n")
    sys.exit(1)


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/train.smk"
include: "workflow/rules/e1.smk"
include: "workflow/rules/represent.smk"
include: "workflow/rules/sample.smk"
include: "workflow/rules/beyond_baselines.smk"
include: "workflow/rules/beyond_generalisation.smk"
include: "workflow/rules/report.smk"


rule all:
    input:
        paths.REPORT,
        paths.claims(),
        paths.metrics(),
    default_target: True


include: "workflow/rules/bench.smk"

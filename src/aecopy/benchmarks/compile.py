"""`snakemake bench` (cli.bench_compile): does torch.compile pay for *training* on this CPU, per default-run job?

Per variant, in a fresh process on one thread (so that nothing compiled earlier is reused): the first
compiled step (compile time + one step) with an empty Inductor cache (cold: the first job of a variant on
a machine) and, in a second process, with the cache the first one filled (warm: its other seeds, later
runs); then compiled and eager steps in interleaved rounds. Inductor compiles in the process itself
(TORCHINDUCTOR_COMPILE_THREADS=1), so the CPU time of the process and of the C++ compiler it runs is
the compile's cost on one idle core, and steps are timed by the thread's CPU time (`bench`: unmoved by
other work on the machine); the first step's wall time is kept beside it. A job of N steps gains by
compiling when compile_s + N·compiled_step < N·eager_step; the default run trains `seeds` jobs of each
variant, the first cold and the others warm. The optimizer step stays eager (see `limit` for fused Adam).
Run as a worker: python -m aecopy.benchmarks.compile '<json>' prints one JSON line.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from ..bench import CPU_CLOCK, interleaved, ratio
from ..config import variant_seeds
from .loop import Loop, job_steps, training_data, variant_config


def cpu_seconds() -> float:
    """CPU seconds of this process and its finished children (Inductor runs the C++ compiler as a child)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(cfg: dict, rounds: int, seconds: float, n_images: int) -> dict:
    """In this process, on one thread: the first compiled step, then eager vs compiled in interleaved rounds."""
    import torch

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True, warn_only=True)  # as every job (cli.common.setup)
    images, labels = training_data(cfg)
    images, labels = images[:n_images], None if labels is None else labels[:n_images]
    eager, compiled = Loop(cfg, images, labels), Loop(cfg, images, labels, compile_=True)
    cpu0, wall0 = cpu_seconds(), time.perf_counter()
    compiled.steps(1)
    first_cpu, first_wall = cpu_seconds() - cpu0, time.perf_counter() - wall0
    k = eager.steps_for(seconds, CPU_CLOCK)
    compiled.steps(1)
    res = interleaved({"eager": lambda: eager.images_per_s(k, CPU_CLOCK),
                       "compiled": lambda: compiled.images_per_s(k, CPU_CLOCK)}, rounds)
    bs = eager.bs
    eager_step, compiled_step = bs / res["eager"]["median"], bs / res["compiled"]["median"]
    return {"first_compiled_step_cpu_s": first_cpu, "first_compiled_step_wall_s": first_wall,
            "compile_s": max(0.0, first_cpu - compiled_step), "eager_step_s": eager_step,
            "compiled_step_s": compiled_step, "compiled_vs_eager": ratio(res["compiled"], res["eager"]),
            "images_per_s": res, "steps_per_round": k}


def _worker(spec: dict, cache_dir: str) -> dict:
    env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": cache_dir, "TORCHINDUCTOR_COMPILE_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-m", __name__, json.dumps(spec)], capture_output=True, text=True,
                          env=env)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else f"exit {proc.returncode}"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def steps_of_both(cold: dict, warm: dict) -> dict:
    """Eager and compiled step seconds from the rounds of both processes (median of the per-round
    eager steps and of the per-round compiled/eager ratios): one process's rounds drift with the machine."""
    eager = [s for r in (cold, warm) for s in r["images_per_s"]["eager"]["samples"]]
    compiled = [s for r in (cold, warm) for s in r["images_per_s"]["compiled"]["samples"]]
    speed = ratio({"samples": compiled}, {"samples": eager})
    eager_step = cold["eager_step_s"] * cold["images_per_s"]["eager"]["median"] / statistics.median(eager)
    return {"eager_step_s": eager_step, "compiled_step_s": eager_step / speed["median"], "compiled_vs_eager": speed}


def verdict(eager_step: float, compiled_step: float, compile_cold: float, compile_warm: float, steps: int,
            seeds: int) -> dict:
    """Seconds a job and the default run's `seeds` jobs of the variant gain (> 0) or lose by compiling."""
    saved = steps * (eager_step - compiled_step)
    first, later = saved - compile_cold, saved - compile_warm
    return {"job_steps": steps, "seeds": seeds, "eager_job_s": steps * eager_step,
            "first_job_gain_s": first, "later_job_gain_s": later, "default_run_gain_s": first + (seeds - 1) * later,
            "break_even_steps_cold": compile_cold / (eager_step - compiled_step) if eager_step > compiled_step else None,
            "pays_first_job": first > 0, "pays_in_default_run": first + (seeds - 1) * later > 0}


def run(params, variants: list[str], rounds: int, seconds: float, n_images: int) -> dict:
    from ..cli.common import log

    out = {}
    for name in variants:
        cfg = params["variants"][name]
        spec = {"cfg": variant_config(cfg), "rounds": rounds, "seconds": seconds, "n_images": n_images}
        with tempfile.TemporaryDirectory() as cache:
            cold = _worker(spec, cache)
            warm = _worker(spec, cache) if "error" not in cold else cold
        if "error" in cold or "error" in warm:
            out[name] = {"error": cold.get("error") or warm.get("error")}
            log(f"{name}: torch.compile failed: {out[name]['error']}")
            continue
        steps = job_steps(cfg, training_data(cfg)[0].shape[0])
        both = steps_of_both(cold, warm)
        out[name] = r = {"cold": cold, "warm": warm, **both,
                         **verdict(both["eager_step_s"], both["compiled_step_s"], cold["compile_s"], warm["compile_s"],
                                   steps, len(variant_seeds(params, name)))}
        speed = both["compiled_vs_eager"]
        log(f"{name}: compile {cold['compile_s']:.1f} s cold, {warm['compile_s']:.1f} s warm (CPU); compiled/eager "
            f"{speed['median']:.2f} ({speed['low']:.2f}–{speed['high']:.2f}); {steps}-step job gains "
            f"{r['first_job_gain_s']:.1f} s (first) / {r['later_job_gain_s']:.1f} s (later); "
            f"default run {r['default_run_gain_s']:.1f} s")
    return {"threads": 1, "models": out}


if __name__ == "__main__":
    s = json.loads(sys.argv[1])
    print(json.dumps(measure(s["cfg"], s["rounds"], s["seconds"], s["n_images"])))

"""`snakemake bench` (cli.bench_concurrency): two jobs on one thread each, started together, against one job on
two threads after the other, per kind of rule (training a small and a large variant, an inversion, an
experiment's forward passes).

Per kind, four worker processes build the same workload once: A and B on one thread, C on two threads,
D on two threads with OMP_WAIT_POLICY=PASSIVE (OpenMP's waiting threads sleep instead of spinning,
which matters when other processes share the cores). In interleaved rounds (the order rotating):
"2x1" = A and B each run the workload at the same time; "1x2" = C runs it twice, one after the other;
"1x2_passive" = D likewise. The wall times of the two workloads give the ratio 1x2 / 2x1 (> 1: two
one-thread jobs finish sooner). Every run starts from the same state, so its output digest shows
whether results are byte-identical for a fixed thread count (A = B, every round alike) and whether
they depend on the thread count (A against C).
Run as a worker: python -m aecopy.benchmarks.concurrency '<json>' (reads "go k" / "quit" lines).
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

from ..bench import ratio, summary


def _digest(t) -> str:
    return hashlib.sha256(t.detach().contiguous().numpy().tobytes()).hexdigest()


def workload(spec: dict):
    """(run(k) -> digest) of a kind: k training steps, k inversion steps or k generation steps, each time
    from the same state."""
    import torch

    from ..models import build_model
    from .loop import Loop, training_data

    cfg = spec["cfg"]
    if spec["kind"] == "train":
        images, labels = training_data(cfg)
        loop = Loop(cfg, images[:spec["images"]], None if labels is None else labels[:spec["images"]])

        def run(k):
            loop.reset()
            loop.steps(k)
            return loop.digest()
        return run
    torch.manual_seed(0)
    model = build_model(cfg["model"], cfg["image_size"], **cfg["kwargs"]).train()
    s, bs = cfg["image_size"], spec["batch_size"]
    if spec["kind"] == "invert":
        from .. import datasets
        from ..procedures.inversion import invert, inversion_mode, layer_fn, start_like
        from ..train import to_input

        val = datasets.load_split(cfg["dataset"], "val")
        x = to_input(val[datasets.spread_indices(val.shape[0], bs)], s, "cpu")
        start = start_like(x, torch.Generator().manual_seed(0), spec["start_mean"], spec["start_sd"])

        def run(k):
            with inversion_mode(model):
                f = layer_fn(model, "output")
                with torch.no_grad():
                    target = f(x)
                return _digest(invert(f, target, start, steps=k, c=spec["c"], lr=spec["lr"])["a"])
        return run
    from ..procedures.generate import generate

    channels_last = cfg["train"].get("channels_last", False)  # E7 generates as the variant trained
    if channels_last:
        model = model.to(memory_format=torch.channels_last)

    def run(k):
        return _digest(generate(model, (bs, 3, s, s), k, torch.Generator().manual_seed(0),
                                channels_last=channels_last)[0])
    return run


def worker(spec: dict) -> None:
    import torch

    torch.set_num_threads(spec["threads"])
    torch.use_deterministic_algorithms(True, warn_only=True)  # as every job (cli.common.setup)
    run = workload(spec)
    run(1)  # warm-up
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        if line.startswith("quit"):
            return
        k = int(line.split()[1])
        t0 = time.perf_counter()
        digest = run(k)
        print(json.dumps({"seconds": time.perf_counter() - t0, "digest": digest}), flush=True)


class Worker:
    def __init__(self, spec: dict, n_threads: int, env: dict | None = None):
        self.proc = subprocess.Popen([sys.executable, "-m", __name__, json.dumps({**spec, "threads": n_threads})],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env={**os.environ, **(env or {})})

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"benchmark worker ended (exit {self.proc.wait()})")
        return json.loads(line)

    def send(self, k: int) -> None:
        self.proc.stdin.write(f"go {k}\n")
        self.proc.stdin.flush()

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.close()
        self.proc.wait()


def bench_kind(spec: dict, rounds: int, seconds: float) -> dict:
    """2 jobs × 1 thread vs 1 job × 2 threads (spinning and passive OpenMP waits) for one workload."""
    workers = {"A": Worker(spec, 1), "B": Worker(spec, 1), "C": Worker(spec, 2),
               "D": Worker(spec, 2, {"OMP_WAIT_POLICY": "PASSIVE"})}
    try:
        for w in workers.values():
            w.read()  # ready: built and warmed up
        digests = {name: [] for name in workers}

        def together(*names, steps=None):
            t0 = time.perf_counter()
            for n in names:
                workers[n].send(steps or k)
            for n in names:
                digests[n].append(workers[n].read()["digest"])
            return time.perf_counter() - t0

        unit = min(together("A", steps=1) for _ in range(2))  # one step on one thread, nothing else of ours running
        k = max(1, min(1000, round(seconds / unit)))
        digests = {name: [] for name in workers}

        def one_after_other(name):
            return together(name) + together(name)

        configs = {"2x1": lambda: together("A", "B"), "1x2": lambda: one_after_other("C"),
                   "1x2_passive": lambda: one_after_other("D")}
        walls = {c: [] for c in configs}
        names = list(configs)
        for r in range(rounds):
            for c in names[r % len(names):] + names[:r % len(names)]:
                walls[c].append(configs[c]())
    finally:
        for w in workers.values():
            w.close()
    res = {c: summary(v) for c, v in walls.items()}
    a = digests["A"]
    return {
        "steps_per_job": k, "step_s_one_thread_alone": unit, "wall_s_two_jobs": res,
        "one_after_other_vs_together": ratio(res["1x2"], res["2x1"]),
        "passive_one_after_other_vs_together": ratio(res["1x2_passive"], res["2x1"]),
        "identical_one_thread": len(set(a + digests["B"])) == 1,
        "identical_two_threads": len(set(digests["C"] + digests["D"])) == 1,
        "one_thread_equals_two_threads": a[0] == digests["C"][0],
    }


def run(params, train_variants: list[str], inversion_variant: str, experiment_variant: str, images: int,
        rounds: int, seconds: float) -> dict:
    from ..cli.common import log
    from ..experiments.invert import settings_for
    from .loop import plain, variant_config

    inv = plain(settings_for(params["experiments"]["inversion"], inversion_variant))
    variants = params["variants"]
    kinds = {f"train_{v}": {"kind": "train", "cfg": variant_config(variants[v]), "images": images} for v in train_variants}
    kinds[f"invert_{inversion_variant}"] = {"kind": "invert", "cfg": variant_config(variants[inversion_variant]),
                                            **{k: inv[k] for k in ("batch_size", "c", "lr", "start_mean", "start_sd")}}
    kinds[f"generate_{experiment_variant}"] = {"kind": "generate", "cfg": variant_config(variants[experiment_variant]),
                                               "batch_size": variants[experiment_variant]["train"]["batch_size"]}
    out = {}
    for name, spec in kinds.items():
        out[name] = r = bench_kind(spec, rounds, seconds)
        log(f"{name}: two jobs one after the other on 2 threads / together on 1 thread each: "
            f"{r['one_after_other_vs_together']['median']:.2f} ({r['one_after_other_vs_together']['low']:.2f}–"
            f"{r['one_after_other_vs_together']['high']:.2f}); passive waits "
            f"{r['passive_one_after_other_vs_together']['median']:.2f}; byte-identical at 1 thread "
            f"{r['identical_one_thread']}, at 2 threads {r['identical_two_threads']}, 1 = 2 threads "
            f"{r['one_thread_equals_two_threads']}")
    return {"kinds": out}


if __name__ == "__main__":
    worker(json.loads(sys.argv[1]))

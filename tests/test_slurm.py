"""The tiny pipeline through a real one-node Slurm cluster and the project's slurm profile.

The cluster is Debian's slurm-wlm and munge (workflow/scripts/test.sh installs them as root): munged,
slurmctld and slurmd run on this machine with a minimal slurm.conf in a temporary folder, and stop when
the module's tests are done. Without root or without the packages the tests skip.

Slurm's commands find this cluster through SLURM_CONF. Inside a job, the executor's jobstep drops every
SLURM_* variable but the job's identity before it calls `srun`, so the jobs see the cluster through a
two-line `srun` on PATH that sets SLURM_CONF again (a real cluster keeps its slurm.conf where `srun` looks
by default, /etc/slurm, or runs configless).
"""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
import torch

from aecopy import config
from aecopy.train import load_checkpoint, make_spec

from .conftest import ENV, make_project, run, tiny_params

PARTITION = "debug"
COMMANDS = ("munged", "mungekey", "slurmctld", "slurmd", "sbatch", "squeue", "sinfo", "scancel", "srun")
MISSING = [cmd for cmd in COMMANDS if not shutil.which(cmd)]

# Checked before any fixture, so that a skipped module builds nothing.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="the Slurm tests need root (to run the slurm-wlm and munge daemons)"),
    pytest.mark.skipif(bool(MISSING), reason=f"Slurm is not installed (missing {', '.join(MISSING)}); "
                       "workflow/scripts/test.sh installs Debian's slurm-wlm and munge as root"),
]

SLURM_CONF = """\
ClusterName=aecopytest
SlurmctldHost={host}
SlurmctldPort={ctld_port}
SlurmdPort={slurmd_port}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket={dir}/munge.sock
StateSaveLocation={dir}/state
SlurmdSpoolDir={dir}/spool
SlurmctldPidFile={dir}/slurmctld.pid
SlurmdPidFile={dir}/slurmd.pid
SlurmctldLogFile={dir}/slurmctld.log
SlurmdLogFile={dir}/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={mem_mb} State=UNKNOWN
PartitionName={partition} Nodes=ALL Default=YES MaxTime=INFINITE State=UP
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _real_memory_mb() -> int:
    """The machine's memory (MemTotal) less 10%, so that slurmd's own measure is never below it."""
    with open("/proc/meminfo") as f:
        kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    return int(kb / 1024 * 0.9)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _logs(folder: Path) -> str:
    """The tail of each daemon's log and output, for a failure message."""
    return "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
                     for p in sorted([*folder.glob("*.log"), *folder.glob("*.out")]))


@pytest.fixture(scope="module")
def slurm() -> dict:
    """A running one-node cluster: {env: the variables that point Slurm's commands at it, version}.

    The daemons run in the foreground as children of this process and are stopped by their pids, first
    cancelling whatever jobs are left, even when a test failed.
    """
    host = socket.gethostname().split(".")[0]
    folder = Path(tempfile.mkdtemp(prefix="aecopy-slurm-"))
    folder.chmod(0o755)  # munged wants its socket's folder searchable by everyone
    conf = folder / "slurm.conf"
    shim = folder / "bin" / "srun"
    env = {"SLURM_CONF": str(conf), "PATH": f"{shim.parent}{os.pathsep}{ENV['PATH']}"}
    started: list[tuple[subprocess.Popen, object]] = []
    try:
        (folder / "state").mkdir()
        (folder / "spool").mkdir()
        conf.write_text(SLURM_CONF.format(host=host, dir=folder, ctld_port=_free_port(),
                                          slurmd_port=_free_port(), cpus=len(os.sched_getaffinity(0)),
                                          mem_mb=_real_memory_mb(), partition=PARTITION))
        shim.parent.mkdir()
        shim.write_text(f'#!/bin/sh\nSLURM_CONF={conf} exec {shutil.which("srun")} "$@"\n')
        shim.chmod(0o755)
        run(["mungekey", "--create", f"--keyfile={folder / 'munge.key'}"], folder)
        for cmd in (["munged", "--foreground", f"--socket={folder / 'munge.sock'}",
                     f"--key-file={folder / 'munge.key'}", f"--log-file={folder / 'munged.log'}",
                     f"--pid-file={folder / 'munged.pid'}", f"--seed-file={folder / 'munged.seed'}"],
                    ["slurmctld", "-D", "-f", str(conf)],
                    ["slurmd", "-D", "-f", str(conf)]):
            out = open(folder / f"{cmd[0]}.out", "w")
            started.append((subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                             env={**os.environ, **env}), out))
            if cmd[0] == "munged":
                for _ in range(50):
                    if (folder / "munge.sock").exists():
                        break
                    time.sleep(0.1)
        deadline = time.monotonic() + 60
        state = ""
        while time.monotonic() < deadline:
            state = run(["sinfo", "--noheader", "--format=%T"], folder, check=False, env=env).stdout.strip()
            if state == "idle":
                break
            time.sleep(1)
        assert state == "idle", f"the Slurm node did not come up (state {state!r})\n{_logs(folder)}"
        yield {"env": env, "version": run(["sinfo", "--version"], folder, env=env).stdout.strip()}
    finally:
        if started:
            run(["scancel", "--full", f"--partition={PARTITION}"], folder, check=False, env=env)
        for proc, out in reversed(started):
            _stop(proc)
            out.close()
        shutil.rmtree(folder, ignore_errors=True)


def snakemake_slurm(project: Path, slurm: dict, *targets: str) -> subprocess.CompletedProcess:
    """Snakemake with the project's slurm profile, resources cut to the test cluster's one 2-CPU node (no GPU)."""
    cmd = ["snakemake", "--profile", "workflow/profiles/slurm", "--jobs", "2",
           "--default-resources", "slurm_account=aecopy", f"slurm_partition={PARTITION}", "runtime=30",
           "mem_mb=2000", "cpus_per_task=1",
           "--set-resources", f"train:slurm_partition={PARTITION}", "train:runtime=30", "train:mem_mb=3000",
           "train:cpus_per_task=2", "train:gpu=0",
           "--slurm-status-command", "squeue", "--slurm-init-seconds-before-status-checks", "2",
           "--slurm-keep-successful-logs", "--latency-wait", "5", *targets]
    t0 = time.monotonic()
    proc = run(cmd, project, env=slurm["env"], timeout=1800)
    print(f"{' '.join(targets) or 'all'} through Slurm ({slurm['version']}): {time.monotonic() - t0:.0f} s")
    return proc


def _slurm_logs(project: Path, rule: str) -> list[Path]:
    """The job logs Snakemake's slurm executor keeps under .snakemake/slurm_logs/rule_<rule>/."""
    return sorted((project / ".snakemake" / "slurm_logs" / f"rule_{rule}").rglob("*.log"))


def test_e1_through_slurm_gives_the_local_claims(slurm, built, tmp_path):
    """E1's chain (prepare → train fc → e1) as Slurm jobs: the same claims as the local run, bit for bit.

    (E1's chain stands in for the DAG: every rule runs through the same executor; the whole tiny DAG, 40
    jobs, takes minutes through Slurm's status polling.)
    """
    project = make_project(tmp_path / "slurm")
    snakemake_slurm(project, slurm, "results/e1/claims.json")
    claims = json.loads((project / "results" / "e1" / "claims.json").read_text())
    local = json.loads((built / "results" / "e1" / "claims.json").read_text())
    assert [c["id"] for c in claims] == [c["id"] for c in local] and "E1" in [c["id"] for c in claims]
    assert [(c["value"], c["ci_low"], c["ci_high"], c["verdict"]) for c in claims] == \
        [(c["value"], c["ci_low"], c["ci_high"], c["verdict"]) for c in local]
    for path in ("results/e1/claims.json", "results/e1/metrics.json", "data/prepared/photos32/train.npy"):
        assert (project / path).read_bytes() == (built / path).read_bytes(), path
    # Each job went through sbatch: Snakemake's slurm executor kept one log per job, named by its job id.
    for rule in ("prepare", "train", "e1"):
        [log] = _slurm_logs(project, rule)
        assert re.fullmatch(r"\d+\.log", log.name) and f"rule {rule}:" in log.read_text()
    assert "Nothing to be done" in run(["snakemake", "-n", "results/e1/claims.json"], project).stdout


def test_ddp_training_job_through_slurm(slurm, photos_available, tmp_path):
    """`gpus: 2` on CPU: the job runs two gloo ranks under torchrun; only rank 0 writes; the checkpoint loads."""
    params = tiny_params()
    params.update(gpus=2, device="cpu")
    project = make_project(tmp_path / "ddp", params)
    out = project / "results" / "train" / "fc" / "seed0"
    snakemake_slurm(project, slurm, str(out.relative_to(project)))
    [job_log] = _slurm_logs(project, "train")
    assert "torchrun --standalone --nproc_per_node 2" in job_log.read_text()
    log = (project / "logs" / "train" / "fc-seed0.log").read_text()
    assert log.count("training fc (model fc) seed 0") == 2, log  # both ranks started
    assert log.count("wrote 2 checkpoint(s)") == 1, log  # one of them wrote
    assert sorted(p.name for p in out.iterdir() if p.name != ".snakemake_timestamp") == \
        ["epoch0001.pt", "epoch0002.pt", "loss_epochs.csv", "loss_steps.csv", "validation.csv"]
    [work] = (project / ".cache" / "train" / "fc" / "seed0").iterdir()
    assert sorted(p.name for p in work.iterdir()) == ["epoch0001.pt", "epoch0002.pt", "last.pt"]
    resolved = config.load(project / "params.yaml")
    cfg = resolved["variants"]["fc"]
    spec = make_spec("fc", cfg, resolved["datasets"][cfg["dataset"]], 0)
    model, ckpt = load_checkpoint(out / "epoch0002.pt", spec)
    n_train = int(re.search(r"on (\d+) images", log).group(1))
    steps = min(n_train // (cfg["train"]["batch_size"] * 2), cfg["train"]["max_steps_per_epoch"])
    assert ckpt["epoch"] == 2 and ckpt["step"] == 2 * steps
    assert len(ckpt["history"]["step_loss"]) == 2 * steps
    # Both ranks log the loss of the global batches, which is what the checkpoint records.
    epoch_losses = re.findall(r"fc seed 0 epoch (\d): loss ([0-9.]+)", log)
    assert sorted(epoch_losses) == sorted(2 * [("1", f"{ckpt['history']['epoch_loss'][0]:.5f}"),
                                               ("2", f"{ckpt['history']['epoch_loss'][1]:.5f}")]), log
    size = ckpt["spec"]["model"]["image_size"]
    x = torch.rand(2, 3, size, size)
    assert model(x).shape == x.shape

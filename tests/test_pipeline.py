"""End to end on a tiny configuration: snakemake, dvc repro, push/clone/pull, determinism."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import make_project, run

pytestmark = pytest.mark.slow


def test_default_run_produces_claims_and_report(built):
    claims = json.loads((built / "results" / "claims.json").read_text())
    e1 = next(c for c in claims if c["id"] == "E1")
    keys = {"id", "claim", "metric", "value", "ci_low", "ci_high", "rule", "verdict", "scale", "data"}
    assert keys <= set(e1)
    assert e1["verdict"] in ("reproduced", "not reproduced", "inconclusive")
    assert e1["ci_low"] <= e1["value"] <= e1["ci_high"]
    report = (built / "results" / "report.html").read_text()
    assert "data:image/png;base64," in report and ">E1<" in report
    env = json.loads((built / "results" / "metrics.json").read_text())["environment"]
    assert env["torch"] and env["snakemake"] and env["torch_threads"] >= 1
    assert "<h2 id='environment'>Environment</h2>" in report and f"<td>{env['torch']}</td>" in report


def test_second_run_has_nothing_to_do(built):
    assert "Nothing to be done" in run(["snakemake", "-n"], built).stdout
    assert "up to date" in run(["dvc", "status"], built).stdout


def test_every_rule_has_a_log_and_lint_passes(built):
    run(["snakemake", "--lint"], built)


def _snakemake_outputs(project: Path) -> set[str]:
    """Every file the DAG of `rule all` produces (directory outputs expanded to their files)."""
    table = run(["snakemake", "--summary"], project).stdout.splitlines()
    files = set()
    for line in table[1:]:
        path = project / line.split("\t")[0]
        if path.is_dir():
            files |= {str(p.relative_to(project)) for p in path.rglob("*") if p.is_file()}
        else:
            files.add(line.split("\t")[0])
    return files


def _dvc_tracked(project: Path) -> set[str]:
    out = run(["dvc", "ls", "-R", "--dvc-only", "."], project).stdout
    return {line.strip() for line in out.splitlines() if line.strip()}


def test_dvc_tracks_exactly_what_rule_all_produces(built):
    # Snakemake's summary lists outputs, not the jobs' benchmark files, which DVC versions with results/
    produced = _snakemake_outputs(built) | {str(p.relative_to(built)) for p in (built / "results" / "bench" / "jobs").rglob("*.tsv")}
    assert "results/claims.json" in produced and any(p.endswith(".pt") for p in produced)
    assert _dvc_tracked(built) == produced


def test_push_clone_pull_is_up_to_date(built, tmp_path):
    remote = tmp_path / "remote"
    run(["dvc", "remote", "add", "-d", "-f", "local", str(remote)], built)
    run(["dvc", "push"], built)
    run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "add", "-A"], built)
    run(["git", "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "run"], built)
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(built), str(clone)], tmp_path)
    run(["bash", "workflow/scripts/pull.sh"], clone)
    assert "up to date" in run(["dvc", "status"], clone).stdout
    assert "Nothing to be done" in run(["snakemake", "-n"], clone).stdout
    assert (clone / "results" / "claims.json").read_bytes() == (built / "results" / "claims.json").read_bytes()


def test_same_seed_gives_identical_claims(built, tmp_path):
    """A second project from scratch, same params: the whole results/claims.json (every claim, every control)
    and every experiment's metrics repeat bit for bit."""
    again = make_project(tmp_path / "again")
    run(["snakemake", "--cores", "2", "results/claims.json"], again)
    produced = sorted(p.relative_to(built) for p in (built / "results").glob("*/metrics.json"))
    assert produced
    for path in ["results/claims.json", "data/prepared/photos32/train.npy", *map(str, produced)]:
        assert (again / path).read_bytes() == (built / path).read_bytes(), path


CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--allow-file-access-from-files"]

PROBE = """<!doctype html><html><body><iframe id=r src="{report}" width=1200 height=800></iframe>
<pre id=out>pending</pre><script>
document.getElementById('r').onload = function () {{
  var d = this.contentDocument, imgs = Array.from(d.images);
  var ok = imgs.filter(function (i) {{ return i.complete && i.naturalWidth > 0; }}).length;
  var rows = d.querySelectorAll('#claims tbody tr').length;
  document.getElementById('out').textContent = 'images=' + imgs.length + ' loaded=' + ok + ' rows=' + rows;
}};
</script></body></html>"""


def test_report_renders_in_a_browser(built, tmp_path):
    """Headless Chromium: a screenshot, every image decoded, one table row per claim."""
    import re
    import shutil

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "Debian's chromium is not installed (workflow/scripts/test.sh installs it)"
    report = built / "results" / "report.html"
    profile = tmp_path / "profile"
    shot = tmp_path / "report.png"
    run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--window-size=1200,2000",
         f"--screenshot={shot}", report.as_uri()], tmp_path, timeout=120)
    assert shot.stat().st_size > 10_000
    probe = tmp_path / "probe.html"
    probe.write_text(PROBE.format(report=report.as_uri()))
    dom = run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--virtual-time-budget=10000",
               "--dump-dom", probe.as_uri()], tmp_path, timeout=120).stdout
    found = re.search(r"images=(\d+) loaded=(\d+) rows=(\d+)", dom)
    assert found, dom[-2000:]
    images, loaded, rows = map(int, found.groups())
    claims = json.loads((built / "results" / "claims.json").read_text())
    assert images > 0 and loaded == images
    assert rows == len(claims)


def test_dvc_metrics_and_plots(built):
    metrics = run(["dvc", "metrics", "show", "--json"], built).stdout
    assert "E1" in metrics
    run(["dvc", "plots", "show", "--json"], built)
    run(["dvc", "params", "diff"], built)

"""Fault injection: two runs at once, odd images, a changed save_epochs, empty or changed evaluation
folders, unreadable checkpoints, skipped files, byte-reproducible checkpoints, leftovers.

Each test checks the exit status (or the exception), the one-line message naming the key or file, and
that nothing already built was lost or silently changed.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from PIL import Image

from aecopy import config
from aecopy.params import declare
from aecopy.cli import prepare_eval
from aecopy.data import DataError, load_image_folder
from aecopy.data import skipped as skipped_inputs
from aecopy.data.sources import decode_rgb
from aecopy.io import CheckpointError, load_torch, save_torch
from aecopy.report.html import render
from aecopy.train import load_checkpoint, make_spec, train

from .conftest import ENV, REPO, make_project, run, tiny_params

SNAKEMAKE = str(Path(sys.executable).parent / "snakemake")
BUSY = "error: another run holds this project folder"


def quiet(_msg: str) -> None:
    pass


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes (to show that nothing was lost or changed)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# --- 1. two runs at once ------------------------------------------------------------------------

SLOW_SNAKEFILE = """
rule all:
    input: "a.txt"

rule slow:
    output: "a.txt"
    shell: "sleep 4; echo done > {output}"
"""


@pytest.fixture
def mini_project(tmp_path) -> Path:
    """The run scripts beside a Snakefile whose one job sleeps; set-up and dvc are stand-ins."""
    scripts = tmp_path / "workflow" / "scripts"
    scripts.mkdir(parents=True)
    for name in ("lock.sh", "snakemake.sh", "run.sh"):
        shutil.copy(REPO / "workflow" / "scripts" / name, scripts / name)
    (scripts / "setup.sh").write_text("echo set-up >> setup.log\n")
    (tmp_path / "Snakefile").write_text(SLOW_SNAKEFILE)
    profile = tmp_path / "workflow" / "profiles" / "default"
    profile.mkdir(parents=True)
    (profile / "config.yaml").write_text("cores: 1\n")
    (tmp_path / "b.txt").write_text("built before\n")
    venv = tmp_path / ".venv" / "bin"
    venv.mkdir(parents=True)
    (venv / "snakemake").symlink_to(SNAKEMAKE)
    # a wrapper, not a link: the interpreter finds its environment (aecopy installed) through its own path
    (venv / "python").write_text(f"#!/bin/sh\nexec {sys.executable} \"$@\"\n")
    (venv / "python").chmod(0o755)
    (venv / "dvc").write_text("#!/bin/sh\necho dvc \"$@\" >> dvc.log\n")
    (venv / "dvc").chmod(0o755)
    return tmp_path


def test_dvc_stage_runs_snakemake_through_the_lock():
    stage = yaml.safe_load((REPO / "dvc.yaml").read_text())["stages"]["pipeline"]
    assert stage["cmd"].split()[:2] == ["bash", "workflow/scripts/snakemake.sh"]


def test_second_run_fails_at_once_and_the_first_keeps_its_locks(mini_project):
    """While one run goes, another (even one with nothing to do) is refused at once in one line;
    Snakemake's locks of the first stay, and a third invocation does not start its job again."""
    first = subprocess.Popen(["bash", "workflow/scripts/snakemake.sh", "-c1"], cwd=mini_project, env=ENV,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    locks = mini_project / ".snakemake" / "locks"
    deadline = time.time() + 60
    while not (locks.is_dir() and any(locks.iterdir())):
        assert time.time() < deadline and first.poll() is None, "the first run did not start"
        time.sleep(0.05)
    held = sorted(p.name for p in locks.iterdir())
    before = (mini_project / "b.txt").read_bytes()
    for cmd in (["bash", "workflow/scripts/snakemake.sh", "-c1", "b.txt"],  # nothing to do
                ["bash", "workflow/scripts/snakemake.sh", "-c1"],
                ["bash", "workflow/scripts/run.sh"]):
        t0 = time.time()
        second = run(cmd, mini_project, check=False)
        assert second.returncode == 75, second.stderr
        assert time.time() - t0 < 3
        lines = second.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith(BUSY) and "project.lock" in lines[0], second.stderr
        assert "pid " in lines[0]
        assert sorted(p.name for p in locks.iterdir()) == held  # the first run's locks are intact
    assert not (mini_project / "setup.log").exists()  # run.sh stopped before its set-up
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert err.count("localrule slow") == 1
    assert (mini_project / "a.txt").read_text() == "done\n" and (mini_project / "b.txt").read_bytes() == before


def test_run_sh_holds_the_lock_and_its_snakemake_call_shares_it(mini_project):
    record = skipped_inputs.record("eval_sets.mine", "/photos", 5, [("x.jpg", "truncated")])
    skipped_inputs.write(mini_project / "data" / "prepared" / "eval" / "mine-64.skipped.json", record)
    proc = run(["bash", "workflow/scripts/run.sh"], mini_project, check=False)
    assert proc.returncode == 0, proc.stderr
    # the run ends with one line on the terminal per source whose files were skipped
    assert proc.stderr.strip().splitlines()[-1] == ("warning: on_bad_data: skip left out 1 unusable file(s) of "
                                                    "eval_sets.mine (/photos; 5 kept): x.jpg")
    assert (mini_project / "a.txt").read_text() == "done\n"
    assert (mini_project / "setup.log").exists() and "commit" in (mini_project / "dvc.log").read_text()
    # released when the run ended: the next one finds nothing to do
    again = run(["bash", "workflow/scripts/snakemake.sh", "-c1"], mini_project)
    assert "Nothing to be done" in again.stdout + again.stderr


# --- 2. every image mode → 8-bit RGB -------------------------------------------------------------

def _palette_with_transparency() -> Image.Image:
    im = Image.new("P", (40, 40), 1)
    im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    im.paste(0, (0, 0, 40, 20))  # top half index 0 (black), bottom half index 1 (red), red transparent
    im.info["transparency"] = 1
    return im


def _rgba() -> Image.Image:
    im = Image.new("RGBA", (40, 40), (0, 0, 255, 255))
    im.paste((255, 0, 0, 0), (0, 20, 40, 40))  # bottom half fully transparent red
    return im


WHITE = (255, 255, 255)
# name: (image, file name, expected RGB of the top-left and bottom-left quarter's centres)
MODES = {
    "I;16 png": (lambda: Image.fromarray(np.full((40, 40), 32896, np.uint16)), "g16.png", (128,) * 3, (128,) * 3),
    "I;16 tiff": (lambda: Image.fromarray(np.full((40, 40), 65535 // 4, np.uint16)), "g16.tif", (64,) * 3, (64,) * 3),
    "I;16B": (lambda: Image.frombytes("I;16B", (40, 40), np.full((40, 40), 40000, ">u2").tobytes()), "g16b.tif",
              (156,) * 3, (156,) * 3),
    "I;16 dark": (lambda: Image.fromarray(np.full((40, 40), 200, np.uint16)), "dark16.png", (1,) * 3, (1,) * 3),
    "I": (lambda: Image.fromarray(np.full((40, 40), 65535, np.int32)), "i32.tif", WHITE, WHITE),
    "F": (lambda: Image.fromarray(np.full((40, 40), 0.25, np.float32)), "f.tif", (64,) * 3, (64,) * 3),
    "P transparency": (_palette_with_transparency, "p.png", (0, 0, 0), WHITE),
    "P": (lambda: Image.new("RGB", (40, 40), (0, 128, 255)).quantize(4), "p.png", (0, 128, 255), (0, 128, 255)),
    "LA": (lambda: Image.new("LA", (40, 40), (100, 0)), "la.png", WHITE, WHITE),
    "RGBA": (_rgba, "rgba.png", (0, 0, 255), WHITE),
    "CMYK": (lambda: Image.new("CMYK", (40, 40), (0, 255, 255, 0)), "cmyk.tif", (255, 0, 0), (255, 0, 0)),
    "1": (lambda: Image.new("1", (40, 40), 1), "one.png", WHITE, WHITE),
    "L": (lambda: Image.new("L", (40, 40), 77), "l.png", (77,) * 3, (77,) * 3),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_becomes_faithful_8bit_rgb(tmp_path, mode):
    make, name, top, bottom = MODES[mode]
    make().save(tmp_path / name)
    rgb = decode_rgb(tmp_path / name, 8)
    assert rgb.mode == "RGB" and rgb.size == (40, 40)
    assert rgb.getpixel((10, 10)) == top and rgb.getpixel((10, 30)) == bottom
    result = load_image_folder(tmp_path, 20, center_crop=None)  # the loader of image_folder and eval sets
    assert result.images.shape == (1, 3, 20, 20) and result.images.dtype == np.uint8


def test_16bit_greyscale_is_not_saturated(tmp_path):
    ramp = np.repeat(np.linspace(0, 65535, 64).astype(np.uint16)[None], 32, axis=0)  # (32, 64) dark → light
    Image.fromarray(ramp).save(tmp_path / "ramp.png")
    grey = np.asarray(decode_rgb(tmp_path / "ramp.png", 8))[..., 0]
    np.testing.assert_allclose(grey[0].astype(float), ramp[0] / 257, atol=1)
    assert (grey < 128).mean() > 0.45  # Pillow's convert("RGB") made 63 of 64 columns white


def test_cmyk_icc_profile_is_applied_or_refused(tmp_path):
    """A CMYK image goes through its embedded ICC profile; one that does not fit is refused by name."""
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("CMYK", (40, 40), (0, 255, 255, 0)).save(tmp_path / "cmyk_bad_profile.jpg", icc_profile=srgb)
    Image.new("RGB", (40, 40), (0, 128, 0)).save(tmp_path / "fine.png")
    with pytest.raises(DataError) as info:
        load_image_folder(tmp_path, 16, center_crop=None)
    assert "cmyk_bad_profile.jpg: CMYK image with an unusable ICC profile" in str(info.value)


def test_exif_orientation_is_applied(tmp_path):
    im = Image.new("RGB", (60, 30), (255, 0, 0))
    im.paste((0, 0, 255), (30, 0, 60, 30))  # stored: left red, right blue
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    im.save(tmp_path / "phone.png", exif=exif)
    upright = decode_rgb(tmp_path / "phone.png", 8)
    assert upright.size == (30, 60)
    assert upright.getpixel((15, 10)) == (255, 0, 0) and upright.getpixel((15, 50)) == (0, 0, 255)


@pytest.mark.parametrize("make, name, says", [
    (lambda: Image.fromarray(np.full((40, 40), 3.5, np.float32)), "hdr.tif", "image mode F (32-bit float) with values outside [0, 1]"),
    (lambda: Image.fromarray(np.full((40, 40), -5, np.int32)), "signed.tif", "image mode I with values outside 0..65535"),
])
def test_unfaithful_modes_are_refused_by_name(tmp_path, make, name, says):
    make().save(tmp_path / name)
    with pytest.raises(DataError) as info:
        load_image_folder(tmp_path, 16, center_crop=None)
    assert f"  {name}: {says}" in str(info.value)
    with pytest.warns(UserWarning, match=name):
        with pytest.raises(DataError, match=f"no usable images in {tmp_path}"):
            load_image_folder(tmp_path, 16, center_crop=None, on_bad="skip")


def test_unsupported_mode_is_refused_by_name():
    from aecopy.data.sources import UnsupportedImage, to_rgb8

    with pytest.raises(UnsupportedImage, match="image mode LAB is not supported"):
        to_rgb8(Image.new("LAB", (8, 8)))


# --- 3. an epoch added to save_epochs ------------------------------------------------------------

def tiny_spec(save_epochs, epochs=3):
    cfg = {"model": "fc", "image_size": 8, "kwargs": {"width": 128, "depth": 2},
           "train": {"epochs": epochs, "batch_size": 16, "lr": 1e-3, "save_epochs": save_epochs}}
    return make_spec("fc", cfg, {"source": "embedded", "size": 8}, 0)


def images(n=64):
    return torch.randint(0, 256, (n, 3, 8, 8), generator=torch.Generator().manual_seed(1), dtype=torch.uint8)


def test_epoch_added_to_save_epochs_is_written_as_if_asked_at_first(tmp_path):
    run_dir, fresh = tmp_path / "run", tmp_path / "fresh"
    train(tiny_spec([3]), images(), run_dir, progress=False, log=quiet)
    built = snapshot(run_dir)
    logged = []
    saved = train(tiny_spec([1, 3]), images(), run_dir, progress=False, log=logged.append)
    assert sorted(saved) == [1, 3] and saved[1].exists()
    assert any("save_epochs asks for epoch(s) [1]" in line and "replaying epochs 1-1" in line for line in logged)
    after = snapshot(run_dir)
    assert {k: after[k] for k in built} == built  # epoch 3 and the resume state: untouched
    train(tiny_spec([1, 3]), images(), fresh, progress=False, log=quiet)
    assert saved[1].read_bytes() == (fresh / "epoch0001.pt").read_bytes()  # identical to asking at first


def test_epoch_added_between_kept_epochs_replays_from_the_nearest(tmp_path):
    train(tiny_spec([1, 4], epochs=4), images(), tmp_path / "run", progress=False, log=quiet)
    logged = []
    saved = train(tiny_spec([1, 3, 4], epochs=4), images(), tmp_path / "run", progress=False, log=logged.append)
    assert any("replaying epochs 2-3 from the kept state of epoch 1" in line for line in logged)
    train(tiny_spec([1, 3, 4], epochs=4), images(), tmp_path / "fresh", progress=False, log=quiet)
    assert saved[3].read_bytes() == (tmp_path / "fresh" / "epoch0003.pt").read_bytes()


# --- 4, 5, 8. evaluation folders: empty, changed, skipped files ---------------------------------

def write_params(tmp_path: Path, **changes) -> Path:
    params = tiny_params()
    params.update(changes)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    return path


def rule_params(params_file: Path, *keys: str) -> str:
    """The --params JSON a rule declaring `keys` passes its entry point."""
    return declare(config.load(params_file), keys)


def good_photo(path: Path, colour=(200, 40, 40)) -> None:
    Image.new("RGB", (48, 40), colour).save(path)


@pytest.mark.parametrize("content", ["empty", "all bad"])
@pytest.mark.parametrize("on_bad", ["error", "skip"])
def test_empty_or_all_bad_eval_folder_is_an_error(tmp_path, content, on_bad):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("not an image")
    if content == "all bad":
        (folder / "broken.jpg").write_bytes(b"not a jpeg")
    params = write_params(tmp_path, eval_sets={"mine": str(folder)}, on_bad_data=on_bad)
    out = tmp_path / "prepared" / "mine-16.npy"
    with pytest.warns(UserWarning) if (content, on_bad) == ("all bad", "skip") else _no_warning():
        with pytest.raises(SystemExit) as info:
            prepare_eval.main(["--rule", "prepare_eval", "--params", rule_params(params, "eval_sets.mine", "on_bad_data"),
                               "--name", "mine", "--size", "16", "--out", str(out)])
    message = str(info.value.code)
    assert message.startswith("error: eval_sets.mine: ") and str(folder) in message
    if content == "empty":
        assert "has no image files" in message and "\n" not in message
    elif on_bad == "skip":
        assert "no usable images" in message and "broken.jpg" in message and "\n" not in message
    else:
        assert "broken.jpg" in message and "on_bad_data: skip" in message
    assert not out.exists() and not out.parent.exists()


class _no_warning:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_empty_image_folder_data_set_is_an_error(tmp_path):
    folder = tmp_path / "landscapes"
    folder.mkdir()
    params = tiny_params()
    params["scales"]["default"]["datasets"]["land"] = {"source": "image_folder", "path": str(folder), "size": 16}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    job = rule_params(tmp_path / "params.yaml", "datasets.land", "on_bad_data")
    proc = subprocess.run([sys.executable, "-m", "aecopy.cli.prepare", "--rule", "prepare", "--params", job,
                           "--dataset", "land", "--out-dir", str(tmp_path / "out")],
                          cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"error: datasets.land: image folder {folder} has no image files " \
                                  "(.bmp .jpeg .jpg .png .tif .tiff .webp)"
    assert not (tmp_path / "out").exists()


def test_skipped_files_are_recorded_warned_and_reported(tmp_path, capsys):
    folder = tmp_path / "mine"
    folder.mkdir()
    good_photo(folder / "a.png")
    good_photo(folder / "c.png", (10, 10, 200))
    (folder / "b_truncated.jpg").write_bytes(b"\xff\xd8\xff garbage")
    params = write_params(tmp_path, eval_sets={"mine": str(folder)}, on_bad_data="skip")
    out = tmp_path / "prepared" / "eval" / "mine-16.npy"
    leftover = out.with_name(".mine-16.npy.k3j2_x.tmp")  # an earlier, killed run's temporary
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"partial")
    with pytest.warns(UserWarning, match="on_bad_data: skip"):
        prepare_eval.main(["--rule", "prepare_eval", "--params", rule_params(params, "eval_sets.mine", "on_bad_data"),
                           "--name", "mine", "--size", "16", "--out", str(out)])
    assert np.load(out).shape == (2, 3, 16, 16)
    assert sorted(p.name for p in out.parent.iterdir()) == ["mine-16.npy", "mine-16.skipped.json"]
    err = capsys.readouterr().err
    line = f"warning: on_bad_data: skip left out 1 unusable file(s) of eval_sets.mine ({folder}; 2 kept): b_truncated.jpg"
    assert line in err
    record = json.loads(skipped_inputs.eval_record(out).read_text())
    assert record["key"] == "eval_sets.mine" and [s["file"] for s in record["skipped"]] == ["b_truncated.jpg"]
    # the end-of-run summary (snakemake.sh, run.sh) and the report show the same
    summary = subprocess.run([sys.executable, "-m", "aecopy.data.skipped", str(tmp_path / "prepared")],
                             env=ENV, capture_output=True, text=True, timeout=60)
    assert summary.returncode == 0 and summary.stderr.strip() == line
    html = render([], tmp_path, "t", "i", {}, [], skipped_inputs.read_all(tmp_path / "prepared"))
    assert "<h2 id='data'>Data</h2>" in html and "b_truncated.jpg (cannot decode" in html
    assert "on_bad_data: skip" in html


@pytest.mark.slow
def test_prepare_eval_reruns_when_the_folder_or_on_bad_data_changes(tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    good_photo(folder / "a.png")
    params = tiny_params()
    params["eval_sets"] = {"mine": str(folder)}
    params["on_bad_data"] = "skip"
    project = make_project(tmp_path / "project", params)
    target = "data/prepared/eval/mine-16.npy"
    run([SNAKEMAKE, "-c1", target], project)
    built = (project / target).read_bytes()
    assert "Nothing to be done" in run([SNAKEMAKE, "-n", target], project).stdout

    good_photo(folder / "b.png", (0, 0, 255))
    (folder / "c.jpg").write_bytes(b"broken")  # skipped under on_bad_data: skip
    dry = run([SNAKEMAKE, "-n", target], project).stdout
    reason = next(line for line in dry.splitlines() if "reason: Updated input files:" in line)  # any order
    assert "rule prepare_eval:" in dry and f"{folder}/b.png" in reason and f"{folder}/c.jpg" in reason, dry
    assert (project / target).read_bytes() == built  # a dry run changes nothing
    run([SNAKEMAKE, "-c1", target], project)
    assert np.load(project / target).shape == (2, 3, 16, 16)
    record = json.loads((project / "data/prepared/eval/mine-16.skipped.json").read_text())
    assert [s["file"] for s in record["skipped"]] == ["c.jpg"] and record["kept"] == 2

    (folder / "b.png").unlink()  # a removed photo: nothing is newer, but the set of inputs changed
    dry = run([SNAKEMAKE, "-n", target], project).stdout
    assert "rule prepare_eval:" in dry and "Set of input files has changed since last execution" in dry, dry

    p = yaml.safe_load((project / "params.yaml").read_text())
    p["on_bad_data"] = "error"
    (project / "params.yaml").write_text(yaml.safe_dump(p, sort_keys=False))
    dry = run([SNAKEMAKE, "-n", target], project).stdout
    assert "rule prepare_eval:" in dry and "Params have changed since last execution" in dry, dry
    failed = run([SNAKEMAKE, "-c1", target], project, check=False)
    assert failed.returncode == 1
    log = (project / "logs/prepare_eval/mine-16.log").read_text()
    assert f"error: eval_sets.mine: 1 unusable input(s) in {folder}:\n  c.jpg: cannot decode" in log
    # the failed job's outputs are removed: no array built under the old setting looks current
    assert not (project / target).exists()


# --- 7. unreadable checkpoints ------------------------------------------------------------------

class _Malicious:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (str(self.marker),))


@pytest.fixture
def checkpoint(tmp_path) -> Path:
    run_dir = tmp_path / "results" / "train" / "fc" / "seed0"
    saved = train(tiny_spec([1], epochs=1), images(), run_dir, progress=False, log=quiet)
    return saved[1]


def _one_line_error(path: Path) -> subprocess.CompletedProcess:
    code = f"from aecopy.train import load_checkpoint; load_checkpoint({str(path)!r})"
    return subprocess.run([sys.executable, "-c", code], env=ENV, capture_output=True, text=True, timeout=120)


def test_truncated_checkpoint_is_one_line_naming_the_file(checkpoint):
    data = checkpoint.read_bytes()
    checkpoint.write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(checkpoint)
    expected = (f"{checkpoint}: truncated or corrupt checkpoint (RuntimeError); delete the folder "
                f"{checkpoint.parent} and rerun to retrain it")
    assert str(info.value) == expected
    proc = _one_line_error(checkpoint)
    assert proc.returncode == 1 and proc.stderr.strip() == f"error: {expected}"


def test_crafted_checkpoint_is_refused_without_running_it(tmp_path, checkpoint):
    marker = tmp_path / "pwned"
    ckpt = torch.load(checkpoint, weights_only=True)
    ckpt["extra"] = _Malicious(marker)
    torch.save(ckpt, checkpoint)
    proc = _one_line_error(checkpoint)
    assert proc.returncode == 1 and len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert proc.stderr.startswith(f"error: {checkpoint}: refused: it holds Python objects (posix.mkdir)")
    assert "weights_only" not in proc.stderr and "Traceback" not in proc.stderr
    assert not marker.exists()


@pytest.mark.parametrize("kept", [True, False], ids=["from the kept epoch", "from the start"])
def test_truncated_resume_state_is_discarded_and_training_starts_over(tmp_path, kept):
    clean, broken = tmp_path / "clean", tmp_path / "broken"
    train(tiny_spec([1, 3]), images(), clean, progress=False, log=quiet)
    train(tiny_spec([1], epochs=1), images(), broken, progress=False, log=quiet)  # a run stopped after epoch 1
    (broken / "epoch0002.pt").write_bytes(b"")  # and one whose epoch-2 state was cut short
    if not kept:
        (broken / "epoch0001.pt").unlink()
    kept_before = snapshot(broken).get("epoch0001.pt")
    last = broken / "last.pt"
    last.write_bytes(last.read_bytes()[:100])
    logged = []
    saved = train(tiny_spec([1, 3]), images(), broken, progress=False, log=logged.append)
    warnings = [line for line in logged if line.startswith("warning:")]
    assert warnings == [f"warning: discarding unusable resume state: {path}: truncated or corrupt checkpoint "
                        f"({kind}); training from an earlier state"
                        for path, kind in [(last, "RuntimeError"), (broken / "epoch0002.pt", "EOFError")]]
    assert any(("resuming fc seed 0 from epoch 1" in line) == kept for line in logged)
    assert saved[3].read_bytes() == (clean / "epoch0003.pt").read_bytes()
    if kept:  # the kept state is used as it is, not rewritten
        assert saved[1].read_bytes() == kept_before
    else:
        assert saved[1].read_bytes() == (clean / "epoch0001.pt").read_bytes()


def test_missing_checkpoint_names_the_folder_to_rebuild(tmp_path):
    path = tmp_path / "results" / "train" / "unet" / "seed3" / "epoch0006.pt"
    with pytest.raises(CheckpointError, match=f"{path}: checkpoint missing; delete the folder {path.parent}"):
        load_torch(path)


# --- 9. byte-reproducible checkpoints; 10. leftovers -------------------------------------------

def test_identical_state_gives_identical_bytes(tmp_path):
    state = {"w": torch.arange(12.0).view(3, 4), "step": torch.tensor(7), "meta": {"name": "x", "n": [1, 2]}}
    save_torch(tmp_path / "a.pt", state)
    save_torch(tmp_path / "sub" / "other_name.pt", state)
    assert (tmp_path / "a.pt").read_bytes() == (tmp_path / "sub" / "other_name.pt").read_bytes()
    one, two = tmp_path / "one", tmp_path / "two"
    train(tiny_spec([1, 2], epochs=2), images(), one, progress=False, log=quiet)
    train(tiny_spec([1, 2], epochs=2), images(), two, progress=False, log=quiet)
    assert snapshot(one) == snapshot(two)


KILLED_WRITE = """
import os, sys
from aecopy.io import atomic_path
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b"partial")
    os._exit(9)  # killed in the middle of a write: no cleanup runs
"""


def test_leftovers_of_an_interrupted_write_are_removed_at_the_next_start(tmp_path):
    train(tiny_spec([1], epochs=1), images(), tmp_path, progress=False, log=quiet)
    built = snapshot(tmp_path)
    proc = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(tmp_path / "last.pt")], env=ENV, timeout=120)
    assert proc.returncode == 9
    leftovers = sorted(tmp_path.glob(".last.pt.*.tmp"))
    assert len(leftovers) == 1
    logged = []
    train(tiny_spec([1], epochs=1), images(), tmp_path, progress=False, log=logged.append)
    assert not leftovers[0].exists() and f"removed {leftovers[0]}, left behind by an interrupted write" in logged
    assert snapshot(tmp_path) == built

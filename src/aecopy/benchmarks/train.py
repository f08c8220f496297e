"""`snakemake bench` (cli.bench_train): training throughput of our loop against the author's way of training.

For each model, in interleaved rounds (median and spread):
1. step throughput (images/s): our loop (`train.run_epoch`: uint8 data in memory, converted per batch,
   channels-last where params.yaml sets it) vs a plain reference loop written like the author's scripts
   (fp32 NCHW eager, a DataLoader over the same in-memory float images);
2. epoch throughput with the data path: ours vs the author's path, image files decoded, cropped and
   resized per item, every epoch. For the embedded photographs that path opens each patch's source
   photograph, crops the patch's box and resizes it (as the author's landscapes loader does with
   CenterCrop(728) → Resize(S)); the cheapest file path, one pre-cut patch PNG per item, is reported
   beside it.
Everything runs on one thread, timed by the thread's CPU time (what it takes on an idle core, however
busy the machine is; see `bench`). Each figure is the median of the rounds with the spread of the
per-round ratios (bench.ratio). The share of the fp32 peak every variant reaches is `limit`'s.
"""
from __future__ import annotations

import copy
import tempfile
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset, TensorDataset
from torchvision import transforms

from .. import datasets, paths
from ..data import debian
from ..bench import CPU_CLOCK, interleaved, ratio, timed
from ..models import build_model
from ..train import run_epoch, to_input
from ..cli.common import log
from .loop import threads

TARGETS = {"epoch_ratio": 1.3, "step_ratio": 1.0}


class ImageFiles(Dataset):
    """The author's data path: one image file per item, decoded and transformed on every access."""

    def __init__(self, files: list[Path], size: int, image_size: int):
        self.files = files
        self.transform = transforms.Compose([transforms.CenterCrop(size), transforms.Resize(image_size),
                                             transforms.ToTensor()])

    def __len__(self):
        return len(self.files)

    def __getitem__(self, i):
        return self.transform(Image.open(self.files[i]).convert("RGB"))


class PhotoPatches(Dataset):
    """The author's data path on the embedded photographs: per item, decode the source photograph, crop
    the patch's box (manifest coordinates, in the photograph's pixels) and resize it."""

    def __init__(self, rows: pd.DataFrame, photos: dict[str, Path], image_size: int):
        self.rows = rows.reset_index(drop=True)
        self.photos = photos
        self.transform = transforms.Compose([transforms.Resize((image_size, image_size)), transforms.ToTensor()])

    def __len__(self):
        return len(self.rows)

    def __getitem__(self, i):
        r = self.rows.iloc[i]
        with Image.open(self.photos[r["photo"]]) as im:
            patch = im.convert("RGB").crop((r["left"], r["top"], r["right"], r["bottom"]))
        return self.transform(patch)


def source_photos(params: dict, dataset: str, n: int) -> tuple[pd.DataFrame, dict[str, Path]] | None:
    """The manifest rows of the first n training images and their photographs (embedded data only)."""
    if params["datasets"][dataset]["source"] != "embedded":
        return None
    emb = params["embedded"]
    photo_files = debian.ensure_photos(Path(emb["manifest"]), Path(emb["debs_sha256"]), Path(params["cache_dir"]),
                                       log=log)
    manifest = pd.read_csv(paths.manifest(dataset))
    rows = manifest[manifest["split"] == "train"].sort_values("index").head(n)
    return rows, {p.name: p for p in photo_files}


def reference_steps(model, optimizer, loader, steps: int) -> None:
    """The author's loop: for x in loader: zero_grad, forward, MSE, backward, step (`steps` of them,
    starting new epochs of the loader as needed)."""
    done = 0
    while done < steps:
        for batch in loader:
            x = batch[0] if isinstance(batch, (list, tuple)) else batch
            optimizer.zero_grad()
            loss = F.mse_loss(model(x), x)
            loss.backward()
            optimizer.step()
            done += 1
            if done == steps:
                return


def bench_variant(name: str, cfg: dict, size: int, n_images: int, steps: int, rounds: int, tmp: Path,
                  photos: tuple[pd.DataFrame, dict[str, Path]] | None, photo_steps: int) -> dict:
    images = datasets.load_split(cfg["dataset"], "train")[:n_images]
    bs, s = cfg["train"]["batch_size"], cfg["image_size"]
    torch.manual_seed(0)
    model = build_model(cfg["model"], s, **cfg["kwargs"]).train()  # the reference: NCHW, as the author's
    ours_model = copy.deepcopy(model)  # ours: as params.yaml configures the variant's training
    channels_last = cfg["train"].get("channels_last", False)
    if channels_last:
        ours_model = ours_model.to(memory_format=torch.channels_last)

    def adam(m):
        return torch.optim.Adam([p for p in m.parameters() if p.requires_grad], lr=cfg["train"]["lr"])

    optimizer, ours_optimizer = adam(model), adam(ours_model)
    cpu = torch.device("cpu")
    floats = to_input(images, s, cpu)  # the reference keeps float images in memory, as the author's scripts
    ref_loader = DataLoader(TensorDataset(floats), batch_size=bs, shuffle=True, drop_last=True)
    files = []
    for i, img in enumerate(images.permute(0, 2, 3, 1).numpy()):
        files.append(tmp / f"{name}-{i:05d}.png")
        Image.fromarray(img).save(files[-1])
    file_loader = DataLoader(ImageFiles(files, size, s), batch_size=bs, shuffle=True, drop_last=True)
    n_epoch_steps = n_images // bs

    def ours(k):  # k full batches, from as many shuffled passes over the images as that needs
        order = torch.cat([torch.randperm(images.shape[0]) for _ in range(-(-k * bs // images.shape[0]))])
        return lambda: bs * k / timed(lambda: run_epoch(ours_model, ours_optimizer, images, None, order, k, bs, s, cpu,
                                                        channels_last=channels_last), clock=CPU_CLOCK)

    def ref(loader, k):
        return lambda: bs * k / timed(lambda: reference_steps(model, optimizer, loader, k), clock=CPU_CLOCK)

    for fn in (ours(2), ref(ref_loader, 2)):  # warm-up
        fn()
    step = interleaved({"ours": ours(steps), "reference": ref(ref_loader, steps)}, rounds)
    contestants = {"ours": ours(n_epoch_steps), "patch_files": ref(file_loader, n_epoch_steps)}
    if photos is not None:  # decoding multi-megapixel photographs is slow: fewer steps give the same images/s
        photo_loader = DataLoader(PhotoPatches(photos[0], photos[1], s), batch_size=bs, shuffle=True, drop_last=True)
        contestants["author_photos"] = ref(photo_loader, min(photo_steps, n_epoch_steps))
    epoch = interleaved(contestants, rounds)
    author = "author_photos" if photos is not None else "patch_files"
    result = {
        "batch_size": bs, "image_size": s, "channels_last": channels_last, "steps_per_round": steps,
        "epoch_images": n_epoch_steps * bs,
        "step_images_per_s": step, "step_ratio": ratio(step["ours"], step["reference"]),
        "epoch_images_per_s": epoch, "author_path": author, "epoch_ratio": ratio(epoch["ours"], epoch[author]),
        "epoch_ratio_patch_files": ratio(epoch["ours"], epoch["patch_files"]),
    }
    log(f"{name}: step ratio {result['step_ratio']['median']:.2f}, epoch ratio {result['epoch_ratio']['median']:.2f} "
        f"({author}; {result['epoch_ratio_patch_files']['median']:.2f} against pre-cut patch files)")
    return result


def run(params, variants: list[str], images: int, steps: int, rounds: int, photo_steps: int) -> dict:
    """Every variant's throughput ratios."""
    results = {}
    with tempfile.TemporaryDirectory() as tmp, threads(1):
        for name in variants:
            cfg = params["variants"][name]
            size = params["datasets"][cfg["dataset"]]["size"]
            photos = source_photos(params, cfg["dataset"], images)
            results[name] = bench_variant(name, cfg, size, images, steps, rounds, Path(tmp), photos, photo_steps)
    return {
        "threads": 1, "models": results, "targets": TARGETS,
        "meets_targets": {
            "epoch_ratio": all(r["epoch_ratio"]["median"] >= TARGETS["epoch_ratio"] for r in results.values()),
            "step_ratio": all(r["step_ratio"]["median"] >= TARGETS["step_ratio"] for r in results.values()),
        },
    }

"""Set-up step (not a rule): fetch and verify the embedded photographs (pinned Debian packages) into the cache."""
from __future__ import annotations

import argparse
from pathlib import Path

from .. import config
from ..data import debian
from .common import log


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--params", default="params.yaml", help="the params file (default: params.yaml)")
    args = p.parse_args(argv)
    try:
        params = config.load(args.params)
    except config.ConfigError as err:
        raise SystemExit(f"error: {err}") from None
    emb = params["embedded"]
    try:
        photos = debian.ensure_photos(Path(emb["manifest"]), Path(emb["debs_sha256"]), Path(params["cache_dir"]), log=log)
    except debian.DataError as err:
        raise SystemExit(f"error: {err}") from None
    log(f"{len(photos)} photographs verified in {params['cache_dir']}")


if __name__ == "__main__":
    main()

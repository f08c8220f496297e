"""Set-up step: fetch and verify the embedded photographs (pinned Debian packages) into the cache."""
from __future__ import annotations

from pathlib import Path

from ..data import debian
from .common import log, parser, setup


def main(argv=None) -> None:
    args = parser(__doc__).parse_args(argv)
    params = setup(args)
    emb = params["embedded"]
    try:
        photos = debian.ensure_photos(Path(emb["manifest"]), Path(emb["debs_sha256"]), Path(params["cache_dir"]), log=log)
    except debian.DataError as err:
        raise SystemExit(f"error: {err}") from None
    log(f"{len(photos)} photographs verified in {params['cache_dir']}")


if __name__ == "__main__":
    main()

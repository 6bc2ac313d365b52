"""``fetch`` and ``info``: the data and the machine."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fashionzoo.cli._common import Commands, logger, out


def fetch(args: argparse.Namespace) -> int:
    """Get, verify and cache the four Fashion-MNIST files."""
    from fashionzoo.datasets import fetch_fashion_mnist, get_data_home

    home = get_data_home(args.data_home)
    logger.info("checking Fashion-MNIST in %s", home)
    for subset in ("train", "test"):
        X, y = fetch_fashion_mnist(
            subset,
            data_home=args.data_home,
            download_if_missing=not args.no_download,
            return_X_y=True,
        )
        out(f"{subset}: {len(y):,} images of {X.shape[1]} pixels, checksums verified")
    out(f"data folder: {home}")
    return 0


def _data_status(home: str) -> str:
    from fashionzoo.datasets import _registry  # file names, to tell what is there

    found = []
    for subset, prefix in (("train", "train-images"), ("test", "t10k-images")):
        if any(Path(home).glob(f"{prefix}*")):
            found.append(f"{subset} cached")
        elif any(Path(_registry.SYSTEM_DATA_DIR).glob(f"{prefix}*")):
            found.append(f"{subset} in {_registry.SYSTEM_DATA_DIR}")
        else:
            found.append(f"{subset} missing (run 'fashionzoo fetch')")
    return ", ".join(found)


def info(args: argparse.Namespace) -> int:
    """Versions, backend, devices and where the data is."""
    from fashionzoo._config import runtime_info
    from fashionzoo.datasets import get_data_home

    details = runtime_info()
    home = get_data_home(args.data_home)
    details["data_home"] = home
    details["data"] = _data_status(home)
    if args.json:
        out(json.dumps(details, indent=2, default=str))
        return 0
    gpus = details.pop("gpus")
    details["gpus"] = (
        "; ".join(
            f"{g['name']} (compute capability {'.'.join(map(str, g['compute_capability']))})"
            if g.get("compute_capability")
            else str(g["name"])
            for g in gpus
        )
        or "none (running on the CPU)"
    )
    width = max(len(k) for k in details)
    for key, value in details.items():
        out(f"{key.ljust(width)}  {value}")
    return 0


def register(commands: Commands) -> None:
    """Add ``fetch`` and ``info``."""
    parser = commands.add(
        "fetch",
        fetch,
        "download (or find) and verify the Fashion-MNIST files",
        "Get the four Fashion-MNIST files, check their SHA256, and decode them into the\n"
        "data folder, so later commands load in a fraction of a second. A copy installed\n"
        "by Debian's dataset-fashion-mnist package is used before any download.",
        [
            "fashionzoo fetch",
            "fashionzoo fetch --data-home ~/data/fashion   # or set FASHIONZOO_DATA",
            "fashionzoo fetch --no-download                 # only check what is there",
        ],
    )
    parser.add_argument(
        "--no-download",
        action="store_true",
        help="fail instead of downloading when the files are not found locally",
    )
    parser = commands.add(
        "info",
        info,
        "show versions, backend, devices and where the data is",
        "Show the versions of fashionzoo, Keras, its backend and scikit-learn, the GPUs\n"
        "found, the precision policy, and the data folder. Paste it into bug reports.",
        ["fashionzoo info", "fashionzoo info --json"],
    )
    parser.add_argument("--json", action="store_true", help="print as JSON")

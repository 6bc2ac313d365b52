"""``fetch`` and ``info``: the data and the machine."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from fashionzoo.cli._common import Commands, logger, out, show_bars


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
            progressbar=show_bars(),
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


def _words(details: dict) -> list[tuple[str, str]]:
    """``fashionzoo info`` in words: what runs where, then the versions."""
    gpus = details["gpus"]
    if gpus:
        devices = "; ".join(
            f"{g['name']} (compute capability "
            f"{'.'.join(map(str, g['compute_capability'] or ['?']))})"
            for g in gpus
        )
    else:
        devices = f"no GPU found; training on the CPU ({details['cpu_count']} cores)"
    threads = (
        f"{details['n_threads']} (from {details['n_threads_source']})"
        if details["n_threads"]
        else "the backend's default (all cores)"
    )
    rows = [
        ("devices", devices),
        ("device setting", details["device"] or "-"),
        ("placement", details["placement"] or "the backend's default device"),
        ("replicas", str(details["replicas"])),
        (
            "precision",
            f"{details['precision_policy']} (setting {details['mixed_precision']})",
        ),
        ("threads", threads),
        ("notes", "; ".join(details["notes"]) or "none"),
    ]
    if "config_error" in details:
        rows.append(("settings error", details["config_error"]))
    rows += [
        ("fashionzoo", details["fashionzoo"]),
        ("python", details["python"]),
        ("platform", details["platform"]),
        ("keras", details["keras"]),
        ("backend", f"{details['backend']} {details['backend_version'] or ''}".strip()),
        ("scikit-learn", details["scikit-learn"] or "-"),
        ("numpy", details["numpy"]),
        ("data_home", details["data_home"]),
        ("data", details["data"]),
    ]
    return rows


def info(args: argparse.Namespace) -> int:
    """Versions, backend, devices and where the data is."""
    from fashionzoo.cli._runtime import runtime_info
    from fashionzoo.datasets import get_data_home

    details = runtime_info()
    home = get_data_home(args.data_home)
    details["data_home"] = home
    details["data"] = _data_status(home)
    if args.json:
        out(json.dumps(details, indent=2, default=str))
        return 0
    rows = _words(details)
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
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
        needs_keras=False,
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

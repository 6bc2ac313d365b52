"""Load test of ``fashionzoo serve`` on loopback: requests/s, latency, memory, start-up.

For each model, a fresh ``fashionzoo serve --model NAME`` process on
127.0.0.1; the clock of the start-up starts at the process launch and stops
at the first answered classify request (one PNG). Then ``--clients``
threads, each with its own keep-alive ``httpx.Client``, send
``--requests`` single-PNG multipart requests in all (after 50 warm-up
requests), bounded by ``--max-seconds``. Reported: requests/s, p50 and p99
latency (client side, per request), errors (any status but 200, or a wrong
class), and the server's RSS before and after the run. The clients run on
the same host as the server, so they share its cores: the figures are what a
2-core box does serving itself. Rows go to ``results/serve.jsonl`` with the
host and what ran beside it (``--beside``).

Usage::

    python benchmarks/bench_serve.py --beside "nothing"
    python benchmarks/bench_serve.py --models lenet5 --requests 500
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
GOALS = {"rps": 300, "p50_ms": 5.0, "p99_ms": 25.0, "rss_growth_mib": 20.0}


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def trouser_png() -> bytes:
    from PIL import Image

    from fashionzoo.datasets import load_sample

    X, y = load_sample(return_X_y=True)
    buffer = io.BytesIO()
    Image.fromarray(X[np.flatnonzero(y == 1)[0]].reshape(28, 28)).save(buffer, "PNG")
    return buffer.getvalue()


def start(model: str, port: int, png: bytes) -> tuple[subprocess.Popen, float]:
    """Launch the server; seconds from launch to the first answered request."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fashionzoo",
            "serve",
            "-q",
            "--model",
            model,
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/v1/models/{model}/predict"
    deadline = started + 60
    with httpx.Client(timeout=10) as client:
        while time.perf_counter() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the server ended: {proc.stderr.read()}")
            try:
                answer = client.post(url, files={"file": ("t.png", png, "image/png")})
            except httpx.TransportError:
                time.sleep(0.01)
                continue
            if answer.status_code == 200:
                return proc, time.perf_counter() - started
    proc.kill()
    raise RuntimeError("the server did not answer in 60 s")


def load(url: str, png: bytes, requests: int, clients: int, max_seconds: float) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    per_client = [
        requests // clients + (i < requests % clients) for i in range(clients)
    ]
    stop_at = time.perf_counter() + max_seconds

    def client_loop(n: int) -> None:
        mine, bad = [], 0
        with httpx.Client(timeout=30) as client:
            for _ in range(n):
                if time.perf_counter() > stop_at:
                    break
                t0 = time.perf_counter()
                try:
                    answer = client.post(
                        url, files={"file": ("t.png", png, "image/png")}
                    )
                    ok = (
                        answer.status_code == 200
                        and answer.json()["predictions"][0]["top"][0]["class_name"]
                        == "Trouser"
                    )
                except httpx.HTTPError:
                    ok = False
                mine.append(time.perf_counter() - t0)
                bad += not ok
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client_loop, args=(n,)) for n in per_client]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - t0
    latencies.sort()
    done = len(latencies)
    return {
        "requests": done,
        "seconds": round(seconds, 3),
        "rps": round(done / seconds, 1),
        "p50_ms": round(1e3 * statistics.median(latencies), 2),
        "p99_ms": round(1e3 * latencies[min(done - 1, int(0.99 * done))], 2),
        "errors": errors[0],
        "stopped_early": done < requests,
    }


def bench(model: str, args: argparse.Namespace, png: bytes) -> dict:
    port = free_port()
    proc, startup = start(model, port, png)
    try:
        url = f"http://127.0.0.1:{port}/v1/models/{model}/predict"
        load(url, png, 50, 2, 30)  # warm-up
        before = rss_mib(proc.pid)
        result = load(url, png, args.requests, args.clients, args.max_seconds)
        after = rss_mib(proc.pid)
        info = httpx.get(f"http://127.0.0.1:{port}/v1/models/{model}").json()
    finally:
        proc.terminate()
        status = proc.wait(timeout=60)
        proc.stderr.close()
    row = {
        "model": model,
        "served_as": info["name"],
        "runtime": info["runtime"],
        "inline": info["single_image_ms"] < 0.5,
        "single_image_ms": info["single_image_ms"],
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "clients": args.clients,
        **result,
        "startup_to_first_answer_s": round(startup, 3),
        "rss_before_mib": round(before, 1),
        "rss_after_mib": round(after, 1),
        "rss_growth_mib": round(after - before, 1),
        "exit_status_after_sigterm": status,
        "host": {
            "cpu": cpu_model(),
            "architecture": platform.machine(),
            "cores": len(os.sched_getaffinity(0)),
            "load_average_before": [round(x, 2) for x in os.getloadavg()],
        },
        "beside": args.beside,
        "goals": GOALS,
    }
    row["meets_goals"] = (
        row["rps"] >= GOALS["rps"]
        and row["p50_ms"] <= GOALS["p50_ms"]
        and row["p99_ms"] <= GOALS["p99_ms"]
        and row["errors"] == 0
        and row["rss_growth_mib"] < GOALS["rss_growth_mib"]
        and row["startup_to_first_answer_s"] <= 2.0
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["lenet5", "best"])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument("--beside", default="unknown", help="what else ran on the host")
    parser.add_argument("--out", type=Path, default=RESULTS / "serve.jsonl")
    args = parser.parse_args()
    png = trouser_png()
    for model in args.models:
        row = bench(model, args, png)
        print(json.dumps(row))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        with args.out.open("a") as results:
            results.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

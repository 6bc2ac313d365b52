"""Load test of ``fashionzoo serve`` on loopback: requests/s, latency, memory, start-up.

For each model and runtime, a fresh ``fashionzoo serve --model NAME
--runtime RUNTIME`` process on 127.0.0.1; the clock of the start-up starts
at the process launch and stops at the first answered classify request (one
PNG). Then each load generator in turn sends ``--requests`` single-PNG
multipart requests from ``--clients`` concurrent keep-alive connections
(after 50 warm-up requests), bounded by ``--max-seconds``:

- ``hey`` (a compiled Go load generator, ``apt-get install hey``; run with
  ``-cpus 1``), when it is on the PATH: it costs the host little CPU, so the
  figures are mostly the server's;
- ``python``: ``--clients`` threads, each with its own ``httpx.Client``,
  which also check that every answer ranks "Trouser" first. The GIL-bound
  clients take a large share of a small host's CPU (on 2 cores, more than
  the server), so they measure the pair, not the server.

Reported: requests/s, p50 and p99 latency (client side, per request), errors
(any status but 200, a failed connection, or for ``python`` a wrong class),
and the server's RSS before and after each run. The generators run on the
same host as the server and share its cores unless ``--pin`` puts each on
its own (``--pin 0:1``: the server on CPU 0, the generator on CPU 1). Rows
go to ``results/serve.jsonl`` with the host, its load average and what ran
beside it (``--beside``).

Usage::

    python benchmarks/bench_serve.py --beside "nothing"
    python benchmarks/bench_serve.py --models lenet5 --runtimes openvino --requests 500
    python benchmarks/bench_serve.py --generators hey --pin 0:1
"""

from __future__ import annotations

import argparse
import importlib.util
import io
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
GOALS = {"rps": 300, "p50_ms": 5.0, "p99_ms": 25.0, "rss_growth_mib": 20.0}
BOUNDARY = "fashionzoo-bench"


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generator_cpu_seconds(generator: str) -> float:
    """CPU time of this process (the Python clients) or of its ended children (hey)."""
    usage = resource.getrusage(
        resource.RUSAGE_CHILDREN if generator == "hey" else resource.RUSAGE_SELF
    )
    return usage.ru_utime + usage.ru_stime


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


def multipart_body(png: bytes) -> bytes:
    """One multipart/form-data body with the PNG in a 'file' field."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="t.png"\r\nContent-Type: image/png\r\n\r\n'
    )
    return head.encode() + png + f"\r\n--{BOUNDARY}--\r\n".encode()


def pinned(cpus: str | None) -> list[str]:
    """A ``taskset`` prefix that runs a command on ``cpus`` (none for None)."""
    return ["taskset", "-c", cpus] if cpus else []


def start(
    model: str, port: int, png: bytes, args: argparse.Namespace, runtime: str
) -> tuple[subprocess.Popen, float]:
    """Launch the server; seconds from launch to the first answered request."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [
            *pinned(args.server_cpus),
            sys.executable,
            "-m",
            "fashionzoo",
            "serve",
            "-q",
            "--model",
            model,
            "--runtime",
            runtime,
            "--threads",
            str(args.threads),
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


def load_python(
    url: str, png: bytes, requests: int, clients: int, max_seconds: float
) -> dict:
    """Threads with an ``httpx.Client`` each; every answer's class is checked."""
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


def _seconds(text: str, label: str) -> float:
    match = re.search(rf"{re.escape(label)}\s+([0-9.]+) secs", text)
    return float(match.group(1)) if match else float("nan")


def load_hey(
    url: str, body_file: Path, requests: int, clients: int, max_seconds: float
) -> dict:
    """``hey`` over ``clients`` keep-alive connections, its summary parsed.

    Stopped with SIGINT (hey then reports what it did) after ``max_seconds``.
    """
    command = [
        shutil.which("hey") or "hey",
        *("-n", str(requests), "-c", str(clients), "-cpus", "1", "-t", "30"),
        *("-m", "POST", "-D", str(body_file)),
        *("-T", f"multipart/form-data; boundary={BOUNDARY}", url),
    ]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        text, _ = proc.communicate(timeout=max_seconds)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGINT)
        text, _ = proc.communicate(timeout=30)
    statuses = {
        int(code): int(n)
        for code, n in re.findall(r"\[(\d{3})\]\s+(\d+) responses", text)
    }
    errors_section = (
        text.split("Error distribution:")[1] if "Error distribution:" in text else ""
    )
    failed = sum(int(n) for n in re.findall(r"\[(\d+)\]", errors_section))
    done = sum(statuses.values()) + failed
    seconds = _seconds(text, "Total:")
    return {
        "requests": done,
        "seconds": round(seconds, 3),
        "rps": round(done / seconds, 1),
        "p50_ms": round(1e3 * _seconds(text, "50% in"), 2),
        "p99_ms": round(1e3 * _seconds(text, "99% in"), 2),
        "errors": done - statuses.get(200, 0),
        # hey sends requests // clients on each connection
        "stopped_early": done < requests // clients * clients,
    }


def run_generator(
    generator: str, url: str, png: bytes, body_file: Path, args: argparse.Namespace
) -> dict:
    if generator == "hey":
        return load_hey(url, body_file, args.requests, args.clients, args.max_seconds)
    if not args.generator_cpus:
        return load_python(url, png, args.requests, args.clients, args.max_seconds)
    mine = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {int(c) for c in args.generator_cpus.split(",")})
    try:
        return load_python(url, png, args.requests, args.clients, args.max_seconds)
    finally:
        os.sched_setaffinity(0, mine)


def bench(
    model: str, runtime: str, args: argparse.Namespace, png: bytes, body_file: Path
) -> list[dict]:
    port = free_port()
    proc, startup = start(model, port, png, args, runtime)
    url = f"http://127.0.0.1:{port}/v1/models/{model}/predict"
    runs = []
    try:
        info = httpx.get(f"http://127.0.0.1:{port}/v1/models/{model}").json()
        # the body hey sends, answered as the Python clients' are
        answer = httpx.post(
            url,
            content=body_file.read_bytes(),
            headers={"content-type": f"multipart/form-data; boundary={BOUNDARY}"},
        )
        assert answer.json()["predictions"][0]["top"][0]["class_name"] == "Trouser"
        load_python(url, png, 50, 2, 30)  # warm-up
        for generator in args.generators:
            load_average = [round(x, 2) for x in os.getloadavg()]
            before = rss_mib(proc.pid)
            cpu = cpu_seconds(proc.pid), generator_cpu_seconds(generator)
            result = run_generator(generator, url, png, body_file, args)
            n = max(result["requests"], 1)
            result["server_cpu_ms_per_request"] = round(
                1e3 * (cpu_seconds(proc.pid) - cpu[0]) / n, 3
            )
            result["generator_cpu_ms_per_request"] = round(
                1e3 * (generator_cpu_seconds(generator) - cpu[1]) / n, 3
            )
            runs.append((generator, load_average, before, rss_mib(proc.pid), result))
    finally:
        proc.terminate()
        status = proc.wait(timeout=60)
        proc.stderr.close()
    rows = []
    for generator, load_average, before, after, result in runs:
        row = {
            "model": model,
            "served_as": info["name"],
            "runtime": info["runtime"],
            "threads": args.threads,
            "inline": info["single_image_ms"] < 0.5,
            "single_image_ms": info["single_image_ms"],
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "generator": generator,
            "pin": {"server": args.server_cpus, "generator": args.generator_cpus},
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
                "load_average_before": load_average,
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
        rows.append(row)
    return rows


def _pin(text: str) -> tuple[str, str]:
    server, sep, generator = text.partition(":")
    cpus = re.compile(r"^\d+(,\d+)*$")
    if not (sep and cpus.match(server) and cpus.match(generator)):
        msg = f"expected SERVER_CPUS:GENERATOR_CPUS such as 0:1; got {text!r}"
        raise argparse.ArgumentTypeError(msg)
    return server, generator


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["lenet5", "best"])
    parser.add_argument(
        "--runtimes",
        nargs="+",
        default=["onnxruntime", "openvino"],
        choices=["auto", "onnxruntime", "openvino"],
        help="each model is served in each (one not installed is skipped)",
    )
    parser.add_argument(
        "--generators",
        nargs="+",
        default=["hey", "python"],
        choices=["hey", "python"],
        help="load generators, in turn on the same server (hey: skipped when "
        "not on the PATH)",
    )
    parser.add_argument("--threads", type=int, default=1, help="serve --threads")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=120.0)
    parser.add_argument(
        "--pin",
        type=_pin,
        metavar="SERVER:GENERATOR",
        help="CPUs for the server and for the generator (taskset), e.g. 0:1",
    )
    parser.add_argument("--beside", default="unknown", help="what else ran on the host")
    parser.add_argument("--out", type=Path, default=RESULTS / "serve.jsonl")
    args = parser.parse_args()
    args.server_cpus, args.generator_cpus = args.pin or (None, None)
    if "hey" in args.generators and shutil.which("hey") is None:
        print("hey is not on the PATH (apt-get install hey): skipped", file=sys.stderr)
        args.generators = [g for g in args.generators if g != "hey"] or ["python"]
    runtimes = []
    for runtime in args.runtimes:
        if runtime == "auto" or importlib.util.find_spec(runtime) is not None:
            runtimes.append(runtime)
        else:
            print(f"{runtime} is not installed: skipped", file=sys.stderr)
    png = trouser_png()
    with tempfile.TemporaryDirectory() as folder:
        body_file = Path(folder) / "trouser.multipart"
        body_file.write_bytes(multipart_body(png))
        for model in args.models:
            for runtime in runtimes:
                for row in bench(model, runtime, args, png, body_file):
                    print(json.dumps(row))
                    args.out.parent.mkdir(parents=True, exist_ok=True)
                    with args.out.open("a") as results:
                        results.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()

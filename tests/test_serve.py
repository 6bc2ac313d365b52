"""``fashionzoo serve``: the API through Starlette's test client, the CLI, signals.

The API tests run the app in this process (``TestClient``); the start-up,
signal and import tests run the real command in a subprocess on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("starlette", reason='needs pip install "fashionzoo[serve]"')
pytest.importorskip("uvicorn", reason='needs pip install "fashionzoo[serve]"')
from PIL import Image
from starlette.routing import Route

with warnings.catch_warnings():
    # Starlette 1.x warns, once on import, that its test client will move from
    # httpx to httpx2; the client works with httpx as it is.
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from fashionzoo.cli import main
from fashionzoo.datasets import image_from_bytes, load_image
from fashionzoo.inference import InferenceModel
from fashionzoo.serve import ServeLimits, create_app, load_models

LIMITS = ServeLimits(max_body_bytes=200_000, max_images=4, max_image_pixels=1_000_000)


def png_bytes(image: np.ndarray, *, invert: bool = False) -> bytes:
    """A 28x28 uint8 image as PNG; ``invert``: dark garment on white, like a photo."""
    buffer = io.BytesIO()
    Image.fromarray(255 - image if invert else image).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def samples():
    from fashionzoo.datasets import load_sample

    X, y = load_sample(return_X_y=True)
    images = X.reshape(-1, 28, 28)
    # an image of each class that lenet5 gets right, first in sample order
    lenet5 = InferenceModel("lenet5")
    right = lenet5.predict(images) == y
    return {k: images[np.flatnonzero(right & (y == k))[0]] for k in range(10)}


@pytest.fixture(scope="module")
def served():
    return load_models(["lenet5", "best"])


@pytest.fixture(scope="module")
def client(served):
    with TestClient(create_app(served, limits=LIMITS)) as client:
        yield client


def predict(client, model="lenet5", **kwargs):
    return client.post(f"/v1/models/{model}/predict", **kwargs)


def error_of(response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert error["status"] == status
    assert error["code"] == code, error
    return error["message"]


# ----------------------------------------------------------------- listing
def test_models_lists_cards_classes_and_input_contract(client):
    body = client.get("/v1/models").json()
    names = [m["name"] for m in body["models"]]
    assert names == ["lenet5", "fast_resnet"]
    lenet = body["models"][0]
    assert lenet["runtime"] == "onnxruntime"
    assert lenet["note"] is None
    assert lenet["test_accuracy"] == 0.9146
    assert lenet["test_accuracy_runtime"] == 0.9146
    assert [c["name"] for c in lenet["classes"]][:2] == ["T-shirt/top", "Trouser"]
    assert lenet["classes"][9] == {"label": 9, "name": "Ankle boot"}
    assert lenet["input"]["image_shape"] == [28, 28]
    assert re.fullmatch(r"[0-9a-f]{12}", lenet["version"])
    assert lenet["card"]["onnx"]["sha256"].startswith(lenet["version"])
    assert body["limits"]["max_images"] == 4
    one = client.get("/v1/models/best").json()  # the alias finds fast_resnet
    assert one["name"] == "fast_resnet"
    assert one["card"]["test_accuracy"] == one["test_accuracy"]


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready", "models": ["lenet5", "fast_resnet"]}


# ---------------------------------------------------------------- predict
def test_multipart_pictures_are_ranked_like_the_runtime(client, samples):
    files = [
        ("file", ("trouser.png", png_bytes(samples[1]), "image/png")),
        ("file", ("boot.png", png_bytes(samples[9], invert=True), "image/png")),
    ]
    answer = predict(client, files=files, params={"top_k": 3})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["model"] == "lenet5"
    assert body["runtime"] == "onnxruntime"
    trouser, boot = body["predictions"]
    assert trouser["input"] == "trouser.png"
    assert trouser["top"][0]["class_name"] == "Trouser"
    assert boot["top"][0]["class_name"] == "Ankle boot"  # dark on white: inverted
    assert len(trouser["top"]) == 3
    expected = InferenceModel("lenet5").predict_proba(samples[1][np.newaxis])[0]
    assert trouser["top"][0]["probability"] == pytest.approx(
        float(expected.max()), abs=1e-6
    )
    probabilities = [t["probability"] for t in trouser["top"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert "image" not in trouser


def test_raw_png_and_jpeg_bodies(client, samples):
    answer = predict(
        client,
        content=png_bytes(samples[1]),
        headers={"content-type": "image/png"},
        params={"return_image": "true", "top_k": 10},
    )
    assert answer.status_code == 200, answer.text
    prediction = answer.json()["predictions"][0]
    assert prediction["top"][0]["class_name"] == "Trouser"
    assert len(prediction["top"]) == 10
    assert sum(t["probability"] for t in prediction["top"]) == pytest.approx(
        1, abs=1e-4
    )
    np.testing.assert_array_equal(prediction["image"], samples[1])  # what it saw
    buffer = io.BytesIO()
    Image.fromarray(samples[7]).convert("RGB").save(buffer, format="JPEG", quality=95)
    answer = predict(
        client, content=buffer.getvalue(), headers={"content-type": "image/jpeg"}
    )
    assert answer.json()["predictions"][0]["top"][0]["class_name"] == "Sneaker"


def test_json_pixels_one_or_several(client, samples):
    one = predict(client, "best", json={"pixels": samples[1].tolist()}).json()
    assert one["model"] == "fast_resnet"
    assert one["predictions"][0]["top"][0]["class_name"] == "Trouser"
    several = [samples[k].tolist() for k in (0, 5, 8)]
    body = predict(client, json={"pixels": several}).json()
    tops = [p["top"][0]["class_name"] for p in body["predictions"]]
    assert tops == ["T-shirt/top", "Sandal", "Bag"]
    assert [p["input"] for p in body["predictions"]] == [
        "pixels 1",
        "pixels 2",
        "pixels 3",
    ]


# ------------------------------------------------------------- bad input
def _truncated_png(samples) -> bytes:
    data = png_bytes(samples[1])
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("kwargs", "status", "code", "words"),
    [
        (
            {
                "content": b"hello, not a picture",
                "headers": {"content-type": "image/png"},
            },
            400,
            "not_a_picture",
            "not a picture Pillow can read",
        ),
        (
            {"content": b"", "headers": {"content-type": "image/png"}},
            400,
            "empty_body",
            "empty",
        ),
        (
            {"files": [("file", ("notes.txt", b"just text", "text/plain"))]},
            400,
            "not_a_picture",
            "'notes.txt' is not a picture",
        ),
        (
            {"files": [("file", ("empty.png", b"", "image/png"))]},
            400,
            "empty_picture",
            "'empty.png' is empty",
        ),
        (
            {"data": {"field": "value"}, "files": []},
            415,
            "unsupported_media_type",
            "form",
        ),
        ({"json": {"pixels": [[0] * 27] * 28}}, 422, "wrong_shape", "shape [28, 27]"),
        (
            {"json": {"pixels": [[0] * 28] * 27 + [[0] * 3]}},
            422,
            "ragged_pixels",
            "ragged",
        ),
        (
            {"json": {"pixels": [[300] * 28] * 28}},
            422,
            "pixels_out_of_range",
            "0 to 300",
        ),
        ({"json": {"pixels": [[-1] * 28] * 28}}, 422, "pixels_out_of_range", "from -1"),
        ({"json": {"pixels": [[0.5] * 28] * 28}}, 422, "pixels_not_integers", "255"),
        ({"json": {"pixels": [["a"] * 28] * 28}}, 422, "pixels_not_numbers", "string"),
        ({"json": {"image": []}}, 422, "missing_pixels", "keys ['image']"),
        ({"json": [1, 2]}, 422, "missing_pixels", "a JSON list"),
        (
            {"content": b"{not json", "headers": {"content-type": "application/json"}},
            400,
            "not_json",
            "not valid JSON",
        ),
        (
            {"content": b"x", "headers": {"content-type": "text/plain"}},
            415,
            "unsupported_media_type",
            "text/plain",
        ),
    ],
    ids=[
        "text-as-png",
        "empty-body",
        "text-file-upload",
        "empty-upload",
        "form-without-file",
        "json-wrong-shape",
        "json-ragged",
        "json-too-bright",
        "json-negative",
        "json-fractions",
        "json-strings",
        "json-no-pixels",
        "json-not-an-object",
        "not-json",
        "text-plain",
    ],
)
def test_bad_input_is_a_json_error_naming_the_problem(
    client, samples, kwargs, status, code, words
):
    message = error_of(predict(client, **kwargs), status, code)
    assert words in message
    # the server keeps serving
    again = predict(client, json={"pixels": samples[1].tolist()})
    assert again.json()["predictions"][0]["top"][0]["class_name"] == "Trouser"


def test_truncated_png_is_a_400(client, samples):
    answer = predict(
        client, content=_truncated_png(samples), headers={"content-type": "image/png"}
    )
    assert "truncated or damaged" in error_of(answer, 400, "not_a_picture")


def test_unknown_model_is_a_404_listing_the_loaded_ones(client):
    answer = predict(client, "lenet", json={"pixels": [[0] * 28] * 28})
    message = error_of(answer, 404, "unknown_model")
    assert message == "No model 'lenet' is loaded. Loaded: lenet5, fast_resnet."
    assert answer.json()["error"]["models"] == ["lenet5", "fast_resnet"]
    assert client.get("/v1/models/cnn004").status_code == 404
    error_of(client.get("/v2/models"), 404, "not_found")
    error_of(client.get("/v1/models/lenet5/predict"), 405, "method_not_allowed")


def test_bad_top_k_and_flag(client):
    pixels = {"pixels": [[0] * 28] * 28}
    for value in ("0", "11", "three"):
        message = error_of(
            predict(client, json=pixels, params={"top_k": value}), 422, "bad_top_k"
        )
        assert "from 1 to 10" in message
    error_of(
        predict(client, json=pixels, params={"return_image": "maybe"}), 422, "bad_flag"
    )


def test_limits_answer_413(client, samples):
    picture = png_bytes(samples[1])
    five = [("file", (f"{i}.png", picture, "image/png")) for i in range(5)]
    message = error_of(predict(client, files=five), 413, "too_many_images")
    assert "more than the limit of 4" in message
    many = [("file", (f"{i}.png", picture, "image/png")) for i in range(40)]
    error_of(predict(client, files=many), 413, "too_many_images")
    pixels = {"pixels": [samples[1].tolist()] * 5}
    assert "5 images" in error_of(predict(client, json=pixels), 413, "too_many_images")
    # declared too large: refused from Content-Length, before the body is read
    big = b"\0" * 200_001
    answer = predict(client, content=big, headers={"content-type": "image/png"})
    assert "Content-Length" in error_of(answer, 413, "body_too_large")
    # no Content-Length (chunked): refused once the bytes pass the limit
    # (the test client reads the whole body first; the test with a real
    # server below checks that the server stops reading)
    chunks = (b"\0" * 10_000 for _ in range(100))
    answer = predict(client, content=chunks, headers={"content-type": "image/png"})
    assert "stopped reading" in error_of(answer, 413, "body_too_large")
    upload = [("file", ("big.png", big, "image/png"))]
    error_of(predict(client, files=upload), 413, "body_too_large")
    huge = io.BytesIO()
    Image.new("L", (2000, 1000)).save(huge, format="PNG")  # 2 Mpx, a few kB
    answer = predict(
        client, content=huge.getvalue(), headers={"content-type": "image/png"}
    )
    assert "2000x1000 pixels" in error_of(answer, 413, "picture_too_large")


def test_limits_are_checked():
    with pytest.raises(ValueError, match="max_images must be a positive integer"):
        ServeLimits(max_images=0)


# --------------------------------------------------------- OpenAPI, page
def test_openapi_describes_the_real_routes(client):
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    routes = {
        route.path: sorted(route.methods - {"HEAD"})
        for route in client.app.routes
        if isinstance(route, Route)
    }
    described = {
        path: sorted(method.upper() for method in item)
        for path, item in document["paths"].items()
    }
    assert described == routes
    post = document["paths"]["/v1/models/{name}/predict"]["post"]
    assert set(post["requestBody"]["content"]) == {
        "multipart/form-data",
        "image/png",
        "image/jpeg",
        "application/json",
    }
    assert {"400", "404", "413", "415", "422"} <= set(post["responses"])
    assert "200,000 bytes" in post["requestBody"]["description"]


def test_page_is_self_contained(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<canvas id="pad"' in html
    assert 'id="model"' in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "http://" not in html
    assert "https://" not in html


def test_image_from_bytes_is_load_image(samples, tmp_path):
    path = tmp_path / "boot.png"
    path.write_bytes(png_bytes(samples[9], invert=True))
    np.testing.assert_array_equal(image_from_bytes(path.read_bytes()), load_image(path))
    np.testing.assert_array_equal(load_image(path), samples[9])
    with pytest.raises(OSError, match="upload is empty"):
        image_from_bytes(b"", name="upload")
    huge = io.BytesIO()
    Image.new("L", (2000, 1000)).save(huge, format="PNG")
    with pytest.raises(ValueError, match="2000x1000 pixels, more than the limit"):
        image_from_bytes(huge.getvalue(), max_pixels=1_000_000)


# ------------------------------------------------------- start-up errors
def _one_error_line(capsys, argv, status):
    with pytest.raises(SystemExit) as info:
        main(argv)
    out, err = capsys.readouterr()
    assert info.value.code == status
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


def test_a_damaged_shipped_graph_stops_the_start(capsys, tmp_path, monkeypatch):
    import shutil

    from fashionzoo import pretrained

    for name in ("lenet5.json", "lenet5.onnx"):
        shutil.copy(pretrained.PRETRAINED_DIR / name, tmp_path / name)
    damaged = bytearray((tmp_path / "lenet5.onnx").read_bytes())
    damaged[-10] ^= 0xFF
    (tmp_path / "lenet5.onnx").write_bytes(bytes(damaged))
    monkeypatch.setattr(pretrained, "PRETRAINED_DIR", tmp_path)
    line = _one_error_line(capsys, ["serve", "--model", "lenet5"], 1)
    assert line.startswith("fashionzoo: error: ")
    assert "is damaged: its SHA256 is" in line


def test_a_damaged_model_file_stops_the_start(capsys, tmp_path):
    from fashionzoo import pretrained

    broken = tmp_path / "mine.onnx"
    broken.write_bytes((pretrained.PRETRAINED_DIR / "lenet5.onnx").read_bytes()[:5000])
    line = _one_error_line(capsys, ["serve", "--model", str(broken)], 1)
    assert "ONNX Runtime cannot read" in line
    line = _one_error_line(capsys, ["serve", "--model", "lenet"], 2)
    assert "Did you mean 'lenet5'" in line
    line = _one_error_line(
        capsys, ["serve", "--model", "lenet5", "--model", "lenet5"], 1
    )
    assert "two models are named 'lenet5'" in line


# --------------------------------------------------- a real server process
def _start(*argv: str) -> tuple[subprocess.Popen, str]:
    # a handled SIGINT is reset to the default in the child (an ignored one
    # would be inherited; see tests/test_cli.py)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fashionzoo", "serve", "--port", "0", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    url = _wait_for_line(proc, r"serving .* on (http://\S+)").group(1)
    return proc, url


def _wait_for_line(proc, pattern: str, timeout: float = 60) -> re.Match:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            proc.kill()
            pytest.fail(f"the server ended before {pattern!r}: {''.join(seen)}")
        seen.append(line)
        match = re.search(pattern, line)
        if match:
            return match
    proc.kill()
    pytest.fail(f"no {pattern!r} in {timeout} s: {''.join(seen)}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()


def _host_port(url: str) -> tuple[str, int]:
    host, port = url.split("//")[1].rstrip("/").split(":")
    return host, int(port)


def _read_response(conn: socket.socket) -> tuple[bytes, dict]:
    """Status line and JSON body of one HTTP/1.1 response with Content-Length."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(re.search(rb"content-length: (\d+)", head, re.IGNORECASE).group(1))
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head.split(b"\r\n")[0], json.loads(body)


def test_sigterm_finishes_the_request_in_flight_and_exits_0(samples):
    proc, url = _start("--model", "lenet5", "--max-body-bytes", "100000")
    try:
        # a chunked upload (no Content-Length) is stopped once past the limit
        with socket.create_connection(_host_port(url), timeout=30) as conn:
            conn.sendall(
                b"POST /v1/models/lenet5/predict HTTP/1.1\r\nHost: x\r\n"
                b"Content-Type: image/png\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b"%x\r\n%s\r\n" % (10_000, b"\0" * 10_000)
            sent = 0
            with contextlib.suppress(OSError):  # the server may close meanwhile
                while sent < 20_000_000 and not select.select([conn], [], [], 0)[0]:
                    conn.sendall(chunk)
                    sent += 10_000
            status, body = _read_response(conn)
        assert status.startswith(b"HTTP/1.1 413 "), body
        assert body["error"]["code"] == "body_too_large"
        # answered long before the 20 MB were sent (loopback buffers hold a few MB)
        assert sent < 10_000_000
        # a slow upload is in flight (the app has asked for its body) at SIGTERM
        body = json.dumps({"pixels": samples[1].tolist()}).encode()
        head = (
            f"POST /v1/models/lenet5/predict HTTP/1.1\r\nHost: x\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"Expect: 100-continue\r\n\r\n"
        ).encode()
        with socket.create_connection(_host_port(url), timeout=30) as conn:
            conn.sendall(head)
            assert conn.recv(100).startswith(b"HTTP/1.1 100 Continue")
            conn.sendall(body[:100])
            proc.send_signal(signal.SIGTERM)
            _wait_for_line(proc, "Shutting down")
            conn.sendall(body[100:])
            status, result = _read_response(conn)
        assert status == b"HTTP/1.1 200 OK", result
        assert result["predictions"][0]["top"][0]["class_name"] == "Trouser"
        assert proc.wait(timeout=30) == 0
        assert "Traceback" not in proc.stderr.read()
    finally:
        _stop(proc)


def test_ctrl_c_after_a_request_exits_0_and_no_tensorflow_is_loaded():
    import httpx

    code = (
        "import runpy, sys\n"
        "sys.argv = ['fashionzoo', 'serve', '--port', '0', '--model', 'lenet5',"
        " '--model', 'best']\n"
        "try:\n"
        "    runpy.run_module('fashionzoo', run_name='__main__')\n"
        "finally:\n"
        "    heavy = [m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules]\n"
        "    print('heavy:', heavy, file=sys.stderr, flush=True)\n"
    )
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        url = _wait_for_line(proc, r"serving .* on (http://\S+)").group(1)
        answer = httpx.post(
            f"{url}v1/models/best/predict",
            json={"pixels": [[0] * 28] * 28},
            timeout=30,
        )
        assert answer.status_code == 200
        proc.send_signal(signal.SIGINT)
        assert _wait_for_line(proc, r"heavy: (.*)").group(1) == "[]"
        assert proc.wait(timeout=30) == 0
    finally:
        _stop(proc)


def test_a_model_without_a_graph_runs_in_keras_and_says_so(samples):
    from fashionzoo import pretrained
    from fashionzoo.serve import load_model

    model = load_model(pretrained.PRETRAINED_DIR / "lenet5.fzoo")
    assert model.runtime == "keras"
    assert "no exported graph: runs in Keras" in model.describe()["note"]
    with TestClient(create_app({model.name: model})) as client:
        body = predict(client, json={"pixels": samples[1].tolist()}).json()
    assert body["runtime"] == "keras"
    assert body["predictions"][0]["top"][0]["class_name"] == "Trouser"


# ------------------------------------------------ runtimes and threads
def test_openvino_serves_the_same_answers(client, samples):
    pytest.importorskip("openvino", reason='needs pip install "fashionzoo[openvino]"')
    served = load_models(["lenet5", "best"], runtime="openvino")
    assert [m.runtime for m in served.values()] == ["openvino", "openvino"]
    assert all(m._lock is None for m in served.values())  # one infer request per thread
    with TestClient(create_app(served, limits=LIMITS)) as ov_client:
        listed = ov_client.get("/v1/models").json()["models"]
        assert [m["runtime"] for m in listed] == ["openvino", "openvino"]
        assert listed[0]["test_accuracy_runtime"] == 0.9146
        for model in ("lenet5", "best"):
            body = png_bytes(samples[1])
            headers = {"content-type": "image/png"}
            ov = predict(ov_client, model, content=body, headers=headers).json()
            ort = predict(client, model, content=body, headers=headers).json()
            assert ov["runtime"] == "openvino"
            assert ov["version"] == ort["version"]  # the same shipped graph
            assert ov["predictions"][0]["top"][0]["class_name"] == "Trouser"
            for a, b in zip(
                ov["predictions"][0]["top"], ort["predictions"][0]["top"], strict=True
            ):
                assert a["label"] == b["label"]
                assert a["probability"] == pytest.approx(b["probability"], abs=1e-4)


def test_openvino_predicts_from_several_threads_at_once(samples):
    pytest.importorskip("openvino", reason='needs pip install "fashionzoo[openvino]"')
    from concurrent.futures import ThreadPoolExecutor

    from fashionzoo.serve import load_model

    model = load_model("best", runtime="openvino")
    images = [np.stack([samples[k]] * (1 + k % 3)) for k in range(10)] * 4
    serial = [model.predict_proba(batch) for batch in images]
    with ThreadPoolExecutor(8) as pool:
        parallel = list(pool.map(model.predict_proba, images))
    for a, b in zip(parallel, serial, strict=True):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_threads_per_prediction(capsys):
    from fashionzoo.serve import load_model

    assert load_model("lenet5").classifier.threads == 1  # a server's default
    assert load_model("lenet5", threads=2).classifier.threads == 2
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match=f"threads=({bad!r})"):
            load_model("lenet5", threads=bad)
    with pytest.raises(SystemExit) as info:
        main(["serve", "--model", "lenet5", "--threads", "0"])
    assert info.value.code == 2
    assert "--threads: expected a positive integer; got '0'" in capsys.readouterr().err

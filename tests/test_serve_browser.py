"""The page of ``fashionzoo serve`` in real headless Chromium, driven by Selenium.

Needs Debian's ``chromium`` and ``chromium-driver`` and ``selenium`` (``.ci/run``
installs them); skipped, with the reason, only when one of them is absent.
Chromium talks to a real uvicorn server on 127.0.0.1 in a thread of this
process, and Selenium to chromedriver on 127.0.0.1: nothing else is reached.
The screenshot goes to ``docs/_static/serve_page.png`` for the docs.
"""

from __future__ import annotations

import io
import shutil
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from fashionzoo.datasets import FASHION_MNIST_CLASSES

pytest.importorskip("uvicorn", reason='needs pip install "fashionzoo[serve]"')
webdriver = pytest.importorskip(
    "selenium.webdriver", reason="needs selenium (pip install -e '.[test]')"
)
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
CHROMIUM = shutil.which("chromium")
if not (Path(CHROMEDRIVER).is_file() and CHROMIUM):
    pytest.skip(
        "needs Debian's chromium and chromium-driver: "
        "apt-get install -y chromium chromium-driver",
        allow_module_level=True,
    )

from PIL import Image
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import Select, WebDriverWait

SCREENSHOT = Path(__file__).resolve().parents[1] / "docs" / "_static" / "serve_page.png"


@pytest.fixture(scope="module")
def server_url():
    import uvicorn

    from fashionzoo.serve import create_app, load_models

    app = create_app(load_models(["lenet5", "best"]))
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not (server.started and server.servers):
        assert thread.is_alive(), "the server did not start"
        assert time.monotonic() < deadline, "the server did not start in 30 s"
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1200,860",
    ):
        options.add_argument(argument)
    options.binary_location = CHROMIUM
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def trouser_png(tmp_path_factory):
    from fashionzoo.datasets import load_sample

    X, y = load_sample(return_X_y=True)
    path = tmp_path_factory.mktemp("pictures") / "trouser.png"
    Image.fromarray(X[np.flatnonzero(y == 1)[0]].reshape(28, 28)).save(path)
    return path


def _first_class(browser, wait) -> str:
    wait.until(
        lambda d: (
            d.find_element(By.TAG_NAME, "body").get_attribute("data-state")
            in ("done", "error")
        )
    )
    return browser.find_element(
        By.CSS_SELECTOR, '#result .row[data-rank="1"] .name'
    ).text


def _seen(browser) -> list[int]:
    """The grey values of the 28x28 image the page shows."""
    return browser.execute_script(
        "const c = document.getElementById('seen').getContext('2d');"
        "return Array.from(c.getImageData(0, 0, 28, 28).data"
        ".filter((_, i) => i % 4 === 0));"
    )


def test_the_page_classifies_pictures_and_drawings(
    browser, server_url, trouser_png, tmp_path
):
    wait = WebDriverWait(browser, 30)
    browser.get(server_url)
    wait.until(
        lambda d: (
            d.find_element(By.TAG_NAME, "body").get_attribute("data-models") == "loaded"
        )
    )
    options = [
        o.get_attribute("value")
        for o in Select(browser.find_element(By.ID, "model")).options
    ]
    assert options == ["lenet5", "fast_resnet"]

    # an uploaded picture of a trouser: Trouser ranked first, ten bars
    browser.find_element(By.ID, "file").send_keys(str(trouser_png))
    assert _first_class(browser, wait) == "Trouser"
    rows = browser.find_elements(By.CSS_SELECTOR, "#result .row")
    assert len(rows) == 10
    assert rows[0].find_element(By.CSS_SELECTOR, ".prob").text.endswith("%")
    assert browser.find_element(By.ID, "error").text == ""
    # the 28x28 image the model saw is drawn: the trouser's pixels, not black
    assert max(_seen(browser)) > 100

    # a non-image upload: the error message shows, the server keeps serving
    text = tmp_path / "notes.png"
    text.write_text("this is not a picture")
    browser.find_element(By.ID, "file").send_keys(str(text))
    wait.until(ec.text_to_be_present_in_element((By.ID, "error"), "not a picture"))
    assert "Send a PNG or JPEG picture" in browser.find_element(By.ID, "error").text

    # draw a stroke on the canvas with another model, and get a prediction
    Select(browser.find_element(By.ID, "model")).select_by_value("fast_resnet")
    browser.execute_script("document.body.dataset.state = 'idle'")
    pad = browser.find_element(By.ID, "pad")
    stroke = (
        ActionChains(browser)
        .move_to_element_with_offset(pad, -20, -100)
        .click_and_hold()
    )
    for _ in range(10):
        stroke.move_by_offset(4, 20)
    stroke.release().perform()
    browser.find_element(By.ID, "classify-drawing").click()
    drawn = _first_class(browser, wait)
    assert drawn in FASHION_MNIST_CLASSES
    assert browser.find_element(By.ID, "error").text == ""
    seen = np.array(_seen(browser)).reshape(28, 28)
    assert seen.max() > 200  # the white stroke, as the model saw it
    assert seen[:, :4].max() < 50  # on black
    probabilities = [
        float(p.text.rstrip("%"))
        for p in browser.find_elements(By.CSS_SELECTOR, "#result .prob")
    ]
    assert sum(probabilities) == pytest.approx(100, abs=1)

    # the upload again, for the screenshot of the docs
    Select(browser.find_element(By.ID, "model")).select_by_value("lenet5")
    browser.execute_script("document.body.dataset.state = 'idle'")
    browser.find_element(By.ID, "file").send_keys(str(trouser_png))
    assert _first_class(browser, wait) == "Trouser"
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    png = browser.get_screenshot_as_png()
    assert Image.open(io.BytesIO(png)).size[0] >= 1000
    SCREENSHOT.write_bytes(png)

"""Calibration of every shipped network, before and after temperature scaling, on its card.

For each network with shipped weights: log loss, Brier score and expected
calibration error (15 bins) on the official 10,000 test images; then
scikit-learn's ``CalibratedClassifierCV(FrozenEstimator(est),
method="temperature")`` fitted on 10,000 training images (drawn with seed 0,
never test images) and the same figures after it. The shipped networks were
trained on all 60,000 training images, so no training image is unseen: the
temperature is fitted on images the network saw, which makes it look more
confident there than on new images (the fitted temperature is then a lower
bound of the one held-out images would give). The card gains a
``calibration`` entry; one row per network goes to
``benchmarks/results/calibration.jsonl``::

    python benchmarks/calibrate_pretrained.py --beside "nothing"
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results" / "calibration.jsonl"
FIT_IMAGES = 10_000


def scores(y, proba, classes) -> dict:
    from fashionzoo.evaluation import brier_score, expected_calibration_error, log_loss

    return {
        "accuracy": round(float(np.mean(classes[proba.argmax(1)] == y)), 4),
        "log_loss": round(log_loss(y, proba, classes=classes), 4),
        "brier_score": round(brier_score(y, proba, classes=classes), 4),
        "ece": round(expected_calibration_error(y, proba, classes=classes), 4),
    }


def main(argv: list[str] | None = None) -> int:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.frozen import FrozenEstimator

    import fashionzoo
    from fashionzoo.datasets import fetch_fashion_mnist
    from fashionzoo.pretrained import PRETRAINED_DIR, list_pretrained

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*")
    parser.add_argument("--beside", default="nothing")
    args = parser.parse_args(argv)
    X_train, y_train = fetch_fashion_mnist("train", return_X_y=True)
    X_test, y_test = fetch_fashion_mnist("test", return_X_y=True)
    rows = np.random.default_rng(0).choice(len(X_train), FIT_IMAGES, replace=False)
    cpu = next(
        line.split(":", 1)[1].strip()
        for line in Path("/proc/cpuinfo").read_text().splitlines()
        if line.startswith("model name")
    )
    for name in args.names or list_pretrained():
        estimator = fashionzoo.create_estimator(name, pretrained=True)
        before = scores(y_test, estimator.predict_proba(X_test), estimator.classes_)
        calibrated = CalibratedClassifierCV(
            FrozenEstimator(estimator), method="temperature"
        ).fit(X_train[rows], y_train[rows])
        (fitted,) = calibrated.calibrated_classifiers_
        beta = float(fitted.calibrators[0].beta_)
        after = scores(y_test, calibrated.predict_proba(X_test), calibrated.classes_)
        entry = {
            "test": before,
            "temperature_scaling": {
                "method": 'CalibratedClassifierCV(FrozenEstimator(est), method="temperature")',
                "fitted_on": f"{FIT_IMAGES:,} training images (seed 0), seen in training",
                "inverse_temperature": round(beta, 4),
                "test": after,
            },
            "ece_bins": 15,
        }
        card_path = PRETRAINED_DIR / f"{name}.json"
        card = json.loads(card_path.read_text())
        card["calibration"] = entry
        card_path.write_text(json.dumps(card, indent=1) + "\n")
        row = {
            "name": name,
            "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "cpu": cpu,
            "beside": args.beside,
            **entry,
        }
        with RESULTS.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

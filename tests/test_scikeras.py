"""Zoo networks plug into scikeras' KerasClassifier (the `scikeras` extra).

Run in a subprocess: importing scikeras patches the pickling of Keras objects
for the whole process, which must not leak into the other tests.
"""

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    from scikeras.wrappers import KerasClassifier
    from fashionzoo.models import build_model
    from fashionzoo.testing import make_images

    X, y = make_images(20, 3)
    X = (X[..., None] / 255.0).astype("float32")

    def lenet(meta, units_1=16):
        return build_model("lenet5", meta["X_shape_"][1:], meta["n_classes_"], units_1=units_1)

    clf = KerasClassifier(
        model=lenet, model__units_1=32, loss="sparse_categorical_crossentropy",
        optimizer="adam", optimizer__learning_rate=0.01, epochs=8, batch_size=8,
        verbose=0, random_state=0,
    ).fit(X, y)
    assert clf.model_.get_layer("dense1").units == 32
    assert clf.predict_proba(X).shape == (60, 3)
    print("score", clf.score(X, y))
    """
)


def test_zoo_builder_in_scikeras_keras_classifier():
    pytest.importorskip("scikeras")
    out = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    score = float(out.stdout.split("score")[-1])
    assert score > 0.6

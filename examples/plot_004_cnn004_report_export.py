"""
A 590k-parameter CNN: report, confusion matrix and export (study 004)
=====================================================================

Study 004 trained a CNN of three convolution + pooling + dropout blocks
(32, 64 and 128 filters) and three dense layers (256, 256, 512), 590,346
parameters, for 15 epochs at batch 150, and reported 0.9168 on the test
set. It read the classification report and the confusion matrix, and
exported the model for fast inference.

The zoo's ``cnn004`` network is that CNN.
"""

# %%
# The budget
# ----------
import os

BUDGET = os.environ.get("FASHIONZOO_DOCS_BUDGET", "tiny")
if BUDGET == "full":
    n_train, n_test, epochs = 60_000, 10_000, 15  # the study's recipe
elif BUDGET == "tiny":
    n_train, n_test, epochs = 1_500, 1_000, 2
else:
    raise ValueError(f"FASHIONZOO_DOCS_BUDGET must be 'tiny' or 'full'; got {BUDGET!r}")
print(f"budget={BUDGET}: n_train={n_train}, n_test={n_test}, epochs={epochs}")

# %%
# Training
# --------
from sklearn.model_selection import train_test_split

from fashionzoo import create_estimator, get_model_info
from fashionzoo.datasets import fetch_fashion_mnist


def subset(bunch, n, seed=0):
    """``n`` images of ``bunch``, stratified by class (all of them if ``n`` is)."""
    if n >= len(bunch.target):
        return bunch.data, bunch.target
    X, _, y, _ = train_test_split(
        bunch.data, bunch.target, train_size=n, stratify=bunch.target, random_state=seed
    )
    return X, y


X_train, y_train = subset(fetch_fashion_mnist("train"), n_train)
X_test, y_test = subset(fetch_fashion_mnist("test"), n_test)

info = get_model_info("cnn004")
print(f"{info['name']}: {info['param_count']:,} parameters, recipe {info['recipe']}")
clf = create_estimator("cnn004", epochs=epochs, random_state=0).fit(X_train, y_train)

# %%
# The classification report
# -------------------------
# :func:`~fashionzoo.evaluation.evaluate` predicts the test images once and
# keeps everything: accuracy, per-class precision and recall, the confusion
# matrix, and how fast the model predicts.
from fashionzoo.evaluation import evaluate

result = evaluate(clf, X_test, y_test)
print(result)

# %%
# The confusion matrix
# --------------------
# Rows are true classes, normalised so each row sums to 1 (the diagonal is
# each class's recall). In study 004's matrix, shirts were the class most
# often mistaken, for T-shirts, pullovers and coats.
from fashionzoo.plotting import plot_confusion_matrix

display = plot_confusion_matrix(
    result.y_true, result.y_pred, target_names=result.target_names, normalize="true"
)

# %%
# Export for inference
# --------------------
# :func:`~fashionzoo.export.export` writes the network alone, with the pixel
# scaling inside: a ``.keras`` file here, also a TensorFlow SavedModel or an
# ONNX graph. The file loads without scikit-learn and takes float32 images of
# shape (n, 28, 28, 1) in 0-255.
import tempfile
from pathlib import Path

import numpy as np

from fashionzoo.export import export, load_model

folder = Path(tempfile.mkdtemp())
path = export(clf, folder / "cnn004", format="keras")
print(f"wrote {path.name}: {path.stat().st_size / 1e6:.1f} MB")

model = load_model(path)
images = X_test[:256].reshape(-1, 28, 28, 1).astype("float32")
served = model.predict(images, verbose=0)
same = np.allclose(served, clf.predict_proba(X_test[:256]), atol=1e-5)
print("exported model gives predict_proba's probabilities:", same)

"""
Transfer learning: backbones compared (study 001)
=================================================

Study 001 compared LeNet-5 trained from scratch with ImageNet networks
fine-tuned on Fashion-MNIST: ResNet152V2 (0.807), Xception (0.747) and
VGG16 (0.884), all below LeNet-5 (0.898).

:class:`~fashionzoo.transfer.TransferClassifier` puts a new head on a
``keras.applications`` backbone and takes the same 28x28 grey images as the
other estimators (it resizes them and repeats the channel inside the model).

.. note::

   ImageNet weights cannot be downloaded in the environment that builds this
   documentation, so the backbones here start from random weights
   (``weights=None``): they show how the comparison is run, not what
   pretrained features give. Set ``WEIGHTS = "imagenet"`` below on a machine
   with internet access (or with the weight files in ``~/.keras/models``).
"""

# %%
# The budget
# ----------
import os

BUDGET = os.environ.get("FASHIONZOO_DOCS_BUDGET", "tiny")
WEIGHTS = None  # "imagenet" where Keras can download the weights
if BUDGET == "full":
    n_train, n_test, epochs = 60_000, 10_000, 10
    backbones = ["vgg16", "resnet152v2", "xception"]  # study 001's
elif BUDGET == "tiny":
    n_train, n_test, epochs = 1_000, 500, 2
    backbones = ["vgg16", "mobilenet_v2"]  # cheap at 32x32 on a CPU
else:
    raise ValueError(f"FASHIONZOO_DOCS_BUDGET must be 'tiny' or 'full'; got {BUDGET!r}")
print(f"budget={BUDGET}: n_train={n_train}, n_test={n_test}, epochs={epochs}")
print(f"backbones: {backbones}, weights={WEIGHTS}")

# %%
# The data
# --------
from sklearn.model_selection import train_test_split

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

# %%
# Fit and score
# -------------
# Each backbone at its smallest input side (32 pixels for VGG16 and
# MobileNetV2, 71 for Xception), frozen, with a new head trained for
# ``epochs``; ``fine_tune_epochs`` would then train the top of the backbone
# too. LeNet-5 from scratch is the baseline.
import time

from fashionzoo import LeNet5Classifier, TransferClassifier
from fashionzoo.models.backbones import get_backbone

models = {"lenet5 (from scratch)": LeNet5Classifier(epochs=epochs, random_state=0)}
for name in backbones:
    models[name] = TransferClassifier(
        backbone=name,
        weights=WEIGHTS,
        input_size=get_backbone(name).min_size,
        epochs=epochs,
        random_state=0,
    )

results = {}
for name, clf in models.items():
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    results[name] = clf.score(X_test, y_test)
    print(
        f"{name:22} test accuracy {results[name]:.3f}  ({time.perf_counter() - start:.0f} s)"
    )

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 2.8))
ax.barh(list(results), list(results.values()), color="tab:blue")
ax.set_xlim(0, 1)
ax.set_xlabel(f"test accuracy ({BUDGET} budget, weights={WEIGHTS})")
ax.invert_yaxis()
fig.tight_layout()

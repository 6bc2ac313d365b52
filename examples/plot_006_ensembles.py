"""
Ensembles of zoo networks
=========================

Study 003 suggested ensembles as the next step. Every zoo estimator is a
scikit-learn classifier with ``predict_proba``, so scikit-learn's
``VotingClassifier`` with ``voting="soft"`` averages their probabilities
with no glue code. This example compares the ensemble with the best of its
members.
"""

# %%
# The budget
# ----------
import os

BUDGET = os.environ.get("FASHIONZOO_DOCS_BUDGET", "tiny")
if BUDGET == "full":
    n_train, n_test, epochs = 60_000, 10_000, None  # None: each network's recipe
elif BUDGET == "tiny":
    n_train, n_test, epochs = 1_000, 1_000, 2
else:
    raise ValueError(f"FASHIONZOO_DOCS_BUDGET must be 'tiny' or 'full'; got {BUDGET!r}")
print(
    f"budget={BUDGET}: n_train={n_train}, n_test={n_test}, epochs={epochs or 'recipe'}"
)

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
# A soft-voting ensemble
# ----------------------
# Three networks of different families. ``VotingClassifier`` fits a clone of
# each; the fitted members are in ``named_estimators_``, so each can be
# scored on its own without training it again.
from sklearn.ensemble import VotingClassifier

from fashionzoo import create_estimator

members = ["lenet5", "cnn_dropout", "cnn004"]
params = (
    {"random_state": 0} if epochs is None else {"random_state": 0, "epochs": epochs}
)
if BUDGET == "tiny":
    params["batch_size"] = 64  # more steps per epoch on few images
ensemble = VotingClassifier(
    [(name, create_estimator(name, **params)) for name in members], voting="soft"
)
ensemble.fit(X_train, y_train)

# %%
# Members against the ensemble
# ----------------------------
scores = {
    name: est.score(X_test, y_test) for name, est in ensemble.named_estimators_.items()
}
scores["soft vote"] = ensemble.score(X_test, y_test)
for name, score in scores.items():
    print(f"{name:12} {score:.3f}")
best = max(members, key=scores.get)
gain = scores["soft vote"] - scores[best]
print(
    f"gain of the ensemble over the best member ({best}): {gain:+.3f} ({BUDGET} budget)"
)

# %%
# Averaging helps most when the members are about as good as each other and
# err on different images. Their disagreement on the test set:
import numpy as np

preds = np.array([est.predict(X_test) for est in ensemble.named_estimators_.values()])
disagree = (preds != preds[0]).any(axis=0).mean()
print(f"the members disagree on {disagree:.1%} of the test images")

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 2.6))
colors = ["tab:gray"] * len(members) + ["tab:orange"]
ax.barh(list(scores), list(scores.values()), color=colors)
low = min(scores.values())
ax.set_xlim(max(0.0, low - 0.1), min(1.0, max(scores.values()) + 0.05))
ax.set_xlabel(f"test accuracy ({BUDGET} budget)")
ax.invert_yaxis()
fig.tight_layout()

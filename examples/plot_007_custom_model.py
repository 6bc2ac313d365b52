"""
Adding your own network to the zoo
==================================

A network of the zoo is a Keras builder registered by name, like the models
of timm: a function ``builder(input_shape, n_classes, *, hyperparameters)``
that returns an uncompiled ``keras.Model`` ending in a softmax. Once
registered with :func:`~fashionzoo.models.register_model`, it is listed by
:func:`~fashionzoo.zoo.list_models`, and
:func:`~fashionzoo.zoo.create_estimator` gives a scikit-learn estimator
whose parameters are the builder's keyword-only hyperparameters followed by
the training parameters every zoo estimator has.
"""

# %%
# The budget
# ----------
import os

BUDGET = os.environ.get("FASHIONZOO_DOCS_BUDGET", "tiny")
if BUDGET == "full":
    n_train, n_test, epochs = 60_000, 10_000, 10
elif BUDGET == "tiny":
    n_train, n_test, epochs = 1_000, 1_000, 2
else:
    raise ValueError(f"FASHIONZOO_DOCS_BUDGET must be 'tiny' or 'full'; got {BUDGET!r}")
print(f"budget={BUDGET}: n_train={n_train}, n_test={n_test}, epochs={epochs}")

# %%
# The builder
# -----------
# Keras layers only; the estimator adds the pixel scaling in front, and owns
# the optimizer, the loss, the seeds and the training loop. The docstring's
# Parameters become part of the estimator's documentation, and the
# ``recipe`` sets the estimator's default training parameters.
import keras

from fashionzoo.models import register_model


@register_model(
    description="Two 3x3 convolutions, global average pooling, dropout",
    recipe={"epochs": 10, "batch_size": 64, "learning_rate": 3e-3},
)
def tiny_gap_cnn(input_shape=(28, 28, 1), n_classes=10, *, filters=16, dropout=0.2):
    """A small CNN with a global-average-pooling head.

    Parameters
    ----------
    input_shape : tuple of int, default=(28, 28, 1)
        Image shape.
    n_classes : int, default=10
        Number of output classes.
    filters : int, default=16
        Filters of the first convolution; the second has twice as many.
    dropout : float, default=0.2
        Dropout rate before the output layer.

    Returns
    -------
    model : keras.Model
        Uncompiled; images scaled to [0, 1] in, class probabilities out.
    """
    inputs = keras.Input(input_shape)
    x = keras.layers.Conv2D(filters, 3, activation="relu", padding="same")(inputs)
    x = keras.layers.MaxPooling2D()(x)
    x = keras.layers.Conv2D(2 * filters, 3, activation="relu", padding="same")(x)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(dropout)(x)
    outputs = keras.layers.Dense(n_classes, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="tiny_gap_cnn")


# %%
# In the catalogue
# ----------------
import fashionzoo

print(fashionzoo.list_models())
clf = fashionzoo.create_estimator(
    "tiny_gap_cnn", filters=8, epochs=epochs, random_state=0
)
print(type(clf).__name__)
shown = ("filters", "dropout", "epochs", "learning_rate")
print({k: v for k, v in clf.get_params().items() if k in shown})

# %%
# Like any zoo estimator
# ----------------------
# The hyperparameters are estimator parameters, so a grid search works as
# for the zoo's own networks.
from sklearn.model_selection import GridSearchCV, train_test_split

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

search = GridSearchCV(clf, {"filters": [8, 16]}, cv=2).fit(X_train, y_train)
print("best:", search.best_params_, f"cv accuracy {search.best_score_:.3f}")
print(f"test accuracy ({BUDGET} budget): {search.score(X_test, y_test):.3f}")

# %%
# The estimator class is generated on first use; to pickle a fitted one and
# load it in another process, import the module that registers the builder
# there first. A name is registered once per process: registering it again
# raises an error, and renaming a published model goes through
# :func:`~fashionzoo.models.register_model_deprecation`.

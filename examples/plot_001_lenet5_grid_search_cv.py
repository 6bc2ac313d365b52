"""
LeNet-5: grid search and 5-fold cross-validation (study 001)
============================================================

Study 001 tuned LeNet-5 with a hyperparameter search over the sizes of its
two dense layers (``units_1`` in {128, 256}, ``units_2`` in {32, 64, 128})
and the learning rate ({1e-2, 1e-3, 1e-4}), validated the best model with
5-fold cross-validation (mean 0.94) and reported 0.898 on the test set.

Here the same steps run with scikit-learn's ``GridSearchCV`` and
``cross_val_score`` on :class:`~fashionzoo.estimators.LeNet5Classifier`,
whose hyperparameters are ordinary estimator parameters.
"""

# %%
# The budget
# ----------
# ``FASHIONZOO_DOCS_BUDGET`` chooses between a quick run (``tiny``, the
# default, used to build these pages) and the study's recipe (``full``).
import os

from fashionzoo import get_model_info

BUDGET = os.environ.get("FASHIONZOO_DOCS_BUDGET", "tiny")
if BUDGET == "full":
    # All images, and the epochs of LeNet-5's recipe in the zoo.
    epochs = get_model_info("lenet5")["recipe"]["epochs"]
    n_train, n_test, search_folds = 60_000, 10_000, 3
    param_grid = {
        "units_1": [128, 256],
        "units_2": [32, 64, 128],
        "learning_rate": [1e-2, 1e-3, 1e-4],
    }
elif BUDGET == "tiny":
    n_train, n_test, epochs, search_folds = 1_000, 1_000, 2, 2
    param_grid = {"units_1": [128, 256], "learning_rate": [1e-2, 1e-3]}
else:
    raise ValueError(f"FASHIONZOO_DOCS_BUDGET must be 'tiny' or 'full'; got {BUDGET!r}")
print(f"budget={BUDGET}: n_train={n_train}, n_test={n_test}, epochs={epochs}")
print(f"grid: {param_grid} with {search_folds}-fold search")

# %%
# The data
# --------
# A stratified subset of the 60,000 training images, and of the 10,000 test
# images. Each row of ``X`` is one 28x28 image as 784 uint8 pixels.
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


train, test = fetch_fashion_mnist("train"), fetch_fashion_mnist("test")
X_train, y_train = subset(train, n_train)
X_test, y_test = subset(test, n_test)
print(X_train.shape, X_test.shape)

# %%
# The grid search
# ---------------
# The parameters are flat, so the grid is a plain dict. ``GridSearchCV``
# clones the estimator for each candidate and fold, and refits the best one
# on all training images.
from sklearn.model_selection import GridSearchCV

from fashionzoo import LeNet5Classifier

search = GridSearchCV(
    LeNet5Classifier(epochs=epochs, random_state=0),
    param_grid,
    cv=search_folds,
)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")

# %%
# The scores of every candidate as a heatmap (the best cell is outlined):
from fashionzoo.plotting import plot_grid_search

ax = plot_grid_search(search, "learning_rate", "units_1")

# %%
# 5-fold cross-validation of the best model
# -----------------------------------------
# ``cv=5`` gives stratified folds, because scikit-learn knows the estimator
# is a classifier.
from sklearn.model_selection import cross_val_score

best = search.best_estimator_
scores = cross_val_score(best, X_train, y_train, cv=5)
print("fold accuracies:", scores.round(3))
print(f"mean {scores.mean():.3f} +/- {scores.std():.3f}")

# %%
from fashionzoo.plotting import plot_cv_scores

ax = plot_cv_scores({"LeNet-5 (best of the grid)": scores})

# %%
# The test set
# ------------
# The refitted best model, scored once on the test images. Study 001
# reported 0.898 with the full recipe; at the ``tiny`` budget expect far
# less.
print(f"test accuracy ({BUDGET} budget): {best.score(X_test, y_test):.3f}")

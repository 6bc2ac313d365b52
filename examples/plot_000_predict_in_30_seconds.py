"""
Predict in 30 seconds with shipped weights
==========================================

Every network of the zoo ships trained on the 60,000 Fashion-MNIST training
images, so classifying images needs no training: one line gives a fitted
estimator. This example takes ``best`` (the zoo's fast ResNet), classifies
the 1,000 images of the sample shipped with fashionzoo, and shows what it
gets right and wrong. Nothing here depends on the docs' budget: there is no
fit.
"""

# %%
# A fitted estimator in one line
# ------------------------------
import time

import fashionzoo
from fashionzoo.datasets import load_sample

start = time.perf_counter()
clf = fashionzoo.create_estimator("best", pretrained=True)
card = fashionzoo.get_model_info("best")["pretrained"]
print(
    f"{type(clf).__name__}: {card['network']['parameters']:,} parameters, "
    f"test accuracy {card['test_accuracy']:.4f} on the official 10,000 test images "
    f"(trained {card['epochs']} epochs, random_state={card['random_state']})"
)

# %%
# Classify
# --------
# The sample is 1,000 images of the training set, which ``best`` was trained
# on: its accuracy there is above the card's, measured on the 10,000 test
# images the network never saw.
X, y = load_sample(return_X_y=True)
proba = clf.predict_proba(X)
y_pred = clf.classes_[proba.argmax(axis=1)]
print(f"accuracy on the sample: {(y_pred == y).mean():.4f} ({len(y):,} images)")
print(f"loaded and predicted in {time.perf_counter() - start:.1f} s")

# %%
# What it sees
# ------------
# The first images of the sample with the predicted class and its
# probability; wrong predictions in red, with the true class below.
import matplotlib.pyplot as plt

names = fashionzoo.get_model_info("best")["class_names"]
fig, axes = plt.subplots(3, 8, figsize=(12, 5.4), layout="constrained")
for ax, image, label, guess, p in zip(axes.flat, X, y, y_pred, proba, strict=False):
    ax.imshow(image.reshape(28, 28), cmap="gray_r")
    ax.set_axis_off()
    ok = guess == label
    title = f"{names[guess]}\n{p.max():.2f}"
    if not ok:
        title += f"\n(is {names[label]})"
    ax.set_title(title, fontsize=8, color="black" if ok else "crimson")
fig.suptitle("create_estimator('best', pretrained=True) on the shipped sample")
plt.show()

# %%
# Where it errs
# -------------
# The confusion matrix on the sample: shirts, T-shirts, pullovers and coats
# are the classes the networks mix up, as in every study.
from fashionzoo.plotting import plot_confusion_matrix

plot_confusion_matrix(y, y_pred, normalize="true")
plt.show()

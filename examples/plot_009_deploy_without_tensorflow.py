"""
Deploy without TensorFlow: ONNX Runtime, OpenVINO and int8
==========================================================

Study 004 ends by optimising its network for deployment with OpenVINO. In
fashionzoo every trained network can leave TensorFlow: :func:`fashionzoo.export`
writes it as ONNX or OpenVINO IR, and :class:`fashionzoo.inference.InferenceModel`
runs such a file, or the graph shipped with a network's weights, behind the
estimators' ``predict`` / ``predict_proba``, in a process that never imports
TensorFlow, Keras or scikit-learn. This example classifies pictures in such a
process, compares the runtimes with the Keras estimator, and checks what
int8 quantization costs. Needs ``pip install "fashionzoo[onnx,openvino]"``.
"""

# %%
# A process that classifies without TensorFlow
# --------------------------------------------
# A fresh Python process loads ``best``'s shipped ONNX graph (checked against
# the SHA256 on its model card), classifies ten sample images and reports
# which heavy libraries it imported: none.
import json
import subprocess
import sys
import time

child = """
import json, sys, time
start = time.perf_counter()
from fashionzoo.datasets import load_sample
from fashionzoo.inference import InferenceModel
X, y = load_sample(return_X_y=True)
model = InferenceModel("best")
predicted = model.predict(X[:10])
print(json.dumps({
    "seconds": time.perf_counter() - start,
    "correct": int((predicted == y[:10]).sum()),
    "heavy": sorted(m for m in sys.modules
                    if m.split(".")[0] in ("tensorflow", "keras", "sklearn", "scipy")),
}))
"""
start = time.perf_counter()
report = json.loads(
    subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, check=True
    ).stdout
)
print(
    f"fresh process: {report['correct']}/10 right in {time.perf_counter() - start:.2f} s "
    f"wall; heavy libraries imported: {report['heavy'] or 'none'}"
)

# %%
# The same probabilities as the estimator
# ---------------------------------------
# The graph holds the pixel scaling and ``best``'s ten test-time views, so it
# returns the estimator's ``predict_proba``. OpenVINO computes in float32
# here (``precision="f32"``); ``"bf16"`` is faster on CPUs with bfloat16
# instructions and moves probabilities by a few hundredths.
import numpy as np

import fashionzoo
from fashionzoo.datasets import load_sample
from fashionzoo.inference import InferenceModel

X, y = load_sample(return_X_y=True)
X = X[:300]
estimator = fashionzoo.create_estimator("best", pretrained=True)
expected = estimator.predict_proba(X)
runtimes = {
    "Keras estimator": estimator,
    "ONNX Runtime": InferenceModel("best"),
    "OpenVINO f32": InferenceModel("best", runtime="openvino"),
    "ONNX Runtime int8": InferenceModel("best", quantized=True),
    "OpenVINO int8": InferenceModel("best", runtime="openvino", quantized=True),
}
for label, model in runtimes.items():
    proba = model.predict_proba(X)
    print(
        f"{label:18s} largest difference {np.abs(proba - expected).max():.1e}, "
        f"same class for {np.mean(proba.argmax(1) == expected.argmax(1)):.1%}"
    )

# %%
# What each costs
# ---------------
# The median time of one image and of 300, in this process (a ratio holds
# across hosts better than the times do). The card records the int8 graph's
# accuracy on the 10,000 test images next to the float32 one.


def median_ms(call, reps):
    call()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1e3 * float(np.median(times))


one = {
    label: median_ms(lambda m=m: m.predict_proba(X[:1]), 20)
    for label, m in runtimes.items()
}
many = {
    label: median_ms(lambda m=m: m.predict_proba(X), 3) for label, m in runtimes.items()
}
card = fashionzoo.get_model_info("best")["pretrained"]
print(
    f"test accuracy: float32 {card['onnx']['test_accuracy']['onnxruntime']}, "
    f"int8 {card['int8']['test_accuracy']['onnxruntime']} "
    f"({card['int8']['bytes'] / 1e6:.1f} MB against {card['onnx']['bytes'] / 1e6:.1f} MB)"
)

import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
for ax, times, title in zip(
    axes, (one, many), ("one image", f"{len(X)} images"), strict=True
):
    bars = ax.barh(list(times), list(times.values()), color="tab:blue")
    ax.bar_label(bars, fmt="%.2f", padding=3, fontsize=8)
    ax.margins(x=0.15)
    ax.invert_yaxis()
    ax.set_xlabel("median ms")
    ax.set_title(f"best (10 test-time views), {title}")
plt.show()

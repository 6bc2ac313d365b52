"""Run trained networks without TensorFlow: ONNX Runtime and OpenVINO.

:class:`InferenceModel` runs a network exported by :func:`fashionzoo.export`
(``format="onnx"`` or ``"openvino"``), or the ONNX graph that ships with each
network's trained weights, behind ``predict`` / ``predict_proba`` /
``classes_`` and the estimators' input checks. This package imports neither
TensorFlow, Keras nor scikit-learn, so a process that only classifies
starts in a fraction of a second with a small footprint. Both runtimes are
optional extras: ``pip install "fashionzoo[onnx]"`` or
``"fashionzoo[openvino]"``.
"""

from fashionzoo.inference._metadata import METADATA_KEY
from fashionzoo.inference._model import InferenceModel
from fashionzoo.inference._runtimes import PRECISIONS, RUNTIMES

__all__ = ["METADATA_KEY", "PRECISIONS", "RUNTIMES", "InferenceModel"]

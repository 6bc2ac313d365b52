"""``fashionzoo serve``: an HTTP service and a web page to try every model.

Built on Starlette and uvicorn (``pip install "fashionzoo[serve]"``):
Starlette is a small, well-kept ASGI toolkit with no pydantic and few
dependencies, and the service needs only seven routes, so a larger framework
would add start-up time and weight without adding anything it uses. Models
run in the TensorFlow-free runtimes of :mod:`fashionzoo.inference`; Keras is
imported only for a model that has no exported graph, and the listing says
so.

>>> from fashionzoo.serve import create_app, load_models
>>> app = create_app(load_models(["lenet5"]))
>>> sorted(app.state.models)
['lenet5']
"""

from fashionzoo.serve._app import create_app
from fashionzoo.serve._errors import ApiError
from fashionzoo.serve._limits import ServeLimits
from fashionzoo.serve._models import (
    RUNTIME_CHOICES,
    ServedModel,
    load_model,
    load_models,
)
from fashionzoo.serve._server import run

__all__ = [
    "RUNTIME_CHOICES",
    "ApiError",
    "ServeLimits",
    "ServedModel",
    "create_app",
    "load_model",
    "load_models",
    "run",
]

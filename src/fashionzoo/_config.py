"""Backend and device set-up: the only module that touches device state.

Nothing happens at import. The first model build calls
:func:`ensure_configured`, which, once per process (and again only if a
setting of :data:`config` changes):

* caps the backend's thread pools when ``config.n_threads`` is set or when
  the process runs as a parallel worker (joblib's loky backend and dask's
  nanny set ``OMP_NUM_THREADS`` in their workers), so that ``n_jobs`` fits on
  one machine do not fight over its cores;
* gives TensorFlow GPUs memory growth (JAX: turns off preallocation), so
  several estimators, or a notebook and the CLI, can share a card;
* checks ``config.device`` against the GPUs the backend sees (which already
  honours ``CUDA_VISIBLE_DEVICES``) and pins the process to the chosen one;
* chooses the precision policy and, with several GPUs, the backend's
  data-parallel mechanism (TensorFlow's ``MirroredStrategy``, Keras's
  ``DataParallel`` distribution on JAX).

Estimators build and compile their model inside :func:`strategy_scope` and run
it inside :func:`device_scope`; they never touch device state themselves.

Every per-backend branch lives here. The runtime settings (threads, memory
growth, visible devices) can only be applied before TensorFlow's runtime or
JAX's backends start; when they already have, the setting is logged and
skipped (placement then falls back to a device scope).
"""

from __future__ import annotations

import contextlib
import logging
import os
import platform
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from fashionzoo.exceptions import FashionZooError

logger = logging.getLogger(__name__)

__all__ = [
    "Config",
    "DeviceNotFoundError",
    "batch_multiple",
    "config",
    "device_scope",
    "ensure_configured",
    "list_gpus",
    "runtime_info",
    "strategy_scope",
]

_DEVICE_PATTERN = re.compile(r"auto|cpu|gpu(:\d+)?")
_PRECISION_CHOICES = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
_DISTRIBUTE_CHOICES = ("auto", "off")
#: Environment variables that parallel runners set to cap a worker's threads,
#: read in this order (joblib's loky backend sets all of them, dask's nanny the
#: first three).
_THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class DeviceNotFoundError(FashionZooError, RuntimeError):
    """``config.device`` names a GPU that the Keras backend does not see."""


def _env_threads() -> int | str | None:
    value = os.environ.get("FASHIONZOO_NUM_THREADS", "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() else value


@dataclass
class Config:
    """Process-wide settings, applied when the first model is built.

    Each setting starts from an environment variable, so a job script can set
    them without code. Change them before the first fit: the runtime parts
    (threads, memory growth, visible devices) cannot change once TensorFlow
    has started, and later changes fall back to what can still be done.

    Attributes
    ----------
    device : str, default="auto"
        ``"auto"`` (the backend's default: a GPU if one is visible, else the
        CPU), ``"cpu"``, ``"gpu"`` (fails with :class:`DeviceNotFoundError`
        when no GPU is visible, rather than training for hours on the CPU)
        or ``"gpu:N"`` (the N-th GPU the backend sees; with
        ``CUDA_VISIBLE_DEVICES=2,3``, ``"gpu:0"`` is physical GPU 2).
        From ``FASHIONZOO_DEVICE``.
    mixed_precision : str, default="auto"
        ``"auto"``: float16 compute (``"mixed_float16"``) on GPUs of compute
        capability 7.x, bfloat16 (``"mixed_bfloat16"``) on 8.0 or more, and
        Keras's own policy (float32 unless you changed it) on the CPU and on
        older GPUs. Or one of ``"float32"``, ``"mixed_float16"``,
        ``"mixed_bfloat16"`` to force it. The output layers of the zoo stay
        float32 either way. From ``FASHIONZOO_PRECISION``.
    distribute : str, default="auto"
        ``"auto"``: when ``device`` is ``"auto"`` or ``"gpu"`` and more than
        one GPU is visible, train data-parallel on all of them (TensorFlow's
        ``MirroredStrategy``; Keras's ``DataParallel`` on JAX; the torch
        backend has no in-process equivalent and uses one GPU). The batch size
        is then the global batch, split across the GPUs. ``"off"``: one
        device. From ``FASHIONZOO_DISTRIBUTE``.
    n_threads : int or None, default=None
        Threads of the backend's compute pool (TensorFlow's intra-op pool;
        its inter-op pool gets ``min(2, n_threads)``). ``None`` reads
        ``OMP_NUM_THREADS`` (set in workers by joblib's loky backend to
        cores // n_jobs and by dask's nanny to 1), else leaves the backend's
        default (all cores). From ``FASHIONZOO_NUM_THREADS``.

    Examples
    --------
    >>> import fashionzoo
    >>> fashionzoo.config.device = "cpu"  # doctest: +SKIP
    """

    device: str = field(
        default_factory=lambda: os.environ.get("FASHIONZOO_DEVICE", "auto")
    )
    mixed_precision: str = field(
        default_factory=lambda: os.environ.get("FASHIONZOO_PRECISION", "auto")
    )
    distribute: str = field(
        default_factory=lambda: os.environ.get("FASHIONZOO_DISTRIBUTE", "auto")
    )
    n_threads: int | str | None = field(default_factory=_env_threads)

    def validate(self) -> None:
        """Raise ValueError if a setting is not one of its choices.

        Raises
        ------
        ValueError
            Naming the setting, what is allowed and what it holds.
        """
        if not isinstance(self.device, str) or not _DEVICE_PATTERN.fullmatch(
            self.device.strip().lower()
        ):
            msg = (
                "config.device must be 'auto', 'cpu', 'gpu' or 'gpu:N' "
                f"(N a GPU index). Received: device={self.device!r}"
            )
            raise ValueError(msg)
        if self.mixed_precision not in _PRECISION_CHOICES:
            msg = (
                f"config.mixed_precision must be one of {_PRECISION_CHOICES}. "
                f"Received: mixed_precision={self.mixed_precision!r}"
            )
            raise ValueError(msg)
        if self.distribute not in _DISTRIBUTE_CHOICES:
            msg = (
                f"config.distribute must be one of {_DISTRIBUTE_CHOICES}. "
                f"Received: distribute={self.distribute!r}"
            )
            raise ValueError(msg)
        n = self.n_threads
        if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
            msg = (
                "config.n_threads must be None or an int >= 1 (it may come "
                f"from FASHIONZOO_NUM_THREADS). Received: n_threads={n!r}"
            )
            raise ValueError(msg)

    def _snapshot(self) -> tuple[Any, ...]:
        return tuple(getattr(self, f.name) for f in fields(self))


config = Config()


@dataclass
class _State:
    """What :func:`ensure_configured` decided, for the scopes and ``info``."""

    settings: tuple[Any, ...] | None = None  # the config it was computed from
    backend: str | None = None
    placement: str | None = None  # device name for keras.device, or None
    policy: str | None = None  # dtype policy for builds; None: Keras's own
    distribution: Any = None  # object with .scope(), or None
    replica_devices: list[str] = field(default_factory=list)
    n_threads: int | None = None
    n_threads_source: str | None = None
    notes: list[str] = field(default_factory=list)  # settings that were skipped


_lock = threading.RLock()
_state = _State()


# ---------------------------------------------------------------- discovery
def _backend() -> str:
    import keras

    return str(keras.backend.backend())


def _cuda_visible_devices() -> str | None:
    return os.environ.get("CUDA_VISIBLE_DEVICES")


def list_gpus() -> list[dict[str, Any]]:
    """GPUs visible to the Keras backend.

    ``CUDA_VISIBLE_DEVICES`` is honoured by every backend, so hidden GPUs are
    not listed; GPUs hidden later with ``config.device="gpu:N"`` still are.

    Returns
    -------
    gpus : list of dict
        One ``{"name": str, "compute_capability": tuple of int or None}`` per
        GPU, in the backend's order (the N of ``"gpu:N"``).
    """
    backend = _backend()
    gpus: list[dict[str, Any]] = []
    if backend == "tensorflow":
        import tensorflow as tf

        for dev in tf.config.list_physical_devices("GPU"):
            details = tf.config.experimental.get_device_details(dev)
            cap = details.get("compute_capability")
            gpus.append(
                {
                    "name": details.get("device_name", dev.name),
                    "compute_capability": tuple(cap) if cap else None,
                }
            )
    elif backend == "jax":
        import jax

        try:
            devices = jax.devices("gpu")
        except RuntimeError:  # no GPU platform in this jaxlib
            devices = []
        for dev in devices:
            cc = getattr(dev, "compute_capability", None)
            cap = tuple(int(p) for p in str(cc).split(".")) if cc else None
            gpus.append({"name": dev.device_kind, "compute_capability": cap})
    elif backend == "torch":
        import torch

        for i in range(torch.cuda.device_count()):
            gpus.append(
                {
                    "name": torch.cuda.get_device_name(i),
                    "compute_capability": tuple(torch.cuda.get_device_capability(i)),
                }
            )
    return gpus


def _gpu_count(backend: str) -> int:
    """GPUs the backend sees, without starting TensorFlow's runtime."""
    if backend == "tensorflow":
        import tensorflow as tf

        return len(tf.config.list_physical_devices("GPU"))
    return len(list_gpus())


# ---------------------------------------------------------------- decisions
def _resolve_device(device: str, n_gpus: int) -> tuple[str, int | None]:
    """``(kind, index)`` for a validated device setting and the GPU count.

    ``kind`` is ``"auto"``, ``"cpu"`` or ``"gpu"``; ``index`` is the GPU of
    ``"gpu:N"``, else None.

    Raises
    ------
    DeviceNotFoundError
        ``"gpu"`` with no GPU visible, or ``"gpu:N"`` past the last one.
    """
    dev = device.strip().lower()
    if dev in ("auto", "cpu"):
        return dev, None
    base, _, index = dev.partition(":")
    idx = int(index) if index else None
    if n_gpus == 0 or (idx is not None and idx >= n_gpus):
        cvd = _cuda_visible_devices()
        seen = (
            "no GPU" if n_gpus == 0 else f"{n_gpus} GPU(s), gpu:0 to gpu:{n_gpus - 1}"
        )
        hint = (
            f" CUDA_VISIBLE_DEVICES={cvd!r} limits what it sees."
            if cvd is not None
            else ""
        )
        msg = (
            f"config.device={device!r}, but the Keras backend sees {seen}.{hint} "
            f"Check the driver with nvidia-smi and install the backend's GPU "
            f"build (e.g. pip install 'tensorflow[and-cuda]'), pick another "
            f"device, or set fashionzoo.config.device = 'auto' to use the CPU "
            f"when no GPU is available."
        )
        raise DeviceNotFoundError(msg)
    return base, idx


def _choose_precision(
    setting: str, gpus: Sequence[Mapping[str, Any]], *, on_gpu: bool
) -> str | None:
    """The dtype policy to build with; None leaves Keras's current policy.

    Parameters
    ----------
    setting : str
        ``config.mixed_precision``.
    gpus : sequence of dict
        The GPUs the model will run on, each with a ``"compute_capability"``
        tuple (or None when unknown).
    on_gpu : bool
        Whether the model runs on GPU(s) at all.
    """
    if setting != "auto":
        return setting
    if not on_gpu or not gpus:
        return None
    caps = [g.get("compute_capability") or (0, 0) for g in gpus]
    major = min(c[0] for c in caps)
    if major >= 8:  # Ampere and later: bfloat16 tensor cores, no loss scaling
        return "mixed_bfloat16"
    if major >= 7:  # Volta, Turing: float16 tensor cores
        return "mixed_float16"
    return None


def _choose_replicas(
    distribute: str, kind: str, index: int | None, n_gpus: int, backend: str
) -> list[int]:
    """GPU indices to train on data-parallel; empty for one device."""
    if distribute == "off" or kind == "cpu" or index is not None or n_gpus < 2:
        return []
    if backend not in ("tensorflow", "jax"):
        logger.info(
            "config.distribute='auto': the %s backend has no in-process "
            "data-parallel mechanism in Keras; training on one GPU of %d",
            backend,
            n_gpus,
        )
        return []
    return list(range(n_gpus))


def _replica_devices(indices: Sequence[int]) -> list[str]:
    """Keras device names of the GPUs to replicate over."""
    return [f"gpu:{i}" for i in indices]


def _thread_cap() -> tuple[int | None, str | None]:
    """Thread cap and where it comes from: config, a runner's env var, or none."""
    if config.n_threads is not None:
        return int(config.n_threads), "config.n_threads"
    for var in _THREAD_ENV_VARS:
        raw = os.environ.get(var, "").strip()
        if not raw:
            continue
        first = raw.split(",")[0].strip()  # OpenMP allows "4,2" (nested levels)
        if first.isdigit() and int(first) >= 1:
            return int(first), var
        logger.debug("ignoring %s=%r: not a positive int", var, raw)
    return None, None


# ---------------------------------------------------------- runtime set-up
def _skip(note: str) -> None:
    _state.notes.append(note)
    logger.warning("%s", note)


def _configure_tensorflow_runtime(n_threads: int | None, source: str | None) -> None:
    import tensorflow as tf

    if n_threads is not None:
        inter = min(2, n_threads)
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n_threads)
            tf.config.threading.set_inter_op_parallelism_threads(inter)
            logger.info(
                "TensorFlow threads: intra-op %d, inter-op %d (from %s)",
                n_threads,
                inter,
                source,
            )
        except RuntimeError:
            _skip(
                f"TensorFlow threads not capped to {n_threads} (from {source}): "
                f"its runtime had already started. Set the cap before the "
                f"first TensorFlow operation."
            )
    if os.environ.get("TF_FORCE_GPU_ALLOW_GROWTH") is None:
        for gpu in tf.config.list_physical_devices("GPU"):
            try:
                tf.config.experimental.set_memory_growth(gpu, True)
            except RuntimeError:
                logger.debug("memory growth not set for %s: runtime started", gpu.name)


def _configure_jax_runtime(n_threads: int | None, source: str | None) -> None:
    try:
        from jax._src import xla_bridge

        started = bool(xla_bridge.backends_are_initialized())
    except (ImportError, AttributeError):  # private API moved: assume started
        started = True
    if started:
        if n_threads is not None:
            _skip(
                f"JAX threads not capped to {n_threads} (from {source}): its "
                f"backends had already started."
            )
        return
    # JAX's counterpart of TensorFlow's memory growth.
    os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")
    if n_threads == 1:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = (
                f"{flags} --xla_cpu_multi_thread_eigen=false "
                f"intra_op_parallelism_threads=1"
            ).strip()
    elif n_threads is not None:
        logger.info(
            "JAX offers no thread count but 1; %s=%d not applied", source, n_threads
        )


def _configure_torch_runtime(n_threads: int | None, source: str | None) -> None:
    if n_threads is None:
        return
    import torch

    torch.set_num_threads(n_threads)
    try:
        torch.set_num_interop_threads(min(2, n_threads))
    except RuntimeError:
        logger.debug("torch inter-op threads already fixed")
    logger.info("torch threads: %d (from %s)", n_threads, source)


def _configure_runtime(backend: str, n_threads: int | None, source: str | None) -> None:
    if backend == "tensorflow":
        _configure_tensorflow_runtime(n_threads, source)
    elif backend == "jax":
        _configure_jax_runtime(n_threads, source)
    elif backend == "torch":
        _configure_torch_runtime(n_threads, source)


def _pin_device(backend: str, kind: str, index: int | None) -> str | None:
    """Make ``kind``/``index`` the process's device; the name to scope, if any.

    On TensorFlow the other GPUs are hidden (``set_visible_devices``), so
    variables land on the chosen device wherever they are created. When the
    runtime has already started, or on the other backends, the returned name
    is entered with ``keras.device`` around builds and runs instead.
    """
    if kind == "auto" or (kind == "gpu" and index is None):
        return None
    name = "cpu:0" if kind == "cpu" else f"gpu:{index}"
    if backend == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        visible = [] if kind == "cpu" else [gpus[index]]
        try:
            tf.config.set_visible_devices(visible, "GPU")
        except RuntimeError:
            logger.info(
                "TensorFlow has started: GPUs not hidden; placing on %s instead", name
            )
            return name
        return None
    return name


def _make_distribution(backend: str, devices: Sequence[str]) -> Any:
    """The backend's data-parallel object (with a ``scope()``) over ``devices``."""
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.distribute.MirroredStrategy(devices=[f"/{d}" for d in devices])
    if backend == "jax":
        import keras

        return keras.distribution.DataParallel(devices=list(devices))
    return None


def _configure() -> None:
    config.validate()
    backend = _backend()
    _state.notes = []
    _state.backend = backend
    n_threads, source = _thread_cap()
    if _state.settings is None or n_threads != _state.n_threads:
        _configure_runtime(backend, n_threads, source)
    _state.n_threads, _state.n_threads_source = n_threads, source
    n_gpus = _gpu_count(backend)
    kind, index = _resolve_device(config.device, n_gpus)
    replicas = _choose_replicas(config.distribute, kind, index, n_gpus, backend)
    _state.placement = None if replicas else _pin_device(backend, kind, index)
    gpus = list_gpus()
    used = (
        []
        if kind == "cpu"
        else (gpus[index : index + 1] if index is not None else gpus)
    )
    _state.policy = _choose_precision(config.mixed_precision, used, on_gpu=bool(used))
    _state.distribution = None
    _state.replica_devices = []
    if replicas:
        devices = _replica_devices(replicas)
        try:
            _state.distribution = _make_distribution(backend, devices)
            _state.replica_devices = devices
        except (RuntimeError, ValueError) as exc:
            _skip(f"data-parallel training on {devices} not set up ({exc}); one GPU")
    logger.info(
        "Keras backend %s, %d GPU(s), device %s, policy %s, replicas %d",
        backend,
        len(gpus),
        config.device,
        _state.policy or "keras default",
        max(1, len(_state.replica_devices)),
    )


def ensure_configured() -> None:
    """Apply :data:`config` to the backend; cheap once done.

    Called by every model build (and by the scopes). Runs again only when a
    setting changed since the last call.

    Raises
    ------
    ValueError
        A setting is not one of its choices.
    DeviceNotFoundError
        ``config.device`` asks for a GPU the backend does not see.
    """
    if _state.settings == config._snapshot():
        return
    with _lock:
        snapshot = config._snapshot()
        if _state.settings == snapshot:
            return
        _configure()
        _state.settings = snapshot


# ------------------------------------------------------------------ scopes
@contextlib.contextmanager
def _placement_scope() -> Iterator[None]:
    if _state.distribution is not None:
        with _state.distribution.scope():
            yield
    elif _state.placement is not None:
        import keras

        with keras.device(_state.placement):
            yield
    else:
        yield


@contextlib.contextmanager
def strategy_scope() -> Iterator[None]:
    """Build and compile a model here: on the configured device(s) and precision.

    With several GPUs and ``config.distribute="auto"`` this is the
    data-parallel strategy's scope (so weights are mirrored and the optimizer
    knows the replicas); with one device it places the weights on
    ``config.device``; on the CPU or one GPU left to the backend it does
    nothing but set the precision policy. The dtype policy chosen from
    ``config.mixed_precision`` holds inside the scope only, so models the user
    builds elsewhere keep Keras's own policy (Keras keeps the policy per
    thread and resets it in ``clear_session``, so it is set at each build).

    Examples
    --------
    >>> import keras
    >>> from fashionzoo._config import strategy_scope
    >>> with strategy_scope():
    ...     layer = keras.layers.Dense(2)
    """
    ensure_configured()
    policy = _state.policy
    previous = None
    if policy is not None:
        import keras

        previous = keras.config.dtype_policy()
        if previous.name != policy:
            keras.config.set_dtype_policy(policy)
        else:
            previous = None
    try:
        with _placement_scope():
            yield
    finally:
        if previous is not None:
            import keras

            keras.config.set_dtype_policy(previous)


@contextlib.contextmanager
def device_scope() -> Iterator[None]:
    """Run (fit, predict) a model built in :func:`strategy_scope` here.

    Enters the same data-parallel strategy or device as the build; a no-op on
    the CPU or one GPU left to the backend. Keras's JAX trainer reads the
    distribution while fitting, so the scope must surround ``fit`` too.
    """
    ensure_configured()
    with _placement_scope():
        yield


def batch_multiple() -> int:
    """The number every batch size must be a multiple of, for the estimator.

    Keras's ``DataParallel`` on JAX shards each batch evenly over the devices
    and fails on a batch it cannot split (``IndivisibleError``); Keras 3's
    TensorFlow trainer under ``MirroredStrategy`` fails on one too (an
    ``AddN`` of per-replica gradients of different shapes). So training and
    prediction batches hold a multiple of the replica count.

    Returns
    -------
    multiple : int
        The replica count under data parallelism, else 1.
    """
    ensure_configured()
    if _state.distribution is not None:
        return len(_state.replica_devices)
    return 1


# -------------------------------------------------------------------- info
def _version(distribution: str) -> str | None:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return None


def runtime_info() -> dict[str, Any]:
    """Versions, backend, devices, precision and threads, for ``fashionzoo info``.

    Applies the configuration first (as a model build would). A configuration
    error is reported under ``"config_error"`` instead of raised, so ``info``
    can still show what was found.

    Returns
    -------
    info : dict
        JSON-serialisable. Keys: ``fashionzoo``, ``python``, ``platform``,
        ``keras``, ``backend``, ``backend_version``, ``scikit-learn``,
        ``numpy``, ``joblib``, the backend's own package (``tensorflow``,
        ``jax`` and ``jaxlib``, or ``torch``), ``cuda_build`` (TensorFlow:
        the CUDA/cuDNN it was built with), ``cuda_visible_devices``,
        ``cpu_count``, ``gpus`` (list of dicts), ``device`` (setting),
        ``placement``, ``distribute`` (setting), ``replicas`` (devices
        trained on in parallel), ``mixed_precision`` (setting),
        ``precision_policy`` (used to build zoo models), ``n_threads`` and
        ``n_threads_source``, ``intra_op_threads`` and ``inter_op_threads``
        (TensorFlow; 0 means all cores), ``notes`` (settings that could not
        be applied) and, on error, ``config_error``.
    """
    import keras
    import numpy

    import fashionzoo

    backend = _backend()
    info: dict[str, Any] = {
        "fashionzoo": fashionzoo.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "keras": keras.__version__,
        "backend": backend,
        "backend_version": None,
        "scikit-learn": _version("scikit-learn"),
        "numpy": numpy.__version__,
        "joblib": _version("joblib"),
        "cuda_visible_devices": _cuda_visible_devices(),
        "cpu_count": os.cpu_count(),
    }
    try:
        ensure_configured()
    except (ValueError, FashionZooError) as exc:
        info["config_error"] = str(exc)
    info.update(
        {
            "gpus": [
                {**g, "compute_capability": list(g["compute_capability"] or []) or None}
                for g in list_gpus()
            ],
            "device": config.device,
            "placement": _state.placement,
            "distribute": config.distribute,
            "replicas": max(1, len(_state.replica_devices)),
            "mixed_precision": config.mixed_precision,
            "precision_policy": _state.policy or keras.config.dtype_policy().name,
            "n_threads": _state.n_threads,
            "n_threads_source": _state.n_threads_source,
            "notes": list(_state.notes),
        }
    )
    if backend == "tensorflow":
        import tensorflow as tf

        build = tf.sysconfig.get_build_info()
        info["tensorflow"] = info["backend_version"] = tf.__version__
        info["cuda_build"] = {
            k: build.get(k) for k in ("is_cuda_build", "cuda_version", "cudnn_version")
        }
        info["intra_op_threads"] = (
            tf.config.threading.get_intra_op_parallelism_threads()
        )
        info["inter_op_threads"] = (
            tf.config.threading.get_inter_op_parallelism_threads()
        )
    elif backend == "jax":
        import jax

        info["jax"] = info["backend_version"] = jax.__version__
        info["jaxlib"] = _version("jaxlib")
    elif backend == "torch":
        import torch

        info["torch"] = info["backend_version"] = torch.__version__
        info["cuda_build"] = {"cuda_version": torch.version.cuda}
        info["intra_op_threads"] = torch.get_num_threads()
        info["inter_op_threads"] = torch.get_num_interop_threads()
    return info

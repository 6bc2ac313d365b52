"""Settings and device set-up: what the estimators train on, and how.

Settings follow scikit-learn's :func:`sklearn.set_config`: :func:`set_config`,
:func:`get_config` and :func:`config_context`, each value checked when it is
set. The environment variables ``FASHIONZOO_DEVICE``,
``FASHIONZOO_PRECISION``, ``FASHIONZOO_DISTRIBUTE`` and
``FASHIONZOO_NUM_THREADS`` give the defaults, so a job script can set them
without code. Unlike scikit-learn's, these settings are process-wide, not
per thread: they configure the one backend runtime of the process.

Nothing happens at import. The first model build calls
:func:`ensure_configured`, which, once per process (and again only if a
setting changes), caps the backend's threads, gives GPUs memory growth,
checks ``device`` against the GPUs the backend sees, and chooses the
precision policy and the data-parallel mechanism. What differs between
backends lives in :mod:`fashionzoo._backends` (one module per backend);
the decisions shared by all of them (which device, which precision, how
many replicas, how many threads) are pure functions here.

Estimators build and compile their model inside :func:`strategy_scope` and
run it inside :func:`device_scope`; they never touch device state themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from fashionzoo import _backends
from fashionzoo.exceptions import FashionZooError

logger = logging.getLogger(__name__)

__all__ = [
    "DeviceNotFoundError",
    "applied_settings",
    "batch_multiple",
    "choose_precision",
    "choose_replicas",
    "config",
    "config_context",
    "device_scope",
    "ensure_configured",
    "get_config",
    "list_gpus",
    "resolve_device",
    "rounded_batch_size",
    "set_config",
    "strategy_scope",
    "thread_cap",
]

_DEVICE_PATTERN = re.compile(r"auto|cpu|gpu(:\d+)?")
_CHOICES = {
    "mixed_precision": ("auto", "float32", "mixed_float16", "mixed_bfloat16"),
    "distribute": ("auto", "off"),
}
#: Setting -> the environment variable that gives its default.
ENV_VARS = {
    "device": "FASHIONZOO_DEVICE",
    "mixed_precision": "FASHIONZOO_PRECISION",
    "distribute": "FASHIONZOO_DISTRIBUTE",
    "n_threads": "FASHIONZOO_NUM_THREADS",
}
#: Environment variables that parallel runners set to cap a worker's threads,
#: read in this order (joblib's loky backend sets all of them, dask's nanny the
#: first three).
THREAD_ENV_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


class DeviceNotFoundError(FashionZooError, RuntimeError):
    """The ``device`` setting names a GPU that the Keras backend does not see."""


# ----------------------------------------------------------------- settings
def _check(name: str, value: Any) -> Any:
    """``value`` for setting ``name``, normalised; ValueError if it is not allowed."""
    if name == "device":
        if isinstance(value, str) and _DEVICE_PATTERN.fullmatch(value.strip().lower()):
            return value.strip().lower()
        msg = (
            "device must be 'auto', 'cpu', 'gpu' or 'gpu:N' (N a GPU index). "
            f"Received: device={value!r}"
        )
    elif name in _CHOICES:
        if value in _CHOICES[name]:
            return value
        msg = f"{name} must be one of {_CHOICES[name]}. Received: {name}={value!r}"
    elif name == "n_threads":
        if isinstance(value, str) and value.strip().isdigit():
            value = int(value)
        if value == "auto" or (
            isinstance(value, int) and not isinstance(value, bool) and value >= 1
        ):
            return value
        msg = f"n_threads must be 'auto' or an int >= 1. Received: n_threads={value!r}"
    else:
        msg = f"Unknown setting {name!r}; the settings are {', '.join(ENV_VARS)}."
    raise ValueError(msg)


def _from_environment() -> dict[str, Any]:
    settings = {}
    for name, var in ENV_VARS.items():
        raw = os.environ.get(var, "").strip()
        try:
            settings[name] = _check(name, raw or "auto")
        except ValueError as exc:
            msg = f"{var}={raw!r} is not a valid setting: {exc}"
            raise ValueError(msg) from None
    return settings


_lock = threading.RLock()
_settings: dict[str, Any] = {}


def get_config() -> dict[str, Any]:
    """The current settings.

    Returns
    -------
    config : dict
        ``device``, ``mixed_precision``, ``distribute`` and ``n_threads``;
        see :func:`set_config`.

    Raises
    ------
    ValueError
        An environment variable holds an invalid default (read on first use).

    Examples
    --------
    >>> import fashionzoo
    >>> sorted(fashionzoo.get_config())
    ['device', 'distribute', 'mixed_precision', 'n_threads']
    """
    with _lock:
        if not _settings:
            _settings.update(_from_environment())
        return dict(_settings)


def set_config(
    device: str | None = None,
    mixed_precision: str | None = None,
    distribute: str | None = None,
    n_threads: int | str | None = None,
) -> None:
    """Change settings; ``None`` leaves a setting as it is.

    Each value is checked here: a bad one raises ``ValueError`` naming the
    setting, what is allowed and what it got, and changes nothing. Set them
    before the first fit: the runtime parts (threads, memory growth, visible
    devices) cannot change once the backend has started, and later changes
    fall back to what can still be done (``fashionzoo info`` lists them).

    Parameters
    ----------
    device : {"auto", "cpu", "gpu"} or "gpu:N", default=None
        ``"auto"``: the backend's default (a GPU if one is visible, else the
        CPU); ``"gpu"`` fails with :class:`DeviceNotFoundError` at the first
        fit when no GPU is visible, rather than training for hours on the
        CPU; ``"gpu:N"``: the N-th GPU the backend sees (with
        ``CUDA_VISIBLE_DEVICES=2,3``, ``"gpu:0"`` is physical GPU 2).
        Default from ``FASHIONZOO_DEVICE``, else ``"auto"``.
    mixed_precision : {"auto", "float32", "mixed_float16", "mixed_bfloat16"}, default=None
        ``"auto"``: float16 compute on GPUs of compute capability 7.x,
        bfloat16 on 8.0 or more, Keras's own policy (float32 unless you
        changed it) on the CPU and older GPUs. The output layers stay
        float32 either way. Default from ``FASHIONZOO_PRECISION``.
    distribute : {"auto", "off"}, default=None
        ``"auto"``: with ``device`` ``"auto"`` or ``"gpu"`` and several GPUs
        visible, train data-parallel on all of them (TensorFlow's
        ``MirroredStrategy``, Keras's ``DataParallel`` on JAX; torch uses one
        GPU), the batch size being the global batch. ``"off"``: one device.
        Default from ``FASHIONZOO_DISTRIBUTE``.
    n_threads : int or "auto", default=None
        Threads of the backend's compute pool (TensorFlow's intra-op pool;
        its inter-op pool gets ``min(2, n_threads)``). ``"auto"`` reads
        ``OMP_NUM_THREADS`` (set in workers by joblib's loky backend and by
        dask's nanny), else leaves the backend's default (all cores).
        Default from ``FASHIONZOO_NUM_THREADS``.

    Raises
    ------
    ValueError
        A value is not allowed.

    See Also
    --------
    get_config : The current settings.
    config_context : Settings for a ``with`` block.

    Examples
    --------
    >>> import fashionzoo
    >>> fashionzoo.set_config(device="cpu")  # doctest: +SKIP
    """
    changes = {
        name: _check(name, value)
        for name, value in {
            "device": device,
            "mixed_precision": mixed_precision,
            "distribute": distribute,
            "n_threads": n_threads,
        }.items()
        if value is not None
    }
    with _lock:
        get_config()
        _settings.update(changes)


@contextlib.contextmanager
def config_context(**settings: Any) -> Iterator[None]:
    """Settings for a ``with`` block, restored at its end.

    Parameters
    ----------
    **settings
        As for :func:`set_config`.

    Yields
    ------
    None
        The settings hold inside the block.

    Examples
    --------
    >>> import fashionzoo
    >>> with fashionzoo.config_context(mixed_precision="float32"):
    ...     fashionzoo.get_config()["mixed_precision"]
    'float32'
    """
    before = get_config()
    set_config(**settings)
    try:
        yield
    finally:
        with _lock:
            _settings.clear()
            _settings.update(before)


class _ConfigAttributes:
    """``fashionzoo.config``: the settings as attributes, read and set through
    :func:`get_config` and :func:`set_config` (checked when set)."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        if name in ENV_VARS:
            return get_config()[name]
        msg = f"fashionzoo.config has no setting {name!r}; settings: {', '.join(ENV_VARS)}"
        raise AttributeError(msg)

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in ENV_VARS:
            msg = f"fashionzoo.config has no setting {name!r}; settings: {', '.join(ENV_VARS)}"
            raise AttributeError(msg)
        if value is None:
            msg = f"{name} cannot be None. Received: {name}=None"
            raise ValueError(msg)
        set_config(**{name: value})

    def __repr__(self) -> str:
        items = ", ".join(f"{k}={v!r}" for k, v in get_config().items())
        return f"fashionzoo.config({items})"


#: The settings as attributes: ``fashionzoo.config.device = "cpu"``.
config = _ConfigAttributes()


# ---------------------------------------------------------------- decisions
def resolve_device(
    device: str, n_gpus: int, cuda_visible_devices: str | None = None
) -> tuple[str, int | None]:
    """``(kind, index)`` for a device setting and the number of GPUs seen.

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
        seen = (
            "no GPU" if n_gpus == 0 else f"{n_gpus} GPU(s), gpu:0 to gpu:{n_gpus - 1}"
        )
        hint = (
            f" CUDA_VISIBLE_DEVICES={cuda_visible_devices!r} limits what it sees."
            if cuda_visible_devices is not None
            else ""
        )
        msg = (
            f"device={device!r}, but the Keras backend sees {seen}.{hint} "
            f"Check the driver with nvidia-smi and install the backend's GPU "
            f"build (e.g. pip install 'tensorflow[and-cuda]'), pick another "
            f"device, or set fashionzoo.set_config(device='auto') to use the CPU "
            f"when no GPU is available."
        )
        raise DeviceNotFoundError(msg)
    return base, idx


def choose_precision(
    setting: str, gpus: Sequence[Mapping[str, Any]], *, on_gpu: bool
) -> str | None:
    """The dtype policy to build with; None leaves Keras's current policy.

    Parameters
    ----------
    setting : str
        The ``mixed_precision`` setting.
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


def choose_replicas(
    distribute: str, kind: str, index: int | None, n_gpus: int, data_parallel: bool
) -> list[int]:
    """GPU indices to train on data-parallel; empty for one device.

    ``data_parallel`` says whether the backend can train on several devices
    in one process.
    """
    if distribute == "off" or kind == "cpu" or index is not None or n_gpus < 2:
        return []
    if not data_parallel:
        logger.info(
            "distribute='auto': this backend has no in-process data-parallel "
            "mechanism in Keras; training on one GPU of %d",
            n_gpus,
        )
        return []
    return list(range(n_gpus))


def thread_cap(
    n_threads: int | str, environ: Mapping[str, str]
) -> tuple[int | None, str | None]:
    """Thread cap and where it comes from: the setting, a runner's variable, or none."""
    if n_threads != "auto":
        return int(n_threads), "n_threads"
    for var in THREAD_ENV_VARS:
        raw = environ.get(var, "").strip()
        if not raw:
            continue
        first = raw.split(",")[0].strip()  # OpenMP allows "4,2" (nested levels)
        if first.isdigit() and int(first) >= 1:
            return int(first), var
        logger.debug("ignoring %s=%r: not a positive int", var, raw)
    return None, None


# ---------------------------------------------------------------- applying
@dataclass
class _State:
    """What :func:`ensure_configured` decided, for the scopes and ``info``."""

    settings: dict[str, Any] | None = None  # the settings it was computed from
    placement: str | None = None  # device name for keras.device, or None
    policy: str | None = None  # dtype policy for builds; None: Keras's own
    distribution: Any = None  # object with .scope(), or None
    replica_devices: list[str] = field(default_factory=list)
    n_threads: int | None = None
    n_threads_source: str | None = None
    notes: list[str] = field(default_factory=list)  # settings that were skipped


_state = _State()


def list_gpus() -> list[dict[str, Any]]:
    """GPUs visible to the Keras backend.

    ``CUDA_VISIBLE_DEVICES`` is honoured by every backend, so hidden GPUs are
    not listed; GPUs hidden later with ``device="gpu:N"`` still are.

    Returns
    -------
    gpus : list of dict
        One ``{"name": str, "compute_capability": tuple of int or None}`` per
        GPU, in the backend's order (the N of ``"gpu:N"``).
    """
    return _backends.current().list_gpus()


def _note(note: str) -> None:
    _state.notes.append(note)
    logger.warning("%s", note)


def replica_devices(indices: Sequence[int]) -> list[str]:
    """Keras device names of the GPUs to replicate over."""
    return [f"gpu:{i}" for i in indices]


def _configure(settings: dict[str, Any]) -> None:
    backend = _backends.current()
    first = _state.settings is None
    _state.notes = []
    n_threads, source = thread_cap(settings["n_threads"], os.environ)
    if first or n_threads != _state.n_threads:
        for note in backend.configure_runtime(n_threads, source):
            _note(note)
    _state.n_threads, _state.n_threads_source = n_threads, source
    n_gpus = backend.gpu_count()
    kind, index = resolve_device(
        settings["device"], n_gpus, os.environ.get("CUDA_VISIBLE_DEVICES")
    )
    replicas = choose_replicas(
        settings["distribute"], kind, index, n_gpus, backend.DATA_PARALLEL
    )
    _state.placement = None if replicas else backend.pin_device(kind, index)
    gpus = backend.list_gpus() if n_gpus else []
    used = (
        []
        if kind == "cpu"
        else (gpus[index : index + 1] if index is not None else gpus)
    )
    _state.policy = choose_precision(
        settings["mixed_precision"], used, on_gpu=bool(used)
    )
    _state.distribution = None
    _state.replica_devices = []
    if replicas:
        devices = replica_devices(replicas)
        try:
            _state.distribution = backend.make_distribution(devices)
            _state.replica_devices = devices
        except (RuntimeError, ValueError) as exc:
            _note(f"data-parallel training on {devices} not set up ({exc}); one GPU")
    logger.debug(
        "Keras backend %s, %d GPU(s), device %s, policy %s, replicas %d",
        backend.__name__.rsplit(".", 1)[-1],
        n_gpus,
        settings["device"],
        _state.policy or "keras default",
        max(1, len(_state.replica_devices)),
    )


def ensure_configured() -> None:
    """Apply the settings to the backend; cheap once done.

    Called by every model build (and by the scopes). Runs again only when a
    setting changed since the last call.

    Raises
    ------
    DeviceNotFoundError
        ``device`` asks for a GPU the backend does not see.
    """
    settings = get_config()
    if _state.settings == settings:
        return
    with _lock:
        if _state.settings == settings:
            return
        _configure(settings)
        _state.settings = settings


# ------------------------------------------------------------------ scopes
@contextlib.contextmanager
def _placement_scope() -> Iterator[None]:
    if _state.distribution is not None:
        with _state.distribution.scope():
            yield
    elif _state.placement is not None:
        from fashionzoo._keras import keras

        with keras.device(_state.placement):
            yield
    else:
        yield


@contextlib.contextmanager
def strategy_scope() -> Iterator[None]:
    """Build and compile a model here: on the configured device(s) and precision.

    With several GPUs and ``distribute="auto"`` this is the data-parallel
    strategy's scope (so weights are mirrored and the optimizer knows the
    replicas); with one device it places the weights on the configured
    device; on the CPU or one GPU left to the backend it does nothing but set
    the precision policy. The dtype policy chosen from ``mixed_precision``
    holds inside the scope only, so models the user builds elsewhere keep
    Keras's own policy (Keras keeps the policy per thread and resets it in
    ``clear_session``, so it is set at each build).

    Examples
    --------
    >>> from fashionzoo._keras import keras
    >>> from fashionzoo._config import strategy_scope
    >>> with strategy_scope():
    ...     layer = keras.layers.Dense(2)
    """
    ensure_configured()
    policy = _state.policy
    previous = None
    if policy is not None:
        from fashionzoo._keras import keras

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
            from fashionzoo._keras import keras

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


def rounded_batch_size(batch_size: int) -> int:
    """``batch_size`` rounded up to a multiple of :func:`batch_multiple`.

    Parameters
    ----------
    batch_size : int

    Returns
    -------
    int
    """
    multiple = batch_multiple()
    return -(-int(batch_size) // multiple) * multiple


# -------------------------------------------------------------------- info
def applied_settings() -> dict[str, Any]:
    """What the last configuration applied, for ``fashionzoo info``.

    Applies the settings first (as a model build would). A configuration
    error is reported under ``"config_error"`` instead of raised, so ``info``
    can still show what was found.

    Returns
    -------
    applied : dict
        ``device``, ``placement``, ``distribute``, ``replicas``,
        ``mixed_precision``, ``precision_policy``, ``n_threads``,
        ``n_threads_source``, ``notes`` and, on error, ``config_error``.
    """
    from fashionzoo._keras import keras

    applied: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    try:
        settings = get_config()
        ensure_configured()
    except (ValueError, FashionZooError) as exc:
        applied["config_error"] = str(exc)
    applied.update(
        {
            "device": settings.get("device"),
            "placement": _state.placement,
            "distribute": settings.get("distribute"),
            "replicas": max(1, len(_state.replica_devices)),
            "mixed_precision": settings.get("mixed_precision"),
            "precision_policy": _state.policy or keras.config.dtype_policy().name,
            "n_threads": _state.n_threads,
            "n_threads_source": _state.n_threads_source,
            "notes": list(_state.notes),
        }
    )
    return applied

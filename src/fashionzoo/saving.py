"""A safe file format for fitted estimators: no pickle, nothing runs on load.

:func:`save` writes one zip file (suffix ``.fzoo`` by convention) holding

* ``estimator.json``: the estimator's class (by its qualified name, looked
  up among the registered estimator classes, never imported from the file), its parameters, its fitted
  attributes (``classes_``, ``pixel_scale_``, ``image_shape_``, ``n_iter_``,
  ``history_``, ...), the versions that wrote it, the SHA256 of every
  other member and ``content_sha256``, the SHA256 of all of the above;
* the network: ``model.keras`` (Keras's own format, read back with
  ``safe_mode=True``), or ``weights.npz`` (the weights alone, float32 or
  float16, put into a network rebuilt from the parameters by fashionzoo's own
  builders; ``allow_pickle=False``).

:func:`load` reads it back from a path, or from an https URL whose SHA256 you
give (downloaded with pooch and checked before anything is read). A file
that is truncated, damaged or altered is an error that names it; it never
gives an estimator with wrong weights. Only the fitted attributes the class
saves are read, each checked for its type and against the network
(``classes_`` has one label per output), and a member that would inflate far
beyond its compressed size, or past what the network it declares can need,
is refused before it is read. The checksums find
damage and edits; someone who rewrites a file can rewrite them too, so for a
file from elsewhere pass the ``sha256`` its author published.

:func:`load` reads this format only: it never unpickles. Pickles (joblib,
``pickle``) run code when they are loaded, and ``fashionzoo.load`` refuses
them as not model files; share models in this format.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

# Imported for their classes: each registers itself (ZooClassifier's
# __init_subclass__), and only registered classes are loaded.
from fashionzoo import estimators, transfer  # noqa: F401
from fashionzoo import pretrained as _pretrained
from fashionzoo._fileformat import (
    FORMAT,
    bad_file,
    fetch,
    file_sha256,
    normalized_sha256,
    open_archive,
)
from fashionzoo.estimators import _dynamic, _persistence
from fashionzoo.estimators._registry import registered_class, registered_classes
from fashionzoo.exceptions import ChecksumError, FashionZooError, ModelFileError

__all__ = [
    "FORMAT",
    "ModelFileError",
    "load",
    "load_pretrained",
    "read_metadata",
    "save",
]


def save(
    estimator: Any, path: str | os.PathLike[str], *, weights: str = "keras"
) -> Path:
    """Write a fitted estimator to ``path`` in fashionzoo's safe format.

    The file is written under a temporary name in the target folder and then
    renamed, so a crash or a full disk never leaves a half-written file in
    place of a good one.

    Parameters
    ----------
    estimator : fitted ZooClassifier or TransferClassifier
        The estimator to save.
    path : str or path-like
        The file to write (``.fzoo`` by convention).
    weights : {"keras", "float32", "float16"}, default="keras"
        ``"keras"`` stores the whole Keras model (``model.keras``);
        ``"float32"`` and ``"float16"`` store the weights alone
        (``weights.npz``; float16 halves the file), and :func:`load` rebuilds
        the network from the estimator's parameters.

    Returns
    -------
    path : Path
        The file written.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        The estimator is not fitted.
    OSError
        The folder does not exist or cannot be written (the message names it).
    SaveError
        Writing failed (a full disk...): an ``OSError`` whose message names
        the file and says that nothing was saved; a file already there is
        unchanged and no temporary file is left.

    Examples
    --------
    >>> import fashionzoo
    >>> est.save("lenet5.fzoo")  # doctest: +SKIP
    >>> same = fashionzoo.load("lenet5.fzoo")  # doctest: +SKIP
    """
    return _persistence.save(estimator, path, weights=weights)


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``estimator.json`` of a model file, without loading the model.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    dict
    """
    meta, archive = open_archive(Path(path).expanduser())
    archive.close()
    return meta


def estimator_class(meta: dict[str, Any]) -> type:
    """The registered class a model file's metadata names.

    Files of format version 3 name it by its qualified name (``class``:
    module and class); older ones by its bare name (``estimator``), found
    among the registered classes with that name (a fashionzoo class first)
    and the file's network.

    Raises
    ------
    ModelFileError
        No registered class has that name (the message says to import the
        module that defines it), or it does not build the file's network.
    """
    name, model_name = meta["estimator"], meta.get("model_name")
    qualified = meta.get("class")
    if qualified is not None and not isinstance(qualified, str):
        msg = f"its class {qualified!r} is not a name"
        raise ModelFileError(msg)
    if qualified is not None:
        name = qualified
        cls = registered_class(qualified)
        dynamic = f"{_dynamic.__name__}."
        if cls is None and qualified.startswith(dynamic) and model_name:
            generated = _dynamic.class_for(model_name)
            cls = generated if dynamic + generated.__name__ == qualified else None
    else:
        cls = _by_bare_name(name, model_name)
    if cls is None:
        msg = (
            f"the file's estimator {name!r} does not match its network "
            f"{model_name!r}: no estimator class is registered under that name "
            f"(import the module that defines it, a ZooClassifier subclass, "
            f"before loading)"
        )
        raise ModelFileError(msg)
    if cls.__name__ != meta["estimator"]:
        msg = (
            f"the file's estimator {meta['estimator']!r} does not match its network "
            f"{model_name!r} and class {name!r}"
        )
        raise ModelFileError(msg)
    if getattr(cls, "_model_name", None) != model_name:
        msg = (
            f"the file's estimator {name!r} does not match its network "
            f"{model_name!r} ({cls.__name__} builds {getattr(cls, '_model_name', None)!r})"
        )
        raise ModelFileError(msg)
    return cls


def _by_bare_name(name: str, model_name: str | None) -> type | None:
    """The class an older file names by ``__name__`` only."""
    candidates = [c for c in registered_classes() if c.__name__ == name]
    own = [c for c in candidates if c.__module__.startswith("fashionzoo.")]
    if own or len(candidates) == 1:
        return (own or candidates)[0]
    if not candidates and model_name is not None:
        generated = _dynamic.class_for(model_name)
        return generated if generated.__name__ == name else None
    return None


def load(path: str | os.PathLike[str], *, sha256: str | None = None) -> Any:
    """Read an estimator written by :func:`save` (or :meth:`ZooClassifier.save`).

    Nothing in the file runs: the estimator class is looked up among the
    registered ones (fashionzoo's, and subclasses defined in this process), the parameters are checked, and the Keras model is read
    with ``safe_mode=True`` (or rebuilt by fashionzoo's builders).

    Parameters
    ----------
    path : str or path-like
        The file, or an ``https://`` (or ``http://``) URL.
    sha256 : str, default=None
        The file's SHA256 (64 hexadecimal digits, either case; spaces around
        and a ``sha256:`` prefix are ignored): checked before anything is
        read. Required for a URL (the file is downloaded once into
        fashionzoo's cache).

    Returns
    -------
    estimator : ZooClassifier or TransferClassifier
        Fitted, predicting exactly as the saved one.

    Raises
    ------
    FileNotFoundError
        No file at ``path``.
    ModelFileError
        Truncated, damaged, altered or not a model file, a pickle included
        (the message names the file and what is wrong).
    ChecksumError
        The file's SHA256 is not ``sha256`` (the message gives both).
    """
    source = os.fspath(path)
    sha256 = normalized_sha256(sha256)
    if source.startswith(("https://", "http://")):
        file = fetch(source, sha256)
    else:
        file = Path(source).expanduser()
        if sha256 is not None and file.is_file():
            actual = file_sha256(file)
            if actual != sha256:
                msg = f"{str(file)!r} has SHA256 {actual}, expected {sha256}"
                raise ChecksumError(msg)
    meta, archive = open_archive(file)
    with archive:
        try:
            cls = estimator_class(meta)
        except (FashionZooError, TypeError, ValueError) as exc:
            raise bad_file(file, str(exc)) from exc
        return _persistence.restore_estimator(cls, meta, archive, file)


def load_pretrained(name: str | os.PathLike[str]) -> Any:
    """The fitted estimator of a network's shipped weights.

    Parameters
    ----------
    name : str
        A registered name or alias.

    Returns
    -------
    estimator : ZooClassifier
        Fitted on the 60,000 training images with the card's recipe, with
        ``pretrained=True``; ``classes_`` are 0-9.

    Raises
    ------
    NoPretrainedWeightsError
        The network has no shipped weights.
    ChecksumError
        The shipped file is damaged.
    """
    estimator = load(_pretrained.weights_path(os.fspath(name)))
    estimator.set_params(pretrained=True)
    return estimator

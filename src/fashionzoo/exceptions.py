"""Exceptions raised by fashionzoo.

Every exception derives from :class:`FashionZooError` and from the builtin a
caller would expect, so ``except ValueError`` keeps working.
"""


class FashionZooError(Exception):
    """Base class of every fashionzoo exception."""


class DataNotFoundError(FashionZooError, OSError):
    """The dataset files are neither cached, installed nor downloadable."""


class ChecksumError(FashionZooError, ValueError):
    """A file's content does not match its registered SHA256."""


class UnknownModelError(FashionZooError, ValueError):
    """A model or backbone name is not in the registry."""


class WeightsNotFoundError(FashionZooError, OSError):
    """Pretrained weights are neither cached nor downloadable."""


class SaveError(FashionZooError, OSError):
    """A model could not be written (a full disk...): nothing was saved.

    ``errno`` is the failed write's; what was at the path before is unchanged.
    """

    @classmethod
    def writing(cls, target: object, exc: OSError) -> "SaveError":
        """The error for ``exc``, raised while writing ``target``."""
        reason = exc.strerror or str(exc) or type(exc).__name__
        error = cls(
            f"cannot write {target}: {reason}; nothing was saved (a file already "
            f"there is unchanged). Free some space or choose another path, then "
            f"save again."
        )
        error.errno = exc.errno
        return error


class NotSquareWarning(UserWarning):
    """Flat rows whose length is no square number of pixels were zero-padded."""


class ModelFileError(FashionZooError, ValueError):
    """A file is not a fashionzoo model file, or it is truncated or damaged."""

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


class NotSquareWarning(UserWarning):
    """Flat rows whose length is no square number of pixels were zero-padded."""


class ModelFileError(FashionZooError, ValueError):
    """A file is not a fashionzoo model file, or it is truncated or damaged."""

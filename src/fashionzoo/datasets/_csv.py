"""Reader for the Kaggle CSV layout of Fashion-MNIST.

Header ``label,pixel1,...,pixel784``, then one image per line: the class id
followed by 784 grey levels. A fast path (``np.loadtxt``) reads valid files;
when it fails or a value is out of range, a careful pass with the ``csv``
module finds the first bad line and column and says so.
"""

from __future__ import annotations

import csv
import gzip
import itertools
import os
import re
import warnings
from pathlib import Path
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from fashionzoo.datasets import _registry
from fashionzoo.datasets._base import make_result

_N_PIXELS = 784
COLUMNS: tuple[str, ...] = ("label", *(f"pixel{i}" for i in range(1, _N_PIXELS + 1)))
_INTEGER = re.compile(r"\s*[+-]?\d+\s*\Z")
_HEADER_HINT = "label,pixel1,pixel2,...,pixel784"
_BLOCK_LINES = 2000


def load_fashion_mnist_csv(
    path: str | os.PathLike[str], *, return_X_y: bool = False
) -> Any:
    """Load Fashion-MNIST images from a CSV file in the Kaggle layout.

    The first line is the header ``label,pixel1,pixel2,...,pixel784``; each
    following line is one image: its class id (0-9) then its 784 grey levels
    (0-255), row by row. This is the layout of ``fashion-mnist_train.csv``
    and ``fashion-mnist_test.csv`` on Kaggle. A ``.gz`` file is decompressed
    on the fly. Blank lines are ignored.

    Parameters
    ----------
    path : str or path-like
        The CSV file.
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (n_samples, 784), dtype uint8
            One flattened image per row.
        images : ndarray of shape (n_samples, 28, 28), dtype uint8
            The same images, a view of ``data``.
        target : ndarray of shape (n_samples,), dtype int64
            Class ids 0-9.
        target_names : ndarray of shape (10,), dtype str
            Class names in id order.
        DESCR : str
            Description of the dataset.

    (data, target) : tuple if ``return_X_y`` is True
        The two arrays described above.

    Raises
    ------
    ValueError
        If the header is not the Kaggle one, the file has no data line, a
        line has the wrong number of cells, or a cell is not an integer, a
        label is outside 0-9 or a pixel outside 0-255. The message names the
        line (1-based, the header being line 1) and the column.

    See Also
    --------
    fetch_fashion_mnist : The same data from the official IDX files.

    Examples
    --------
    >>> import tempfile, os
    >>> from fashionzoo.datasets import load_fashion_mnist_csv
    >>> path = os.path.join(tempfile.mkdtemp(), "tiny.csv")
    >>> header = ",".join(["label"] + [f"pixel{i}" for i in range(1, 785)])
    >>> with open(path, "w") as f:
    ...     _ = f.write(header + "\\n" + ",".join(["9"] + ["0"] * 784) + "\\n")
    >>> X, y = load_fashion_mnist_csv(path, return_X_y=True)
    >>> X.shape, y
    ((1, 784), array([9]))
    """
    path = Path(path)
    try:
        with _open(path) as f:
            _check_header(f.readline(), path)
            values = _fast_read(f)
        if values is None or not _in_range(values):
            # Slow, careful pass: raises on the first bad line, or parses the
            # file if the fast reader rejected something this one accepts.
            values = _careful_read(path)
    except UnicodeDecodeError as exc:
        msg = (
            f"it is not UTF-8 text ({exc.reason} at byte {exc.start}); save it as "
            f"UTF-8 (a UTF-16 export from a spreadsheet reads this way)."
        )
        raise _error(path, msg) from None
    data = np.ascontiguousarray(values[:, 1:], dtype=np.uint8)
    target = values[:, 0].astype(np.int64)
    return make_result(data, target, return_X_y=return_X_y)


def _open(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _error(path: Path, what: str) -> ValueError:
    return ValueError(f"Invalid Fashion-MNIST CSV file {path}: {what}")


def _check_header(line: str, path: Path) -> None:
    if not line.strip():
        msg = (
            f"line 1 is empty, expected the header {_HEADER_HINT}. "
            "Pass a CSV file in the Kaggle layout."
        )
        raise _error(path, msg)
    names = [name.strip().strip('"').strip() for name in next(csv.reader([line]))]
    if names == list(COLUMNS):
        return
    if names and _INTEGER.match(names[0]):
        msg = (
            f"line 1 holds data, not the header {_HEADER_HINT}. "
            "Add that header line at the top of the file."
        )
        raise _error(path, msg)
    for i, (found, expected) in enumerate(zip(names, COLUMNS, strict=False)):
        if found != expected:
            msg = (
                f"line 1 (the header), column {i + 1} is named {found!r}, "
                f"expected {expected!r}. The header must be {_HEADER_HINT}."
            )
            raise _error(path, msg)
    msg = (
        f"line 1 (the header) has {len(names)} columns, expected "
        f"{len(COLUMNS)}: {_HEADER_HINT}."
    )
    raise _error(path, msg)


def _fast_read(source: IO[str] | list[str]) -> NDArray[np.int16] | None:
    """Parse data lines with np.loadtxt; None if it cannot or finds no data."""
    try:
        with warnings.catch_warnings():
            # "input contained no data": handled by the careful reader.
            warnings.simplefilter("ignore", UserWarning)
            values = np.loadtxt(
                source,
                delimiter=",",
                dtype=np.int16,
                comments=None,
                quotechar='"',
                ndmin=2,
            )
    except (ValueError, OverflowError):
        return None
    if values.shape[0] == 0 or values.shape[1] != len(COLUMNS):
        return None
    return values


def _in_range(values: NDArray[np.int16]) -> bool:
    n_classes = len(_registry.FASHION_MNIST_CLASSES)
    labels, pixels = values[:, 0], values[:, 1:]
    return bool(
        labels.min() >= 0
        and labels.max() < n_classes
        and pixels.min() >= 0
        and pixels.max() <= 255
    )


def _careful_read(path: Path) -> NDArray[np.int16]:
    """Parse the file again, raising ValueError at its first bad line.

    Blocks of lines go through np.loadtxt; only a block it rejects is
    checked line by line in Python, so even a bad line near the end of a
    60000-line file is found in seconds.
    """
    blocks = []
    with _open(path) as f:
        f.readline()  # the header, checked already
        first = 2  # line number of lines[0]
        while lines := list(itertools.islice(f, _BLOCK_LINES)):
            values = _fast_read(lines)
            if values is None or not _in_range(values):
                values = _checked_lines(path, lines, first)
            blocks.append(values)
            first += len(lines)
    data = np.concatenate(blocks) if blocks else np.empty((0, len(COLUMNS)))
    if not len(data):
        msg = "it has a header but no data line. Pass a file with images in it."
        raise _error(path, msg)
    return data.astype(np.int16, copy=False)


def _checked_lines(path: Path, lines: list[str], first: int) -> NDArray[np.int16]:
    """Parse ``lines`` one by one; ``first`` is the line number of lines[0]."""
    n_classes = len(_registry.FASHION_MNIST_CLASSES)
    rows = []
    for line_number, line in enumerate(lines, start=first):
        if not line.strip():
            continue  # blank line
        cells = next(csv.reader([line]))
        if len(cells) != len(COLUMNS):
            raise _columns_error(path, line_number, len(cells))
        for name, cell in zip(COLUMNS, cells, strict=True):
            where = f"line {line_number}, column {name!r}"
            if not _INTEGER.match(cell):
                msg = (
                    f"{where}: {cell!r} is not an integer. Every cell must be "
                    "a whole number; fix or remove that line."
                )
                raise _error(path, msg)
            value = int(cell)
            if name == "label" and not 0 <= value < n_classes:
                msg = (
                    f"{where}: {value} is not a class id; labels must be "
                    f"integers 0-{n_classes - 1}. Fix or remove that line."
                )
                raise _error(path, msg)
            if name != "label" and not 0 <= value <= 255:
                msg = (
                    f"{where}: {value} is outside 0-255; pixels must be grey "
                    "levels 0-255. Fix or remove that line."
                )
                raise _error(path, msg)
        rows.append([int(cell) for cell in cells])
    return np.array(rows, dtype=np.int16).reshape(-1, len(COLUMNS))


def _columns_error(path: Path, line: int, n_cells: int) -> ValueError:
    if n_cells == len(COLUMNS) - 1:
        where = f"column {COLUMNS[-1]!r} is missing"
    elif n_cells < len(COLUMNS):
        where = f"columns {COLUMNS[n_cells]!r} to {COLUMNS[-1]!r} are missing"
    else:
        where = f"there are cells after the last column {COLUMNS[-1]!r}"
    msg = (
        f"line {line} has {n_cells} cells, expected {len(COLUMNS)} "
        f"(label, pixel1..pixel784): {where}. Fix or remove that line."
    )
    return _error(path, msg)

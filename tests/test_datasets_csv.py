"""load_fashion_mnist_csv: the Kaggle CSV layout, and every kind of bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from fashionzoo.datasets import FASHION_MNIST_CLASSES, _csv, load_fashion_mnist_csv

HEADER = ",".join(["label"] + [f"pixel{i}" for i in range(1, 785)])


@pytest.fixture(autouse=True)
def _never_the_real_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FASHIONZOO_DATA", str(tmp_path / "env-home"))


@pytest.fixture
def images() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    data = rng.integers(0, 256, (6, 784), dtype=np.uint8)
    data[0, :3] = [0, 255, 7]
    return data, np.array([0, 9, 4, 4, 1, 2])


def rows(data: np.ndarray, target: np.ndarray) -> list[str]:
    return [
        ",".join(map(str, [int(y), *map(int, x)]))
        for x, y in zip(data, target, strict=True)
    ]


def write(
    tmp_path: Path, lines: list[str], name: str = "f.csv", end: str = "\n"
) -> Path:
    path = tmp_path / name
    text = end.join(lines) + end
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_bytes(text.encode())
    return path


def test_reads_kaggle_layout(tmp_path, images):
    data, target = images
    path = write(tmp_path, [HEADER, *rows(data, target)])
    bunch = load_fashion_mnist_csv(path)
    np.testing.assert_array_equal(bunch.data, data)
    np.testing.assert_array_equal(bunch.target, target)
    assert bunch.data.dtype == np.uint8
    assert bunch.target.dtype == np.int64
    assert bunch.data.flags.c_contiguous
    assert bunch.data.flags.writeable
    assert bunch.images.shape == (6, 28, 28)
    assert np.shares_memory(bunch.images, bunch.data)
    np.testing.assert_array_equal(bunch.images[0, 0, :3], [0, 255, 7])
    assert list(bunch.target_names) == list(FASHION_MNIST_CLASSES)
    assert "Fashion-MNIST" in bunch.DESCR
    X, y = load_fashion_mnist_csv(str(path), return_X_y=True)
    np.testing.assert_array_equal(X, data)
    np.testing.assert_array_equal(y, target)


@pytest.mark.parametrize(
    "variant",
    ["gzip", "crlf", "bom", "blank lines", "quoted", "spaces", "no final newline"],
)
def test_reads_common_variants(tmp_path, images, variant):
    data, target = images
    lines = [HEADER, *rows(data, target)]
    name, end = "f.csv", "\n"
    if variant == "gzip":
        name = "f.csv.gz"
    elif variant == "crlf":
        end = "\r\n"
    elif variant == "bom":
        lines[0] = "\ufeff" + lines[0]
    elif variant == "blank lines":
        lines = [lines[0], "", *lines[1:3], "  ", *lines[3:], ""]
    elif variant == "quoted":
        lines = [",".join(f'"{c}"' for c in line.split(",")) for line in lines]
    elif variant == "spaces":
        lines = [lines[0]] + [line.replace(",", ", ") for line in lines[1:]]
    path = write(tmp_path, lines, name, end)
    if variant == "no final newline":
        path.write_bytes(path.read_bytes().rstrip(b"\n"))
    X, y = load_fashion_mnist_csv(path, return_X_y=True)
    np.testing.assert_array_equal(X, data)
    np.testing.assert_array_equal(y, target)


def replace_cell(line: str, column: int, value: str) -> str:
    cells = line.split(",")
    cells[column] = value
    return ",".join(cells)


# (how to damage the data lines, expected message after "f.csv: ")
BAD_DATA = {
    "short row": (
        lambda r: r.__setitem__(2, r[2].rsplit(",", 1)[0]),
        (
            "line 4 has 784 cells, expected 785 (label, pixel1..pixel784): column "
            "'pixel784' is missing. Fix or remove that line."
        ),
    ),
    "very short row": (
        lambda r: r.__setitem__(0, "3,0,0"),
        (
            "line 2 has 3 cells, expected 785 (label, pixel1..pixel784): columns "
            "'pixel3' to 'pixel784' are missing. Fix or remove that line."
        ),
    ),
    "long row": (
        lambda r: r.__setitem__(1, r[1] + ",0"),
        (
            "line 3 has 786 cells, expected 785 (label, pixel1..pixel784): there are "
            "cells after the last column 'pixel784'. Fix or remove that line."
        ),
    ),
    "label 10": (
        lambda r: r.__setitem__(3, replace_cell(r[3], 0, "10")),
        (
            "line 5, column 'label': 10 is not a class id; labels must be integers "
            "0-9. Fix or remove that line."
        ),
    ),
    "label -1": (
        lambda r: r.__setitem__(0, replace_cell(r[0], 0, "-1")),
        (
            "line 2, column 'label': -1 is not a class id; labels must be integers "
            "0-9. Fix or remove that line."
        ),
    ),
    "pixel 256": (
        lambda r: r.__setitem__(5, replace_cell(r[5], 5, "256")),
        (
            "line 7, column 'pixel5': 256 is outside 0-255; pixels must be grey "
            "levels 0-255. Fix or remove that line."
        ),
    ),
    "pixel -3": (
        lambda r: r.__setitem__(1, replace_cell(r[1], 784, "-3")),
        (
            "line 3, column 'pixel784': -3 is outside 0-255; pixels must be grey "
            "levels 0-255. Fix or remove that line."
        ),
    ),
    "pixel huge": (
        lambda r: r.__setitem__(1, replace_cell(r[1], 1, "99999999999")),
        (
            "line 3, column 'pixel1': 99999999999 is outside 0-255; pixels must be "
            "grey levels 0-255. Fix or remove that line."
        ),
    ),
    "non-numeric": (
        lambda r: r.__setitem__(2, replace_cell(r[2], 7, "abc")),
        (
            "line 4, column 'pixel7': 'abc' is not an integer. Every cell must be a "
            "whole number; fix or remove that line."
        ),
    ),
    "empty cell": (
        lambda r: r.__setitem__(0, replace_cell(r[0], 100, "")),
        (
            "line 2, column 'pixel100': '' is not an integer. Every cell must be a "
            "whole number; fix or remove that line."
        ),
    ),
    "float": (
        lambda r: r.__setitem__(4, replace_cell(r[4], 0, "1.5")),
        (
            "line 6, column 'label': '1.5' is not an integer. Every cell must be a "
            "whole number; fix or remove that line."
        ),
    ),
    "NaN": (
        lambda r: r.__setitem__(4, replace_cell(r[4], 3, "nan")),
        (
            "line 6, column 'pixel3': 'nan' is not an integer. Every cell must be a "
            "whole number; fix or remove that line."
        ),
    ),
}


@pytest.mark.parametrize("case", BAD_DATA.values(), ids=BAD_DATA.keys())
def test_bad_data_line_names_line_and_column(tmp_path, images, case):
    damage, expected = case
    data_lines = rows(*images)
    damage(data_lines)
    path = write(tmp_path, [HEADER, *data_lines])
    with pytest.raises(ValueError, match="Invalid Fashion-MNIST CSV file") as info:
        load_fashion_mnist_csv(path)
    assert str(info.value) == f"Invalid Fashion-MNIST CSV file {path}: {expected}"


def test_first_error_in_file_order_with_blocks_and_blank_lines(
    tmp_path, images, monkeypatch
):
    monkeypatch.setattr(_csv, "_BLOCK_LINES", 3)  # exercise several blocks
    data_lines = rows(*images) * 3  # 18 data lines
    data_lines[10] = replace_cell(data_lines[10], 20, "300")
    data_lines[14] = replace_cell(data_lines[14], 0, "x")  # later: not reported
    lines = [HEADER, "", *data_lines[:5], "", *data_lines[5:]]
    path = write(tmp_path, lines)
    # data_lines[10] is at index 1 + 1 + 10 + 1 = 13 -> line 14
    with pytest.raises(ValueError, match=r"line 14, column 'pixel20': 300 is outside"):
        load_fashion_mnist_csv(path)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            HEADER.replace("pixel2,", "pixel02,"),
            (
                "line 1 (the header), column 3 is named 'pixel02', expected 'pixel2'. "
                "The header must be label,pixel1,pixel2,...,pixel784."
            ),
        ),
        (
            HEADER.replace("label", "class"),
            (
                "line 1 (the header), column 1 is named 'class', expected 'label'. "
                "The header must be label,pixel1,pixel2,...,pixel784."
            ),
        ),
        (
            HEADER.rsplit(",", 1)[0],
            (
                "line 1 (the header) has 784 columns, expected 785: "
                "label,pixel1,pixel2,...,pixel784."
            ),
        ),
        (
            HEADER + ",pixel785",
            (
                "line 1 (the header) has 786 columns, expected 785: "
                "label,pixel1,pixel2,...,pixel784."
            ),
        ),
        (
            ",".join(["9"] + ["0"] * 784),
            (
                "line 1 holds data, not the header label,pixel1,pixel2,...,pixel784. "
                "Add that header line at the top of the file."
            ),
        ),
        (
            "",
            (
                "line 1 is empty, expected the header label,pixel1,pixel2,...,pixel784. "
                "Pass a CSV file in the Kaggle layout."
            ),
        ),
    ],
    ids=["misnamed pixel", "misnamed label", "short", "long", "no header", "empty"],
)
def test_bad_header(tmp_path, images, header, expected):
    path = write(tmp_path, [header, *rows(*images)])
    with pytest.raises(ValueError, match="line 1") as info:
        load_fashion_mnist_csv(path)
    assert str(info.value) == f"Invalid Fashion-MNIST CSV file {path}: {expected}"


@pytest.mark.parametrize(
    "content", [b"", HEADER.encode(), (HEADER + "\n\n\n").encode()]
)
def test_no_data(tmp_path, content):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"(no data line|line 1 is empty)"):
        load_fashion_mnist_csv(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_fashion_mnist_csv(tmp_path / "nope.csv")


def test_a_utf16_file_names_itself(tmp_path):
    from fashionzoo.datasets import load_fashion_mnist_csv

    path = tmp_path / "export.csv"
    path.write_text("label,pixel1\n1,2\n", encoding="utf-16")
    with pytest.raises(ValueError, match=r"export\.csv: it is not UTF-8 text"):
        load_fashion_mnist_csv(path)

"""Registry of the Fashion-MNIST files: pure data, no logic.

Everything here is read at call time (``_registry.NAME``), so tests can
monkeypatch any entry to point at tiny synthetic files and a local server.

Sources
-------
Files, class names and archive MD5 sums: the dataset's README,
https://github.com/zalandoresearch/fashion-mnist#get-the-data
The SHA256 of the decompressed content was computed from those files; it is
what a local copy (for example Debian's ``dataset-fashion-mnist``, which
re-gzips the files so the archives differ) is checked against.
"""

from __future__ import annotations

#: Class names, in the order of the integer labels 0..9.
FASHION_MNIST_CLASSES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

#: Height and width of every image, as written in the IDX headers.
IMAGE_SHAPE: tuple[int, int] = (28, 28)

#: Base URLs tried in turn; a file's URL is the base URL + the file name.
MIRRORS: list[str] = [
    # the dataset's own repository
    "https://github.com/zalandoresearch/fashion-mnist/raw/master/data/fashion/",
    # the bucket keras.datasets.fashion_mnist downloads from
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    # the original S3 website
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
]

#: Where Debian's ``dataset-fashion-mnist`` package installs the files.
SYSTEM_DATA_DIR: str = "/usr/share/datasets/fashion-mnist"

#: file name -> what it holds and how to check it.
#:
#: ``kind``: "images" (IDX magic 2051) or "labels" (IDX magic 2049);
#: ``count``: number of items the IDX header must announce;
#: ``md5``: hash of the upstream ``.gz`` archive (checked on download);
#: ``sha256``: hash of the decompressed IDX bytes (checked on every copy).
FILES: dict[str, dict[str, str | int]] = {
    "train-images-idx3-ubyte.gz": {
        "kind": "images",
        "count": 60000,
        "md5": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "sha256": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    },
    "train-labels-idx1-ubyte.gz": {
        "kind": "labels",
        "count": 60000,
        "md5": "25c81989df183df01b3e8a0aad5dffbe",
        "sha256": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    },
    "t10k-images-idx3-ubyte.gz": {
        "kind": "images",
        "count": 10000,
        "md5": "bef4ecab320f06d8554ea6380940ec79",
        "sha256": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    },
    "t10k-labels-idx1-ubyte.gz": {
        "kind": "labels",
        "count": 10000,
        "md5": "bb300cfdad3c16e7a12a480ee83cd310",
        "sha256": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    },
}

#: subset -> (images file, labels file) pairs, concatenated in this order.
SUBSETS: dict[str, tuple[tuple[str, str], ...]] = {
    "train": (("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),),
    "test": (("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),),
    "all": (
        ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"),
        ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
    ),
}

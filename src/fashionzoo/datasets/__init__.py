"""Fashion-MNIST loaders: download, verify, cache; CSV; a shipped sample; pictures.

Needs only NumPy, pooch (imported when a download or the default cache
folder is needed) and ``sklearn.utils.Bunch`` (imported on first load), so
importing this module is cheap and never imports Keras or TensorFlow.
"""

from fashionzoo.datasets._corruptions import (
    CORRUPTIONS,
    SEVERITY_PARAMETERS,
    corrupt,
    list_corruptions,
)
from fashionzoo.datasets._csv import load_fashion_mnist_csv
from fashionzoo.datasets._duplicates import DuplicateReport, find_duplicates
from fashionzoo.datasets._fetch import (
    clear_data_home,
    fetch_fashion_mnist,
    get_data_home,
)
from fashionzoo.datasets._images import image_from_bytes, load_image, load_images
from fashionzoo.datasets._names import class_names
from fashionzoo.datasets._registry import FASHION_MNIST_CLASSES
from fashionzoo.datasets._sample import load_sample
from fashionzoo.datasets._subset import stratified_subset

__all__ = [
    "CORRUPTIONS",
    "FASHION_MNIST_CLASSES",
    "SEVERITY_PARAMETERS",
    "DuplicateReport",
    "class_names",
    "clear_data_home",
    "corrupt",
    "fetch_fashion_mnist",
    "find_duplicates",
    "get_data_home",
    "image_from_bytes",
    "list_corruptions",
    "load_fashion_mnist_csv",
    "load_image",
    "load_images",
    "load_sample",
    "stratified_subset",
]

"""Data loaders: bundled digits and image patches, a fetcher for binarized MNIST, a
loader of JSB Chorales."""

from ._base import clear_data_home, get_data_home
from ._digits import load_binarized_digits
from ._jsb import load_jsb_chorales
from ._mnist import fetch_binarized_mnist
from ._patches import load_image_patches

__all__ = [
    "clear_data_home",
    "fetch_binarized_mnist",
    "get_data_home",
    "load_binarized_digits",
    "load_jsb_chorales",
    "load_image_patches",
]

"""scikit-learn's 8x8 handwritten digits, the bundled dataset that needs no download."""

from __future__ import annotations

import numpy as np  # scikit-learn hands the digits over as NumPy arrays

from ...utils.data import TensorDataset
from .mnist import to_tensor_dataset

__all__ = ["load_digits", "DIGITS_TEST_EVERY"]

DIGITS_TEST_EVERY = 5
"""The digits' held-out test set is every 5th sample (index % 5 == 4): 359 of 1797 images."""


def load_digits(train: bool = True, device=None) -> TensorDataset:
    """scikit-learn's 8x8 handwritten digits (1797 images, 10 classes) as a TensorDataset.

    Images are (N, 1, 8, 8) float32 in [0, 1] (the 0..16 pixel counts divided by 16); labels are
    int64. The split is fixed and independent of any seed: the test set is every fifth sample
    (``index % 5 == 4``, 359 images), the training set the other 1438. Needs scikit-learn (in the
    ``examples`` extra), which ships the data: nothing is downloaded.

    >>> from minitorch_conv.vision.datasets import load_digits
    >>> train, test = load_digits(True), load_digits(False)
    >>> len(train), len(test), tuple(test[0][0].shape)
    (1438, 359, (1, 8, 8))
    """
    try:
        from sklearn.datasets import load_digits as sk_load_digits
    except ImportError as exc:
        raise ImportError(
            "the digits dataset ships with scikit-learn: pip install 'minitorch_conv[examples]'"
        ) from exc
    bunch = sk_load_digits()
    images = (bunch.images.astype(np.float32) / np.float32(16.0))[:, None]
    labels = bunch.target.astype(np.int64)
    test = np.arange(len(labels)) % DIGITS_TEST_EVERY == DIGITS_TEST_EVERY - 1
    keep = ~test if train else test
    return to_tensor_dataset(images[keep], labels[keep], device)

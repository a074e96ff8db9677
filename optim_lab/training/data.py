"""The data of the training lab: the 1 797 real handwritten digits bundled with scikit-learn.

HW3 trains on food-11 photos (9 866 / 3 430 / 3 347 images of 128 × 128); an epoch of
its Classifier takes tens of minutes on a CPU.  The lab keeps HW3's workflow (a training
set, a validation set for choosing settings, a held-back test set for predictions) on
8 × 8 grey-scale digits, which ship inside scikit-learn's wheel: nothing is downloaded
and a whole run takes about a second on a shared server.

The split is stratified (every digit keeps its share in every part) and seeded, so the
same seed always gives the same three sets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch

N_CLASSES = 10
PIXEL_MAX = 16.0  # load_digits stores integer intensities 0..16
VAL_FRACTION = 0.15
TEST_FRACTION = 0.10


@dataclass(frozen=True)
class DigitSplit:
    """Train / validation / test digits as float64 tensors (N, 1, 8, 8) with pixels in [0, 1].

    `mean` / `std` are the training pixels' mean and population standard deviation
    (the statistics a Normalize transform uses: computed on the training set only)."""

    x_train: torch.Tensor
    y_train: torch.Tensor  # (N,) long
    x_val: torch.Tensor
    y_val: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    mean: float
    std: float
    seed: int

    @property
    def sizes(self) -> dict[str, int]:
        return {"train": len(self.y_train), "val": len(self.y_val), "test": len(self.y_test)}

    def class_counts(self, part: str = "train") -> np.ndarray:
        """How many images of each digit the part holds, shape (10,)."""
        y = {"train": self.y_train, "val": self.y_val, "test": self.y_test}[part]
        return np.bincount(y.numpy(), minlength=N_CLASSES)


@lru_cache(maxsize=1)
def _raw() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    return d.images.astype(np.float64) / PIXEL_MAX, d.target.astype(np.int64)


def split_indices(labels: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stratified, seeded indices of the train, validation and test parts (each sorted)."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(labels))
    rest, test = train_test_split(idx, test_size=TEST_FRACTION, stratify=labels, random_state=seed)
    val_share = VAL_FRACTION / (1.0 - TEST_FRACTION)
    train, val = train_test_split(rest, test_size=val_share, stratify=labels[rest], random_state=seed)
    return np.sort(train), np.sort(val), np.sort(test)


@lru_cache(maxsize=4)
def load_digits_split(seed: int = 0) -> DigitSplit:
    """The seeded, stratified split (1 347 / 270 / 180 digits).  Cached: tensors are shared,
    never modify them in place."""
    images, labels = _raw()
    tr, va, te = split_indices(labels, int(seed))

    def part(ix):
        x = torch.as_tensor(images[ix], dtype=torch.float64).unsqueeze(1)
        return x, torch.as_tensor(labels[ix], dtype=torch.long)

    (x_tr, y_tr), (x_va, y_va), (x_te, y_te) = part(tr), part(va), part(te)
    # numpy, not torch: torch's reductions split their sums by thread count, and this cached split is
    # often made before anyone set one thread (at import, in the training fork server); the standard
    # deviation then differed in its last bits between machines, and so did every run
    pixels = images[tr]
    return DigitSplit(
        x_train=x_tr, y_train=y_tr, x_val=x_va, y_val=y_va, x_test=x_te, y_test=y_te,
        mean=float(pixels.mean()), std=float(pixels.std()), seed=int(seed),
    )


def subset(x: torch.Tensor, y: torch.Tensor, n: int | None, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The first `n` of a seeded stratified permutation of (x, y): a smaller training set whose
    digits keep their shares (n = None or n ≥ len: everything, in the original order)."""
    if n is None or n >= len(y):
        return x, y
    from sklearn.model_selection import train_test_split

    keep, _ = train_test_split(np.arange(len(y)), train_size=int(n), stratify=y.numpy() if n >= N_CLASSES else None,
                               random_state=int(seed))
    keep = np.sort(keep)
    return x[keep], y[keep]

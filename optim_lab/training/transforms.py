"""HW3's `train_tfm` / `test_tfm`, for batches of 8 × 8 digits.

HW3 builds its transforms from torchvision (`transforms.Compose([...])`).  torchvision
cannot be used here: PyPI's torchvision wheel links the CUDA builds of torch's libraries
and fails to import beside the CPU torch this app runs on ("operator torchvision::nms
does not exist").  So the three transforms the lab needs are written here with plain
torch, named and composed the way HW3's are:

    train_tfm = Compose([RandomAffine(degrees=10, translate=0.1), Normalize(mean, std)])
    test_tfm  = Compose([Normalize(mean, std)])

They work on a whole batch (B, 1, 8, 8) at once; `RandomAffine` draws its angles and
shifts from a `torch.Generator` it is given, so a seeded run is repeatable.  No class
here imports anything of this package: `codegen` copies their source into the
standalone script of a run.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


class Compose:
    """Apply transforms one after the other (as torchvision.transforms.Compose)."""

    def __init__(self, transforms):
        self.transforms = list(transforms)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        for tfm in self.transforms:
            x = tfm(x)
        return x

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"


class Normalize:
    """x̃ = (x − mean) / std with the training set's pixel statistics (§3.7's z-score)."""

    def __init__(self, mean: float, std: float):
        self.mean, self.std = float(mean), float(std)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean:.4f}, std={self.std:.4f})"


class RandomAffine:
    """A random rotation by up to ±degrees and a shift by up to ±translate of the image side,
    drawn per image, applied with affine_grid + grid_sample (bilinear, zeros outside).

    Works on (B, C, H, W).  `generator` seeds the draws: angle first, then the two shifts."""

    def __init__(self, degrees: float = 10.0, translate: float = 0.1, generator: torch.Generator | None = None):
        self.degrees, self.translate = float(degrees), float(translate)
        self.generator = generator

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        b = x.shape[0]
        gen = self.generator
        angle = (torch.rand(b, generator=gen, dtype=torch.float64) * 2 - 1) * math.radians(self.degrees)
        shift = (torch.rand(b, 2, generator=gen, dtype=torch.float64) * 2 - 1) * (2 * self.translate)
        cos, sin = torch.cos(angle), torch.sin(angle)
        # affine_grid maps output coordinates in [−1, 1] to input coordinates; a shift of
        # `translate` of the side is 2·translate in these units
        theta = torch.stack([torch.stack([cos, -sin, shift[:, 0]], 1), torch.stack([sin, cos, shift[:, 1]], 1)], 1)
        grid = F.affine_grid(theta.to(x.dtype), list(x.shape), align_corners=False)
        return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

    def __repr__(self) -> str:
        return f"RandomAffine(degrees={self.degrees:g}, translate={self.translate:g})"


def make_transforms(mean: float, std: float, augment: bool, normalize: bool,
                    generator: torch.Generator | None = None) -> tuple[Compose, Compose]:
    """(train_tfm, test_tfm) as in HW3: augmentation only in train_tfm, the same
    normalization (training-set statistics) in both."""
    norm = [Normalize(mean, std)] if normalize else []
    aug = [RandomAffine(generator=generator)] if augment else []
    return Compose(aug + norm), Compose(list(norm))

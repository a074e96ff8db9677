"""The losses, one definition per name (the lab, the inside views, the minimum ratio and the
command line all look them up here).

- `ce`: cross-entropy on the logits, averaged over the batch (HW3's `nn.CrossEntropyLoss()`).
- `mse`: the book's mean square error on the softmax outputs (§3.6): per sample
  e = Σᵢ (ŷᵢ − y′ᵢ)² over the classes, with ŷ = softmax(z) and y′ the one-hot label;
  averaged over the batch.
- `half-mse`: Cohen et al.'s square loss on the raw outputs (no softmax):
  ½‖f(x) − e_y‖² per sample, averaged over the batch; with real-valued targets
  (the minimum ratio's regression) e_y is the target itself.  The edge of stability is
  measured with this one, as in the paper.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("ce", "mse", "half-mse")


def criterion(out: torch.Tensor, y: torch.Tensor, loss: str) -> torch.Tensor:
    """The loss `loss` ("ce", "mse" or "half-mse") of the outputs `out` for the labels `y`,
    averaged over the batch."""
    if loss == "ce":
        return F.cross_entropy(out, y)
    if loss == "mse":  # the book's: softmax outputs, squares summed over the classes
        p = torch.softmax(out, dim=1)
        onehot = F.one_hot(y, out.shape[1]).to(p.dtype)
        return ((p - onehot) ** 2).sum(dim=1).mean()
    if loss == "half-mse":  # Cohen et al.'s: raw outputs, half the squared distance
        target = F.one_hot(y, out.shape[-1]).to(out.dtype) if y.dtype in (torch.int64, torch.int32) else y
        return 0.5 * ((out - target) ** 2).reshape(out.shape[0], -1).sum(1).mean()
    raise ValueError(f"loss: unknown {loss!r} (choose from: ce, mse, half-mse)")

"""Imported once by the training fork server (`worker._context`), never by the app itself:
what every training child would otherwise do again before its first update — import
scikit-learn's digits, split them, run torch's first operations, make a first
`torch.optim.Optimizer` (its first construction and step import torch._dynamo: 2.8 s
of every run, measured with cProfile) — is done here once and inherited by each fork."""

from __future__ import annotations

from .presets import DEFAULT
from .train import make_optimizer, prepare

_first = DEFAULT.runs[0]
_warm = prepare(_first)
_opt = make_optimizer(list(_warm.model.parameters()), _first.racer, 1)
_warm.model(_warm.x_val[:2]).sum().backward()
_opt.step()
del _warm, _opt

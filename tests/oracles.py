"""The torch.optim oracle table, in the style of torch's own `optim_db`.

Every PyTorch-convention optimizer of the registry has an entry (our hyper-parameters,
the torch class, its kwargs) and every schedule a factory of the matching
`torch.optim.lr_scheduler`.  The 2-D parity tests and the network parity tests
both build their oracle from here, so one table covers the whole registry.
"""

from __future__ import annotations

import math

import torch
from torch.optim import lr_scheduler as S

# optimizer → (our hyper-parameters, torch class, torch kwargs); lr is added per case
OPTIM_DB = {
    "sgd": ({}, "SGD", {}),
    "momentum": ({"momentum": 0.8, "dampening": 0.1}, "SGD", {"momentum": 0.8, "dampening": 0.1}),
    "nesterov": ({"momentum": 0.9}, "SGD", {"momentum": 0.9, "nesterov": True}),
    "adagrad": ({"lr_decay": 0.01}, "Adagrad", {"lr_decay": 0.01}),
    "rmsprop": ({"alpha": 0.9}, "RMSprop", {"alpha": 0.9}),
    "adam": ({"weight_decay": 0.1}, "Adam", {"weight_decay": 0.1}),
    "adamw": ({}, "AdamW", {}),
    "radam": ({}, "RAdam", {}),
    "nadam": ({"beta1": 0.8}, "NAdam", {"betas": (0.8, 0.999)}),
    "adamax": ({"beta2": 0.99}, "Adamax", {"betas": (0.9, 0.99)}),
    "adadelta": ({"rho": 0.95}, "Adadelta", {"rho": 0.95}),
}
BOOK_OPTIMIZERS = {"momentum-book", "adagrad-book", "rmsprop-book"}  # checked against the book in test_book.py

# schedule → (our parameters, factory of the torch scheduler)
SCHED_DB = {
    "constant": ({}, lambda o, lr, p: S.ConstantLR(o, factor=1.0, total_iters=0)),
    "step": ({"step_size": 30, "gamma": 0.5}, lambda o, lr, p: S.StepLR(o, step_size=30, gamma=0.5)),
    "exponential": ({"gamma": 0.99}, lambda o, lr, p: S.ExponentialLR(o, gamma=0.99)),
    "inverse-time": ({}, lambda o, lr, p: S.LambdaLR(o, lambda t: 1.0 / math.sqrt(t + 1))),
    "cosine": ({"t_max": 250, "eta_min": 1e-5}, lambda o, lr, p: S.CosineAnnealingLR(o, T_max=250, eta_min=1e-5)),
    "warmup-cosine": (
        {"warmup": 20, "t_max": 300},
        lambda o, lr, p: S.SequentialLR(
            o, [S.LinearLR(o, start_factor=1 / 20, end_factor=1.0, total_iters=19), S.CosineAnnealingLR(o, T_max=280)],
            milestones=[20],
        ),
    ),
    "noam": (
        {"d_model": 16, "warmup": 25, "factor": 2.0},
        lambda o, lr, p: S.LambdaLR(o, lambda t: 2.0 * 16**-0.5 * min((t + 1) ** -0.5, (t + 1) * 25**-1.5)),
    ),
    "one-cycle": (
        {"t_max": 260, "pct_start": 0.25},
        lambda o, lr, p: S.OneCycleLR(o, max_lr=lr, total_steps=260, pct_start=0.25, cycle_momentum=False),
    ),
}



def torch_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """torch.optim's instance of the registry's optimizer `name`, with OPTIM_DB's hyper-parameters."""
    _, cls, kwargs = OPTIM_DB[name]
    return getattr(torch.optim, cls)(params, lr=lr, **kwargs)


def torch_scheduler(name: str, opt: torch.optim.Optimizer, lr: float):
    sp, factory = SCHED_DB[name]
    return factory(opt, lr, sp)

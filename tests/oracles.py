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
    "rprop": ({"eta_minus": 0.4, "step_size_max": 0.5}, "Rprop", {"etas": (0.4, 1.2), "step_sizes": (1e-6, 0.5)}),
    "asgd": ({"lambd": 1e-2, "t0": 20}, "ASGD", {"lambd": 1e-2, "t0": 20}),
    "adafactor": ({"weight_decay": 0.1, "beta2_decay": -0.5}, "Adafactor", {"weight_decay": 0.1, "beta2_decay": -0.5}),
    "muon": ({"momentum": 0.9}, "Muon", {"momentum": 0.9}),
}
# the rules outside torch.optim: optimizer → (our hyper-parameters, factory of the reference
# implementation (params, lr) → optimizer, how it is driven).  "step": a plain optimizer.step();
# "closure": step(closure) evaluates the second gradient (SAM); "schedule-free": train()/eval()
# around the steps, the reported θ is the one after eval() (x).  Reference packages are test-only,
# pinned in requirements-dev.txt; SAM's reference is the paper's update, written below.
PAPER_DB = {
    "lion": ({"beta1": 0.95, "weight_decay": 0.1},
             lambda params, lr: _lion().Lion(params, lr=lr, betas=(0.95, 0.99), weight_decay=0.1), "step"),
    "sam": ({"rho": 0.1}, lambda params, lr: SAMReference(params, lr=lr, rho=0.1), "closure"),
    "sgd-schedule-free": (
        {"momentum": 0.8, "warmup_steps": 5, "weight_decay": 0.01},
        lambda params, lr: _schedulefree().SGDScheduleFree(params, lr=lr, momentum=0.8, warmup_steps=5, weight_decay=0.01,
                                                           foreach=False), "schedule-free"),
    "adamw-schedule-free": (
        {"beta1": 0.85, "warmup_steps": 5, "weight_decay": 0.01, "r": 0.5},
        lambda params, lr: _schedulefree().AdamWScheduleFree(params, lr=lr, betas=(0.85, 0.999), warmup_steps=5,
                                                             weight_decay=0.01, r=0.5, foreach=False), "schedule-free"),
}
PLAIN_STEP = {n for n, e in PAPER_DB.items() if e[2] == "step"}


class SAMReference(torch.optim.Optimizer):
    """Foret et al. 2021, Algorithm 1 over SGD, as the paper writes it: ε = ρ·g/‖g‖ (‖g‖ over all
    parameters, + 10⁻¹² as the authors' code), g_SAM = ∇L(θ + ε), θ ← θ − η·g_SAM."""

    def __init__(self, params, lr: float, rho: float):
        super().__init__(params, {"lr": lr, "rho": rho})

    @torch.no_grad()
    def step(self, closure):
        group = self.param_groups[0]
        params = [p for p in group["params"] if p.grad is not None]
        norm = torch.stack([p.grad.norm() for p in params]).norm()
        eps = [p.grad * (group["rho"] / (norm + 1e-12)) for p in params]
        for p, e in zip(params, eps, strict=True):
            p.add_(e)
        with torch.enable_grad():
            closure()
        for p, e in zip(params, eps, strict=True):
            p.sub_(e)
            p.sub_(p.grad, alpha=group["lr"])
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
    "wsd": (  # the paper's three phases, written out independently of ours
        {"warmup": 10, "t_max": 200, "decay_steps": 50, "eta_min": 1e-3},
        lambda o, lr, p: S.LambdaLR(o, lambda t: (t + 1) / 10 if t < 10 else (
            1.0 if t < 150 else (1e-3 + (lr - 1e-3) * max(0.0, (200 - t) / 50)) / lr)),
    ),
    "one-cycle": (
        {"t_max": 260, "pct_start": 0.25},
        lambda o, lr, p: S.OneCycleLR(o, max_lr=lr, total_steps=260, pct_start=0.25, cycle_momentum=False),
    ),
}



def _lion():
    import lion_pytorch  # a test-only dependency

    return lion_pytorch


def _schedulefree():
    import schedulefree  # a test-only dependency

    return schedulefree


def torch_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """The reference instance of the registry's optimizer `name`: torch.optim's class with OPTIM_DB's
    hyper-parameters, or PAPER_DB's reference implementation."""
    if name in PAPER_DB:
        return PAPER_DB[name][1](params, lr)
    _, cls, kwargs = OPTIM_DB[name]
    return getattr(torch.optim, cls)(params, lr=lr, **kwargs)


# -- torch's own table: optim_db's keyword arguments in our names -------------------
TUPLES = {"betas": ("beta1", "beta2"), "etas": ("eta_minus", "eta_plus"), "step_sizes": ("step_size_min", "step_size_max"),
          "ns_coefficients": ("ns_a", "ns_b", "ns_c")}
CLASS_NAMES = {"Adadelta": "adadelta", "Adafactor": "adafactor", "Adagrad": "adagrad", "Adam": "adam", "Adamax": "adamax",
               "AdamW": "adamw", "ASGD": "asgd", "Muon": "muon", "NAdam": "nadam", "RAdam": "radam",
               "RMSprop": "rmsprop", "Rprop": "rprop"}


def from_torch(cls: str, kwargs: dict) -> tuple[str, float | None, dict]:
    """(registry name, lr, hyper-parameters) of torch.optim.`cls`(**kwargs): tuples split into
    our names, Adafactor's eps into eps1/eps2 (eps1 None: the float64 ε, our default), a
    1-element tensor lr taken by value, SGD's variants by their momentum and nesterov flags."""
    kw = dict(kwargs)
    lr = kw.pop("lr", None)
    lr = None if lr is None else float(lr)
    hp: dict = {}
    for key, value in kw.items():
        if key in TUPLES:
            hp.update(zip(TUPLES[key], value, strict=True))
        elif cls == "Adafactor" and key == "eps":
            if value[0] is not None:
                hp["eps1"] = value[0]
            hp["eps2"] = value[1]
        else:
            hp[key] = value
    if cls != "SGD":
        return CLASS_NAMES[cls], lr, hp
    if hp.pop("nesterov", False):
        return "nesterov", lr, hp
    return ("momentum" if hp.get("momentum", 0) else "sgd"), lr, {k: v for k, v in hp.items() if k != "momentum" or v}


def torch_scheduler(name: str, opt: torch.optim.Optimizer, lr: float):
    sp, factory = SCHED_DB[name]
    return factory(opt, lr, sp)


class MuonAdamWReference:
    """The hybrid torch's documentation recommends, built from torch's own classes: torch.optim.Muon
    (OPTIM_DB's keywords) for every parameter of ≥ 2 dimensions whose group does not say
    `use_muon=False` — a convolution kernel as an (out, in·k·k) leaf that shares its storage, its
    gradient copied in before each step, since torch's Muon takes 2-D parameters only — and
    torch.optim.AdamW(lr=3e-4, weight_decay=0.01) for the rest; each with the named schedule's
    torch lr_scheduler (AdamW's built from its own lr)."""

    ADAMW_LR = 3e-4

    def __init__(self, params, lr: float, sched: str = "constant"):
        groups = list(params)
        if groups and not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        self.kernels, matrices, rest = [], [], []
        for g in groups:
            for p in g["params"]:
                if p.dim() >= 2 and g.get("use_muon", True):
                    if p.dim() > 2:
                        view = torch.nn.Parameter(p.detach().view(p.shape[0], -1))
                        self.kernels.append((p, view))
                        p = view
                    matrices.append(p)
                else:
                    rest.append(p)
        self.opts = [torch.optim.Muon(matrices, lr=lr, **OPTIM_DB["muon"][2])] if matrices else []
        self.scheds = [torch_scheduler(sched, self.opts[0], lr)] if matrices else []
        if rest:
            self.opts.append(torch.optim.AdamW(rest, lr=self.ADAMW_LR, weight_decay=0.01))
            self.scheds.append(torch_scheduler(sched, self.opts[-1], self.ADAMW_LR))

    def zero_grad(self):
        for o in self.opts:
            o.zero_grad()
        for p, _ in self.kernels:
            p.grad = None

    def step(self):
        for p, view in self.kernels:
            view.grad = None if p.grad is None else p.grad.reshape(view.shape)
        for o, s in zip(self.opts, self.scheds, strict=True):
            o.step()
            s.step()

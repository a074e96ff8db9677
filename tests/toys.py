"""Tiny problems for engine tests: a constant gradient, and a scripted sequence."""

from __future__ import annotations

import torch


class Linear:
    """L(θ) = c·θ1 + c·θ2: the gradient is c everywhere."""

    n_samples = None
    reduction = "mean"
    box = (-10.0, 10.0, -10.0, 10.0)
    name = "linear"

    def __init__(self, c: float = 1.0):
        self.c = c

    def loss(self, th, w=None):
        return self.c * th.sum(-1)

    def grad(self, th, w=None):
        return torch.full_like(th, self.c)

    def hessian(self, th):
        return torch.zeros(len(th), 2, 2, dtype=th.dtype)


class Scripted(Linear):
    """Returns the given gradients one call after the other (use with detail=False)."""

    def __init__(self, grads):
        super().__init__(0.0)
        self.grads = list(grads)
        self.calls = 0

    def grad(self, th, w=None):
        g = self.grads[self.calls]
        self.calls += 1
        return torch.full_like(th, float(g))


# -- tasks for the worker pool's tests (`optim_lab.jobs`): top-level, so a child process imports them --
def count_task(args, report, should_stop):
    """Reports 1 … n, returns their sum."""
    n = int(args["n"])
    for k in range(1, n + 1):
        report({"k": k}, k, n)
    return n * (n + 1) // 2


def hold_task(args, report, should_stop):
    """Reports once, then holds its worker until it is told to stop (or a minute has passed)."""
    import time

    report({"held": True}, 1, 2)
    for _ in range(6000):
        if should_stop():
            return {"stopped": True}
        time.sleep(0.01)
    return {"stopped": False}


def fail_task(args, report, should_stop):
    raise ValueError("no such thing\nsecond line")


# -- calls for the helpers' tests (`optim_lab.jobs.Helpers`) ---------------------------------------
SEEN: list[int] = []  # what `remember` was given, in the process that ran it


def where(x):
    """(this process's id, x squared)."""
    import os

    return os.getpid(), x * x


def refuse(x):
    raise ValueError(f"no {x}")


def end_process():
    import os

    os._exit(3)


def remember(x):
    """Every x this process was given so far."""
    SEEN.append(x)
    return list(SEEN)


def forget():
    """The helpers' `after` task here: forgets what `remember` was given."""
    SEEN.clear()


def ready(helpers, n: int = 1):
    """`helpers` (`optim_lab.jobs.Helpers`, enabled) once `n` of them are ready; the call that
    starts them is computed by the caller."""
    helpers.call(where, 0)
    with helpers._cond:
        for _ in range(1200):
            if helpers._ready >= n or helpers._broken:
                break
            helpers._cond.wait(0.1)
    assert helpers._broken is None and helpers._ready >= n, helpers.counts()
    return helpers


# -- a tiny float64 network and its data, for the training loop's tests ---------------------------
def tiny_net(seed=0):
    """Linear(5, 8) → tanh → Linear(8, 3), float64, its weights from `seed`."""
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(5, 8), nn.Tanh(), nn.Linear(8, 3)).double()


def tiny_data(n=40, seed=1):
    """n inputs of 5 features and labels of 3 classes, from `seed`."""
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 5, generator=g, dtype=torch.float64), torch.randint(0, 3, (n,), generator=g)

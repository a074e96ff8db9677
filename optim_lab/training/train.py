"""One training run of the lab, in HW3's loop, with the chapter's optimizers.

The loop itself is `optim_lab.training.loop.fit` (the one loop of the project): per update
forward → loss → zero_grad → backward → clip_grad_norm_ → optimizer.step(), the optimizer
being `optim_lab.torch_optim.LabOptimizer` (the same update, coefficient tables and
schedule as the 2-D races).  What this module adds is the lab's run: its config
(`RunConfig`), its data, transforms and model (`prepare`), and per epoch the mean training
loss and accuracy of the epoch's batches (train mode), then the validation loss and
accuracy (`model.eval()` + `torch.no_grad()`) and the probed pre-activations (`RunRecord`).

Fair comparisons come from the seeds: the model's initial weights come from
`build_model(cfg.model, seed)`; the batches from a generator seeded with `seed` that
draws one `randperm` per epoch; augmentation from a second generator seeded with
`seed + 1`.  Two runs with the same seed and batch size therefore see the same batches
in the same order, whatever their optimizers.

Bounds belong to their caller: `ENGINE_LIMITS` are what the engine and the command line
accept (thousands of updates); `PAGE_LIMITS` keep a page's worst run ≤ 10 s on a shared
server.  `RunConfig.checked()` applies the page's by default (the pages call it);
`train_run` and the command line check against the engine's.
"""

from __future__ import annotations

import copy
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch

from surfaces.spec import Param

from ..engine import Racer
from .data import load_digits_split, subset
from .loop import LOSS_BOUND, Fit, Hook, fit, make_optimizer
from .losses import LOSSES, criterion
from .models import ModelConfig, build_model
from .transforms import make_transforms

__all__ = ["LOSSES", "criterion", "make_optimizer"]  # re-exported: one definition each, in losses.py / loop.py

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class Limits:
    """The most a run may ask for: `updates` in all, `epochs` when given in epochs."""

    updates: int
    epochs: int


# The engine's own limits (the command line: no shared server; LabOptimizer's tables allow far more).
ENGINE_LIMITS = Limits(updates=20_000, epochs=1_000)
# A page's: the worst allowed run (the bench's train-worst) costs ≈ 13 ms per update of the widest
# network plus ≈ 0.14 ms per sample passed through it (measured): ≤ 400 updates and ≤ 15 epochs hold it ≤ 10 s.
PAGE_LIMITS = Limits(updates=400, epochs=15)
MAX_UPDATES = PAGE_LIMITS.updates  # the pages' names for their bound
EPOCHS = Param("epochs", 10, 1, PAGE_LIMITS.epochs, integer=True, label_en="epochs", label_zh="训练回合数（epoch）")
CLIP = Param("clip", 10.0, 1e-3, 1e3, log=True, label_en="gradient clipping max_norm", label_zh="梯度裁剪 max_norm")
SEED = Param("seed", 0, 0, 2**31 - 1, integer=True, label_en="seed", label_zh="随机种子")
MIN_SAMPLES = 20
# batch sizes of the BN pitfall (evaluating in train mode by mistake); from 2 up, since a BatchNorm1d
# (the MLP's) has one value per channel in a batch of one and refuses to normalize it
PITFALL_BATCHES = (2, 8, 32)
MAX_RUNS = 4  # side by side on the page and the command line


@dataclass(frozen=True)
class RunConfig:
    """Everything that decides a run's numbers.  Exactly one of `epochs` / `steps` is set;
    `batch_size=None` is full batch; `samples=None` the whole training split."""

    model: ModelConfig = field(default_factory=ModelConfig)
    racer: Racer = field(default_factory=lambda: Racer("adam", lr=1e-3))
    loss: str = "ce"
    batch_size: int | None = 64
    epochs: int | None = 10
    steps: int | None = None
    samples: int | None = None
    augment: bool = False
    normalize: bool = True
    clip: float | None = None
    seed: int = 0
    split_seed: int = 0
    dtype: str = "float32"

    # -- validation -------------------------------------------------------------
    def checked(self, limits: Limits = PAGE_LIMITS) -> RunConfig:
        """The same run with every value validated and defaults filled in (ValueError else).
        `limits`: the caller's bound on updates and epochs (a page's by default)."""
        model = self.model.checked()
        if self.loss not in LOSSES:
            raise ValueError(f"loss: unknown {self.loss!r} (choose from: {', '.join(LOSSES)})")
        if self.dtype not in DTYPES:
            raise ValueError(f"dtype: unknown {self.dtype!r} (choose from: {', '.join(DTYPES)})")
        if (self.epochs is None) == (self.steps is None):
            raise ValueError("epochs / steps: give exactly one of them")
        n_split = len(load_digits_split(self.split_seed).y_train)
        samples = None if self.samples is None else int(
            Param("samples", n_split, MIN_SAMPLES, n_split, integer=True).check(self.samples, ""))
        n = n_split if samples is None else samples
        if self.batch_size is not None:
            bs = int(Param("batch_size", 64, 1, n, integer=True).check(self.batch_size, ""))
            batch = None if bs == n else bs
        else:
            batch = None
        racer = self.racer
        racer.resolved_lr()  # validates the optimizer, its lr …
        racer.spec().resolve(dict(racer.hparams))  # … and its hyper-parameters
        from ..schedules import get_schedule

        get_schedule(racer.schedule).resolve(dict(racer.sched_params))
        epochs = None if self.epochs is None else int(
            Param("epochs", 10, 1, limits.epochs, integer=True).check(self.epochs, ""))
        steps = None if self.steps is None else int(
            Param("steps", 200, 1, limits.updates, integer=True).check(self.steps, ""))
        per_epoch = math.ceil(n / (batch or n))
        total = steps if steps is not None else epochs * per_epoch
        if total > limits.updates:
            raise ValueError(
                f"updates: {epochs} epochs × {per_epoch} updates per epoch = {total} updates; the allowed maximum is "
                f"{limits.updates} (use fewer epochs, a larger batch or fewer samples)")
        if model.kind == "mlp" and model.bn and ((batch or n) == 1 or n % (batch or n) == 1):
            raise ValueError("batch_size: BatchNorm1d needs at least 2 samples in every batch "
                             f"({n} samples in batches of {batch or n} leave a batch of 1); change the batch size or turn BN off")
        clip = None if self.clip is None else float(CLIP.check(self.clip, ""))
        return replace(self, model=model, samples=samples, batch_size=batch, epochs=epochs, steps=steps, clip=clip,
                       seed=int(SEED.check(self.seed, "")), split_seed=int(SEED.check(self.split_seed, "split_seed")),
                       augment=bool(self.augment), normalize=bool(self.normalize))

    # -- sizes ------------------------------------------------------------------
    @property
    def n_train(self) -> int:
        return self.samples if self.samples is not None else len(load_digits_split(self.split_seed).y_train)

    @property
    def updates_per_epoch(self) -> int:
        return math.ceil(self.n_train / (self.batch_size or self.n_train))

    @property
    def total_updates(self) -> int:
        return self.steps if self.steps is not None else self.epochs * self.updates_per_epoch

    @property
    def n_epochs(self) -> int:
        return math.ceil(self.total_updates / self.updates_per_epoch)

    # -- plain data (URLs, caches, JSON, the generated script) --------------------
    def as_dict(self) -> dict:
        """Every value spelled out (defaults resolved), so equal runs give equal dicts."""
        from ..schedules import get_schedule

        r = self.racer
        return {
            "model": asdict(self.model),
            "racer": {"optimizer": r.optimizer, "lr": r.resolved_lr(), "hparams": r.spec().resolve(dict(r.hparams)),
                      "schedule": r.schedule, "sched_params": get_schedule(r.schedule).resolve(dict(r.sched_params)),
                      "momentum_rule": r.momentum_rule, "scaling_rule": r.scaling_rule},
            **{k: getattr(self, k) for k in ("loss", "batch_size", "epochs", "steps", "samples", "augment", "normalize",
                                            "clip", "seed", "split_seed", "dtype")},
        }

    @classmethod
    def from_dict(cls, d: Mapping) -> RunConfig:
        d = dict(d)
        model = ModelConfig(**d.pop("model", {}))
        r = dict(d.pop("racer", {"optimizer": "adam", "lr": 1e-3}))
        racer = Racer(**r)
        return cls(model=model, racer=racer, **d)

    def key(self) -> str:
        """A canonical string for this run (cache key): the checked config, defaults resolved."""
        return json.dumps(self.checked(ENGINE_LIMITS).as_dict(), sort_keys=True)


@dataclass
class EpochRecord:
    epoch: int  # 1-based
    updates: int  # updates made so far
    train_loss: float  # mean of the epoch's batch losses (train mode, as HW3 reports it)
    train_acc: float
    val_loss: float
    val_acc: float
    seconds: float  # wall time of this epoch (not part of any comparison)


@dataclass
class RunRecord:
    config: RunConfig
    epochs: list[EpochRecord] = field(default_factory=list)
    init_val_loss: float = float("nan")
    init_val_acc: float = float("nan")
    batch_loss: list[float] = field(default_factory=list)  # per update, at θ_{k−1}
    lr: np.ndarray | None = None  # (T,) the scheduled η_k of every planned update
    diverged_at: int | None = None  # the update whose result was unusable
    diverged_epoch: int | None = None  # 1-based epoch of that update
    stopped: bool = False  # ended by should_stop()
    finished: bool = False
    state_dict: dict[str, np.ndarray] = field(default_factory=dict)
    batch_order: np.ndarray | None = None  # (epochs run, N) int32: epoch e's permutation of the training indices
    preact: list[np.ndarray] = field(default_factory=list)  # per epoch (0 = init): quantiles of the probed pre-activations
    preact_hist: list[np.ndarray] = field(default_factory=list)  # per epoch: histogram counts over PREACT_BINS
    seconds: float = 0.0
    evaluation: Evaluation | None = None  # step 6's numbers of a finished run (`evaluate_trained`)

    @property
    def updates(self) -> int:
        return len(self.batch_loss)

    @property
    def best_epoch(self) -> int | None:
        """The epoch HW3 would save as its checkpoint (highest validation accuracy)."""
        if not self.epochs:
            return None
        return max(self.epochs, key=lambda e: e.val_acc).epoch

    def curves(self) -> dict[str, list]:
        """Per-epoch lists (x by epochs and by updates)."""
        keys = ("epoch", "updates", "train_loss", "train_acc", "val_loss", "val_acc")
        return {k: [getattr(e, k) for e in self.epochs] for k in keys}

    def as_json(self) -> dict:
        return {
            "settings": self.config.as_dict(),
            "epochs": [{k: v for k, v in asdict(e).items() if k != "seconds"} for e in self.epochs],
            "updates": self.updates, "diverged_at": self.diverged_at, "diverged_epoch": self.diverged_epoch,
            "init_val_loss": self.init_val_loss, "init_val_acc": self.init_val_acc,
            "best_epoch": self.best_epoch, "stopped": self.stopped,
        }


@dataclass
class Evaluation:
    """What HW3's evaluate step shows of a trained run: computed once, where it was trained
    (a training child), so that a page showing it only draws."""

    val_probs: np.ndarray  # (n_val, 10) softmax over the validation set, eval mode
    # BN runs: validation accuracy in eval mode ("eval") and, by mistake, in train mode with
    # batches of b ("train_b" for b in PITFALL_BATCHES); None without BN
    pitfall: dict[str, float] | None = None


PREACT_QUANTILES = (0.02, 0.16, 0.5, 0.84, 0.98)
PREACT_BINS = np.linspace(-6.0, 6.0, 49)


def probe_module(model: torch.nn.Module) -> torch.nn.Module:
    """The layer whose INPUT is recorded as "pre-activations": the activation of the last
    convolution block (cnn) or of the last hidden layer (mlp); with BN on, its input is
    the normalized value, with BN off the raw output of the conv / linear layer."""
    if hasattr(model, "cnn"):
        last = model.cnn[-1]
        return last.act2 if hasattr(last, "act2") else last.act
    return model.hidden[-1][2]


def evaluate(model, x, y, loss: str, batch_size: int | None = None, train_mode: bool = False) -> tuple[float, float]:
    """Mean loss and accuracy over (x, y).  `train_mode=True` reproduces the classic mistake
    of evaluating with model.train(): BN then normalizes each batch with its own
    statistics (and the running averages move); pass a copy of the model for that."""
    was = model.training
    model.train(train_mode)
    bs = batch_size or len(y)
    total_loss, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(y), bs):
            logits = model(x[i : i + bs])
            value = float(criterion(logits, y[i : i + bs], loss))
            total_loss += value if bs >= len(y) else value * len(logits)  # one batch: its mean as it is
            correct += int((logits.argmax(-1) == y[i : i + bs]).sum())
    model.train(was)
    return (total_loss if bs >= len(y) else total_loss / len(y)), correct / len(y)


@dataclass
class Prepared:
    """Data, transforms and the model of a run, before its first update."""

    cfg: RunConfig
    x_train: torch.Tensor
    y_train: torch.Tensor
    x_val: torch.Tensor  # test_tfm applied
    y_val: torch.Tensor
    train_tfm: Callable
    test_tfm: Callable
    model: torch.nn.Module


def prepare(cfg: RunConfig, limits: Limits = ENGINE_LIMITS) -> Prepared:
    cfg = cfg.checked(limits)
    dtype = DTYPES[cfg.dtype]
    split = load_digits_split(cfg.split_seed)
    x_tr, y_tr = subset(split.x_train, split.y_train, cfg.samples, cfg.split_seed)
    aug_gen = torch.Generator().manual_seed(cfg.seed + 1)
    train_tfm, test_tfm = make_transforms(split.mean, split.std, cfg.augment, cfg.normalize, aug_gen)
    return Prepared(
        cfg, x_tr.to(dtype), y_tr, test_tfm(split.x_val.to(dtype)), split.y_val, train_tfm, test_tfm,
        build_model(cfg.model, cfg.seed, dtype),
    )


def fit_run(p: Prepared, hooks: Sequence[Hook] = (), should_stop: Callable[[], bool] | None = None) -> Fit:
    """The run's updates: `fit` with the run's data, transforms, criterion, optimizer, batches,
    clipping and seed (the inside views train a run through here too: the same weights, bit for bit)."""
    cfg = p.cfg
    return fit(p.model, p.x_train, p.y_train, lambda out, y: criterion(out, y, cfg.loss), cfg.racer, cfg.total_updates,
               batch_size=cfg.batch_size, seed=cfg.seed, clip=cfg.clip, transform=p.train_tfm, hooks=hooks,
               should_stop=should_stop, optimizer=make_optimizer)


class _LabEpochs(Hook):
    """The lab's record: per epoch the batches' mean loss and accuracy, the validation loss and
    accuracy, the probed pre-activations; progress after every epoch and every `every` updates."""

    def __init__(self, rec: RunRecord, p: Prepared, progress, every: int):
        self.rec, self.p, self.progress, self.every = rec, p, progress, every
        self.probe = _PreactProbe(probe_module(p.model))
        self.loss_sum, self.correct, self.seen, self.t0 = 0.0, 0, 0, time.perf_counter()

    def start(self, f: Fit) -> None:
        _probe(self.rec, self.probe, f.model, self.p.x_val)

    def step(self, f: Fit) -> None:
        self.rec.batch_loss.append(f.value)
        self.loss_sum += f.value * len(f.yb)
        self.correct += (f.out.argmax(-1) == f.yb).sum()  # a tensor: one sync per epoch, not per update
        self.seen += len(f.yb)
        if self.progress is not None and f.k % self.every == 0 and f.epoch_updates < f.per_epoch:
            self.progress(self.rec, f.k, f.total)

    def epoch(self, f: Fit) -> None:
        p, rec = self.p, self.rec
        val_loss, val_acc = evaluate(f.model, p.x_val, p.y_val, p.cfg.loss)
        if not math.isfinite(val_loss) or val_loss > LOSS_BOUND:
            f.diverged_at = f.k
            return
        rec.epochs.append(EpochRecord(f.epoch, f.k, self.loss_sum / self.seen, int(self.correct) / self.seen, val_loss, val_acc,
                                      time.perf_counter() - self.t0))
        _probe(rec, self.probe, f.model, p.x_val)
        if self.progress is not None:
            self.progress(rec, f.k, f.total)
        self.loss_sum, self.correct, self.seen, self.t0 = 0.0, 0, 0, time.perf_counter()

    def end(self, f: Fit) -> None:
        self.probe.remove()


def train_run(cfg: RunConfig, progress: Callable[[RunRecord, int, int], None] | None = None,
              should_stop: Callable[[], bool] | None = None, progress_every: int = 50,
              evaluate_after: bool = False, hooks: Sequence[Hook] = ()) -> RunRecord:
    """Train one run.  `progress(record, updates_done, total_updates)` is called after every
    epoch and every `progress_every` updates; `should_stop()` is asked between updates.
    `evaluate_after`: a finished, undiverged run also gets its `evaluation`.  `hooks`: more
    `optim_lab.training.loop.Hook`s riding along (e.g. λ_max every k updates)."""
    t_run = time.perf_counter()
    p = prepare(cfg)
    cfg, model = p.cfg, p.model
    from ..schedules import get_schedule

    total = cfg.total_updates
    rec = RunRecord(cfg, lr=get_schedule(cfg.racer.schedule).etas(cfg.racer.resolved_lr(), total, dict(cfg.racer.sched_params)))
    rec.init_val_loss, rec.init_val_acc = evaluate(model, p.x_val, p.y_val, cfg.loss)
    f = fit_run(p, [_LabEpochs(rec, p, progress, progress_every), *hooks], should_stop)
    rec.diverged_at, rec.diverged_epoch, rec.stopped = f.diverged_at, f.diverged_epoch, f.stopped
    rec.batch_order = np.stack(f.orders) if f.orders else np.zeros((0, cfg.n_train), dtype=np.int32)
    rec.state_dict = {name: t.detach().cpu().numpy().copy() for name, t in model.state_dict().items()}
    rec.finished = not rec.stopped
    if evaluate_after and rec.finished and rec.diverged_at is None:
        rec.evaluation = evaluate_trained(rec)
    rec.seconds = time.perf_counter() - t_run
    return rec


class _PreactProbe:
    def __init__(self, module):
        self.values: torch.Tensor | None = None
        self.active = False
        self.handle = module.register_forward_pre_hook(self._hook)

    def _hook(self, mod, inp):
        if self.active:
            self.values = inp[0].detach().reshape(-1)

    def remove(self):
        self.handle.remove()


def _probe(rec: RunRecord, hook: _PreactProbe, model, x_val) -> None:
    """Quantiles and a histogram of the probed layer's pre-activations over the validation set."""
    was = model.training
    model.eval()
    hook.active = True
    with torch.no_grad():
        model(x_val)
    hook.active = False
    model.train(was)
    v = hook.values.to(torch.float64).numpy()
    if not np.isfinite(v).all():
        v = v[np.isfinite(v)]
    if v.size == 0:
        v = np.zeros(1)
    rec.preact.append(np.quantile(v, PREACT_QUANTILES))
    rec.preact_hist.append(np.histogram(np.clip(v, PREACT_BINS[0], PREACT_BINS[-1]), bins=PREACT_BINS)[0])


def model_from_record(rec: RunRecord) -> torch.nn.Module:
    """The trained network of a record (eval mode)."""
    cfg = rec.config
    model = build_model(cfg.model, cfg.seed, DTYPES[cfg.dtype])
    model.load_state_dict({k: torch.as_tensor(v) for k, v in rec.state_dict.items()})
    return model.eval()


def predict_proba(rec: RunRecord, images: torch.Tensor) -> np.ndarray:
    """Softmax probabilities (n, 10) of a trained run for raw images (n, 1, 8, 8) in [0, 1]
    (test_tfm applied here, as in HW3's prediction step)."""
    cfg = rec.config
    split = load_digits_split(cfg.split_seed)
    _, test_tfm = make_transforms(split.mean, split.std, False, cfg.normalize)
    model = model_from_record(rec)
    with torch.no_grad():
        x = test_tfm(torch.as_tensor(images, dtype=DTYPES[cfg.dtype]).reshape(-1, 1, 8, 8))
        return torch.softmax(model(x), dim=1).to(torch.float64).numpy()


def evaluate_trained(rec: RunRecord, batches: tuple[int, ...] = PITFALL_BATCHES) -> Evaluation:
    """The validation softmax of a trained run and, with BN, the train-mode pitfall.  Train
    mode runs on a copy: it would move the running averages of the real model."""
    cfg = rec.config
    split = load_digits_split(cfg.split_seed)
    probs = predict_proba(rec, split.x_val)
    pitfall = None
    if cfg.model.bn:
        _, test_tfm = make_transforms(split.mean, split.std, False, cfg.normalize)
        x = test_tfm(split.x_val.to(DTYPES[cfg.dtype]))
        model = model_from_record(rec)
        pitfall = {"eval": evaluate(model, x, split.y_val, cfg.loss)[1]}
        for b in batches:
            if len(x) % b == 1:
                raise ValueError(f"a last batch of one image cannot be normalized in train mode (batch {b})")
            pitfall[f"train_{b}"] = evaluate(copy.deepcopy(model), x, split.y_val, cfg.loss, batch_size=b,
                                             train_mode=True)[1]
    return Evaluation(probs, pitfall)

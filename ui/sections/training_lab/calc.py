"""Pure calculations of the training lab page (no Streamlit): the page's settings as
engine run configs and back (presets are URL queries), what the figures need from a
finished run, and the drawn digit as the data set's 8×8 image."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.metrics import confusion_matrix

from optim_lab.engine import Racer
from optim_lab.schedules import get_schedule
from optim_lab.torch_optim import is_muon
from optim_lab.training import presets as engine_presets
from optim_lab.training.data import DigitSplit, load_digits_split
from optim_lab.training.loop import muon_split_counts
from optim_lab.training.models import ModelConfig, build_model
from optim_lab.training.train import MAX_UPDATES, Evaluation, RunConfig, RunRecord, evaluate_trained, predict_proba
from optim_lab.update import DIRECTION_KINDS

BATCH_OPTIONS = ("1", "2", "4", "8", "16", "32", "64", "128", "256", "512", "full")


@dataclass(frozen=True)
class Shared:
    """What every run of the page shares."""

    kind: str = "cnn"
    width: int = 16
    mlp_width: int = 64
    blocks: int = 2
    depth: int = 2
    activation: str = "relu"
    residual: bool = False
    epochs: int = 8
    samples: int | None = None
    augment: bool = False
    normalize: bool = True
    clip: float | None = None
    seed: int = 0


@dataclass(frozen=True)
class RunSetting:
    """What a run sets for itself."""

    racer: Racer
    bn: bool = True
    batch: str = "64"  # one of BATCH_OPTIONS
    loss: str = "ce"


def batch_value(batch: str) -> int | None:
    return None if batch == "full" else int(batch)


def batch_options(n: int) -> list[str]:
    """The batch sizes a menu offers for n training samples: those of which one epoch fits the
    page's bound of `MAX_UPDATES` updates (B = 1 on 1 347 samples is 1 347 updates an epoch)."""
    return [b for b in BATCH_OPTIONS if b == "full" or (int(b) < n and math.ceil(n / int(b)) <= MAX_UPDATES)]


def fitted_epochs(epochs: int, n: int, batch: int | None) -> int:
    """The most epochs ≤ `epochs` that stay within `MAX_UPDATES` updates (at least one)."""
    per_epoch = math.ceil(n / (batch or n))
    return max(1, min(epochs, MAX_UPDATES // per_epoch))


@dataclass(frozen=True)
class Plan:
    """One run as the page will train it: its engine config, or why it cannot train.

    `note` is a text key and its values: "tl_fit_epochs" (the epochs were fitted to the
    bound), "tl_bn_batch_of_one" or "tl_cannot_train" (`config` is None then).  `split`: a
    Muon run's "tl_muon_split" (which parameters Muon steps, which AdamW)."""

    config: RunConfig | None
    note: tuple[str, dict] | None = None
    split: tuple[str, dict] | None = None


def muon_split_note(model: ModelConfig, racer: Racer) -> tuple[str, dict]:
    """"tl_muon_split" and its counts for this model (`loop.muon_split_counts`, which the
    command line prints too): what `LabOptimizer` gives Muon and what AdamW."""
    return "tl_muon_split", muon_split_counts(build_model(model, 0), racer)


def run_plan(shared: Shared, r: RunSetting, n: int) -> Plan:
    """Run r's engine config for n training samples, its epochs fitted to the page's bound."""
    model = ModelConfig(kind=shared.kind, width=shared.width if shared.kind == "cnn" else shared.mlp_width,
                        blocks=shared.blocks, depth=shared.depth, activation=shared.activation, bn=r.bn,
                        residual=shared.residual)
    batch = batch_value(r.batch)
    B = min(batch or n, n)
    if model.kind == "mlp" and model.bn and (B == 1 or n % B == 1):
        return Plan(None, ("tl_bn_batch_of_one", {"n": n, "b": B}))
    epochs = fitted_epochs(shared.epochs, n, batch)
    note = None
    if epochs < shared.epochs:
        per_epoch = math.ceil(n / B)
        note = ("tl_fit_epochs", {"b": B, "per_epoch": per_epoch, "asked": shared.epochs,
                                  "total": shared.epochs * per_epoch, "max": MAX_UPDATES, "e": epochs})
    cfg = RunConfig(model=model, racer=r.racer, loss=r.loss, batch_size=batch, epochs=epochs, samples=shared.samples,
                    augment=shared.augment, normalize=shared.normalize, clip=shared.clip, seed=shared.seed)
    try:
        cfg = cfg.checked()
    except ValueError as exc:  # what the page's controls cannot reach; said as this run's note
        return Plan(None, ("tl_cannot_train", {"error": str(exc)}))
    return Plan(cfg, note, muon_split_note(cfg.model, cfg.racer) if is_muon(cfg.racer) else None)


@dataclass(frozen=True)
class NamedRun:
    """A run that trains, as the page names and colours it (its number is the sidebar's)."""

    number: int  # 1-based
    name: str
    config: RunConfig


def run_configs(shared: Shared, runs: list[RunSetting]) -> list[RunConfig]:
    """The engine's run configs of runs that can train (epochs fitted to the bound)."""
    n = shared.samples or len(load_digits_split(0).y_train)
    return [p.config for p in (run_plan(shared, r, n) for r in runs) if p.config is not None]


def _fmt(x: float) -> str:
    return repr(float(x)) if float(x) != int(x) else str(int(x))


def preset_params(preset: engine_presets.TrainPreset) -> dict[str, str]:
    """An engine preset as the page's URL query (every value language-neutral)."""
    first = preset.runs[0]
    shared_fields = ("epochs", "samples", "augment", "normalize", "clip", "seed", "steps", "dtype", "split_seed")
    for c in preset.runs[1:]:
        for f in shared_fields:
            if getattr(c, f) != getattr(first, f):
                raise ValueError(f"preset {preset.name}: runs differ in {f}, which the page shares")
        m0, m = first.model, c.model
        if (m.kind, m.width, m.blocks, m.depth, m.activation, m.residual) != (m0.kind, m0.width, m0.blocks, m0.depth,
                                                                              m0.activation, m0.residual):
            raise ValueError(f"preset {preset.name}: runs differ in the model beyond BN")
    if first.steps is not None:
        raise ValueError(f"preset {preset.name}: the page counts epochs")
    m = first.model.checked()
    q = {"n": str(len(preset.runs)), "model": m.kind, "epochs": str(first.epochs), "seed": str(first.seed)}
    q["width" if m.kind == "cnn" else "mwidth"] = str(m.width)
    q |= {"blocks": str(m.blocks)} if m.kind == "cnn" else {"depth": str(m.depth), "act": m.activation}
    if m.residual:
        q["res"] = "1"
    if first.samples is not None:
        q["samples"] = str(first.samples)
    if first.augment:
        q["aug"] = "1"
    if not first.normalize:
        q["norm"] = "0"
    if first.clip is not None:
        q |= {"clip": "1", "clipv": _fmt(first.clip)}
    for i, c in enumerate(preset.runs, start=1):
        r = c.racer
        q[f"o{i}"] = r.optimizer
        if r.optimizer == "custom":
            q |= {f"o{i}_m": r.momentum_rule, f"o{i}_s": r.scaling_rule}
        q[f"o{i}_lr"] = _fmt(r.resolved_lr())
        for k, v in r.hparams.items():
            q[f"o{i}_h_{k}"] = _fmt(v)
        if r.schedule != "constant":
            q[f"o{i}_sch"] = r.schedule
        for k, v in r.sched_params.items():
            q[f"o{i}_sp_{k}"] = _fmt(v)
        q[f"r{i}_bn"] = "1" if c.model.bn else "0"
        q[f"r{i}_bs"] = "full" if c.batch_size is None else str(c.batch_size)
        q[f"r{i}_loss"] = c.loss
    return q


# -- what the figures need -------------------------------------------------------------
def update_formula(racer: Racer) -> str:
    """The chosen optimizer as the chapter's update, in LaTeX: θ, m, σ and η lines."""
    spec = racer.spec()
    sched = get_schedule(racer.schedule)
    m, s = spec.momentum_rule, spec.scaling_rule
    # a direction rule (sign, Rprop, Adafactor, Muon) makes the step u_t itself, with no σ
    direction = s.coeffs(np.ones(1), np.full(1, racer.resolved_lr()), spec.resolve(dict(racer.hparams))).kind in DIRECTION_KINDS
    head = (r"\theta_{t+1} = \theta_t + m_{t+1}" if m.eta_inside
            else (r"\theta_{t+1} = \theta_t - u_t" if s.eta_own else r"\theta_{t+1} = \theta_t - \eta_t\, u_t") if direction
            else r"\theta_{t+1} = \theta_t - \frac{\eta_t}{\sigma_t} \odot m_t")
    lines = [head]
    for part in (m.latex, s.latex, sched.latex):  # one equation per line: narrow columns cut long ones off
        lines += [x.strip() for x in re.split(r",\\(?:quad|\ )\s*|\\quad\s*", part) if x.strip()]
    return r" \\ ".join(lines)


def evaluation(rec: RunRecord) -> Evaluation:
    """Step 6's numbers of a finished run: from its training child, or computed here once
    (a record trained in this process) and kept with the record, which every session shares."""
    if rec.evaluation is None:
        rec.evaluation = evaluate_trained(rec)
    return rec.evaluation


def confusion(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(10, 10) counts: row = true digit, column = predicted."""
    return confusion_matrix(np.asarray(y), probs.argmax(1), labels=list(range(10)))


def misclassified(probs: np.ndarray, y: np.ndarray, limit: int = 12) -> np.ndarray:
    """Indices of wrongly classified images, most confidently wrong first."""
    pred = probs.argmax(1)
    wrong = np.flatnonzero(pred != np.asarray(y))
    conf = probs[wrong, pred[wrong]]
    return wrong[np.argsort(-conf, kind="stable")][:limit]


def preact_bands(rec: RunRecord) -> np.ndarray:
    """(epochs + 1, 5) quantiles of the probed pre-activations, epoch 0 = the initial weights."""
    return np.array(rec.preact) if rec.preact else np.zeros((0, 5))


# -- the drawn digit -------------------------------------------------------------------
def drawing_to_image(pixels, side: int = 32) -> np.ndarray | None:
    """A drawing (side × side values, ink > 0) as the data set's 8×8 image in [0, 1].

    The UCI digits were made from 32×32 bitmaps by counting the ink in 4×4 blocks
    (0…16).  The ink's bounding box is first scaled to fill the 32×32 box (aspect
    kept, centred), as the digits were size-normalized.  None when nothing is drawn."""
    a = np.asarray(pixels, dtype=np.float64).reshape(side, side) > 0
    if not a.any():
        return None
    rows, cols = np.flatnonzero(a.any(1)), np.flatnonzero(a.any(0))
    crop = a[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    h, w = crop.shape
    scale = 32 / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    yi = np.minimum((np.arange(nh) / scale).astype(int), h - 1)
    xi = np.minimum((np.arange(nw) / scale).astype(int), w - 1)
    scaled = crop[np.ix_(yi, xi)]
    box = np.zeros((32, 32), dtype=bool)
    top, left = (32 - nh) // 2, (32 - nw) // 2
    box[top : top + nh, left : left + nw] = scaled
    counts = box.reshape(8, 4, 8, 4).sum(axis=(1, 3))  # 0 … 16 per 4×4 block
    return counts / 16.0


def held_back_image(index: int, split: DigitSplit | None = None) -> tuple[np.ndarray, int]:
    split = split or load_digits_split(0)
    return split.x_test[index, 0].numpy(), int(split.y_test[index])


def probabilities(records: list[RunRecord], image: np.ndarray) -> np.ndarray:
    """(runs, 10) softmax of each run for one raw 8×8 image in [0, 1]."""
    x = torch.as_tensor(np.asarray(image, dtype=np.float64)).reshape(1, 1, 8, 8)
    return np.stack([predict_proba(r, x)[0] for r in records])

""""The code for this run": a standalone PyTorch script that reproduces a run's numbers exactly.

The script needs torch, numpy and scikit-learn only, reads like pytorch/examples' mnist
(`train()` / `evaluate()` functions, argparse flags that mirror the settings,
`torch.manual_seed` once) and follows HW3's loop.  The data split, the transforms, the
model classes, the loss and the learning-rate schedule are copied from this package's and
the engine's own source (`inspect.getsource`), so they cannot drift.  The optimizer cannot
be copied — the app's update lives in the engine's coefficient tables — so the script
writes the chosen rule's update out in a few lines: the one allowed second copy, in the
same tensor operations and order as `optim_lab.update.apply`, with the same per-step
coefficients computed the same way, on one thread as the app trains.
`tests/training/test_codegen.py` runs the script and finds every epoch's numbers equal to
the app's, bit for bit (every optimizer, every schedule, random settings).
"""

from __future__ import annotations

import functools
import inspect
import textwrap

from .. import rules
from ..schedules import get_schedule
from . import data, losses, models, transforms
from .train import RunConfig

# Each rule is written out in the same tensor operations, in the same order, as the engine's
# one update (`optim_lab.update.apply`), and its per-step coefficients are computed the same
# way (numpy, once, over k = 1..T): the script then reproduces the app's run exactly, not
# only to round-off.  A step reads η_k (the schedule's table), the gradient g, the state
# m, v, Δ, and the tables below; the momentum rule leaves the direction d and a factor c
# on η, the scaling rule σ (None for σ = 1) and a factor f on η.

# -- the momentum rule, written out: (doc, coefficient table, step) ----------------------
MOMENTUM_CODE = {
    "none": ("m_k = g_k", "", "d, c = g, 1.0"),
    "heavy-ball": (
        "b_k = μ·b_{k−1} + (1−τ)·g_k  (b_1 = g_1),  m_k = b_k",
        "",
        "m = state['m']\nm.mul_(self.momentum).add_(g, alpha=1.0 if k == 1 else 1.0 - self.dampening)\nd, c = m, 1.0",
    ),
    "nesterov": (
        "b_k = μ·b_{k−1} + g_k,  m_k = g_k + μ·b_k",
        "",
        "m = state['m']\nm.mul_(self.momentum).add_(g, alpha=1.0)\nd, c = torch.add(g, m, alpha=self.momentum), 1.0",
    ),
    "ema": (
        "m_k = (β₁·m'_{k−1} + (1−β₁)·g_k) / (1 − β₁^k)   (bias-corrected; the correction is applied on η)",
        "t['c'] = 1.0 / (1.0 - self.beta1**k)",
        "m = state['m']\nm.mul_(self.beta1).add_(g, alpha=1.0 - self.beta1)\nd, c = m, float(self.table['c'][k - 1])",
    ),
    "ema-raw": (
        "m_k = β₁·m_{k−1} + (1−β₁)·g_k   (no bias correction)",
        "",
        "m = state['m']\nm.mul_(self.beta1).add_(g, alpha=1.0 - self.beta1)\nd, c = m, 1.0",
    ),
    "nadam": (
        "μ_k = β₁(1 − ½·0.96^(kψ)),  m_k = (1−μ_k)/(1−Πμ)·g_k + μ_{k+1}/(1−Πμ·μ_{k+1})·m'_k",
        "mu = self.beta1 * (1.0 - 0.5 * 0.96 ** (k * self.momentum_decay))\n"
        "mu_next = self.beta1 * (1.0 - 0.5 * 0.96 ** ((k + 1) * self.momentum_decay))\n"
        "prod = np.cumprod(mu)\n"
        "t['c_g'] = (1.0 - mu) / (1.0 - prod)\n"
        "t['c_m'] = mu_next / (1.0 - prod * mu_next)",
        "m = state['m']\nm.mul_(self.beta1).add_(g, alpha=1.0 - self.beta1)\n"
        "d = torch.add(g * float(self.table['c_g'][k - 1]), m, alpha=float(self.table['c_m'][k - 1]))\nc = 1.0",
    ),
    "book": (
        "book §3.2: m_k = λ·m_{k−1} + η_k·g_k is the movement itself (η inside m)",
        "",
        "m = state['m']\nm.mul_(self.lam).add_(g, alpha=eta_k)\nd, c = m, 1.0",
    ),
}

# -- the scaling rule, written out: (doc, coefficient table, step) -----------------------
SCALING_CODE = {
    "none": ("σ_k = 1", "", "sigma, f = None, 1.0"),
    "adagrad": (
        "σ_k = sqrt(Σ g²) + ε,  η_k ← η_k / (1 + (k−1)·lr_decay)",
        "",
        "v = state['v']\nv.addcmul_(g, g, value=1.0)\nsigma = v.sqrt().add_(self.eps)\n"
        "f = 1.0 / (1.0 + (k - 1) * self.lr_decay)",
    ),
    "adagrad-book": (
        "book §3.3: σ_k = sqrt(mean of all g² so far), no ε",
        "",
        "v = state['v']\nv.addcmul_(g, g, value=1.0)\nsigma = torch.mul(v, 1.0 / k).sqrt_()\nf = 1.0",
    ),
    "rmsprop": (
        "v_k = α·v_{k−1} + (1−α)·g², σ_k = sqrt(v_k) + ε",
        "",
        "v = state['v']\nv.mul_(self.alpha).addcmul_(g, g, value=1.0 - self.alpha)\nsigma = v.sqrt().add_(self.eps)\nf = 1.0",
    ),
    "rmsprop-book": (
        "book §3.3: σ_1 = |g_1|, σ_k² = α·σ_{k−1}² + (1−α)·g², no ε",
        "",
        "v = state['v']\nif k == 1:\n    v.mul_(0.0).addcmul_(g, g, value=1.0)\nelse:\n"
        "    v.mul_(self.alpha).addcmul_(g, g, value=1.0 - self.alpha)\nsigma = v.sqrt()\nf = 1.0",
    ),
    "adam": (
        "v_k = β₂·v_{k−1} + (1−β₂)·g², σ_k = sqrt(v_k / (1 − β₂^k)) + ε",
        "t['q'] = 1.0 / (1.0 - self.beta2**k)",
        "v = state['v']\nv.mul_(self.beta2).addcmul_(g, g, value=1.0 - self.beta2)\n"
        "sigma = torch.mul(v, float(self.table['q'][k - 1])).sqrt_().add_(self.eps)\nf = 1.0",
    ),
    "radam": (
        "RAdam: σ_k = 1 while ρ_k ≤ 5, else (sqrt(v_k) + ε) with η_k·r_k·sqrt(1 − β₂^k)",
        "r = radam_rectifier(k, self.beta2)\non = ~np.isnan(r)\n"
        "t['on'] = on\nt['f'] = np.where(on, np.sqrt(1.0 - self.beta2**k) * np.nan_to_num(r), 1.0)",
        "v = state['v']\nv.mul_(self.beta2).addcmul_(g, g, value=1.0 - self.beta2)\n"
        "if self.table['on'][k - 1]:\n    sigma = v.sqrt().add_(self.eps)\n"
        "else:  # the variance is not yet tractable: σ = 1\n    sigma = torch.mul(v, 0.0).sqrt_().add_(1.0)\n"
        "f = float(self.table['f'][k - 1])",
    ),
    "adamax": (
        "σ_k = max(β₂·σ_{k−1}, |g_k| + ε)",
        "",
        "v = state['v']\ntorch.maximum(v * self.beta2, g.abs().add_(self.eps), out=v)\nsigma = v\nf = 1.0",
    ),
    "adadelta": (
        "v_k = ρ·v + (1−ρ)·g², σ_k = sqrt(v_k + ε)/sqrt(Δ_{k−1} + ε), Δ_k = ρ·Δ + (1−ρ)·(m_k/σ_k)²",
        "",
        "v = state['v']\nv.mul_(self.rho).addcmul_(g, g, value=1.0 - self.rho)\n"
        "sigma = (v + self.eps).sqrt_().div_((state['delta'] + self.eps).sqrt_())\nf = 1.0",
    ),
}

GUARDED = {"adagrad-book", "rmsprop-book"}  # no ε: σ = 0 exactly where every gradient so far was 0

PARAM_ATTR = {"lambda": "lam"}  # a Python keyword cannot be an attribute name


# What the written-out update does not reproduce: the rules and switches the engine gained
# beyond the book's optimizers (sign and Rprop steps, factored and orthogonalised steps,
# averaged sequences, a second gradient, and torch's switches).  A run that uses one gets no
# script, with the reason: a script that printed other numbers than the app would be worse
# than none.
PLAIN_SWITCHES = {"maximize": False, "amsgrad": False, "centered": False, "decoupled_weight_decay": False,
                  "initial_accumulator_value": 0.0}


def unwritten(racer) -> str | None:
    """Why `racer`'s update cannot be written out in the script (None: it can)."""
    spec = racer.spec()
    hp = spec.resolve(dict(racer.hparams))
    if spec.scaling == "orthogonal":
        return ("Muon for the weight matrices and kernels with AdamW for the rest (two updates; torch.optim.Muon "
                "takes no convolution kernels)")
    if spec.momentum not in MOMENTUM_CODE or spec.scaling not in SCALING_CODE:
        return f"{spec.label_en} (momentum rule {spec.momentum!r}, scaling rule {spec.scaling!r})"
    for name, plain in PLAIN_SWITCHES.items():
        if name in hp and hp[name] != plain:
            return f"{name}={hp[name]!r}"
    if spec.scaling != "adadelta" and hp.get("rho", 0.0):  # SAM's ρ (AdaDelta's own ρ is another thing)
        return f"SAM's second gradient (rho={hp['rho']!r})"
    if spec.scaling == "rmsprop" and spec.momentum == "none" and hp.get("momentum", 0.0):
        return f"RMSprop's momentum={hp['momentum']!r}"
    return None


def _indent(code: str, n: int) -> str:
    return textwrap.indent(code, " " * n)


def _optimizer_class(cfg: RunConfig) -> str:
    r = cfg.racer
    spec = r.spec()
    hp = spec.resolve(dict(r.hparams))
    mom_doc, mom_table, mom_code = MOMENTUM_CODE[spec.momentum]
    sc_doc, sc_table, sc_code = SCALING_CODE[spec.scaling]
    wd = hp.get("weight_decay", 0.0)
    args = ", ".join(f"{PARAM_ATTR.get(k, k)}={v!r}" for k, v in hp.items())
    assigns = "\n".join(f"self.{PARAM_ATTR.get(k, k)} = {PARAM_ATTR.get(k, k)}" for k in hp)
    label = spec.label_en
    conv = {"pytorch": f"matches torch.optim.{spec.torch_name}", "book": "the book's convention"}.get(
        spec.convention, "built from a momentum rule and a scaling rule")
    lines = ["g = p.grad"]
    if wd and not spec.decoupled:
        lines.append("g = torch.add(g, p, alpha=self.weight_decay)  # L2 term added to the gradient, as torch.optim does")
    lines.append("if not state:\n    state.update(m=torch.zeros_like(p), v=torch.zeros_like(p), delta=torch.zeros_like(p))")
    if spec.decoupled:
        lines.append("base = p * (1.0 - eta_k * self.weight_decay)  # AdamW: decoupled weight decay")
    else:
        lines.append("base = p")
    lines += ["# momentum rule: the direction d (and a factor c on η)", mom_code,
              "# scaling rule: σ (and a factor f on η)", sc_code,
              "eta = 1.0 * f * c  # η is already inside m" if spec.momentum == "book" else "eta = eta_k * f * c"]
    if spec.scaling == "adadelta":
        lines.append("ratio = d / sigma\nu = ratio * c\n"
                     "state['delta'] = (state['delta'] * 1.0).mul_(self.rho).addcmul_(u, u, value=1.0 - self.rho)\n"
                     "torch.add(base, ratio, alpha=-eta, out=p)")
    elif spec.scaling in GUARDED:
        lines.append("ratio = d / sigma\nratio = torch.where(d == 0, torch.zeros_like(ratio), ratio)  # 0/0 where every g was 0\n"
                     "torch.add(base, ratio, alpha=-eta, out=p)")
    elif spec.scaling == "none":
        lines.append("torch.add(base, d, alpha=-eta, out=p)  # θ ← θ − η·d")
    else:
        lines.append("torch.addcdiv(base, d, sigma, value=-eta, out=p)  # θ ← θ − η·d/σ")
    body = _indent("\n".join(lines), 16)
    table = "\n".join(x for x in (mom_table, sc_table) if x)
    table_block = _indent("k = np.arange(1, total_steps + 1, dtype=np.float64)\nt = self.table\n" + table, 8) if table else ""
    return f'''class LabOptimizer(torch.optim.Optimizer):
    """{label}: θ_k = θ_{{k−1}} − (η_k/σ_k)·m_k ({conv}).

    momentum rule: {mom_doc}
    scaling rule:  {sc_doc}
    η_k comes from the schedule's table (`eta_table`) and is applied inside step(); the
    per-step coefficients are computed once, for k = 1 … total_steps."""

    def __init__(self, params, lr, total_steps, {args}):
        super().__init__(params, dict(lr=lr))
{_indent(assigns, 8)}
        self.etas = eta_table(lr, total_steps)
        self.table = {{}}
{table_block}
        self.k = 0  # updates made so far

    @torch.no_grad()
    def step(self):
        self.k += 1
        k = self.k
        eta_k = float(self.etas[k - 1])  # update k uses η_t with t = k − 1
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
{body}
'''


def _schedule_fn(cfg: RunConfig) -> str:
    sched = get_schedule(cfg.racer.schedule)
    sp = sched.resolve(dict(cfg.racer.sched_params))
    return f'''SCHEDULE_PARAMS = {sp!r}


{_sources(sched.fn)}


def eta_table(lr, steps):
    """Learning-rate schedule "{sched.label_en}" ({sched.torch_equivalent}): η_t for t = 0 … steps − 1."""
    t = np.arange(steps, dtype=np.float64)
    return np.asarray({sched.fn.__name__}(t, float(lr), SCHEDULE_PARAMS), dtype=np.float64) * np.ones(steps)
'''


@functools.lru_cache(maxsize=32)  # a page's rerun would read and parse these files each time
def _sources(*objs) -> str:
    return "\n\n\n".join(inspect.getsource(o).rstrip() for o in objs)


HEADER = '''#!/usr/bin/env python
"""Optimizer Lab · training lab: this run as a standalone script (torch + scikit-learn only).

HW3's workflow on scikit-learn's 8×8 digits: data → train_tfm / test_tfm → model →
loss & optimizer → train / evaluate per epoch → predict.  Run it as it is to get the
app's numbers for this run, epoch by epoch:

    python {filename}
{flags_doc}
"""
'''


def script(cfg: RunConfig, filename: str = "train_digits.py") -> str:
    """The standalone script of `cfg` (its argparse defaults are the run's settings).  ValueError
    when its update cannot be written out (`unwritten`)."""
    from .train import ENGINE_LIMITS

    why = unwritten(cfg.racer)
    if why is not None:
        raise ValueError(f"no script for this run: its update uses {why}, which the script does not write out")
    cfg = cfg.checked(limits=ENGINE_LIMITS)
    m = cfg.model
    spec = cfg.racer.spec()
    hp = spec.resolve(dict(cfg.racer.hparams))
    model_src = _sources(models.ConvBlock, models.ResBlock, models.Classifier) if m.kind == "cnn" else _sources(models.MLP)
    if m.kind == "cnn":
        model_line = "model = Classifier(args.width, args.blocks, args.bn, args.residual).to(dtype)"
        model_flags = (f'    parser.add_argument("--width", type=int, default={m.width})\n'
                       f'    parser.add_argument("--blocks", type=int, default={m.blocks})\n')
    else:
        model_line = "model = MLP(args.width, args.depth, args.activation, args.bn, args.residual).to(dtype)"
        model_flags = (f'    parser.add_argument("--width", type=int, default={m.width})\n'
                       f'    parser.add_argument("--depth", type=int, default={m.depth})\n'
                       f'    parser.add_argument("--activation", choices=["relu", "tanh"], default={m.activation!r})\n')
    hp_flags = "".join(
        f'    parser.add_argument("--{k.replace("_", "-")}", dest={PARAM_ATTR.get(k, k)!r}, type=float, default={v!r})\n'
        for k, v in hp.items())
    hp_pass = ", ".join(f"{PARAM_ATTR.get(k, k)}=args.{PARAM_ATTR.get(k, k)}" for k in hp)
    when = (f'    parser.add_argument("--epochs", type=int, default={cfg.epochs})\n'
            '    parser.add_argument("--steps", type=int, default=None, help="number of updates instead of --epochs")\n'
            if cfg.epochs is not None else
            '    parser.add_argument("--epochs", type=int, default=None)\n'
            f'    parser.add_argument("--steps", type=int, default={cfg.steps}, help="number of updates instead of --epochs")\n')
    flags_doc = (f"settings: {spec.label_en}, lr {cfg.racer.resolved_lr():g}, schedule {cfg.racer.schedule}, "
                 f"batch {cfg.batch_size or 'full'}, loss {cfg.loss}, seed {cfg.seed}")
    bn_default = "True" if m.bn else "False"
    def section(title: str) -> str:
        return f"\n\n\n# ---- {title} " + "-" * max(4, 84 - len(title)) + "\n"

    parts = [
        HEADER.format(filename=filename, flags_doc="\n" + textwrap.fill(flags_doc, 88)),
        "\nimport argparse\nimport json\nimport math\n\nimport numpy as np\nimport torch\nimport torch.nn.functional as F\n"
        "from sklearn.datasets import load_digits\nfrom torch import nn\n\n",
        section("1. data: the same seeded, stratified split as the app").lstrip("\n"),
        f"VAL_FRACTION, TEST_FRACTION, N_CLASSES = {data.VAL_FRACTION!r}, {data.TEST_FRACTION!r}, {data.N_CLASSES}\n\n\n",
        _sources(data.split_indices, data.subset),
        section("2. transforms: train_tfm / test_tfm as in HW3, written with plain torch"),
        _sources(transforms.Compose, transforms.Normalize, transforms.RandomAffine),
        section("3. the model"),
        model_src,
        section("4. loss and optimizer"),
        _sources(losses.criterion),
        "\n\n\n" + _schedule_fn(cfg),
        ("\n\n" + _sources(rules.radam_rectifier) + "\n") if spec.scaling == "radam" else "",
        "\n\n" + _optimizer_class(cfg),
        section("5. train and 6. evaluate, one epoch at a time"),
        TRAIN_EVAL,
        MAIN.format(model_flags=model_flags, hp_flags=hp_flags, hp_pass=hp_pass, model_line=model_line, when=when,
                    lr=cfg.racer.resolved_lr(), batch=cfg.batch_size or 0, samples=cfg.samples or 0, loss=cfg.loss,
                    augment=cfg.augment, normalize=cfg.normalize, clip=cfg.clip, seed=cfg.seed,
                    split_seed=cfg.split_seed, dtype=cfg.dtype, bn=bn_default, residual=m.residual),
    ]
    return "".join(parts)


TRAIN_EVAL = '''
LOSS_BOUND, WEIGHT_BOUND = 1e6, 1e8  # a batch loss or a weight beyond these: the run has diverged


def train(model, x, y, batch_size, optimizer, perm, train_tfm, args, limit):
    """One epoch (HW3's loop): forward → loss → zero_grad → backward → clip → step.
    Returns the mean batch loss, the accuracy on the batches, the updates made and whether the
    run diverged (then the epoch is not reported, as in the app)."""
    model.train()
    loss_sum, correct, seen, updates = 0.0, 0, 0, 0
    for j in range(math.ceil(len(y) / batch_size)):
        if updates == limit:
            break
        idx = perm[j * batch_size : (j + 1) * batch_size]
        xb, yb = train_tfm(x[idx]), y[idx]
        logits = model(xb)
        loss = criterion(logits, yb, args.loss)
        value = float(loss.detach())
        if not math.isfinite(value) or value > LOSS_BOUND:
            return None, None, updates, True
        optimizer.zero_grad()
        loss.backward()
        if args.clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=args.clip)
        optimizer.step()
        updates += 1
        loss_sum += value * len(yb)
        correct += int((logits.argmax(-1) == yb).sum())
        seen += len(yb)
    with torch.no_grad():
        ok = all(bool(torch.isfinite(p).all()) and float(p.abs().max()) <= WEIGHT_BOUND for p in model.parameters())
    return loss_sum / seen, correct / seen, updates, not ok


def evaluate(model, x, y, args):
    """Mean loss and accuracy with model.eval() and torch.no_grad() (BN uses its running averages)."""
    model.eval()
    with torch.no_grad():
        logits = model(x)
        return float(criterion(logits, y, args.loss)), int((logits.argmax(-1) == y).sum()) / len(y)

'''

MAIN = '''
def main(argv=None):
    parser = argparse.ArgumentParser(description="HW3's workflow on the 8x8 digits")
{when}    parser.add_argument("--batch-size", type=int, default={batch}, help="0 = full batch")
    parser.add_argument("--samples", type=int, default={samples}, help="0 = the whole training split")
    parser.add_argument("--lr", type=float, default={lr!r})
{hp_flags}{model_flags}    parser.add_argument("--bn", action=argparse.BooleanOptionalAction, default={bn})
    parser.add_argument("--residual", action=argparse.BooleanOptionalAction, default={residual})
    parser.add_argument("--loss", choices=["ce", "mse", "half-mse"], default={loss!r})
    parser.add_argument("--augment", action=argparse.BooleanOptionalAction, default={augment})
    parser.add_argument("--normalize", action=argparse.BooleanOptionalAction, default={normalize})
    parser.add_argument("--clip", type=float, default={clip!r}, help="max_norm of clip_grad_norm_")
    parser.add_argument("--seed", type=int, default={seed})
    parser.add_argument("--split-seed", type=int, default={split_seed})
    parser.add_argument("--dtype", choices=["float32", "float64"], default={dtype!r})
    parser.add_argument("--save", action="store_true", help="save the best checkpoint (by validation accuracy) as HW3 does")
    parser.add_argument("--json", action="store_true", help="print the epochs as JSON (the records of `train --json`)")
    args = parser.parse_args(argv)
    # One intra-op thread, as the app trains: with more, torch splits its sums differently and the
    # round-off — and after a few hundred updates the numbers — differ from the app's.
    torch.set_num_threads(1)
    dtype = getattr(torch, args.dtype)

    digits = load_digits()
    images, labels = digits.images.astype(np.float64) / 16.0, digits.target.astype(np.int64)
    train_ix, val_ix, test_ix = split_indices(labels, args.split_seed)
    x_all = torch.as_tensor(images[train_ix], dtype=torch.float64).unsqueeze(1)
    y_all = torch.as_tensor(labels[train_ix], dtype=torch.long)
    mean, std = float(images[train_ix].mean()), float(images[train_ix].std())  # numpy: the same on any thread count
    x_train, y_train = subset(x_all, y_all, args.samples or None, args.split_seed)
    x_train = x_train.to(dtype)
    x_val = torch.as_tensor(images[val_ix], dtype=dtype).unsqueeze(1)
    y_val = torch.as_tensor(labels[val_ix], dtype=torch.long)

    aug_gen = torch.Generator().manual_seed(args.seed + 1)
    norm = [Normalize(mean, std)] if args.normalize else []
    train_tfm = Compose(([RandomAffine(generator=aug_gen)] if args.augment else []) + norm)
    test_tfm = Compose(norm)
    x_val = test_tfm(x_val)

    torch.manual_seed(args.seed)
    {model_line}
    batch_gen = torch.Generator().manual_seed(args.seed)
    n = len(y_train)
    batch_size = args.batch_size or n
    per_epoch = math.ceil(n / batch_size)
    total = args.steps if args.steps is not None else args.epochs * per_epoch
    optimizer = LabOptimizer(model.parameters(), lr=args.lr, total_steps=total, {hp_pass})
    history, done, best_acc = [], 0, -1.0
    for epoch in range(1, math.ceil(total / per_epoch) + 1):
        perm = torch.randperm(n, generator=batch_gen)
        train_loss, train_acc, made, diverged = train(model, x_train, y_train, batch_size, optimizer, perm, train_tfm,
                                                      args, total - done)
        done += made
        if not diverged:
            val_loss, val_acc = evaluate(model, x_val, y_val, args)
            diverged = not math.isfinite(val_loss) or val_loss > LOSS_BOUND
        if diverged:
            if not args.json:
                print(f"diverged in epoch {{epoch}} (update {{max(done, 1)}})")
            break
        history.append(dict(epoch=epoch, updates=done, train_loss=train_loss, train_acc=train_acc,
                            val_loss=val_loss, val_acc=val_acc))
        if val_acc > best_acc:  # HW3 keeps the best checkpoint by validation accuracy
            best_acc = val_acc
            if args.save:
                torch.save(model.state_dict(), "best_model.ckpt")
        if not args.json:
            print(f"epoch {{epoch:3d}}  updates {{done:5d}}  train loss {{train_loss:.4f}}  acc {{train_acc:.3f}}  "
                  f"| val loss {{val_loss:.4f}}  acc {{val_acc:.3f}}")
    if args.json:
        print(json.dumps(history))
    return history


if __name__ == "__main__":
    main()
'''

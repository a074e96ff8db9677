"""§3.7 calculations: z-scores, the feature-scaling surfaces, and a batch-normalization sandbox.

Pure numpy (no Streamlit, no plotly).  The batch-norm layer here follows
`torch.nn.BatchNorm1d` exactly (a test compares them):

* train mode normalizes with the batch's own mean and BIASED variance (1/B),
  with ε added inside the square root: z̃ = (z − μ) / sqrt(σ² + ε);
* after each training batch the running statistics move towards the batch's:
  running ← (1 − momentum)·running + momentum·batch, where the variance fed in
  is the UNBIASED one (1/(B − 1)).  In the book's notation μ̄ ← p·μ̄ + (1 − p)·μ
  this is p = 1 − momentum: PyTorch's default momentum = 0.1 means p = 0.9;
* eval mode uses the running statistics instead of the batch's.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ui.common.numbers import tex

TORCH_EPS = 1e-5
N_FEATURES = 3
# The distribution the sandbox draws pre-activations from: three features on different scales.
TRUE_MEAN = np.array([4.0, -2.0, 0.5])
TRUE_STD = np.array([2.0, 0.5, 1.0])
BATCH_MIN, BATCH_MAX = 2, 256  # torch refuses B = 1 in train mode (no variance to estimate)


def zscore(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise z-scores with the population σ (1/N): (x̃, mean, σ)."""
    x = np.asarray(x, dtype=np.float64)
    m = x.mean(axis=0)
    s = x.std(axis=0)  # ddof = 0, the book's σ
    return (x - m) / s, m, s


def batch_stats(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and biased (1/B) variance of a batch (B, F) per feature."""
    z = np.asarray(z, dtype=np.float64)
    mu = z.mean(axis=0)
    return mu, ((z - mu) ** 2).mean(axis=0)


def unbiased(var: np.ndarray, batch_size: int) -> np.ndarray:
    """The 1/(B − 1) variance from the 1/B one."""
    return var * batch_size / (batch_size - 1)


def normalize(z: np.ndarray, mu: np.ndarray, var: np.ndarray, eps: float = TORCH_EPS) -> np.ndarray:
    return (np.asarray(z, dtype=np.float64) - mu) / np.sqrt(var + eps)


def affine(z_tilde: np.ndarray, gamma, beta) -> np.ndarray:
    """ẑ = γ ⊙ z̃ + β."""
    return z_tilde * np.asarray(gamma, dtype=np.float64) + np.asarray(beta, dtype=np.float64)


def make_batches(n_batches: int, batch_size: int, seed: int, mean=TRUE_MEAN, std=TRUE_STD) -> np.ndarray:
    """(n_batches, B, F) pre-activations drawn from N(mean, std²) per feature, reproducible by seed."""
    if not BATCH_MIN <= batch_size <= BATCH_MAX:
        raise ValueError(f"batch size must be in [{BATCH_MIN}, {BATCH_MAX}], got {batch_size}")
    if n_batches < 1:
        raise ValueError("need at least one batch")
    rng = np.random.default_rng(int(seed))
    mean, std = np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
    return mean + std * rng.standard_normal((n_batches, batch_size, len(mean)))


@dataclass
class BNRun:
    """A BatchNorm1d layer trained on `batches`, then evaluated on the last one."""

    batches: np.ndarray  # (n, B, F)
    mu: np.ndarray  # (n, F) batch means
    var: np.ndarray  # (n, F) biased batch variances (what train mode divides by)
    running_mean: np.ndarray  # (n + 1, F); row 0 is the initial 0
    running_var: np.ndarray  # (n + 1, F); row 0 is the initial 1 (unbiased estimates)
    z_tilde: np.ndarray  # (B, F) last batch normalized with its own statistics
    out_train: np.ndarray  # (B, F) γ ⊙ z̃ + β in train mode
    z_tilde_eval: np.ndarray  # (B, F) last batch normalized with the running statistics
    out_eval: np.ndarray  # (B, F) eval-mode output
    momentum: float
    eps: float

    @property
    def p(self) -> float:
        """The book's p in μ̄ ← p·μ̄ + (1 − p)·μ."""
        return 1.0 - self.momentum

    @property
    def last(self) -> np.ndarray:
        return self.batches[-1]

    @property
    def sd(self) -> np.ndarray:
        """(n, F) batch standard deviations (biased, what train mode divides by)."""
        return np.sqrt(self.var)

    @property
    def running_sd(self) -> np.ndarray:
        """(n + 1, F) square roots of the running variance."""
        return np.sqrt(self.running_var)


def simulate(batches: np.ndarray, gamma, beta, momentum: float = 0.1, eps: float = TORCH_EPS) -> BNRun:
    """Train-mode passes over every batch (updating the running statistics), then
    train- and eval-mode outputs for the last batch, as torch.nn.BatchNorm1d computes them."""
    batches = np.asarray(batches, dtype=np.float64)
    if batches.ndim != 3 or batches.shape[1] < 2:
        raise ValueError("batches must be (n, B ≥ 2, F)")
    if not 0.0 <= momentum <= 1.0:
        raise ValueError("momentum must be in [0, 1]")
    n, b, f = batches.shape
    run_mean = np.zeros((n + 1, f))
    run_var = np.ones((n + 1, f))
    mus = np.empty((n, f))
    vars_ = np.empty((n, f))
    for i, z in enumerate(batches):
        mu, var = batch_stats(z)
        mus[i], vars_[i] = mu, var
        run_mean[i + 1] = (1.0 - momentum) * run_mean[i] + momentum * mu
        run_var[i + 1] = (1.0 - momentum) * run_var[i] + momentum * unbiased(var, b)
    z = batches[-1]
    zt = normalize(z, mus[-1], vars_[-1], eps)
    zte = normalize(z, run_mean[-1], run_var[-1], eps)
    return BNRun(batches, mus, vars_, run_mean, run_var, zt, affine(zt, gamma, beta), zte, affine(zte, gamma, beta),
                 float(momentum), float(eps))


def expected_mean_spread(batch_size: int) -> np.ndarray:
    """σ/√B per feature: how much the mean of B draws varies from batch to batch."""
    return TRUE_STD / np.sqrt(batch_size)


def batch_mean_spread(mus: np.ndarray) -> np.ndarray:
    """Standard deviation (over batches) of the batch means, per feature."""
    return np.asarray(mus).std(axis=0)


# -- feature scaling ------------------------------------------------------------------------------
START_BOX_AT_LEAST = 3.0  # the start inputs reach at least ±3 on both axes, whatever the data's box


def start_box(box) -> tuple[float, float, float, float]:
    """The range of the start inputs: the raw surface's box, grown to at least ±3."""
    x0, x1, y0, y1 = box
    a = START_BOX_AT_LEAST
    return (min(x0, -a), max(x1, a), min(y0, -a), max(y1, a))


def spectrum(problem) -> tuple[np.ndarray, np.ndarray]:
    """(H, its eigenvalues ascending) of a quadratic loss."""
    import torch

    h = problem.hessian_matrix()
    return h.numpy(), torch.linalg.eigvalsh(h).numpy()


def matrix_entry(x: float, scale: float) -> str:
    """A matrix entry, with round-off dust (|x| < 10⁻⁹ of the largest entry) shown as 0."""
    return "0" if abs(x) < 1e-9 * scale else tex(x)

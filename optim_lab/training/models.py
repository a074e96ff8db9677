"""HW3's `Classifier`, scaled to 8 × 8 digits, and a fully connected alternative.

HW3's CNN is 5 blocks of Conv2d(3×3, padding 1) → BatchNorm2d → ReLU → MaxPool2d(2)
(3 → 64 → 128 → 256 → 512 → 512 channels on 128 × 128 photos) followed by fully
connected layers.  Here a block keeps exactly that shape; channels start at `width` and
double per block, and since each block halves an 8 × 8 image, at most 3 blocks fit.
`residual=True` turns each block into a basic residual block (HW3's report question 2):
two 3×3 convolutions whose output is added to the block's input (a 1×1 convolution
matches the channels), then ReLU and pooling.  `bn=False` drops every BatchNorm layer;
since BN layers draw no random numbers at initialisation, a model with and one without
BN start from the same convolution and linear weights for the same seed.

The module classes import nothing of this package: `codegen` copies their source into
the standalone script of a run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
from torch import nn

from surfaces.spec import Param

KINDS = ("cnn", "mlp")
ACTIVATIONS = ("relu", "tanh")
WIDTH = Param("width", 16, 4, 16, integer=True, label_en="width (channels of the first block)", label_zh="宽度（第一块的通道数）")
BLOCKS = Param("blocks", 2, 1, 3, integer=True, label_en="convolution blocks", label_zh="卷积块数")
MLP_WIDTH = Param("width", 64, 8, 256, integer=True, label_en="width (units per hidden layer)", label_zh="宽度（每个隐藏层的神经元数）")
DEPTH = Param("depth", 2, 1, 4, integer=True, label_en="hidden layers", label_zh="隐藏层数")
N_CLASSES = 10
SIDE = 8


def activation(name: str) -> nn.Module:
    return nn.Tanh() if name == "tanh" else nn.ReLU()


class ConvBlock(nn.Module):
    """Conv2d(3×3, padding 1) → BatchNorm2d → ReLU → MaxPool2d(2), as in HW3."""

    def __init__(self, c_in: int, c_out: int, bn: bool = True):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.bn = nn.BatchNorm2d(c_out) if bn else nn.Identity()
        self.act = nn.ReLU()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        return self.pool(self.act(self.bn(self.conv(x))))


class ResBlock(nn.Module):
    """Basic residual block: ReLU(BN(conv2(ReLU(BN(conv1 x)))) + shortcut x) → MaxPool2d(2)."""

    def __init__(self, c_in: int, c_out: int, bn: bool = True):
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.bn1 = nn.BatchNorm2d(c_out) if bn else nn.Identity()
        self.act1 = nn.ReLU()
        self.conv2 = nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.bn2 = nn.BatchNorm2d(c_out) if bn else nn.Identity()
        self.shortcut = nn.Conv2d(c_in, c_out, 1, 1, 0) if c_in != c_out else nn.Identity()
        self.act2 = nn.ReLU()
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        y = self.bn2(self.conv2(self.act1(self.bn1(self.conv1(x)))))
        return self.pool(self.act2(y + self.shortcut(x)))


class Classifier(nn.Module):
    """HW3's CNN pattern: `blocks` blocks (channels width, 2·width, 4·width), then
    Flatten → Linear → ReLU → Linear(…, 10)."""

    def __init__(self, width: int = 16, blocks: int = 2, bn: bool = True, residual: bool = False,
                 side: int = 8, n_classes: int = 10):
        super().__init__()
        block = ResBlock if residual else ConvBlock
        chans = [1] + [width * 2**i for i in range(blocks)]
        self.cnn = nn.Sequential(*[block(chans[i], chans[i + 1], bn) for i in range(blocks)])
        flat = chans[-1] * (side // 2**blocks) ** 2
        hidden = 4 * width
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(flat, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def forward(self, x):
        return self.fc(self.cnn(x))


class MLP(nn.Module):
    """Flatten → `depth` × [Linear → BatchNorm1d → activation] → Linear(…, 10).
    `residual=True` adds each hidden layer's input to its output (from the second on,
    where the widths match)."""

    def __init__(self, width: int = 64, depth: int = 2, activation: str = "relu", bn: bool = True,
                 residual: bool = False, side: int = 8, n_classes: int = 10):
        super().__init__()
        self.flatten = nn.Flatten()
        self.residual = residual
        sizes = [side * side] + [width] * depth
        self.hidden = nn.ModuleList()
        for i in range(depth):
            act = nn.Tanh() if activation == "tanh" else nn.ReLU()
            norm = nn.BatchNorm1d(width) if bn else nn.Identity()
            self.hidden.append(nn.Sequential(nn.Linear(sizes[i], width), norm, act))
        self.out = nn.Linear(width, n_classes)

    def forward(self, x):
        x = self.flatten(x)
        for i, layer in enumerate(self.hidden):
            x = x + layer(x) if (self.residual and i > 0) else layer(x)
        return self.out(x)


@dataclass(frozen=True)
class ModelConfig:
    """What network to build.  `width` is the first block's channels (cnn) or the units
    per hidden layer (mlp); `blocks` counts cnn blocks, `depth` mlp hidden layers;
    `activation` applies to the mlp (HW3's CNN uses ReLU).  `width=None` takes the kind's default."""

    kind: str = "cnn"
    width: int | None = None
    blocks: int = 2
    depth: int = 2
    activation: str = "relu"
    bn: bool = True
    residual: bool = False

    def checked(self) -> ModelConfig:
        """The same config with its width filled in, or ValueError naming the bad field."""
        if self.kind not in KINDS:
            raise ValueError(f"model: unknown kind {self.kind!r} (choose from: {', '.join(KINDS)})")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation: unknown {self.activation!r} (choose from: {', '.join(ACTIVATIONS)})")
        wspec = WIDTH if self.kind == "cnn" else MLP_WIDTH
        width = int(wspec.check(wspec.default if self.width is None else self.width, ""))
        blocks, depth = int(BLOCKS.check(self.blocks, "")), int(DEPTH.check(self.depth, ""))
        return replace(self, width=width, blocks=blocks, depth=depth, bn=bool(self.bn), residual=bool(self.residual))


def build_model(cfg: ModelConfig, seed: int = 0, dtype: torch.dtype = torch.float64) -> nn.Module:
    """The network of `cfg` with PyTorch's default initialisation drawn after
    torch.manual_seed(seed) (the global generator is restored afterwards)."""
    cfg = cfg.checked()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        if cfg.kind == "cnn":
            model = Classifier(cfg.width, cfg.blocks, cfg.bn, cfg.residual, SIDE, N_CLASSES)
        else:
            model = MLP(cfg.width, cfg.depth, cfg.activation, cfg.bn, cfg.residual, SIDE, N_CLASSES)
    return model.to(dtype)


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def layer_table(model: nn.Module, input_shape=(1, SIDE, SIDE)) -> list[dict]:
    """One row per leaf layer in the order the forward pass runs them: name (the module
    path), type, output shape (without the batch axis) and its own parameter count."""
    rows: list[dict] = []
    hooks = []
    for name, mod in model.named_modules():
        if list(mod.children()) or isinstance(mod, nn.Identity):
            continue

        def hook(m, inp, out, name=name):
            rows.append({"name": name, "type": type(m).__name__, "output_shape": tuple(out.shape[1:]),
                         "params": sum(p.numel() for p in m.parameters())})

        hooks.append(mod.register_forward_hook(hook))
    was_training = model.training
    model.eval()  # BN with running statistics: one dummy image is enough
    try:
        dtype = next(model.parameters()).dtype
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), dtype=dtype))
    finally:
        for h in hooks:
            h.remove()
        model.train(was_training)
    return rows

"""§3.5 playground."""

EN = {
    "pg_intro": "Every optimizer of the chapter is one update with three choices: the **momentum rule** builds m_t from the gradients, the **scaling rule** builds σ_t, and the **schedule** gives η_t. Race them from the same start, with the same step budget and the same batches.",
    "live_equation": "The update at the selected step, with its numbers",
    "pg_how_it_works": "Which m, σ and convention each optimizer uses",
    "pg_how_text": "PyTorch-convention entries match `torch.optim` to float64 round-off (tested). The book's conventions are entries of their own: book AdaGrad divides by the root *mean* square of all gradients (no ε), book RMSProp starts with σ₀ = |g₀|, and the book's momentum keeps η inside the movement m.",
    "col_convention": "convention",
    "book_convention": "the book (LeeDL)",
    "preset_pg_classics": "Four classics on Rosenbrock",
    "preset_pg_himmelblau": "From Himmelblau's hilltop: which minimum?",
    "note_pg_himmelblau": "All four start on the local maximum (−0.27, −0.92). GD and momentum follow the gradient down to the minimum (3.58, −1.85); Adam and AdaGrad, whose first steps are about η in both coordinates whatever the slope, leave diagonally and end in the minimum (3, 2). Same start, same budget, two different minima.",
    "preset_pg_build": "Build your own: Nesterov × AdaGrad + warm-up",
    "preset_pg_conventions": "Book vs PyTorch: RMSProp and AdaGrad",
    # predict, then run (QUESTIONS in presets.py)
    "qz_pg_q": "Book RMSProp and PyTorch's RMSProp (α = 0.99) get the same η = 0.02. Which takes the larger first step?",
    "qz_pg_a": "neither: both move each parameter by η",
    "qz_pg_b": "the book's, by a factor of 10",
    "qz_pg_c": "PyTorch's, by a factor of 10",
    "qz_pg_d": "PyTorch's, by a factor of √2",
    "qz_pg_why": "The book starts from σ₀ = |g₀|, so the first step is η; PyTorch starts from v₀ = 0, so σ₁ = √(1 − α)·|g₁| and the first step is η/√(1 − α) = 10·η.",
}

ZH = {
    "pg_intro": "本章所有优化器都是同一个更新式的三种选择：**动量规则**用梯度构造 m_t，**缩放规则**构造 σ_t，**调度**给出 η_t。让它们从同一起点出发，步数相同、批量相同，比一比。",
    "live_equation": "选定步的更新式（代入数值）",
    "pg_how_it_works": "每个优化器用的 m、σ 和约定",
    "pg_how_text": "PyTorch 约定的条目与 `torch.optim` 在 float64 舍入误差内一致（有测试）。书中约定单独列出：书中的 AdaGrad 除以所有梯度的均方根（没有 ε），书中的 RMSProp 以 σ₀ = |g₀| 开始，书中的动量把 η 放在移动量 m 里面。",
    "col_convention": "约定",
    "book_convention": "书中约定（《深度学习详解》）",
    "preset_pg_classics": "Rosenbrock 上的四个经典优化器",
    "preset_pg_himmelblau": "从 Himmelblau 函数的山顶出发：走向哪个极小值？",
    "note_pg_himmelblau": "四个优化器都从局部极大值 (−0.27, −0.92) 出发。梯度下降和动量顺着梯度走到极小值 (3.58, −1.85)；Adam 和 AdaGrad 不管坡度多大，最初几步在两个坐标上都走约 η，于是沿对角线离开，停在极小值 (3, 2)。同样的起点、同样的步数，却到了两个不同的极小值。",
    "preset_pg_build": "自己组装：Nesterov × AdaGrad + 预热",
    "preset_pg_conventions": "书中约定 vs PyTorch：RMSProp 与 AdaGrad",
    # predict, then run (QUESTIONS in presets.py)
    "qz_pg_q": "书中的 RMSProp 和 PyTorch 的 RMSProp（α = 0.99）用同样的 η = 0.02。哪一个的第一步更大？",
    "qz_pg_a": "一样大：都让每个参数移动 η",
    "qz_pg_b": "书中的，大 10 倍",
    "qz_pg_c": "PyTorch 的，大 10 倍",
    "qz_pg_d": "PyTorch 的，大 √2 倍",
    "qz_pg_why": "书中从 σ₀ = |g₀| 开始，所以第一步是 η；PyTorch 从 v₀ = 0 开始，σ₁ = √(1 − α)·|g₁|，第一步是 η/√(1 − α) = 10·η。",
}

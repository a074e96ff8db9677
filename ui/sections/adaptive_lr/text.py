"""§3.3 adaptive learning rate."""

EN = {
    "al_intro": (
        "The course's linear-regression demo makes a long, narrow, **convex** valley: the Hessian's eigenvalues differ by a "
        "factor of about 3·10⁵. Plain gradient descent has one η for both directions. An η close to 2/λ_max bounces across "
        "the steep walls; a small η is stable but **crawls** along the flat floor and never reaches the minimum in the step "
        "budget. Either way the loss stops falling **while the gradient is not small**: there is no critical point, the "
        "learning rate is the problem. Adaptive methods give every parameter its own step η/σ."
    ),
    "al_each_coordinate": "for every parameter i",
    "al_book": "book",
    "al_adam_source": "the paper / PyTorch, with bias correction",
    "al_book_vs_torch_title": "The book's formulas vs PyTorch's (what differs, and why it matters)",
    "al_book_vs_torch": (
        "- **AdaGrad.** The book divides by the root *mean* square of all gradients so far (the current one included, no ε), "
        "so σ₀ = |g₀| and the first step is exactly ±η. `torch.optim.Adagrad` divides by the root of the *sum* "
        "(+ ε = 1e−10). Since √(Σ g²) = √(t+1)·RMS, PyTorch's AdaGrad **is** the book's with the decay η_t = η/√(t+1) — "
        "the toggle “+ η/√(t+1)” runs exactly that.\n"
        "- **RMSProp.** The book starts from σ₀ = |g₀|; PyTorch starts from v₀ = 0 with α = 0.99, so its first step is "
        "η/√(1−α) = 10·η (then it settles). The book gives no α; this page uses PyTorch's 0.99. With a small α "
        "(say 0.9) σ follows |g| almost step by step, so η·g/σ ≈ ±η: on the valley floor the run hops by about η every "
        "step and never settles unless η decays.\n"
        "- **Adam.** The book only says “RMSProp + momentum”; the formula above is the paper's and PyTorch's, with bias "
        "correction (β₁ = 0.9, β₂ = 0.999, ε = 1e−8). Without the correction the first step would be about 3.16·η instead of η.\n"
        "- **Why the book's AdaGrad bursts.** On the valley floor the gradient across the valley becomes tiny. The book's σ is "
        "a *mean*, so it shrinks with it, η/σ grows until it passes 2/λ_max across the valley, and the run shoots up the wall; "
        "the large gradients there raise σ again and it settles back. PyTorch's σ is a growing sum (equivalently η decays), so "
        "η/σ never grows back: no burst."
    ),
    "al_gd_group": "Gradient descent (η in units of 2/λ_max)",
    "al_run_gd": "Run GD",
    "al_eta_u": "GD: η in units of 2/λ_max",
    "al_eta_u_help": "GD diverges along the steepest direction once η > 2/λ_max (units > 1).",
    "al_run_gd2": "Run a second GD",
    "al_eta_u2": "second GD: η in units of 2/λ_max",
    "al_gd_lr": "GD: η = {u:.2f} × 2/λ_max = {lr:.4g};  second GD: η = {u2:.2f} × 2/λ_max = {lr2:.4g}",
    "al_run_agb": "AdaGrad (book)",
    "al_lr_agb": "AdaGrad (book): η",
    "al_run_agd": "AdaGrad (book) + η/√(t+1), same η",
    "al_run_agd_help": "The same run with the decay η_t = η/√(t+1): this is exactly PyTorch's Adagrad.",
    "al_run_agt": "AdaGrad (PyTorch)",
    "al_lr_agt": "AdaGrad (PyTorch): η",
    "al_run_rmb": "RMSProp (book)",
    "al_lr_rmb": "RMSProp (book): η",
    "al_alpha_book": "RMSProp (book): α",
    "al_run_rmt": "RMSProp (PyTorch)",
    "al_lr_rmt": "RMSProp (PyTorch): η",
    "al_alpha_torch": "RMSProp (PyTorch): α",
    "al_run_adam": "Adam",
    "al_lr_adam": "Adam: η",
    "al_condition": "condition number λ_max/λ_min",
    "al_units_note": "λ from the Hessian of the loss. GD is stable only for η < 2/λ_max; along the flat direction it then moves by at most a fraction 2·λ_min/λ_max of the remaining distance per step. (The book prints η = 10⁻² for this demo; with its data that diverges on the first step, so the app gives η in units of 2/λ_max.)",
    "al_pick_one": "Switch on at least one optimizer in the sidebar.",
    "al_name_gd": "GD η={u:.2f}·2/λmax",
    "al_live_label": "Drag GD's η (units of 2/λ_max): the path and the curves follow at once",
    "al_live_readout": "η = {lr} · η·λ_max = {prod} (diverges past 2) · {state}",
    "al_live_diverged": "💥 diverged at step {k}",
    "al_live_final": "final loss {loss}",
    "al_name_gd2": "GD η={u:.2f}·2/λmax",
    "al_name_agb": "AdaGrad (book)",
    "al_name_agd": "AdaGrad (book) + η/√(t+1)",
    "al_name_agt": "AdaGrad (PyTorch)",
    "al_name_rmb": "RMSProp (book)",
    "al_name_rmt": "RMSProp (PyTorch)",
    "al_name_adam": "Adam",
    "al_view_grown": "Some runs leave the usual view, so the view is enlarged to show them whole.",
    "al_selected_step": "Selected step k (table and markers)",
    "al_at_step": "Step {k}: each parameter's own step size",
    "al_table_note": "η_t/σ_t is the step size of that parameter at this step. GD uses one η for both.",
    "al_lg_who": "Loss and ‖g‖ of",
    "al_lg_all": "all runs",
    "al_lg_title": "Loss (solid, left) and ‖g‖ (dotted, right)",
    "al_axis_loss": "loss L",
    "al_axis_grad": "‖g‖",
    "al_lg_note": "When the loss curve flattens out while the dotted ‖g‖ stays far above zero, training is not at a critical point: the learning rate does not fit the surface.",
    "al_coord_title": "Per-parameter step sizes over the steps",
    "al_panel_eff": "effective step η_t/σ_t (log)",
    "al_panel_sigma": "σ_t (log)",
    "al_panel_theta": "parameter {y} over the steps",
    "al_panel_step": "|Δ{y}| per step (log)",
    "al_coord_note": "Dotted: parameter {x}; solid: parameter {y}. For GD σ = 1 and the step is η for both. A sudden spike of η_t/σ_t, then of |Δ{y}|, is AdaGrad's late burst.",
    "preset_al_oscillate": "GD at 0.95·2/λ_max bounces",
    "preset_al_crawl": "GD at 0.05·2/λ_max crawls",
    "preset_al_burst": "AdaGrad's late burst; decay calms it, slowly",
    "preset_al_conventions": "Book vs PyTorch: first steps",
    "al_note_oscillate": "GD jumps from wall to wall (w alternates above and below the valley floor); once the bouncing dies down it sits on the floor near b = −120: the loss stays at about 1.15·10⁵ while ‖g‖ stays at about 380, far from zero.",
    "al_note_crawl": "After 1000 steps small-η GD has moved b by less than 0.01 (still at −120, the minimum is at −188.4). Adam, with its own step for each parameter, reaches the minimum.",
    "al_note_burst": "Book AdaGrad goes down to the floor and travels along it, then near step 720 it suddenly shoots up the valley wall (|Δw| ≈ 8, thousands of times its median step) and falls back. The same AdaGrad with η/√(t+1) — PyTorch's AdaGrad — never leaves the floor, but decay costs speed: after 1000 steps it is still near b = −119, while the bursting run got to b ≈ −177 (the minimum is at −188.4). Decay removes the burst; it does not make AdaGrad fast here.",
    "al_note_conventions": "Compare the first steps in the table (step 1): book AdaGrad and book RMSProp move each parameter by exactly η; PyTorch's RMSProp by 10·η; Adam by η. Later the σ curves show the mean (book AdaGrad) against the sum (PyTorch AdaGrad).",
    # predict, then run (QUESTIONS in presets.py)
    "qz_al_q": "Gradient descent with η = 0.95 × 2/λ_max on the course's long valley: what do the loss and ‖g‖ do over 300 steps?",
    "qz_al_a": "both fall towards 0: it reaches the minimum",
    "qz_al_b": "it diverges on the first steps",
    "qz_al_c": "the loss stops falling while ‖g‖ stays large",
    "qz_al_d": "the loss keeps falling steadily, just slowly",
    "qz_al_why": "η is as large as the steep direction allows, which is thousands of times too small for the flat direction: the run bounces across the valley, then sits on its floor, far from the minimum, with ‖g‖ ≈ 380 along the floor.",
}

ZH = {
    "al_intro": (
        "课程中的线性回归示例形成一个狭长的**凸**山谷：海森矩阵的两个特征值相差约 3·10⁵ 倍。普通梯度下降在两个方向上只有一个 η。"
        "η 接近 2/λ_max 时，它在陡峭的山壁之间来回震荡；η 小时虽然稳定，却在平坦的谷底**缓慢爬行**，在给定步数内到不了极小值。"
        "两种情况下，损失都不再下降，**而梯度并不小**：这里没有临界点，问题出在学习率。自适应学习率为每个参数提供各自的步长 η/σ。"
    ),
    "al_each_coordinate": "对每个参数 i",
    "al_book": "书中约定",
    "al_adam_source": "原论文 / PyTorch，带偏差校正",
    "al_book_vs_torch_title": "书中公式与 PyTorch 的区别（有何不同、为何重要）",
    "al_book_vs_torch": (
        "- **AdaGrad。** 书中除以到目前为止所有梯度的均方根（包含当前梯度，没有 ε），所以 σ₀ = |g₀|，第一步恰好是 ±η。"
        "`torch.optim.Adagrad` 除以平方和的平方根（+ ε = 1e−10）。因为 √(Σ g²) = √(t+1)·均方根，PyTorch 的 AdaGrad **就是**"
        "书中 AdaGrad 加上衰减 η_t = η/√(t+1)——开关“+ η/√(t+1)”运行的正是它。\n"
        "- **RMSProp。** 书中从 σ₀ = |g₀| 开始；PyTorch 从 v₀ = 0 开始且 α = 0.99，所以第一步是 η/√(1−α) = 10·η（之后才稳定下来）。"
        "书中没有给出 α，本页采用 PyTorch 的 0.99。α 较小（例如 0.9）时，σ 几乎每一步都跟着 |g| 变，于是 η·g/σ ≈ ±η："
        "在谷底每一步都跳动约 η，除非 η 衰减，否则停不下来。\n"
        "- **Adam。** 书中只说“RMSProp + 动量”；上面的公式来自原论文和 PyTorch，带偏差校正（β₁ = 0.9、β₂ = 0.999、ε = 1e−8）。"
        "没有偏差校正，第一步约为 3.16·η 而不是 η。\n"
        "- **书中 AdaGrad 为什么会“爆发”。** 到了谷底，横跨山谷方向的梯度变得很小。书中的 σ 是*平均值*，会跟着变小，"
        "η/σ 随之变大，直到超过横跨山谷方向的 2/λ_max，于是轨迹冲上山壁；那里的大梯度又让 σ 变大，轨迹随后回落。"
        "PyTorch 的 σ 是不断增长的累加和（等价于 η 在衰减），η/σ 不会重新变大，因此没有爆发。"
    ),
    "al_gd_group": "梯度下降（η 以 2/λ_max 为单位）",
    "al_run_gd": "运行梯度下降",
    "al_eta_u": "梯度下降：η（以 2/λ_max 为单位）",
    "al_eta_u_help": "η > 2/λ_max（超过 1 个单位）时，梯度下降会沿最陡的方向发散。",
    "al_run_gd2": "再运行一个梯度下降",
    "al_eta_u2": "第二个梯度下降：η（以 2/λ_max 为单位）",
    "al_gd_lr": "梯度下降：η = {u:.2f} × 2/λ_max = {lr:.4g}；第二个梯度下降：η = {u2:.2f} × 2/λ_max = {lr2:.4g}",
    "al_run_agb": "AdaGrad（书中约定）",
    "al_lr_agb": "AdaGrad（书中约定）：η",
    "al_run_agd": "AdaGrad（书中约定）+ η/√(t+1)，η 相同",
    "al_run_agd_help": "同样的 AdaGrad 加上衰减 η_t = η/√(t+1)：这正是 PyTorch 的 Adagrad。",
    "al_run_agt": "AdaGrad（PyTorch）",
    "al_lr_agt": "AdaGrad（PyTorch）：η",
    "al_run_rmb": "RMSProp（书中约定）",
    "al_lr_rmb": "RMSProp（书中约定）：η",
    "al_alpha_book": "RMSProp（书中约定）：α",
    "al_run_rmt": "RMSProp（PyTorch）",
    "al_lr_rmt": "RMSProp（PyTorch）：η",
    "al_alpha_torch": "RMSProp（PyTorch）：α",
    "al_run_adam": "Adam",
    "al_lr_adam": "Adam：η",
    "al_condition": "条件数 λ_max/λ_min",
    "al_units_note": "λ 来自损失的海森矩阵。只有 η < 2/λ_max 时梯度下降才稳定；此时在平坦方向上，每一步最多只能走完剩余距离的 2·λ_min/λ_max。（书中这个示例印的是 η = 10⁻²；用这组数据第一步就会发散，所以本应用以 2/λ_max 为单位给出 η。）",
    "al_pick_one": "请在侧边栏至少打开一个优化器。",
    "al_name_gd": "梯度下降 η={u:.2f}·2/λmax",
    "al_live_label": "拖动梯度下降的 η（以 2/λ_max 为单位）：路径和曲线立即跟着变",
    "al_live_readout": "η = {lr} · η·λ_max = {prod}（超过 2 就发散）· {state}",
    "al_live_diverged": "💥 在第 {k} 步发散",
    "al_live_final": "最终损失 {loss}",
    "al_name_gd2": "梯度下降 η={u:.2f}·2/λmax",
    "al_name_agb": "AdaGrad（书中约定）",
    "al_name_agd": "AdaGrad（书中约定）+ η/√(t+1)",
    "al_name_agt": "AdaGrad（PyTorch）",
    "al_name_rmb": "RMSProp（书中约定）",
    "al_name_rmt": "RMSProp（PyTorch）",
    "al_name_adam": "Adam",
    "al_view_grown": "有的轨迹走出了通常的视野，因此视野已放大，以便完整显示。",
    "al_selected_step": "选定的第 k 步（表格与标记）",
    "al_at_step": "第 {k} 步：每个参数各自的步长",
    "al_table_note": "η_t/σ_t 是该参数在这一步的步长。梯度下降对两个参数使用同一个 η。",
    "al_lg_who": "显示哪条轨迹的损失和 ‖g‖",
    "al_lg_all": "全部轨迹",
    "al_lg_title": "损失（实线，左轴）与 ‖g‖（点线，右轴）",
    "al_axis_loss": "损失 L",
    "al_axis_grad": "‖g‖",
    "al_lg_note": "损失曲线变平而点线 ‖g‖ 仍远大于零时，训练并没有停在临界点：是学习率与误差表面不匹配。",
    "al_coord_title": "每个参数的步长随步数的变化",
    "al_panel_eff": "有效步长 η_t/σ_t（对数）",
    "al_panel_sigma": "σ_t（对数）",
    "al_panel_theta": "参数 {y} 随步数的变化",
    "al_panel_step": "每步的 |Δ{y}|（对数）",
    "al_coord_note": "点线：参数 {x}；实线：参数 {y}。梯度下降的 σ = 1，两个参数的步长都是 η。η_t/σ_t 突然跳高、随后 |Δ{y}| 跳高，就是 AdaGrad 后期的爆发。",
    "preset_al_oscillate": "梯度下降 0.95·2/λ_max：来回震荡",
    "preset_al_crawl": "梯度下降 0.05·2/λ_max：缓慢爬行",
    "preset_al_burst": "AdaGrad 后期的爆发；衰减能消除它，但更慢",
    "preset_al_conventions": "书中约定 vs PyTorch：第一步",
    "al_note_oscillate": "梯度下降在两侧山壁之间来回跳（w 在谷底上下交替）；震荡平息后停在 b = −120 附近的谷底：损失停在约 1.15·10⁵，而 ‖g‖ 保持在约 380，远不为零。",
    "al_note_crawl": "1000 步之后，小学习率的梯度下降只让 b 移动了不到 0.01（仍在 −120，极小值在 −188.4）。Adam 为每个参数提供各自的步长，到达了极小值。",
    "al_note_burst": "书中的 AdaGrad 先下到谷底、沿谷底前进，然后在第 720 步左右突然冲上山壁（|Δw| ≈ 8，是其步长中位数的数千倍），再落回来。同样的 AdaGrad 加上 η/√(t+1)（即 PyTorch 的 AdaGrad）始终不离开谷底，但衰减让它变慢了：1000 步后它还在 b = −119 附近，而爆发的那条轨迹已到 b ≈ −177（极小值在 −188.4）。衰减消除了爆发，却没有让 AdaGrad 在这里变快。",
    "al_note_conventions": "看表格中的第一步（第 1 步）：书中的 AdaGrad 和 RMSProp 让每个参数恰好移动 η；PyTorch 的 RMSProp 移动 10·η；Adam 移动 η。之后的 σ 曲线展示了平均（书中 AdaGrad）与累加（PyTorch AdaGrad）的区别。",
    # predict, then run (QUESTIONS in presets.py)
    "qz_al_q": "在课程的狭长山谷上，用 η = 0.95 × 2/λ_max 的梯度下降：300 步内损失和 ‖g‖ 会怎样？",
    "qz_al_a": "都降到接近 0：到达了极小值",
    "qz_al_b": "最初几步就发散了",
    "qz_al_c": "损失不再下降，而 ‖g‖ 仍然很大",
    "qz_al_d": "损失一直稳定下降，只是比较慢",
    "qz_al_why": "这个 η 已经是陡峭方向所能允许的最大值，对平坦方向却小了几千倍：轨迹先在山谷两侧来回震荡，然后停在谷底，离极小值很远，沿谷底方向的梯度仍有约 380。",
}

"""Strings of the charts' own notes and the step-by-step buttons (shared by every page)."""

EN = {
    "axes_not_to_scale": "axes not to scale",
    "zero_floor": "▼ = 0 (drawn at the floor of the log axis)",
    "zero_grad_floor": "▼ ‖g‖ = 0 (drawn at the floor of the log axis)",
    "intro_fold": "Explanation and formulas",
    "step_prev": "◀ previous update",
    "step_next": "next update ▶",
    "step_prev_help": "Show the update before the selected one",
    "step_next_help": "Show the update after the selected one",
}

ZH = {
    "axes_not_to_scale": "两轴比例不同",
    "zero_floor": "▼ = 0（画在对数轴的底部）",
    "zero_grad_floor": "▼ ‖g‖ = 0（画在对数轴的底部）",
    "intro_fold": "讲解与公式",
    "step_prev": "◀ 上一次更新",
    "step_next": "下一次更新 ▶",
    "step_prev_help": "显示所选更新的前一次",
    "step_next_help": "显示所选更新的后一次",
}

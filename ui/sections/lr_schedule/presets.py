from ui.common.presets import Preset
from ui.common.quiz import Question

PRESETS = [
    Preset("lr-schedule", "adam-warmup", "ls_p_warmup",
           {"surface": "rosenbrock", "x0": "-1.5", "y0": "2.5", "steps": "300", "opt": "adam", "lr": "0.5",
            "sch": "warmup-cosine", "sp_warmup": "50", "sp_t_max": "300", "sp_eta_min": "0", "k": "1"},
           home=True, note="ls_n_warmup"),
    Preset("lr-schedule", "noam", "ls_p_noam",
           {"surface": "rosenbrock", "x0": "-1.5", "y0": "2.5", "steps": "300", "opt": "adam", "lr": "0.5",
            "sch": "noam", "sp_d_model": "64", "sp_warmup": "25", "sp_factor": "40", "k": "25"},
           note="ls_n_noam"),
    Preset("lr-schedule", "adagrad-decay", "ls_p_adagrad",
           {"surface": "long-valley", "steps": "1000", "opt": "adagrad-book", "lr": "2", "sch": "inverse-time", "k": "165"},
           note="ls_n_adagrad"),
    Preset("lr-schedule", "radam", "ls_p_radam",
           {"surface": "textbook-saddle", "x0": "0.5", "y0": "0.5", "steps": "100", "opt": "adam", "lr": "1",
            "sch": "constant", "radam": "1", "k": "6"},
           note="ls_n_radam"),
]

# predict, then run: the preset shows the answer (checked on the engine's numbers in tests/ui/sections/lr_schedule/)
QUESTIONS = [
    Question("lr-schedule", "adam-warmup", "qz_ls_q", ("qz_ls_a", "qz_ls_b", "qz_ls_c", "qz_ls_d"), 1, "qz_ls_why", "adam-warmup"),
]

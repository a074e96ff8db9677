from ui.common.presets import Preset
from ui.common.quiz import Question

PRESETS = [
    Preset("playground", "classics", "preset_pg_classics",
           {"surface": "rosenbrock", "steps": "500", "n": "4", "x0": "-1.5", "y0": "2.5",
            "o1": "sgd", "o1_lr": "0.001", "o2": "momentum", "o2_lr": "0.001", "o3": "rmsprop", "o3_lr": "0.01",
            "o4": "adam", "o4_lr": "0.05"}, home=True),
    Preset("playground", "himmelblau", "preset_pg_himmelblau",
           {"surface": "himmelblau", "steps": "200", "n": "4", "x0": "-0.27", "y0": "-0.92",
            "o1": "sgd", "o1_lr": "0.01", "o2": "momentum", "o2_lr": "0.01", "o3": "adam", "o3_lr": "0.2",
            "o4": "adagrad", "o4_lr": "0.5"}, note="note_pg_himmelblau"),
    Preset("playground", "build", "preset_pg_build",
           {"surface": "beale", "steps": "400", "n": "2", "x0": "-3", "y0": "-3",
            "o1": "custom", "o1_m": "nesterov", "o1_s": "adagrad", "o1_lr": "0.5", "o1_sch": "warmup-cosine",
            "o1_sp_warmup": "30", "o1_sp_t_max": "400", "o2": "adam", "o2_lr": "0.05"}),
    Preset("playground", "conventions", "preset_pg_conventions",
           {"surface": "quadratic", "s_cond": "20", "s_angle": "30", "steps": "100", "n": "4", "x0": "-1.5", "y0": "1.2",
            "o1": "rmsprop", "o1_lr": "0.02", "o2": "rmsprop-book", "o2_lr": "0.02",
            "o3": "adagrad", "o3_lr": "0.3", "o4": "adagrad-book", "o4_lr": "0.3"}),
]

# predict, then run: the preset shows the answer (checked on the engine's numbers in tests/ui/sections/playground/)
QUESTIONS = [
    Question("playground", "conventions", "qz_pg_q", ("qz_pg_a", "qz_pg_b", "qz_pg_c", "qz_pg_d"), 2, "qz_pg_why", "conventions"),
]

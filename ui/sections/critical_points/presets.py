from ui.common.presets import Preset
from ui.common.quiz import Question

_SADDLE = {"surface": "textbook-saddle", "x0": "-0.5", "y0": "0.5", "steps": "150", "o1": "sgd", "o1_lr": "0.05"}

PRESETS = [
    Preset("critical-points", "gd-stops", "preset_cp_stops", dict(_SADDLE), home=True, note="note_cp_stops"),
    Preset("critical-points", "escape", "preset_cp_escape", dict(_SADDLE, esc="1"), home=True, note="note_cp_escape"),
    Preset("critical-points", "valley", "preset_cp_valley",
           {"surface": "textbook-saddle", "x0": "0.3", "y0": "0.3", "steps": "150", "o1": "sgd", "o1_lr": "0.05"},
           note="note_cp_valley"),
    Preset("critical-points", "monkey", "preset_cp_monkey",
           {"surface": "monkey-saddle", "x0": "0.6", "y0": "0.05", "steps": "60", "o1": "sgd", "o1_lr": "0.02",
            "inspect": "point", "ix": "0", "iy": "0"}, note="note_cp_monkey"),
]

# predict, then run: the preset shows the answer (checked on the engine's numbers in tests/ui/sections/critical_points/)
QUESTIONS = [
    Question("critical-points", "gd-stops", "qz_cp_q", ("qz_cp_a", "qz_cp_b", "qz_cp_c", "qz_cp_d"), 1, "qz_cp_why", "gd-stops"),
]

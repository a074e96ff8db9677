from ui.common.presets import Preset
from ui.common.quiz import Question

# each preset's note states numbers of the engine: tests/ui/sections/beyond_adam/ holds them
PRESETS = [
    Preset("beyond-adam", "lion", "ba_p_lion", {"part": "lion", "lr_lion": "1", "steps_lion": "300"}, note="ba_n_lion"),
    Preset("beyond-adam", "sam", "ba_p_sam",
           {"part": "sam", "slr": "0.1", "rho": "0.1", "sbatch": "full", "act": "relu", "ssteps": "300"}, home=True,
           note="ba_n_sam"),
    Preset("beyond-adam", "schedule-free", "ba_p_sf", {"part": "sf", "lr_sf": "1", "steps_sf": "300"}, note="ba_n_sf"),
    Preset("beyond-adam", "wsd", "ba_p_wsd", {"part": "wsd", "lr_wsd": "1", "steps_wsd": "300"}, note="ba_n_wsd"),
    Preset("beyond-adam", "muon", "ba_p_muon", {"part": "muon", "lr_muon": "0.05", "steps_muon": "100"}, note="ba_n_muon"),
]

# predict, then run: the right answer on the engine's numbers in tests/ui/sections/beyond_adam/test_beyond_adam_quiz.py
QUESTIONS = [
    Question("beyond-adam", "lion-step", "qz_ba_q", ("qz_ba_a", "qz_ba_b", "qz_ba_c", "qz_ba_d"), 2, "qz_ba_why", "lion"),
]

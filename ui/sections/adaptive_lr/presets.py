from ui.common.presets import Preset
from ui.common.quiz import Question

_OFF = {"gd": "0", "agb": "0", "rmb": "0", "adam": "0"}

PRESETS = [
    Preset("adaptive-lr", "gd-oscillates", "preset_al_oscillate",
           _OFF | {"surface": "long-valley", "gd": "1", "eta_u": "0.95", "steps": "300", "k": "3", "lg": "gd"},
           home=True, note="al_note_oscillate"),
    Preset("adaptive-lr", "gd-crawls", "preset_al_crawl",
           _OFF | {"surface": "long-valley", "gd": "1", "eta_u": "0.05", "adam": "1", "lr_adam": "5", "steps": "1000",
                   "k": "500"},
           note="al_note_crawl"),
    Preset("adaptive-lr", "adagrad-burst", "preset_al_burst",
           _OFF | {"surface": "long-valley", "agb": "1", "lr_agb": "1", "agd": "1", "steps": "1000", "k": "720"},
           home=True, note="al_note_burst"),
    Preset("adaptive-lr", "conventions", "preset_al_conventions",
           _OFF | {"surface": "long-valley", "agb": "1", "agt": "1", "rmb": "1", "rmt": "1", "adam": "1", "steps": "300",
                   "k": "1"},
           note="al_note_conventions"),
]

# predict, then run: the preset shows the answer (checked on the engine's numbers in tests/ui/sections/adaptive_lr/)
QUESTIONS = [
    Question("adaptive-lr", "gd-oscillates", "qz_al_q", ("qz_al_a", "qz_al_b", "qz_al_c", "qz_al_d"), 2, "qz_al_why", "gd-oscillates"),
]

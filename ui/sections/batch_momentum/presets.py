from ui.common.presets import Preset
from ui.common.quiz import Question

_ROLL = {"part": "momentum", "surface": "six-hump-camel", "x0": "-1.84", "y0": "-0.6", "steps": "300",
         "m_lr": "0.04", "lam": "0.85"}

PRESETS = [
    Preset("batch-momentum", "batches", "preset_bm_batches",
           {"part": "batches", "surface": "linreg", "steps": "200", "lr": "0.1", "bs": "8", "k": "150"},
           home=True, note="bm_note_batches"),
    Preset("batch-momentum", "epochs", "preset_bm_epochs",
           {"part": "batches", "surface": "linreg", "steps": "400", "lr": "0.1", "bs": "8", "xby": "epochs", "k": "40"},
           note="bm_note_epochs"),
    Preset("batch-momentum", "batch-surface", "preset_bm_surface",
           {"part": "batches", "surface": "linreg", "steps": "200", "lr": "0.1", "bs": "8", "who": "one", "k": "121"},
           note="bm_note_surface"),
    Preset("batch-momentum", "momentum-rolls", "preset_bm_rolls", _ROLL | {"k": "3"}, home=True, note="bm_note_rolls"),
    Preset("batch-momentum", "book-vs-torch", "preset_bm_book_torch",
           _ROLL | {"m_pt": "1", "m_gd": "0", "m_sch": "step", "m_sp_step_size": "10", "m_sp_gamma": "0.5", "k": "14"},
           note="bm_note_book_torch"),
]

# predict, then run: the preset shows the answer (checked on the engine's numbers in tests/ui/sections/batch_momentum/)
QUESTIONS = [
    Question("batch-momentum", "momentum-rolls", "qz_bm_q", ("qz_bm_a", "qz_bm_b", "qz_bm_c", "qz_bm_d"), 1, "qz_bm_why", "momentum-rolls"),
]

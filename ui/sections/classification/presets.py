from ui.common.presets import Preset
from ui.common.quiz import Question

_BOOK_START = {"x0": "-6.5", "y0": "5.7", "steps": "200"}

PRESETS = [
    Preset("classification", "book", "cl_p_book",
           _BOOK_START | {"n": "2", "o1": "sgd", "o1_lr": "1", "o2": "adam", "o2_lr": "0.5"}, home=True, note="cl_n_book"),
    Preset("classification", "gd-only", "cl_p_gd", _BOOK_START | {"n": "1", "o1": "sgd", "o1_lr": "1"}, note="cl_n_gd"),
    Preset("classification", "centre", "cl_p_centre",
           {"x0": "0", "y0": "0", "steps": "200", "n": "1", "o1": "sgd", "o1_lr": "1"}, note="cl_n_centre"),
    Preset("classification", "gap", "cl_p_gap", {"logits": "10, 2, 0"}, note="cl_n_gap"),
]

# predict, then run: the preset shows the answer (checked on the engine's numbers in tests/ui/sections/classification/)
QUESTIONS = [
    Question("classification", "gd-only", "qz_cl_q", ("qz_cl_a", "qz_cl_b", "qz_cl_c", "qz_cl_d"), 1, "qz_cl_why", "gd-only"),
]

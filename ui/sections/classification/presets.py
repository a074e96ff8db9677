from ui.common.presets import Preset

_BOOK_START = {"x0": "-6.5", "y0": "5.7", "steps": "200"}

PRESETS = [
    Preset("classification", "book", "cl_p_book",
           _BOOK_START | {"n": "2", "o1": "sgd", "o1_lr": "1", "o2": "adam", "o2_lr": "0.5"}, home=True, note="cl_n_book"),
    Preset("classification", "gd-only", "cl_p_gd", _BOOK_START | {"n": "1", "o1": "sgd", "o1_lr": "1"}, note="cl_n_gd"),
    Preset("classification", "centre", "cl_p_centre",
           {"x0": "0", "y0": "0", "steps": "200", "n": "1", "o1": "sgd", "o1_lr": "1"}, note="cl_n_centre"),
    Preset("classification", "gap", "cl_p_gap", {"logits": "10, 2, 0"}, note="cl_n_gap"),
]

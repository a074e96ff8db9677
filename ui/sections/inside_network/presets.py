from ui.common.presets import Preset

PRESETS = [
    Preset("inside-network", "eos", "preset_in_eos", {"view": "eos"}, home=True, note="note_in_eos"),
    Preset("inside-network", "eos-adam", "preset_in_eos_adam", {"view": "eos", "eos_opt": "adam", "lr1": "0.002", "lr2": "0.0005"},
           note="note_in_eos_adam"),
    Preset("inside-network", "sharp-flat", "preset_in_sharp", {"view": "sharp"}, note="note_in_sharp"),
    Preset("inside-network", "minimum-ratio", "preset_in_ratio", {"view": "ratio"}, note="note_in_ratio"),
    Preset("inside-network", "cnn-surface", "preset_in_surface",
           {"view": "net", "kind": "cnn", "o1": "adam", "o1_lr": "0.003", "bs": "64", "steps": "200"}, note="note_in_surface"),
]

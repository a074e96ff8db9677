from ui.common.presets import Preset

GLOBAL = {"map": "basins", "surface": "six-hump-camel", "grid": "96", "steps": "300", "two": "1",
          "o1": "sgd", "o1_lr": "0.02", "o2": "momentum", "o2_lr": "0.02", "o2_h_momentum": "0.9"}
STABILITY = {"map": "sweep", "surface": "quadratic", "s_cond": "10", "steps": "200", "sgrid": "96", "x0": "-2.5", "y0": "1.5",
             "o1": "momentum", "sx": "lr", "sy": "momentum", "sx_lo_lr": "0.02", "sx_hi_lr": "1", "sy_lo_momentum": "0",
             "sy_hi_momentum": "0.9"}
FRACTAL = {"map": "fractal", "zi0": "1", "zi1": "1.1", "zo0": "0.85", "zo1": "0.95", "fgrid": "128", "fsteps": "100"}

PRESETS = [
    Preset("maps", "momentum-global", "preset_mp_global", GLOBAL, note="note_mp_global"),
    Preset("maps", "stability", "preset_mp_stability", STABILITY, note="note_mp_stability"),
    Preset("maps", "fractal-zoom", "preset_mp_fractal", FRACTAL, note="note_mp_fractal"),
]

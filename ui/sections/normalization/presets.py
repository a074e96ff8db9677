from ui.common.presets import Preset
from ui.common.quiz import Question

BATCH_NORM = {"small-batch", "large-batch", "few-batches"}  # presets about batch norm, not feature scaling
_CALM = {"eta": "9e-05"}  # … with the feature-scaling runs below the raw limit: no divergence warning to distract

PRESETS = [
    Preset("normalization", "same-eta", "nm_p_same_eta",
           {"s_scale1": "1", "s_scale2": "100", "std": "1", "eta": "0.1", "steps": "100", "x0": "-2.5", "y0": "2.5"},
           home=True, note="nm_n_same_eta"),
    Preset("normalization", "raw-limit", "nm_p_raw_limit",
           {"s_scale1": "1", "s_scale2": "100", "std": "1", "eta": "9e-05", "steps": "300", "x0": "-2.5", "y0": "2.5"},
           note="nm_n_raw_limit"),
    Preset("normalization", "small-batch", "nm_p_small_batch", _CALM | {"bn_bs": "2", "bn_n": "100", "bn_mom": "0.1"},
           note="nm_n_small_batch"),
    Preset("normalization", "large-batch", "nm_p_large_batch", _CALM | {"bn_bs": "128", "bn_n": "100", "bn_mom": "0.1"},
           note="nm_n_large_batch"),
    Preset("normalization", "few-batches", "nm_p_few", _CALM | {"bn_bs": "8", "bn_n": "3", "bn_mom": "0.1"}, note="nm_n_few"),
]

# predict, then run: the preset shows the answer (checked on the engine's numbers in tests/ui/sections/normalization/)
QUESTIONS = [
    Question("normalization", "same-eta", "qz_nm_q", ("qz_nm_a", "qz_nm_b", "qz_nm_c", "qz_nm_d"), 1, "qz_nm_why", "same-eta"),
]

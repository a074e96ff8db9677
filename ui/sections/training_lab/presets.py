"""The training lab's presets: the engine's presets (`optim_lab.training.presets`, whose
claims the tests check on the numbers) written as the page's URL queries."""

from optim_lab.training.presets import PRESETS as ENGINE_PRESETS
from ui.common.presets import Preset
from ui.sections.training_lab.calc import preset_params

PAGE = "training-lab"

PRESETS = [
    Preset(PAGE, p.name, f"preset_tl_{p.name}", preset_params(p), home=p.name == "optimizers", note=f"note_tl_{p.name}")
    for p in ENGINE_PRESETS
]

"""/training-lab — HW3's CNN workflow, trained live (ui/sections/training_lab)."""
from ui.sections.training_lab.page import render
from ui.shell import serve

serve("training-lab", render)

"""/adaptive-lr — §3.3 adaptive learning rate (ui/sections/adaptive_lr)."""
from ui.sections.adaptive_lr.page import render
from ui.shell import serve

serve("adaptive-lr", render)

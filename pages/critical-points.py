"""/critical-points — §3.1 critical points and saddles (ui/sections/critical_points)."""
from ui.sections.critical_points.page import render
from ui.shell import serve

serve("critical-points", render)

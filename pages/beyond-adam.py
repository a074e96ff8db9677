"""/beyond-adam — beyond Adam: Lion, SAM, schedule-free, WSD, Muon (ui/sections/beyond_adam)."""
from ui.sections.beyond_adam.page import render
from ui.shell import serve

serve("beyond-adam", render)

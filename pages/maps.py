"""/maps — basins of attraction and hyper-parameter sweeps (ui/sections/maps)."""
from ui.sections.maps.page import render
from ui.shell import serve

serve("maps", render)

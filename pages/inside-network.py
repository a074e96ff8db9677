"""/inside-network — §3.1–3.3 on real networks (ui/sections/inside_network)."""
from ui.sections.inside_network.page import render
from ui.shell import serve

serve("inside-network", render)

"""/normalization — §3.7 normalization (ui/sections/normalization)."""
from ui.sections.normalization.page import render
from ui.shell import serve

serve("normalization", render)

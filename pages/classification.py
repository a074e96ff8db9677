"""/classification — §3.6 classification (ui/sections/classification)."""
from ui.sections.classification.page import render
from ui.shell import serve

serve("classification", render)

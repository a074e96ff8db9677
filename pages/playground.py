"""/playground — §3.5 optimizer playground (ui/sections/playground)."""
from ui.sections.playground.page import render
from ui.shell import serve

serve("playground", render)

"""/batch-momentum — §3.2 batch size and momentum (ui/sections/batch_momentum)."""
from ui.sections.batch_momentum.page import render
from ui.shell import serve

serve("batch-momentum", render)

"""/lr-schedule — §3.4 learning-rate scheduling (ui/sections/lr_schedule)."""
from ui.sections.lr_schedule.page import render
from ui.shell import serve

serve("lr-schedule", render)

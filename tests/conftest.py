"""Every test runs torch on one intra-op thread, as the app does (`ui.shell.page_setup`, the
training lab's trainings, the maps): tiny networks and small batched steps are faster so, the
numbers are the app's, and a 2-core machine shared by a server and a browser is not oversubscribed."""

from __future__ import annotations

import os

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# AppTest never fires a fragment's `run_every`: pages under test compute their jobs inline
# (`optim_lab.jobs`); the tests of the asynchronous path unset it for themselves, and the browser
# tests' servers never inherit it.
os.environ["OPTIM_LAB_JOBS"] = "inline"
# … and their short work (a race, a chart's JSON, a live control's data) in the script run, not in
# helper processes (`optim_lab.jobs.Helpers`); the helpers' own tests unset it, and so do the
# browser tests' servers
os.environ["OPTIM_LAB_HELPERS"] = "inline"

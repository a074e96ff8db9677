"""Every test runs torch on one intra-op thread, as the app does (`ui.shell.page_setup`, the
training lab's trainings, the maps): tiny networks and small batched steps are faster so, the
numbers are the app's, and a 2-core machine shared by a server and a browser is not oversubscribed."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

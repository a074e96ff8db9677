"""The maps' tests run their many tiny batched steps on one intra-op thread, as the app does
(`ui.shell.page_setup`): on a busy 2-core machine two threads spend most of a small op waiting."""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

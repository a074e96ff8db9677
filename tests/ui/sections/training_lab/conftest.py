"""One intra-op thread, as the app runs its trainings (and the generated script by default):
tiny networks train faster so, the numbers are those of the app, and two cores shared by
several test processes are not oversubscribed."""

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)

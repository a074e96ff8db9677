"""A test server on which the class is held up for ever: no catch-up run of a follower ever
gets its turn (`room.Traffic` with no turn, waits of `HELD_S`).  Started as
`python -m tests.classroom.held_server run app.py …` by `test_click_while_waiting` (the
browser tests' `StreamlitServer` with this launcher)."""

from __future__ import annotations

import sys

HELD_S = 600.0  # far beyond any test's timeout: a run that waits this long fails the test


def main() -> None:
    from streamlit.web import cli

    from ui.classroom import room

    room.FOLLOW_WAIT_S = HELD_S
    room._TRAFFIC = room.Traffic(0)  # noqa: SLF001 — the process's traffic, with no turn to give
    sys.argv = ["streamlit", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    main()

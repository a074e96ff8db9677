"""Store fixtures: the same tests run against the in-process store and against a real Redis.

The Redis server is Debian's `redis-server`, started per test module on 127.0.0.1 on a free
port without persistence, and stopped by its own process handle.  Missing → those tests are
skipped with that reason, except under CI=true, where they fail (CI must run them)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest

from ui.classroom import store as cs

MISSING_REDIS = "redis-server not installed: apt-get install redis-server"


class FakeClock:
    def __init__(self, start: float = 1_000_000.0):
        self.now = start

    def __call__(self) -> float:
        return self.now


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    exe = "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else shutil.which("redis-server")
    if exe is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(MISSING_REDIS, pytrace=False)
        pytest.skip(MISSING_REDIS)
    import redis

    port = _free_port()
    proc = subprocess.Popen([exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url)
        for _ in range(100):  # bounded wait until it answers
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if proc.poll() is not None:
                    pytest.fail(f"redis-server exited with code {proc.returncode}", pytrace=False)
                time.sleep(0.05)
        else:
            pytest.fail("redis-server did not answer within 5 s", pytrace=False)
        client.close()
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


@pytest.fixture
def make_redis_store(redis_url):
    """make_redis_store(clock=None) → a fresh, empty Redis store (what only Redis does)."""
    import redis

    client = redis.Redis.from_url(redis_url, decode_responses=True)
    client.flushdb()
    made = []
    yield lambda clock=None: made.append(cs.RedisStore(client=client, clock=clock or time.time)) or made[-1]
    for store in made:
        store.mirror.close()
    client.flushdb()
    client.close()


@pytest.fixture(params=["memory", "redis"])
def make_store(request):
    """make_store(clock=None) → a fresh, empty store of either kind."""
    if request.param == "memory":
        return lambda clock=None: cs.MemoryStore(clock or time.monotonic)
    return request.getfixturevalue("make_redis_store")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="module")
def server_ws(tmp_path_factory) -> Iterator[str]:
    """The app on a real server of this test module's own (`streamlit run`, 127.0.0.1, a free
    port), as the websocket URL a browser connects to; stopped by its own process handle."""
    from tests.browser.conftest import StreamlitServer

    server = StreamlitServer(tmp_path_factory.mktemp("server") / "server.log")
    try:
        yield server.start().replace("http://", "ws://") + "/_stcore/stream"
    finally:
        server.stop()

"""A redis-server of the test's own on a loopback port, to kill, pause and restart (never the shared one):
the `own_redis` fixture (a pytest plugin of tests/conftest.py)."""
import os
import shutil
import signal
import socket
import subprocess
import time

import pytest

PORT = int(os.environ.get("RISKCASE_TEST_OWN_REDIS_PORT", "6390"))


class OwnRedis:
    def __init__(self, port, workdir):
        self.port = port
        self.workdir = workdir
        self.url = f"redis://127.0.0.1:{port}/0"
        self.process = None

    def _answers(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                s.settimeout(0.5)
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(100):
            if self._answers():
                return
            time.sleep(0.05)
        pytest.fail(f"own redis-server on port {self.port} did not start")

    def kill(self):
        """SIGKILL: connections refused from now on, and the data is gone."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def pause(self):
        """SIGSTOP: connections hang (the worst case for a client without timeouts); the data stays."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self):
        self.process.send_signal(signal.SIGCONT)

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()


@pytest.fixture
def own_redis(tmp_path, settings):
    """A fresh redis-server on RISKCASE_TEST_OWN_REDIS_PORT (6390) that REDIS_URL points to for the test."""
    if not shutil.which("redis-server"):
        from tests.conftest import _service_missing

        _service_missing("redis-server is not installed")
    server = OwnRedis(PORT, tmp_path)
    server.start()
    settings.REDIS_URL = server.url
    try:
        yield server
    finally:
        server.stop()

"""Helpers for the deployment tests: a port nothing listens on, and manage.py in a clean subprocess."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def closed_port():
    """A loopback port that was free a moment ago: connecting to it is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def manage(tmp_path):
    """manage(*args, env={...}) -> CompletedProcess of `python manage.py args` with only the given
    settings environment (none of the developer's DEBUG, SECRET_KEY, ... leak in)."""

    def _run(*args, env):
        base = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
        base.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "RISKCASE_VAR_DIR": str(tmp_path)})
        base.update(env)
        return subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO, env=base, capture_output=True, text=True, timeout=120,
        )

    return _run

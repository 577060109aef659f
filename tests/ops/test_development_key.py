"""The public development SECRET_KEY is never used quietly (issue 16, item 15): `make serve` refuses it,
and any other process that starts with it (outside the tests and the demo) warns loudly on stderr."""
import os
import secrets
import subprocess

from .conftest import REPO


def test_a_process_with_the_development_key_warns_loudly(manage):
    result = manage("check", env={})
    assert result.returncode == 0
    assert "PUBLIC development SECRET_KEY" in result.stderr


def test_the_demo_and_tests_may_silence_the_warning_explicitly(manage):
    result = manage("check", env={"RISKCASE_ALLOW_DEV_SECRET": "1"})
    assert result.returncode == 0
    assert "PUBLIC development SECRET_KEY" not in result.stderr


def test_a_real_key_starts_quietly(manage):
    result = manage("check", env={"SECRET_KEY": secrets.token_urlsafe(64)})
    assert result.returncode == 0
    assert "development SECRET_KEY" not in result.stderr


def test_serving_refuses_the_development_key_even_when_set_by_hand(manage):
    for env in ({"RISKCASE_SERVE": "1"}, {"RISKCASE_SERVE": "1", "SECRET_KEY": "riskcase-development-only-not-secret"}):
        result = manage("check", env=env)
        assert result.returncode != 0
        assert "make serve refuses the public development SECRET_KEY" in result.stderr


def test_make_serve_stops_before_starting_anything_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR"}}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "RISKCASE_VAR_DIR": str(tmp_path)})
    # -o: use the virtualenv as it is (never rebuild it from this test).
    result = subprocess.run(["make", "-o", ".venv/.installed-stamp", "serve"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "make serve refuses the public development SECRET_KEY" in result.stdout + result.stderr
    assert "honcho" not in result.stdout.split("refuses")[-1]

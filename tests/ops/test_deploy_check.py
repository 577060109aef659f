"""`manage.py check --deploy` passes with the production settings, and production refuses to start
without a SECRET_KEY or ALLOWED_HOSTS."""
import secrets

PRODUCTION = {"RISKCASE_PRODUCTION": "1", "ALLOWED_HOSTS": "example.com",
              "RISKCASE_SITE_URL": "https://merchant.example.com"}


def test_check_deploy_passes_with_the_production_settings(manage):
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env={**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(64)})

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_warns_with_the_development_settings(manage):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env={})

    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W009" in result.stderr


def test_production_refuses_to_start_without_a_secret_key(manage):
    result = manage("check", env=PRODUCTION)

    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts(manage):
    result = manage("check", env={"RISKCASE_PRODUCTION": "1", "SECRET_KEY": secrets.token_urlsafe(64)})

    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set in production" in result.stderr


def test_production_refuses_to_start_with_debug_on(manage):
    result = manage("check", env={**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(64), "DEBUG": "1"})

    assert result.returncode != 0
    assert "DEBUG must be off in production" in result.stderr


def test_check_deploy_refuses_notification_links_that_no_merchant_can_open(manage):
    for site in (None, "http://merchant.example.com", "https://127.0.0.1:8000", "https://localhost"):
        env = {**PRODUCTION, "SECRET_KEY": secrets.token_urlsafe(64)}
        if site is None:
            env.pop("RISKCASE_SITE_URL")
        else:
            env["RISKCASE_SITE_URL"] = site
        result = manage("check", "--deploy", "--fail-level", "WARNING", env=env)

        assert result.returncode != 0, site
        assert "riskcase.W002" in result.stderr and "RISKCASE_SITE_URL" in result.stderr

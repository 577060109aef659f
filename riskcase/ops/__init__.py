"""Running RiskCase for real: the health check, request ids, JSON log lines and the gunicorn config."""

"""Log lines are one JSON object each, carrying the request id of the request or the id of the task."""
import io
import json
import logging

import pytest

from riskcase.celery import app
from riskcase.ops.logs import ContextFilter, JsonFormatter


@pytest.fixture
def log_lines():
    """Capture what the configured console handler writes (its formatter and filters, our stream)."""
    console = next(h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter))
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(console.formatter)
    for f in console.filters:
        handler.addFilter(f)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)


@pytest.mark.django_db
def test_a_log_line_written_during_a_request_is_json_with_its_request_id(client, log_lines):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-logs-1")

    lines = [line for line in log_lines() if line["logger"] == "django.request"]
    assert lines, "Django logs a 404 on django.request"
    assert lines[0]["request_id"] == "req-logs-1"
    assert lines[0]["level"] == "WARNING"
    assert "/no-such-page/" in lines[0]["message"]


def test_a_log_line_outside_a_request_has_no_request_id(log_lines):
    logging.getLogger("riskcase.test").warning("plain %s", "message", extra={"merchant_id": "m-1"})

    (line,) = [line for line in log_lines() if line["logger"] == "riskcase.test"]
    assert line["message"] == "plain message"
    assert line["merchant_id"] == "m-1"
    assert "request_id" not in line
    assert line["time"].endswith("+00:00")


def test_a_traceback_stays_on_one_line(log_lines):
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        logging.getLogger("riskcase.test").exception("failed")

    (line,) = log_lines()
    assert "ValueError: boom" in line["exc_info"]


def test_a_log_line_written_in_a_celery_task_carries_the_task_id(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(ContextFilter())
    logger = logging.getLogger("riskcase.test.task")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)

    @app.task(name="tests.ops.log_something")
    def log_something():
        logger.info("inside the task")

    try:
        result = log_something.apply(task_id="task-42")
    finally:
        logger.removeHandler(handler)

    assert result.successful()
    (line,) = [json.loads(x) for x in stream.getvalue().splitlines()]
    assert line["task_id"] == "task-42"
    assert line["task_name"] == "tests.ops.log_something"


@pytest.mark.django_db
def test_the_request_id_is_forgotten_when_the_request_is_over(client, log_lines):
    client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-over")
    logging.getLogger("riskcase.test").warning("after the request")

    (line,) = [line for line in log_lines() if line["logger"] == "riskcase.test"]
    assert "request_id" not in line

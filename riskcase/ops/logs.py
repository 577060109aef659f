"""Structured logs: one JSON object a line, with the request id of the HTTP request or the id of the
Celery task that was running when the record was made."""
import json
import logging
from datetime import UTC, datetime

import orjson

from .requestid import current_request_id

# Attributes every LogRecord has: anything else on a record came from `extra=` and is logged as a field.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime", "taskName"}
_CONTEXT = ("request_id", "task_id", "task_name")


def _current_task():
    # The same lookup Celery's own TaskFormatter uses; None outside a task.
    from celery._state import get_current_task

    return get_current_task()


class ContextFilter(logging.Filter):
    """Stamps request_id, task_id and task_name on a record (None when not in a request or task)."""

    def filter(self, record):
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        if getattr(record, "task_id", None) is None:
            task = _current_task()
            request = getattr(task, "request", None) if task else None
            record.task_id = getattr(request, "id", None)
            record.task_name = getattr(task, "name", None) if record.task_id else None
        return True


class JsonFormatter(logging.Formatter):
    """time (UTC, ISO 8601), level, logger, message, the context ids that are set, any `extra=`
    fields, and the traceback as one string; never more than one line."""

    def format(self, record):
        data = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in _CONTEXT:
            value = getattr(record, key, None)
            if value is None and key == "request_id":
                value = current_request_id()
            if value is not None:
                data[key] = value
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _CONTEXT and not key.startswith("_") and key not in data:
                data[key] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            data["stack_info"] = self.formatStack(record.stack_info)
        return dumps(data)


def dumps(data):
    """A dict as one line of JSON; what JSON cannot hold (a request object, a huge int) becomes its str()."""
    try:
        return orjson.dumps(data, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(data, default=str, ensure_ascii=False)

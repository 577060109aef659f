"""Queue a reaction task after the transaction commits: once per transaction, never blocking, never failing.

A command's transaction may append many events; the reaction drains them all, so one message per task and
transaction is enough (Django keeps the on-commit list per transaction, and it is cleared on rollback).
Publishing must not make a committed command look failed or slow when the broker (Redis) is down: the
message is sent without Kombu's publish retries and without subscribing to a result, with short socket
timeouts (CELERY_BROKER_TRANSPORT_OPTIONS: about 1 s with Redis refusing, 2 s with Redis hanging), and a
failure is logged and opens the Redis breaker, so the process does not wait again for its seconds. Beat runs every such task on a
schedule as the safety net, so the reaction still happens once the broker is back.
"""
import logging

from django.db import transaction

from . import redisguard

logger = logging.getLogger(__name__)


def _publish(task):
    if redisguard.is_open():
        logger.warning("Redis is down: %s not queued; beat's schedule will run it", task.name)
        return
    try:
        task.apply_async(retry=False, ignore_result=True)
    except Exception as exc:  # the command committed; the schedule catches up
        logger.warning("could not queue %s (%s); beat's schedule will run it", task.name, type(exc).__name__)
        redisguard.trip()  # the next reactions in this process do not wait on the broker again


def on_commit_once(task, *, using=None):
    """Queue `task` (no arguments) when the current transaction commits, unless already queued in it."""
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if getattr(func, "queued_task", None) == task.name and not func.sent:
                return

    def publish():
        publish.sent = True  # (a test's capture of on-commit callbacks runs them without a commit)
        _publish(task)

    publish.sent = False
    publish.queued_task = task.name
    transaction.on_commit(publish, using=using, robust=True)

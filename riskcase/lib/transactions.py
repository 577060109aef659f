"""`on_commit_once`: queue a callback after the current transaction commits, at most once per transaction."""
from django.db import DEFAULT_DB_ALIAS, connections, transaction


class _Once:
    """A queued callback that knows whether it has run (a test harness may run callbacks without
    committing, and keeps them in the list)."""

    def __init__(self, fn):
        self.fn, self.done = fn, False

    def __call__(self):
        self.done = True
        self.fn()


def on_commit_once(fn, *, using=DEFAULT_DB_ALIAS, robust=True):
    """Like transaction.on_commit, but a callback already queued (and not yet run) in this transaction is
    not queued again. A rolled-back transaction (or savepoint) drops its callbacks, so the next one queues
    afresh. `robust`: a failure of the callback (a broker that is down) is logged and never undoes the
    committed work."""
    connection = connections[using]
    if connection.in_atomic_block and any(isinstance(queued, _Once) and queued.fn is fn and not queued.done
                                          for _, queued, _ in connection.run_on_commit):
        return
    transaction.on_commit(_Once(fn), using=using, robust=robust)

"""The one way past the events table's guards: Django flushing the whole database on this connection.

`manage.py flush` and the test database's teardown wipe the log on purpose; nothing else may. While
`execute_sql_flush` runs on a connection of this project:

- SQLite: `riskcase_flush_in_progress()`, the function the DELETE trigger asks, returns true. A
  connection that is not this project's has no such function, so its DELETE fails too.
- PostgreSQL: the flush's own transaction sets `riskcase.allow_truncate` to 'on' (transaction-local,
  and set back before it commits), the setting the TRUNCATE trigger lets through. Any session could set
  it, so this stops accidents, not an attacker: the application role has no TRUNCATE privilege at all.
"""
import threading

_state = threading.local()

PG_ALLOW = "SELECT set_config('riskcase.allow_truncate', 'on', true)"
PG_DISALLOW = "SELECT set_config('riskcase.allow_truncate', 'off', true)"


def _flushing():
    return 1 if getattr(_state, "flushing", False) else 0


def on_connection_created(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("riskcase_flush_in_progress", 0, _flushing)
    elif connection.vendor != "postgresql":
        return
    ops = connection.ops
    if getattr(ops, "_riskcase_flush_guarded", False):
        return
    execute_sql_flush = ops.execute_sql_flush

    def guarded_execute_sql_flush(sql_list):
        if connection.vendor == "postgresql":
            # execute_sql_flush runs the list in one transaction: the setting lives only inside it.
            return execute_sql_flush([PG_ALLOW, *sql_list, PG_DISALLOW])
        _state.flushing = True
        try:
            return execute_sql_flush(sql_list)
        finally:
            _state.flushing = False

    ops.execute_sql_flush = guarded_execute_sql_flush
    ops._riskcase_flush_guarded = True

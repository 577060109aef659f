"""SQLite half of the append-only events table: the function its DELETE trigger asks.

`riskcase_flush_in_progress()` is true only while Django flushes the whole database on this
connection (`manage.py flush`, test teardown), the one time wiping the log is intended. A
connection that is not this project's has no such function, so its DELETE fails too.
"""
import threading

_state = threading.local()


def _flushing():
    return 1 if getattr(_state, "flushing", False) else 0


def on_connection_created(sender, connection, **kwargs):
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("riskcase_flush_in_progress", 0, _flushing)
    ops = connection.ops
    if getattr(ops, "_riskcase_flush_guarded", False):
        return
    execute_sql_flush = ops.execute_sql_flush

    def guarded_execute_sql_flush(sql_list):
        _state.flushing = True
        try:
            return execute_sql_flush(sql_list)
        finally:
            _state.flushing = False

    ops.execute_sql_flush = guarded_execute_sql_flush
    ops._riskcase_flush_guarded = True

"""PostgreSQL's timestamps read by the standard library's parser (issue 17: the merchants' API).

Django's psycopg backend reads every `timestamptz` with its own loader, a subclass of psycopg's pure-Python
one (so psycopg's C loader is never used): a regular expression and a dozen int() calls a value, then the
time zone replaced. It cost 6.4 us a value against 0.6 us for `datetime.fromisoformat` (C), and a diagnosis
reads about 110 of them: about 9% of its Python by a sampling profile.

IsoTzLoader is Django's loader with that parser in front: PostgreSQL's ISO output ("2026-12-01
06:33:23.258769+00", the DateStyle Django's connections use) becomes the same instant in the connection's
time zone, the tzinfo Django gives (`connection.timezone`); anything the standard parser does not take
(infinity, BC dates, years past 9999, another DateStyle) goes to Django's loader, which reads it or refuses
it as before. Registered on every new PostgreSQL connection (`riskcase.ops.apps`), under the same `timezone`
attribute Django's cursor creation compares, so Django keeps it unless the connection's zone changes."""
from datetime import datetime
from functools import lru_cache

from django.db.backends.postgresql.psycopg_any import BaseTzLoader


class IsoTzLoader(BaseTzLoader):
    def load(self, data):
        if self.timezone is not None:  # with no zone (USE_TZ off) Django's loader drops it: its own path
            try:
                return datetime.fromisoformat(str(data, "ascii")).astimezone(self.timezone)
            except (ValueError, UnicodeDecodeError):
                pass
        return super().load(data)


@lru_cache
def loader_for(timezone):
    """IsoTzLoader for one time zone (a class per zone, as Django makes them)."""
    return type("IsoTzLoader", (IsoTzLoader,), {"timezone": timezone})


def use_iso_loader(sender, connection, **kwargs):
    """connection_created: the new PostgreSQL connection reads its timestamptz values with IsoTzLoader."""
    if connection.vendor == "postgresql":
        connection.connection.adapters.register_loader("timestamptz", loader_for(connection.timezone))

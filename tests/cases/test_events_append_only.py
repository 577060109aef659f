"""The database itself refuses UPDATE and DELETE on the events table (PostgreSQL and SQLite)."""
import pytest
from django.db import DatabaseError, connection, transaction

from eventstore.models import Event
from eventstore.store import append

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    append("s", "thing.happened", {"v": 1, "n": 1})
    return append("s", "thing.happened", {"v": 1, "n": 2})


def _refused(sql, params=()):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_update_is_refused(stored):
    _refused("UPDATE cases_event SET data = %s WHERE id = %s", ['{"v": 1, "n": 99}', stored.position])
    assert Event.objects.get(pk=stored.position).data == {"v": 1, "n": 2}


def test_raw_delete_is_refused(stored):
    before = Event.objects.count()
    _refused("DELETE FROM cases_event WHERE id = %s", [stored.position])
    assert Event.objects.count() == before


def test_orm_update_and_delete_are_refused(stored):
    before = list(Event.objects.values_list("type", flat=True))
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(pk=stored.position).update(type="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        event = Event.objects.get(pk=stored.position)
        event.type = "changed"
        event.save()
    assert list(Event.objects.values_list("type", flat=True)) == before
    assert before[-2:] == ["thing.happened", "thing.happened"]


def test_inserting_still_works_after_a_refusal(stored):
    _refused("DELETE FROM cases_event")
    assert append("s", "thing.happened", {"v": 1}, expected_version=2).version == 3


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flushing_the_whole_database_still_works(stored):
    """`manage.py flush` (and test teardown) wipes everything, the one intended way to empty the log."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert not Event.objects.exists()
    append("s", "thing.happened", {"v": 1})
    _refused("DELETE FROM cases_event")  # and the guard is back on afterwards
    assert Event.objects.count() == 1

"""merchant_upserted: the latest occurred_at wins, an older one is superseded, an equal occurred_at with
different content is a conflict (contract section 1)."""
from metrics.models import Merchant
from tests.factories import MerchantUpsertedLine


def _merchant():
    return Merchant.objects.values("name", "category", "entity_id").get(merchant_id="m-a")


def test_a_later_upsert_replaces_the_merchant(ingest):
    ingest(MerchantUpsertedLine(merchant_id="m-a", name="Old", occurred_at="2026-05-01T10:00:00+08:00"))

    report = ingest(MerchantUpsertedLine(merchant_id="m-a", name="New", category="retail", entity_id="e-1",
                                         occurred_at="2026-05-02T10:00:00+08:00"))

    assert report.new == 1
    assert _merchant() == {"name": "New", "category": "retail", "entity_id": "e-1"}


def test_an_older_upsert_arriving_later_is_superseded_and_not_applied(ingest):
    ingest(MerchantUpsertedLine(merchant_id="m-a", name="New", occurred_at="2026-05-02T10:00:00+08:00"))

    report = ingest(MerchantUpsertedLine(merchant_id="m-a", name="Old", category="retail",
                                         occurred_at="2026-05-01T10:00:00+08:00"))

    assert (report.new, report.superseded, report.conflicting, report.bad) == (0, 1, 0, 0)
    assert report.errors == []
    assert _merchant() == {"name": "New", "category": "food", "entity_id": ""}


def test_upserts_in_one_batch_in_any_order_leave_the_latest(ingest):
    report = ingest(
        MerchantUpsertedLine(merchant_id="m-a", name="Second", occurred_at="2026-05-02T10:00:00+08:00"),
        MerchantUpsertedLine(merchant_id="m-a", name="Third", occurred_at="2026-05-03T10:00:00+08:00"),
        MerchantUpsertedLine(merchant_id="m-a", name="First", occurred_at="2026-05-01T10:00:00+08:00"),
    )

    assert (report.new, report.superseded) == (2, 1)
    assert _merchant()["name"] == "Third"


def test_the_latest_is_decided_by_the_instant_not_the_written_text(ingest):
    # 10:00+08:00 is 02:00Z: the Z line is the later one although its text sorts first.
    ingest(MerchantUpsertedLine(merchant_id="m-a", name="Shanghai", occurred_at="2026-05-01T10:00:00+08:00"))

    ingest(MerchantUpsertedLine(merchant_id="m-a", name="Utc", occurred_at="2026-05-01T03:00:00Z"))

    assert _merchant()["name"] == "Utc"


def test_an_equal_occurred_at_with_different_content_is_a_conflict(ingest):
    ingest(MerchantUpsertedLine(merchant_id="m-a", name="First", occurred_at="2026-05-01T10:00:00+08:00"))

    report = ingest(MerchantUpsertedLine(merchant_id="m-a", name="Other", occurred_at="2026-05-01T02:00:00Z"))

    assert (report.new, report.conflicting) == (0, 1)
    assert report.errors[0]["line"] == 1
    assert _merchant()["name"] == "First"


def test_the_same_upsert_twice_is_a_duplicate(ingest):
    line = MerchantUpsertedLine(merchant_id="m-a", entity_id="e-1")
    ingest(line)

    report = ingest(line)

    assert (report.new, report.duplicate, report.conflicting, report.superseded) == (0, 1, 0, 0)

"""Issue 17: diagnosis/ and metrics/ render through a faster read path (riskcase.api.serializers) that must give
exactly what DRF's own Serializer.to_representation gives, key order and every value included."""
import json
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from cases import services
from cases.thresholds import threshold_version_add
from enforcement import consumers
from eventstore.actors import SYSTEM, Actor
from merchant_api.serializers import DiagnosisSerializer, MetricsSeriesSerializer
from metrics.models import DailyMetric, ProductDailyMetric
from portal.diagnosis import merchant_diagnosis
from portal.metrics import merchant_days
from riskcase.api.serializers import ReadFastSerializer, represent
from tests.factories import DailyMetricFactory, raise_warning, record_violation

from .conftest import NOW


def _generic(serializer_class, instance, monkeypatch):
    """What DRF's own path renders (the fast path switched off), as JSON bytes."""
    with monkeypatch.context() as patch:
        patch.setattr(ReadFastSerializer, "to_representation", serializers.Serializer.to_representation)
        return JSONRenderer().render(serializer_class(instance).data)


def _busy_merchant(merchant):
    for i in range(40):
        DailyMetricFactory(merchant=merchant, day=date(2026, 6, 29) - timedelta(days=i), stable=i >= 6,
                           complaints=i % 5, paid_orders=0 if i == 3 else 100)
    for i in range(20):
        ProductDailyMetric.objects.create(
            merchant=merchant, product_id="p-1", day=date(2026, 6, 29) - timedelta(days=i), paid_orders=10,
            verified_orders=8, complaints=i % 2, negative_reviews=1, merchant_refunds=0,
            complaint_rate=Decimal(i % 2) / 10, negative_review_rate=Decimal(1) / 8, merchant_refund_rate=Decimal(0),
            stable=i >= 6, as_of=date(2026, 6, 30))
    points = ["complaint_rate", "negative_review_rate", "merchant_refund_rate", "clustered_complaints",
              "service_not_provided"]
    for i in range(8):
        violation = record_violation(merchant, risk_point=points[i % 5], product_id=f"p-{i}", notified=i % 3 == 0)
        if i % 2:
            services.appeal_submit(violation_id=violation.pk, actor=Actor.merchant(merchant.merchant_id),
                                   statement="No.")
        raise_warning(merchant, risk_point=points[i % 5], product_id=f"p-{i}" if i % 2 else "")
    while consumers.run_violations():  # the penalties, as the enforcement task imposes them
        pass
    threshold_version_add(category="food", risk_point="complaint_rate", limit="0.03",
                          effective_from=date(2026, 7, 15), actor=SYSTEM, note="tighter")


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_diagnosis_renders_byte_for_byte_as_drf_renders_it(merchant, monkeypatch, language):
    _busy_merchant(merchant)
    with translation.override(language):
        body = merchant_diagnosis(merchant, today=date(2026, 6, 30), now=NOW)
        fast = JSONRenderer().render(represent(DiagnosisSerializer, body))
        assert fast == _generic(DiagnosisSerializer, body, monkeypatch)
    shown = json.loads(fast)
    assert shown["penalties"] and shown["products_at_risk"] and shown["rule_changes"] and shown["attention"]["appeals"]
    assert any(r["warning"]["value"] for p in shown["products_at_risk"] for r in p["rates"] if r["warning"])


def test_the_metrics_series_of_model_rows_renders_as_drf_renders_it(merchant, monkeypatch):
    _busy_merchant(merchant)
    days = merchant_days(merchant.merchant_id, date(2026, 5, 1), date(2026, 6, 29))
    assert len(days) == 40 and all(isinstance(d, DailyMetric) for d in days)
    body = {"merchant_id": merchant.merchant_id, "product_id": None, "start": date(2026, 5, 1),
            "end": date(2026, 6, 29), "days": days}
    assert JSONRenderer().render(represent(MetricsSeriesSerializer, body)) == _generic(
        MetricsSeriesSerializer, body, monkeypatch)


class _Edges(ReadFastSerializer):
    amount = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    loose = serializers.DecimalField(max_digits=8, decimal_places=None, required=False)
    day = serializers.DateField(required=False)
    at = serializers.DateTimeField(required=False)
    label = serializers.CharField(required=False)
    fallback = serializers.CharField(default="-")
    optional = serializers.IntegerField(required=False)
    nullable = serializers.IntegerField(allow_null=True)
    kind = serializers.ChoiceField(choices=[("a", "A"), ("1", "One")], required=False)
    renamed = serializers.CharField(source="other", required=False)


@pytest.mark.parametrize("row", [
    {"amount": Decimal("-0"), "loose": Decimal("1.50"), "label": "x", "nullable": None},
    {"amount": Decimal("0"), "loose": Decimal("1.5"), "label": lambda: "called", "kind": 1},
    {"amount": Decimal("1.005"), "day": date(2026, 6, 30), "at": datetime(2026, 6, 30, 4, tzinfo=ZoneInfo("UTC")),
     "kind": "a", "other": "renamed", "nullable": 3},
    {"amount": 2, "loose": Decimal("NaN"), "optional": "7", "kind": "", "nullable": 0},
])
def test_plain_rows_render_as_drf_renders_them_missing_keys_callables_and_signed_zeros_included(row, monkeypatch):
    # Repeats go through the memo: the same value again, an equal one written otherwise, and zero's other sign.
    rows = [row, dict(row), {**row, "amount": Decimal("1.00")}, {**row, "amount": Decimal("1.0")},
            {**row, "amount": Decimal("0")}, {**row, "amount": Decimal("-0")}, {**row, "amount": Decimal("0")}]
    fast = JSONRenderer().render(_Edges(rows, many=True).data)
    assert fast == _generic(lambda r: _Edges(r, many=True), rows, monkeypatch)


def test_the_shared_serializer_keeps_nothing_of_a_call_and_its_memo_stays_bounded(monkeypatch):
    """represent() keeps one serializer per class across requests: the second body owes nothing to the first,
    and the decimals it remembered are at most MEMO_SIZE per field, however many values it has met."""
    from riskcase.api import serializers as fast

    class Row(ReadFastSerializer):
        value = serializers.DecimalField(max_digits=12, decimal_places=4)
        day = serializers.DateField()

    monkeypatch.setattr(fast, "MEMO_SIZE", 8)
    first = [represent(Row, {"value": Decimal(i) / 7, "day": date(2026, 1, 1) + timedelta(days=i)}) for i in range(30)]
    assert fast._serializers[Row] is fast._serializers[Row]
    assert first[29] == {"value": str((Decimal(29) / 7).quantize(Decimal("0.0001"))), "day": "2026-01-30"}
    assert represent(Row, {"value": None, "day": None}) == {"value": None, "day": None}
    memo = fast._serializers[Row]._read_plan()[0][3]
    remembered = next(cell.cell_contents for cell in memo.__closure__ if isinstance(cell.cell_contents, dict))
    assert 0 < len(remembered) <= 8


class _Times(ReadFastSerializer):
    at = serializers.DateTimeField(required=False)
    utc = serializers.DateTimeField(default_timezone=ZoneInfo("UTC"), required=False)
    formatted = serializers.DateTimeField(format="%Y-%m-%d %H:%M", required=False)


@pytest.mark.parametrize(("use_tz", "datetime_format"), [(False, "iso-8601"), (True, None), (True, "%d/%m/%Y %H:%M"),
                                                         (True, "ISO-8601")], ids=["no-tz", "none", "custom", "upper"])
def test_datetimes_follow_the_settings_as_drf_does(use_tz, datetime_format, settings, monkeypatch):
    """represent() looks the settings up once a call: with USE_TZ off or another DATETIME_FORMAT the datetimes
    still come out as DRF writes them, and back in ISO 8601 once the settings are restored."""
    moments = [datetime(2026, 6, 30, 4, 5, 6, 789, tzinfo=ZoneInfo("UTC")), datetime(2026, 6, 30, 12)]
    rows = [{"at": m, "utc": m, "formatted": m} for m in moments]
    original = settings.REST_FRAMEWORK
    settings.USE_TZ = use_tz
    settings.REST_FRAMEWORK = {**original, "DATETIME_FORMAT": datetime_format}
    assert JSONRenderer().render([represent(_Times, r) for r in rows]) == _generic(
        lambda r: _Times(r, many=True), rows, monkeypatch)
    settings.REST_FRAMEWORK = original
    settings.USE_TZ = True
    assert represent(_Times, rows[0])["at"] == "2026-06-30T12:05:06.000789+08:00"  # TIME_ZONE, Asia/Shanghai


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "America/St_Johns"])
def test_datetimes_render_as_drf_renders_them_in_the_current_time_zone(zone, monkeypatch):
    from django.utils import timezone

    moments = [datetime(2026, 6, 30, 4, 5, 6, 789, tzinfo=ZoneInfo("UTC")), datetime(2026, 6, 30, 12, tzinfo=ZoneInfo(
        "Asia/Shanghai")), datetime(2026, 6, 30, 12), "2026-06-30T12:00:00Z", None]
    rows = [{"at": m, "utc": m, "formatted": m} for m in moments]
    with timezone.override(ZoneInfo(zone)):
        assert JSONRenderer().render([represent(_Times, r) for r in rows]) == _generic(
            lambda r: _Times(r, many=True), rows, monkeypatch)
        assert JSONRenderer().render(_Times(rows, many=True).data) == _generic(
            lambda r: _Times(r, many=True), rows, monkeypatch)

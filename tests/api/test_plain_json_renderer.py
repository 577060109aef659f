"""Issue 17: diagnosis/ and metrics/ are written by orjson (riskcase.api.renderers.PlainJSONRenderer), and must be
DRF's JSONRenderer's bytes exactly: the bodies themselves in both languages, and every kind of value either
writes its own way."""
import enum
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.renderers import JSONRenderer

from merchant_api.serializers import DiagnosisSerializer, MetricsSeriesSerializer
from merchant_api.views import DiagnosisView, MetricsView
from portal.diagnosis import merchant_diagnosis
from portal.metrics import merchant_days
from riskcase.api.renderers import PlainJSONRenderer
from riskcase.api.serializers import represent

from .conftest import NOW
from .test_read_fast_serializer import _busy_merchant


class Kind(models.TextChoices):
    A = "a", "A"


class Step(enum.IntEnum):
    ONE = 1


def _drf_only(monkeypatch):
    """PlainJSONRenderer with DRF's renderer refusing to run: the body must take orjson's path."""
    def refuse(*args, **kwargs):
        raise AssertionError("went to DRF's renderer")
    monkeypatch.setattr(JSONRenderer, "render", refuse)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_diagnosis_and_the_metrics_are_drfs_bytes_written_by_orjson(merchant, monkeypatch, language):
    _busy_merchant(merchant)
    with translation.override(language):
        diagnosis = represent(DiagnosisSerializer, merchant_diagnosis(merchant, today=date(2026, 6, 30), now=NOW))
        metrics = represent(MetricsSeriesSerializer, {
            "merchant_id": merchant.merchant_id, "product_id": None, "start": date(2026, 5, 1),
            "end": date(2026, 6, 29), "days": merchant_days(merchant.merchant_id, date(2026, 5, 1), date(2026, 6, 29))})
    expected = [JSONRenderer().render(body) for body in (diagnosis, metrics)]
    with monkeypatch.context() as patch:
        _drf_only(patch)
        assert [PlainJSONRenderer().render(body) for body in (diagnosis, metrics)] == expected
    assert len(expected[0]) > 10_000 and b'"days":[' in expected[1]


@pytest.mark.parametrize("value", [
    "control \x00\x01\x1f\x7f\b\f\n\r\t quote \" backslash \\ slash /",
    "line \u2028 paragraph \u2029 中文 é 🍜",
    {"nested": [1, -2, True, False, None, "", [], {}], "big": 2**63 - 1, "negative": -(2**63)},
    ("a tuple", 1),
    [Kind.A, Step.ONE, ErrorDetail("refused", code="invalid")],  # subclasses of str and int: their values
])
def test_plain_values_take_orjsons_path_and_give_drfs_bytes(value, monkeypatch):
    expected = JSONRenderer().render({"v": value})
    with monkeypatch.context() as patch:
        _drf_only(patch)
        assert PlainJSONRenderer().render({"v": value}) == expected


@pytest.mark.parametrize("value", [
    date(2026, 6, 30),
    datetime(2026, 6, 30, 4, 5, 6, 789123, tzinfo=ZoneInfo("Asia/Shanghai")), Decimal("1.50"), gettext_lazy("Invalid token."),
    {1: "an int key"}, 2**64, b"bytes",
])
def test_what_orjson_would_write_its_own_way_goes_to_drf(value):
    assert PlainJSONRenderer().render({"v": value}) == JSONRenderer().render({"v": value})


def test_an_indent_asked_for_and_no_body_are_drfs_own():
    body = {"a": [1, 2]}
    assert PlainJSONRenderer().render(body, "application/json; indent=4") == JSONRenderer().render(
        body, "application/json; indent=4") == b'{\n    "a": [\n        1,\n        2\n    ]\n}'
    assert PlainJSONRenderer().render(None) == b""


def _leaves(field):
    if isinstance(field, serializers.ListSerializer):
        yield from _leaves(field.child)
    elif isinstance(field, serializers.Serializer):
        for child in field.fields.values():
            yield from _leaves(child)
    elif isinstance(field, serializers.ListField):
        yield from _leaves(field.child)
    else:
        yield field


@pytest.mark.parametrize("view, serializer", [(DiagnosisView, DiagnosisSerializer), (MetricsView, MetricsSeriesSerializer)])
def test_the_views_written_by_orjson_have_no_float_in_their_bodies(view, serializer):
    """orjson writes a float apart from DRF (1.5e-7, not 1.5e-07): a view that renders with it holds none, nor
    anything that could return one (a method field, a JSON or dict field)."""
    assert view.renderer_classes == [PlainJSONRenderer]
    kinds = {type(leaf) for leaf in _leaves(serializer())}
    allowed = {serializers.CharField, serializers.IntegerField, serializers.DecimalField, serializers.DateField,
               serializers.DateTimeField, serializers.ChoiceField, serializers.BooleanField, serializers.UUIDField}
    assert kinds and kinds <= allowed | {k for k in kinds if issubclass(k, serializers.CharField)}, kinds - allowed

"""A faster read path for DRF serializers of large plain bodies (the diagnosis screen, the metrics series).

DRF's Serializer.to_representation goes through Field.get_attribute for every field of every row: a generic
path (Mapping or attribute, callables, related fields, defaults) that costs more than the conversion itself
once a body has thousands of fields. ReadFastSerializer keeps DRF's output exactly: per serializer instance it
plans once which fields are read straight from a dict key or a model's concrete field, and each value still goes
through the field's own conversion (DRF's to_representation; for the plain fields the builtin it amounts to,
and a memo of the decimals and dates already converted, which repeat: the same lines and windows on every
row). Any other field, a missing key or an object's other attribute takes DRF's own path, so its defaults,
callables and errors are unchanged.
"""
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Model
from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.fields import SkipField
from rest_framework.relations import ManyRelatedField, PKOnlyObject, RelatedField
from rest_framework.settings import api_settings

_SLOW = object()
MEMO_SIZE = 4096  # values remembered per converting field
_UNSET = object()
# The zone represent() writes datetimes in, looked up once per call rather than once per datetime: None where
# DRF's own conversion applies (no USE_TZ, another DATETIME_FORMAT); _UNSET outside represent() (look it up).
_iso_zone_now = ContextVar("riskcase_iso_zone", default=_UNSET)


def _iso_zone():
    """The current time zone when datetimes are written in ISO 8601 in it (USE_TZ, DRF's default format), else
    None."""
    datetime_format = api_settings.DATETIME_FORMAT
    if not settings.USE_TZ or datetime_format is None or datetime_format.lower() != ISO_8601:
        return None
    return timezone.get_current_timezone()


def _concrete_attnames(model):
    names = getattr(model._meta, "_riskcase_concrete_attnames", None)
    if names is None:
        names = frozenset(f.attname for f in model._meta.concrete_fields)
        model._meta._riskcase_concrete_attnames = names
    return names


def _memoized(convert, kind):
    """convert(), remembered per value of exactly type `kind` (equal values convert alike: a DecimalField with
    decimal_places quantizes, a DateField formats the day). Zero is not remembered: -0 equals 0 but prints
    apart. A NaN never equals itself, so it is never found; a signalling one is left to convert()."""
    seen = {}

    def memo(value):
        if type(value) is not kind or not value or (kind is Decimal and not value.is_finite()):
            return convert(value)
        try:
            return seen[value]
        except KeyError:
            if len(seen) >= MEMO_SIZE:  # the serializer outlives requests (represent): bounded memory
                seen.clear()
            seen[value] = converted = convert(value)
            return converted

    return memo


def _converter(field):
    """What the field's to_representation does, for a value that is not None."""
    kind = type(field)
    if kind is serializers.CharField:
        return str
    if kind is serializers.IntegerField:
        return int
    if kind is serializers.UUIDField and field.uuid_format == "hex_verbose":
        return str
    if kind is serializers.DecimalField and field.decimal_places is not None:
        return _memoized(field.to_representation, Decimal)
    if kind is serializers.DateField:
        return _memoized(field.to_representation, date)
    if kind is serializers.ChoiceField:
        return _choice(field)
    if kind is serializers.DateTimeField and not hasattr(field, "format") and not hasattr(field, "timezone"):
        return _iso_datetime(field)
    return field.to_representation


def _iso_datetime(field):
    """DateTimeField.to_representation of an aware datetime in the default ISO 8601 format, in the current time
    zone (USE_TZ): astimezone, isoformat, "+00:00" written "Z". Anything else, DRF's own."""
    convert = field.to_representation

    def iso(value):
        zone = _iso_zone_now.get()
        if zone is _UNSET:
            zone = _iso_zone()
        if zone is None or type(value) is not datetime or value.tzinfo is None:
            return convert(value)
        try:
            text = value.astimezone(zone).isoformat()
        except OverflowError:
            return convert(value)  # DRF's error
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    return iso


def _choice(field):
    """ChoiceField.to_representation for a plain non-empty str (an Enum member or anything else: DRF's own)."""
    known, convert = field.choice_strings_to_values, field.to_representation

    def choice(value):
        if type(value) is str and value:
            return known.get(value, value)
        return convert(value)

    return choice


class ReadFastSerializer(serializers.Serializer):
    """A Serializer whose to_representation reads plain keys and model fields directly (same output as DRF)."""

    def _read_plan(self):
        plan = self.__dict__.get("_riskcase_read_plan")
        if plan is None:
            plan = []
            for field in self._readable_fields:
                direct = (len(field.source_attrs) == 1
                          and not isinstance(field, (RelatedField, ManyRelatedField, serializers.SerializerMethodField)))
                plan.append((field.field_name, field.source_attrs[0] if direct else None, field, _converter(field)))
            self.__dict__["_riskcase_read_plan"] = plan
        return plan

    def to_representation(self, instance):
        if type(instance) is dict or isinstance(instance, Mapping):
            concrete = None
        elif isinstance(instance, Model):
            concrete = _concrete_attnames(type(instance))
        else:
            return super().to_representation(instance)
        ret = {}
        for name, key, field, convert in self.__dict__.get("_riskcase_read_plan") or self._read_plan():
            if key is None:
                value = _SLOW
            elif concrete is None:
                value = instance.get(key, _SLOW)
            else:
                value = getattr(instance, key) if key in concrete else _SLOW
            if value is None:
                ret[name] = None
            elif value is not _SLOW and not callable(value):  # DRF calls simple callables: its own path
                ret[name] = convert(value)
            else:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
                check_for_none = value.pk if isinstance(value, PKOnlyObject) else value
                ret[name] = None if check_for_none is None else field.to_representation(value)
        return ret


_serializers = {}  # serializer class -> its one instance, fields bound and read plans made (see represent)


def represent(serializer_class, instance):
    """serializer_class(instance).data as a plain dict (the same content), leaving no reference to `instance`
    in the serializer: a serializer and its fields point at one another, so whatever it holds is freed only
    by the cyclic garbage collector. A body of thousands of objects (the diagnosis screen) left that way after
    every request made the collections that free it long pauses, which showed in the p99.

    One instance per class serves every call: binding a serializer deep-copies its declared fields, and the
    diagnosis's 17 nested serializers cost milliseconds of every request that way. Nothing of a call stays in
    it (no instance, no data, no context); its fields convert values without state, and a read plan or a memo
    made twice by two threads at once is the same."""
    serializer = _serializers.get(serializer_class)
    if serializer is None:
        serializer = _serializers[serializer_class] = serializer_class()
    zone = _iso_zone_now.set(_iso_zone())
    try:
        return serializer.to_representation(instance)
    finally:
        _iso_zone_now.reset(zone)

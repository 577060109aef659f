"""Query-parameter conventions shared by every API: instants in UTC, each parameter given once (unless the
schema declares it as a list)."""
from datetime import UTC

import django_filters
from django import forms
from django.utils.translation import gettext as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 instant, in UTC: Python takes offsets up to ±23:59, PostgreSQL only up to ±15:59."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:  # year 1 with a positive offset
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


def refuse_repeated(request, names):
    """A 400 for each of `names` given more than once (the schema declares it once)."""
    repeated = [n for n in names if len(request.query_params.getlist(n)) > 1]
    if repeated:
        raise exceptions.ValidationError({n: [_("Give this parameter once.")] for n in repeated},
                                         code="repeated_parameter")


def refuse_blank(request, names):
    """A 400 for each of `names` given empty (`?start=`): absent and empty are not the same."""
    blank = [n for n in names if n in request.query_params and request.query_params[n] == ""]
    if blank:
        raise exceptions.ValidationError({n: [_("This parameter cannot be empty.")] for n in blank}, code="invalid")


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, refusing a single-valued filter given twice or empty (django-filter would take the last
    value, or ignore an empty one); list filters (Multiple*) take repeats as the schema says."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None:
            single = [name for name, f in filterset.filters.items()
                      if not isinstance(f, django_filters.MultipleChoiceFilter)]
            refuse_repeated(request, single)
            # An empty text filter means "no filter" (a string may be empty); anything else empty is malformed.
            refuse_blank(request, [n for n in single if type(filterset.filters[n]) is not django_filters.CharFilter])
        return filterset


class StrictBooleanField(forms.Field):
    """`true` or `false` (the schema's boolean); anything else is a 400, never "no filter"."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        if value in ("true", "True", "1"):
            return True
        if value in ("false", "False", "0"):
            return False
        raise forms.ValidationError(_("Use true or false."), code="invalid")


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField

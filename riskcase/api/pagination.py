"""Cursor pagination: stable pages while new cases keep arriving, and no COUNT(*) over the table."""
from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from .filters import refuse_repeated

CURSOR_MAX_LENGTH = 1000


class CursorPagination(pagination.CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # A view sets `ordering` (a field or a tuple, ties broken by a unique field last); "-pk" otherwise.
    ordering = "-pk"

    def get_ordering(self, request, queryset, view):
        ordering = getattr(view, "ordering", None)
        if ordering:
            return (ordering,) if isinstance(ordering, str) else tuple(ordering)
        return super().get_ordering(request, queryset, view)

    def get_page_size(self, request):
        """`page_size`, an integer from 1 to max_page_size as the schema says; anything else is a 400 (DRF would
        quietly fall back to the default)."""
        refuse_repeated(request, [self.page_size_query_param])
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = None
        if size is None or not 1 <= size <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [
                    _("Give a whole number from 1 to %(max)d.") % {"max": self.max_page_size}]},
                code="invalid")
        return size

    def decode_cursor(self, request):
        # DRF answers a malformed cursor with a 404, as if the list did not exist: it is a bad parameter.
        refuse_repeated(request, [self.cursor_query_param])
        raw = request.query_params.get(self.cursor_query_param)
        if raw is not None and not 1 <= len(raw) <= CURSOR_MAX_LENGTH:
            raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]},
                                             code="invalid_cursor")
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor") from None

    def get_schema_operation_parameters(self, view):
        """The bounds the view enforces: a cursor is what a page's `next` gave (opaque, format "cursor")."""
        return [
            {"name": self.cursor_query_param, "required": False, "in": "query",
             "description": "The opaque cursor from a page's `next` or `previous` link.",
             "schema": {"type": "string", "format": "cursor", "minLength": 1, "maxLength": CURSOR_MAX_LENGTH}},
            {"name": self.page_size_query_param, "required": False, "in": "query",
             "description": f"Items per page, 1 to {self.max_page_size} (default {self.page_size}).",
             "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size, "default": self.page_size}},
        ]

"""Cursor pagination: stable pages while new cases keep arriving, and no COUNT(*) over the table."""
import json
from bisect import bisect_left, bisect_right

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination
from rest_framework.utils.urls import remove_query_param

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


class SortedListPagination(CursorPagination):
    """The same cursor pages (`cursor`, `page_size`, `next`/`previous`) over a list already sorted in Python by
    `key(item)`, a tuple unique to each item: a cursor holds the key of the item it follows or precedes (JSON), so
    a page starts right after it, as a queryset's keyset would. An offset alone (`o=` without a position) counts
    from the start, as DRF's does. Fit for lists of a few rows per item that are cheap to rank and costly to show:
    rank them all, describe a page. A subclass says how the items are sorted: key()."""

    def key(self, item):
        raise NotImplementedError(f"{type(self).__name__} must define key()")

    def paginate_queryset(self, items, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.cursor = self.decode_cursor(request)
        offset, reverse, position = self.cursor or (0, False, None)
        keys = [self.key(item) for item in items]
        if position is not None:
            position = self._position(position, keys)
        if reverse:
            end = max((len(keys) if position is None else bisect_left(keys, position)) - offset, 0)
            start = max(end - self.page_size, 0)
        else:
            start = (0 if position is None else bisect_right(keys, position)) + offset
            end = min(start + self.page_size, len(keys))
        self.page = items[start:end]
        self.has_previous, self.has_next = start > 0, end < len(keys)
        self.first_key = keys[start] if self.page else None
        self.last_key = keys[end - 1] if self.page else None
        return self.page

    def _position(self, raw, keys):
        """The key a cursor's position holds; a malformed one, or one unlike the items' keys, is a 400."""
        try:
            position = tuple(json.loads(raw))
            if keys and any(type(a) is not type(b) for a, b in zip(position, keys[0], strict=True)):
                raise TypeError
        except (TypeError, ValueError):
            raise exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]},
                                             code="invalid_cursor") from None
        return position

    def _link(self, reverse, key):
        if key is None and not reverse:  # the first page: no cursor at all
            return remove_query_param(self.base_url, self.cursor_query_param)
        position = None if key is None else json.dumps(list(key), separators=(",", ":"))
        return self.encode_cursor(pagination.Cursor(offset=0, reverse=reverse, position=position))

    def get_next_link(self):
        # An empty page before the first item (a reverse cursor from it): the next page is the first one.
        return self._link(False, self.last_key) if self.has_next else None

    def get_previous_link(self):
        # An empty page past the last item: the previous page is the last one.
        return self._link(True, self.first_key) if self.has_previous else None

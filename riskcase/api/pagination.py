"""Cursor pagination: stable pages while new cases keep arriving, and no COUNT(*) over the table."""
from rest_framework import exceptions, pagination


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

    def decode_cursor(self, request):
        # DRF answers a malformed cursor with a 404, as if the list did not exist: it is a bad parameter.
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [self.invalid_cursor_message]}, code="invalid_cursor") from None

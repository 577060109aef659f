from .selectors import unread_count


def unread(request):
    """`unread_notifications` for the header of the merchants' pages (lazy: one COUNT only when shown)."""
    return {"unread_notifications": lambda: unread_count(request.user)}

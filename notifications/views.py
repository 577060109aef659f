"""The inbox pages of the merchants' site (/merchant/notifications/)."""
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from merchant_web.access import merchant_required

from . import messages, selectors, services
from .models import Language, Notification


def _language(request):
    return Language.ZH_HANS if request.LANGUAGE_CODE.startswith("zh") else Language.EN


@merchant_required
def inbox(request):
    page = Paginator(selectors.inbox(request.user), 25).get_page(request.GET.get("page"))
    items = [(n, messages.render(n, _language(request))[0]) for n in page]
    return render(request, "notifications/inbox.html", {"nav": "notifications", "page": page, "items": items})


@merchant_required
def detail(request, pk):
    try:
        notification = services.notification_read(user=request.user, notification_id=pk)  # opening it reads it
    except Notification.DoesNotExist:
        raise Http404 from None
    subject, body = messages.render(notification, _language(request))
    return render(request, "notifications/detail.html",
                  {"nav": "notifications", "notification": notification, "subject": subject, "body": body})


@require_POST
@merchant_required
def mark_read(request, pk):
    try:
        services.notification_read(user=request.user, notification_id=pk)
    except Notification.DoesNotExist:
        raise Http404 from None
    return redirect("notifications:inbox")

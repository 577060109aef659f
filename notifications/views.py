"""The inbox pages of the merchants' site (/merchant/notifications/)."""
from django.contrib import messages as django_messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.pages import merchant_required

from . import messages, selectors, services
from .models import MANDATORY_KINDS, USER_CHANNELS, Channel, Kind, Language, Notification, Preference


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


@merchant_required
def preferences(request):
    """Language, mobile number and channels per kind; violation and penalty notices cannot be switched off."""
    preference = Preference.objects.filter(user=request.user).first() or Preference(user=request.user)
    errors = {}
    if request.method == "POST":
        language = request.POST.get("language", "")
        phone = request.POST.get("phone", "").strip()
        if language not in Language.values:
            errors["language"] = _("Choose a language from the list.")
        if len(phone) > 32:
            errors["phone"] = _("At most 32 characters.")
        if not errors:
            channels = {kind: [c for c in USER_CHANNELS if request.POST.get(f"{kind}:{c}") == "on"]
                        for kind in Kind.values if kind not in MANDATORY_KINDS}
            services.preference_update(user=request.user, language=language, phone=phone, channels=channels)
            django_messages.success(request, _("Your notification settings were saved."))
            return redirect("notifications:preferences")
    rows = [(kind, label, kind in MANDATORY_KINDS,
             [(c, Channel(c).label, preference.wants(kind, c)) for c in USER_CHANNELS])
            for kind, label in Kind.choices]
    return render(request, "notifications/preferences.html",
                  {"nav": "notifications", "preference": preference, "rows": rows, "errors": errors,
                   "language_choices": Language.choices}, status=400 if errors else 200)

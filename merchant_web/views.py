"""Views of the merchants' pages: thin; reads go through selectors, writes through cases.services."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from eventstore.actors import Actor
from cases.errors import AppealAlreadySubmitted, AppealWindowClosed, ConcurrencyError, TransitionNotAllowed
from cases.models import RATE_RISK_POINTS, RiskPoint, ViolationState, WarningState
from cases.selectors import MERCHANT_TABS, case_timeline, merchant_violations, shared_evidence, violation_grounds
from cases.services import appeal_submit, warning_acknowledge
from merchant_api.dates import default_range, platform_today
from merchant_api.diagnosis import merchant_diagnosis
from merchant_api.explanations import merchant_explanation
from merchant_api.timeline import decision, merchant_timeline
from merchant_api.uploads import guard_upload_size

from . import selectors
from .access import MerchantLoginForm, merchant_required
from .charts import build_chart
from .forms import AppealForm, RangeForm
from .tabs import tab_labels

PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    authentication_form = MerchantLoginForm
    template_name = "merchant_web/login.html"
    next_page = reverse_lazy("merchant_web:overview")
    redirect_authenticated_user = False


class LogoutView(auth_views.LogoutView):
    next_page = reverse_lazy("merchant_web:login")


@merchant_required
def overview(request):
    merchant = selectors.merchant(request.merchant_id)
    diagnosis = merchant_diagnosis(merchant, today=platform_today(), now=timezone.now())
    labels = tab_labels()
    tabs = [{"tab": t, "label": labels[t], "count": diagnosis["violations"][t]} for t in MERCHANT_TABS]
    return render(request, "merchant_web/overview.html", {"d": diagnosis, "tabs": tabs, "nav": "overview"})


@merchant_required
def rates(request):
    merchant = selectors.merchant(request.merchant_id)
    today = platform_today()
    form = RangeForm(request.GET or None)
    charts, days, status = [], [], 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        start, end = (form.cleaned_data["start"], form.cleaned_data["end"]) if form.is_bound else default_range(today)
        if not form.is_bound:
            form = RangeForm(initial={"start": start, "end": end})
        days = selectors.daily_metrics(request.merchant_id, start, end)
        thresholds = selectors.thresholds(merchant.category, today)
        charts = [build_chart(days, rate=p.value, label=p.label, threshold=thresholds.get(p.value))
                  for p in RATE_RISK_POINTS]
    context = {"form": form, "charts": charts, "days": days, "nav": "rates",
               "has_provisional": any(not d.stable for d in days)}
    return render(request, "merchant_web/rates.html", context, status=status)


@merchant_required
def warning_list(request):
    rows = selectors.warnings(request.merchant_id)
    risk_point = request.GET.get("risk_point")
    if risk_point in RiskPoint.values:
        rows = rows.filter(risk_point=risk_point)
    state = request.GET.get("state")
    if state in WarningState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "risk_point": risk_point, "risk_points": RiskPoint.choices,
               "state": state, "states": WarningState.choices, "nav": "warnings"}
    return render(request, "merchant_web/warning_list.html", context)


@merchant_required
def warning_detail(request, pk):
    warning = selectors.warning(request.merchant_id, pk)
    context = {"warning": warning, "explanation": merchant_explanation(warning), "nav": "warnings"}
    return render(request, "merchant_web/warning_detail.html", context)


@require_POST
@merchant_required
def warning_acknowledge_view(request, pk):
    warning = selectors.warning(request.merchant_id, pk)  # another merchant's warning: 404, nothing done
    version = request.POST.get("expected_version")
    try:
        warning_acknowledge(warning_id=warning.pk, actor=Actor.merchant(request.merchant_id),
                            expected_version=int(version) if version and version.isdigit() else None)
    except TransitionNotAllowed:
        messages.error(request, _("This warning is not open any more, so it cannot be acknowledged."))
    except ConcurrencyError:
        messages.error(request, _("This warning was changed in the meantime; reload it and try again."))
    else:
        messages.success(request, _("Warning acknowledged."))
    return redirect("merchant_web:warning", pk=warning.pk)


@merchant_required
def violation_list(request):
    tab = request.GET.get("tab")
    if tab in MERCHANT_TABS:
        rows = merchant_violations(merchant_id=request.merchant_id, tab=tab)
    else:
        tab, rows = None, selectors.violations(request.merchant_id)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = tab_labels()
    context = {"page": page, "tab": tab, "tabs": [(t, labels[t]) for t in MERCHANT_TABS], "nav": "violations"}
    return render(request, "merchant_web/violation_list.html", context)


def _violation_page(request, violation, form, status=200):
    appeal = selectors.appeal_of(violation)
    now = timezone.now()
    can_appeal = violation.state == ViolationState.PENDING and appeal is None and violation.appeal_window_open(now)
    context = {
        "violation": violation, "appeal": appeal, "explanation": merchant_explanation(violation),
        "timeline": merchant_timeline(case_timeline(violation)), "decision": decision(violation, appeal),
        "can_appeal": can_appeal, "form": form, "nav": "violations", "grounds": violation_grounds(violation),
    }
    return render(request, "merchant_web/violation_detail.html", context, status=status)


@merchant_required
def violation_detail(request, pk):
    violation = selectors.violation(request.merchant_id, pk)
    return _violation_page(request, violation, AppealForm(initial={"expected_version": violation.version}))


@merchant_required
def violation_evidence(request, pk, file_id):
    """A file of the case's grounds the reviewer shared; another merchant's or an unshared one is a 404."""
    found = shared_evidence(selectors.violation(request.merchant_id, pk), file_id)
    if found is None:
        raise Http404
    return FileResponse(found.file.open("rb"), as_attachment=True, filename=found.name)


@csrf_exempt  # the CSRF check runs below, after the size guard is installed (it must precede parsing)
@require_POST
@merchant_required
def violation_appeal(request, pk):
    violation = selectors.violation(request.merchant_id, pk)  # another merchant's violation: 404
    guard = guard_upload_size(request)
    return _appeal(request, violation, guard)


@csrf_protect
def _appeal(request, violation, guard):
    form = AppealForm(request.POST, request.FILES, oversized=guard.oversized)
    if not form.is_valid():
        return _violation_page(request, violation, form, status=400)
    try:
        appeal_submit(violation_id=violation.pk, actor=Actor.merchant(request.merchant_id),
                      statement=form.cleaned_data["statement"], files=form.cleaned_data["files"],
                      expected_version=form.cleaned_data.get("expected_version"))
    except (AppealWindowClosed, AppealAlreadySubmitted, TransitionNotAllowed, ConcurrencyError) as exc:
        form.add_error(None, _appeal_refusal(exc))
        violation = selectors.violation(request.merchant_id, violation.pk)
        return _violation_page(request, violation, form, status=409)
    messages.success(request, _("Your appeal was submitted."))
    return redirect(reverse("merchant_web:violation", kwargs={"pk": violation.pk}))


def _appeal_refusal(exc):
    if isinstance(exc, AppealWindowClosed):
        return _("The appeal window has closed; this violation can no longer be appealed.")
    if isinstance(exc, AppealAlreadySubmitted):
        return _("This violation has already been appealed; each violation can be appealed once.")
    if isinstance(exc, ConcurrencyError):
        return _("This violation was changed in the meantime; reload it and try again.")
    return _("Only a pending violation can be appealed.")

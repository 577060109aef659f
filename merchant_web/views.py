"""Views of the merchants' pages: thin; reads go through selectors, writes through cases.services."""
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from accounts.pages import MerchantLoginForm, merchant_required
from accounts.selectors import SESSION_KEY, page_merchant_choice
from cases.abilities import can_appeal
from cases.charts import case_chart
from cases.models import OPEN_WARNING_STATES, RATE_RISK_POINTS, RiskPoint, WarningState
from cases.selectors import MERCHANT_TABS, case_timeline, merchant_violations, shared_evidence, violation_grounds
from cases.services import appeal_submit, warning_acknowledge, warning_rectify
from eventstore.actors import Actor
from portal import selectors
from portal.charts import rate_charts
from portal.dates import default_range, platform_today
from portal.diagnosis import merchant_diagnosis, merchant_products_at_risk, ranked_products_at_risk
from portal.explanations import merchant_explanation
from portal.facts import RATE_PARTS, case_facts, present, rate_facts
from portal.guidance import current_guidance
from portal.metrics import RATES, product_known
from portal.penalties import describe_all, merchant_penalties
from portal.refusals import REFUSED_ACKNOWLEDGE, REFUSED_APPEAL, acknowledge_refusal, appeal_refusal
from portal.tabs import tab_labels
from portal.timeline import decision, merchant_timeline
from portal.uploads import guard_upload_size

from .forms import AppealForm, RangeForm, RectificationForm

PAGE_SIZE = 50
FACTS_PAGE_SIZE = 50


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


def _product(request):
    """The ?product= asked for: one of the merchant's products, else a 404 (another merchant's too)."""
    product = request.GET.get("product") or None
    if product is not None and not product_known(request.merchant_id, product):
        raise Http404
    return product


@merchant_required
def rates(request):
    merchant = selectors.merchant(request.merchant_id)
    product = _product(request)
    today = platform_today()
    form = RangeForm(request.GET or None)
    charts, days, status = [], [], 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        start, end = (form.cleaned_data["start"], form.cleaned_data["end"]) if form.is_bound else default_range(today)
        if not form.is_bound:
            form = RangeForm(initial={"start": start, "end": end})
        charts, days = rate_charts(request.merchant_id, start=start, end=end, product=product,
                                   thresholds=selectors.thresholds(merchant.category, today))
    context = {"form": form, "charts": charts, "days": days, "nav": "rates", "product": product,
               "product_query": f"&{urlencode({'product': product})}" if product else "",
               "has_provisional": any(not d.stable for d in days)}
    return render(request, "merchant_web/rates.html", context, status=status)


class _Filters:
    """A list page's ?name=value filters, each one of a known set of values. An unknown value is ignored, and
    the page says so and answers 400 (as the API refuses it), rather than quietly showing something else."""

    def __init__(self, request):
        self.request, self.unknown = request, []

    def choice(self, name, allowed):
        """The value of ?name= when it is one of `allowed`; None when absent, empty or unknown."""
        value = self.request.GET.get(name) or None
        if value is not None and value not in allowed:
            self.unknown.append(name)
            return None
        return value

    def render(self, template, context):
        if self.unknown:
            context["filter_error"] = _("We do not recognise the filter %(names)s in this address, so it is not "
                                        "applied: everything is shown. Choose a filter on the page instead.") % {
                "names": ", ".join(self.unknown)}
        return render(self.request, template, context, status=400 if self.unknown else 200)


@merchant_required
def warning_list(request):
    filters = _Filters(request)
    rows = selectors.warnings(request.merchant_id)
    risk_point = filters.choice("risk_point", RiskPoint.values)
    if risk_point:
        rows = rows.filter(risk_point=risk_point)
    state = filters.choice("state", WarningState.values)
    if state:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "risk_point": risk_point, "risk_points": RiskPoint.choices,
               "state": state, "states": WarningState.choices, "nav": "warnings"}
    return filters.render("merchant_web/warning_list.html", context)


def _warning_page(request, warning, form=None, status=200):
    can_rectify = warning.state in OPEN_WARNING_STATES and warning.rectified_at is None
    context = {"warning": warning, "explanation": merchant_explanation(warning), "nav": "warnings",
               "chart": case_chart(warning, compact=True),
               "rectification_form": (form or RectificationForm(initial={"expected_version": warning.version}))
               if can_rectify else None}
    return render(request, "merchant_web/warning_detail.html", context, status=status)


@merchant_required
def warning_detail(request, pk):
    return _warning_page(request, selectors.warning(request.merchant_id, pk))


def _upload_view(select, handle):
    """A POST with files on one of the merchant's cases: `select(merchant_id, pk)` finds it (another merchant's
    case is a 404 and nothing is done), then `handle(request, case, guard)` checks CSRF and the form. The CSRF
    check runs in `handle`, after the size guard is installed (it must precede parsing the body)."""

    @csrf_exempt
    @require_POST
    @merchant_required
    def view(request, pk):
        case = select(request.merchant_id, pk)
        return handle(request, case, guard_upload_size(request))

    return view


@csrf_protect
def _rectify(request, warning, guard):
    form = RectificationForm(request.POST, request.FILES, streamed_refusal=guard.refusal())
    if not form.is_valid():
        return _warning_page(request, warning, form, status=400)
    try:
        warning_rectify(warning_id=warning.pk, actor=Actor.merchant(request.merchant_id),
                        note=form.cleaned_data["note"], files=form.cleaned_data["files"],
                        expected_version=form.cleaned_data.get("expected_version"))
    except REFUSED_ACKNOWLEDGE as error:  # as the acknowledgement: said on the page it returns to
        code, message = acknowledge_refusal(error)
        messages.error(request, message if code != "transition_not_allowed" else
                       _("This warning is closed or was already answered."))
        return redirect("merchant_web:warning", pk=warning.pk)
    messages.success(request, _("Your rectification note was sent."))
    return redirect("merchant_web:warning", pk=warning.pk)


warning_rectify_view = _upload_view(selectors.warning, _rectify)


@require_POST
@merchant_required
def warning_acknowledge_view(request, pk):
    warning = selectors.warning(request.merchant_id, pk)  # another merchant's warning: 404, nothing done
    version = request.POST.get("expected_version")
    try:
        warning_acknowledge(warning_id=warning.pk, actor=Actor.merchant(request.merchant_id),
                            expected_version=int(version) if version and version.isdigit() else None)
    except REFUSED_ACKNOWLEDGE as error:
        messages.error(request, acknowledge_refusal(error)[1])
    else:
        messages.success(request, _("Warning acknowledged."))
    return redirect("merchant_web:warning", pk=warning.pk)


@merchant_required
def violation_list(request):
    filters = _Filters(request)
    tab = filters.choice("tab", MERCHANT_TABS)
    if tab:
        rows = merchant_violations(merchant_id=request.merchant_id, tab=tab)
    else:
        rows = selectors.violations(request.merchant_id)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    labels = tab_labels()
    context = {"page": page, "tab": tab, "tabs": [(t, labels[t]) for t in MERCHANT_TABS], "nav": "violations"}
    return filters.render("merchant_web/violation_list.html", context)


def _violation_page(request, violation, form, status=200):
    appeal = selectors.appeal_of(violation)
    context = {
        "violation": violation, "appeal": appeal, "explanation": merchant_explanation(violation),
        "timeline": merchant_timeline(case_timeline(violation)), "decision": decision(violation, appeal),
        "can_appeal": can_appeal(violation, appeal=appeal), "form": form,
        "chart": case_chart(violation, compact=True), "nav": "violations", "grounds": violation_grounds(violation),
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


@csrf_protect
def _appeal(request, violation, guard):
    form = AppealForm(request.POST, request.FILES, streamed_refusal=guard.refusal())
    if not form.is_valid():
        return _violation_page(request, violation, form, status=400)
    try:
        appeal_submit(violation_id=violation.pk, actor=Actor.merchant(request.merchant_id),
                      statement=form.cleaned_data["statement"], files=form.cleaned_data["files"],
                      expected_version=form.cleaned_data.get("expected_version"))
    except REFUSED_APPEAL as error:
        form.add_error(None, appeal_refusal(error, violation)[1])
        violation = selectors.violation(request.merchant_id, violation.pk)
        return _violation_page(request, violation, form, status=409)
    messages.success(request, _("Your appeal was submitted."))
    return redirect(reverse("merchant_web:violation", kwargs={"pk": violation.pk}))


violation_appeal = _upload_view(selectors.violation, _appeal)


@require_POST
@merchant_required
def switch_merchant(request):
    """Act for another of the user's merchants (a service provider or chain staff); any other id is refused."""
    wanted = request.POST.get("merchant_id", "")
    if wanted not in request.merchant_choices:
        return render(request, "merchant_web/not_merchant.html", status=403)
    request.session[SESSION_KEY] = wanted
    return redirect("merchant_web:overview")


def home(request):
    """/: reviewers to their desk, merchant staff to the diagnosis, everyone else to sign in."""
    if request.user.is_authenticated and request.user.is_staff:
        return redirect("admin:index")
    if request.user.is_authenticated and page_merchant_choice(request).merchant_id is None:
        return render(request, "merchant_web/not_merchant.html", status=403)
    return redirect("merchant_web:overview")


@merchant_required
def products_at_risk(request):
    """All the merchant's products at risk, the most serious first, a page at a time (the overview shows the
    first of them): the products are ranked by their case counts, the rates read for the page's only."""
    merchant = selectors.merchant(request.merchant_id)
    page = Paginator(ranked_products_at_risk(merchant.merchant_id), PAGE_SIZE).get_page(
        request.GET.get("page"))
    context = {"page": page, "products": merchant_products_at_risk(merchant, page.object_list), "nav": "overview"}
    return render(request, "merchant_web/products_at_risk.html", context)


@merchant_required
def penalty_list(request):
    """Every penalty that was ever in force, newest first; ?status=active: those in force now only."""
    now = timezone.now()
    filters = _Filters(request)
    status = filters.choice("status", ("active",))
    rows = merchant_penalties(request.merchant_id, now=now, status=status).order_by("-starts_at", "-pk")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "penalties": describe_all(page.object_list, now=now), "nav": "penalties",
               "status": status}
    return filters.render("merchant_web/penalty_list.html", context)


@merchant_required
def guidance(request, risk_point):
    if risk_point not in RiskPoint.values:
        raise Http404
    context = {"risk_point": RiskPoint(risk_point), "guidance": current_guidance(risk_point), "nav": "overview"}
    return render(request, "merchant_web/guidance.html", context)


def _facts_page(request, rows, context):
    page = Paginator(rows, FACTS_PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(page=page, facts=list(present(page.object_list)))
    return render(request, "merchant_web/facts.html", context)


@merchant_required
def day_facts(request, day):
    rate = request.GET.get("rate", RiskPoint.COMPLAINT_RATE)
    part = request.GET.get("part", "numerator")
    if rate not in RATES or part not in RATE_PARTS:
        raise Http404
    product = _product(request)
    metric = selectors.day_metric(request.merchant_id, day, product=product)
    as_of = metric.as_of if metric else day
    rows = rate_facts(request.merchant_id, rate=rate, start=day, end=day, as_of=as_of, part=part, product=product)
    context = {"day": day, "rate": rate, "rate_label": RiskPoint(rate).label, "part": part, "metric": metric,
               "product": product,
               "rates": [(p.value, p.label) for p in RATE_RISK_POINTS], "nav": "rates"}
    return _facts_page(request, rows, context)


@merchant_required
def warning_facts(request, pk):
    warning = selectors.warning(request.merchant_id, pk)  # another merchant's warning: 404
    return _facts_page(request, case_facts(warning), {"case": warning, "case_kind": "warning", "nav": "warnings"})


@merchant_required
def violation_facts(request, pk):
    violation = selectors.violation(request.merchant_id, pk)  # another merchant's violation: 404
    return _facts_page(request, case_facts(violation), {"case": violation, "case_kind": "violation",
                                                        "nav": "violations"})

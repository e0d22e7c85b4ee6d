"""Staff pages of the relationship evaluation (客户关系评估表) and of customers' self-updates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access.audit import log_access
from kehu.core.exceptions import DomainError
from kehu.customers.models import Contact, Customer

from . import evaluations, operating, selectors, selfupdate
from .choices import IndicatorSource, SelfUpdateStatus
from .forms import FeedbackForm, MeasureForm, ReviewForm
from .models import EvaluationTemplate
from .schedule import evaluation_due_condition


@login_required
def evaluation_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.evaluations_for(request.user).order_by("-id")[:100]
    due = (
        Customer.objects.restrict(request.user, "view")
        .filter(is_archived=False)
        .filter(evaluation_due_condition(timezone.localdate()))
        .only("pk", "name", "grade")
        .order_by("grade", "pk")[:50]
    )
    return render(
        request,
        "feedback/evaluations.html",
        {"evaluations": rows, "due": due, "can_evaluate": evaluations.can_evaluate(request.user)},
    )


def _customer(request: HttpRequest, pk: Any) -> Customer:
    customer = Customer.objects.restrict(request.user, "view").filter(pk=pk).first() if str(pk).isdigit() else None
    if customer is None:
        raise Http404(_("客户不存在或您无权查看。"))
    return customer


@login_required
def evaluation_new(request: HttpRequest, customer_id: int) -> HttpResponse:
    """The form as the policy draws it: indicator, weight, score, basis, remark; figures prefilled."""
    customer = _customer(request, customer_id)
    template = EvaluationTemplate.objects.filter(code="relationship", is_current=True).first() or (
        EvaluationTemplate.objects.filter(is_current=True).order_by("-id").first()
    )
    if template is None:
        raise Http404(_("没有可用的评估表模板。"))
    indicators = list(template.indicators.all())
    error = ""
    if request.method == "POST":
        scores = {str(i.pk): request.POST.get(f"score-{i.pk}", "").strip() for i in indicators}
        try:
            evaluation = evaluations.evaluation_create(
                actor=request.user,
                customer=customer,
                template=template,
                scores={k: v for k, v in scores.items() if v},
                basis={
                    str(i.pk): request.POST.get(f"basis-{i.pk}", "")
                    for i in indicators
                    if request.POST.get(f"basis-{i.pk}")
                },
                remarks_by_indicator={str(i.pk): request.POST.get(f"remark-{i.pk}", "") for i in indicators},
                remarks=request.POST.get("remarks", "")[:4000],
                final_score=request.POST.get("final_score", "").strip() or None,
            )
        except DomainError as exc:
            error = exc.message
        else:
            return redirect("feedback:evaluation", pk=evaluation.pk)
    rows = []
    for indicator in indicators:
        figure = operating.figure(indicator.source, customer) if indicator.source != IndicatorSource.MANUAL else None
        rows.append({"indicator": indicator, "figure": figure})
    return render(
        request,
        "feedback/evaluation_form.html",
        {"customer": customer, "template": template, "rows": rows, "error": error, "posted": request.POST},
        status=400 if error else 200,
    )


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = selectors.get_evaluation_for(request.user, pk)
    log_access(
        user=request.user,
        action="view",
        customer=evaluation.customer,
        request=request,
        object_type="evaluation",
        object_id=evaluation.pk,
    )
    return render(
        request,
        "feedback/evaluation_detail.html",
        {
            "e": evaluation,
            "scores": evaluation.scores.all(),
            "reviews": evaluation.reviews.select_related("reviewer"),
            "feedback": evaluation.feedback.select_related("author"),
            "measures": evaluation.measures.select_related("owner"),
            "review_form": ReviewForm(),
            "feedback_form": FeedbackForm(),
            "measure_form": MeasureForm(),
        },
    )


@login_required
@require_POST
def evaluation_action(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    evaluation = selectors.get_evaluation_for(request.user, pk)
    try:
        if step == "review":
            form: Any = ReviewForm(request.POST)
            if form.is_valid():
                evaluations.evaluation_review(actor=request.user, evaluation=evaluation, **form.cleaned_data)
        elif step == "feedback":
            form = FeedbackForm(request.POST)
            if form.is_valid():
                evaluations.evaluation_feedback(actor=request.user, evaluation=evaluation, **form.cleaned_data)
        elif step == "measure":
            form = MeasureForm(request.POST)
            if form.is_valid():
                evaluations.measure_add(actor=request.user, evaluation=evaluation, **form.cleaned_data)
        elif step == "done":
            measure = evaluation.measures.filter(pk=request.POST.get("measure", "0")[:18]).first()
            if measure is None:
                raise DomainError(_("该措施不属于此评估。"))
            evaluations.measure_done(actor=request.user, measure=measure)
            form = None
        else:
            raise Http404()
        if form is not None and not form.is_valid():
            messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:evaluation", pk=evaluation.pk)


@login_required
def selfupdate_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.selfupdates_for(request.user).filter(status=SelfUpdateStatus.SUBMITTED).order_by("-id")[:100]
    return render(request, "feedback/selfupdates.html", {"rows": rows})


@login_required
@require_POST
def selfupdate_new(request: HttpRequest) -> HttpResponse:
    """Create a link for one contact; the page shows it with a QR code to hand out."""
    import segno
    from django.utils.safestring import mark_safe

    raw = request.POST.get("contact", "")
    contact = Contact.objects.restrict(request.user, "edit").filter(pk=raw).first() if raw.isdigit() else None
    if contact is None:
        raise Http404(_("联系人不存在或您无权编辑。"))
    try:
        update = selfupdate.selfupdate_link_create(actor=request.user, contact=contact)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("feedback:selfupdates")
    url = request.build_absolute_uri(selfupdate.selfupdate_path(update))
    qr = mark_safe(segno.make(url, error="m").svg_inline(scale=4))  # noqa: S308 (segno's own SVG of our URL)
    return render(request, "feedback/selfupdate_link.html", {"contact": contact, "url": url, "qr": qr})


@login_required
@require_POST
def selfupdate_decide(request: HttpRequest, pk: int) -> HttpResponse:
    update = selectors.selfupdates_for(request.user).filter(pk=pk).first()
    if update is None:
        raise Http404(_("记录不存在或您无权编辑。"))
    try:
        selfupdate.selfupdate_review(actor=request.user, request=update, approve=request.POST.get("approve") == "1")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("feedback:selfupdates")

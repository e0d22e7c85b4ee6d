"""The periodic review page: the latest runs' checklists (managers), improvement actions (managers,
and each owner their own), a form to turn a finding into an action and to report it done."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.exceptions import DomainError

from . import params, review
from .models import ImprovementAction, ReviewRun


def _findings(user: Any, run: ReviewRun | None) -> list[dict[str, Any]]:
    """The run's findings with the sample customers the reader may view (one query for all)."""
    from kehu.customers.models import Customer

    if run is None:
        return []
    findings = list(run.findings.order_by("pk"))
    ids = {pk for f in findings for pk in f.customer_ids}
    visible = dict(Customer.objects.restrict(user, "view").filter(pk__in=ids).values_list("pk", "name")) if ids else {}
    return [
        {
            "finding": f,
            "label": f.get_step_display(),
            "text": review.step_text(f.step),
            "customers": [(pk, visible[pk]) for pk in f.customer_ids if pk in visible][:10],
        }
        for f in findings
    ]


@login_required
def review_page(request: HttpRequest) -> HttpResponse:
    from kehu.accounts.models import User

    user = request.user
    manager = review.may_review(user)
    run = ReviewRun.objects.filter(status=ReviewRun.Status.DONE).first() if manager else None
    return render(
        request,
        "analytics/review.html",
        {
            "manager": manager,
            "run": run,
            "runs": list(ReviewRun.objects.all()[:12]) if manager else [],
            "findings": _findings(user, run),
            "actions": list(review.actions_for(user)[:200]),
            "statuses": ImprovementAction.Status.choices,
            "people": list(User.objects.filter(is_active=True).order_by("username")) if manager else [],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def review_run_now(request: HttpRequest) -> HttpResponse:
    if not review.may_review(request.user):
        messages.error(request, _("只有主管可以发起定期审查。"))
        return redirect("analytics:review")
    review.review_run(actor=request.user)
    messages.success(request, _("定期审查已完成。"))
    return redirect("analytics:review")


def _error_text(error: DomainError) -> str:
    return " ".join([error.message, *(m for field in error.field_errors.values() for m in field)])


@login_required
@require_POST
def improvement_create(request: HttpRequest) -> HttpResponse:
    post = request.POST
    try:
        due = (post.get("due_on") or "").strip()
        review.improvement_create(
            actor=request.user,
            finding_id=params.optional_int(post, "finding") or 0,
            description=post.get("description", ""),
            owner_id=params.optional_int(post, "owner"),
            due_on=params.date_value(post, "due_on", timezone.localdate()) if due else None,
        )
    except params.ParamError as error:
        messages.error(request, error.message)
        return _back(request, 400)
    except DomainError as error:
        messages.error(request, _error_text(error))
        return _back(request, 400)
    messages.success(request, _("已记录改进措施。"))
    return redirect("analytics:review")


@login_required
@require_POST
def improvement_update(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        review.improvement_update(
            actor=request.user, action_id=pk, status=request.POST.get("status", ""), note=request.POST.get("note", "")
        )
    except DomainError as error:
        messages.error(request, _error_text(error))
        return _back(request, 400)
    messages.success(request, _("已更新。"))
    return redirect("analytics:review")


def _back(request: HttpRequest, status: int) -> HttpResponse:
    """A refused form: the page again with the message, answering `status` (nothing was changed)."""
    response = review_page(request)
    response.status_code = status
    return response

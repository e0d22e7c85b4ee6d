"""Staff pages of campaigns, segments and content templates (营销活动, 客户细分, 内容模板).

Thin: forms parse, the services of campaigns.py decide, the same ones the REST API calls. The
gate is the API's: marketing (any level) and marketing managers and above; anyone else gets 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.exceptions import DomainError
from kehu.core.inputs import MAX_ID
from kehu.messaging.pages import answers_bad_input, is_id, keyset_page
from kehu.messaging.selectors import deliveries_for

from . import campaigns
from .choices import CampaignKind, CampaignStatus, RecipientGroup
from .forms import AttendanceForm, CampaignForm, ReturnForm, SegmentForm, TemplateForm, describe_filters
from .models import Campaign, CampaignRecipient, ContentTemplate, Segment, Tier


def _marketing(request: HttpRequest) -> None:
    if not campaigns.is_marketing(request.user):
        raise PermissionDenied(_("只有市场营销部可以管理营销活动。"))


def _errors_to(form: Any, error: DomainError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


# --- campaigns ----------------------------------------------------------------------------------------


@login_required
@answers_bad_input
def campaign_list(request: HttpRequest) -> HttpResponse:
    _marketing(request)
    rows, next_before = keyset_page(
        Campaign.objects.select_related("segment", "created_by").order_by("-id"), request, size=30
    )
    counts = campaigns.campaign_delivery_counts([c.pk for c in rows])
    for campaign in rows:
        campaign.counts = counts[campaign.pk]  # type: ignore[attr-defined]
    return render(request, "loyalty/campaigns.html", {"tab": "campaigns", "rows": rows, "next_before": next_before})


@login_required
def campaign_create(request: HttpRequest) -> HttpResponse:
    _marketing(request)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = campaigns.campaign_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("营销活动已创建。"))
            return redirect("loyalty:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    context = {"tab": "campaigns", "form": form, "threshold": campaigns.approval_threshold()}
    return render(request, "loyalty/campaign_form.html", context, status=status)


@login_required
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft (after it was returned, say); the service refuses anything past draft."""
    _marketing(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    initial = {
        "name": campaign.name,
        "kind": campaign.kind,
        "segment": campaign.segment_id,
        "channel": campaign.channel,
        "template": campaign.template_id,
        "holdout_percent": campaign.holdout_percent,
        "event_at": campaign.event_at,
        "location": campaign.location,
    }
    form = CampaignForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.campaign_update(actor=request.user, campaign=campaign, **form.cleaned_data)
        except DomainError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("营销活动已保存。"))
            return redirect("loyalty:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    context = {"tab": "campaigns", "form": form, "threshold": campaigns.approval_threshold(), "campaign": campaign}
    return render(request, "loyalty/campaign_form.html", context, status=status)


@login_required
@answers_bad_input
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _marketing(request)
    campaign = get_object_or_404(
        Campaign.objects.select_related("segment", "template", "created_by", "approved_by"), pk=pk
    )
    deliveries, next_before = keyset_page(deliveries_for(request.user, related=f"campaign:{campaign.pk}"), request)
    is_event = campaign.kind == CampaignKind.EVENT
    recipients: list[CampaignRecipient] = []
    next_recipient = None
    if is_event:
        recipients, next_recipient = keyset_page(
            CampaignRecipient.objects.restrict(request.user, "view")
            .filter(campaign=campaign, group=RecipientGroup.TARGET)
            .select_related("customer", "contact")
            .order_by("-id"),
            request,
            name="rbefore",
        )
    report = campaigns.campaign_report(campaign) if campaign.status == CampaignStatus.SENT else None
    context = {
        "tab": "campaigns",
        "c": campaign,
        "deliveries": deliveries,
        "next_before": next_before,
        "recipients": recipients,
        "next_recipient": next_recipient,
        "is_event": is_event,
        "report": report,
        "chart": _chart(report) if report else None,
        "may_approve": campaigns.may_approve(request.user, campaign),
        "may_send": campaign.status in (CampaignStatus.DRAFT, CampaignStatus.APPROVED),
        "threshold": campaigns.approval_threshold(),
        "return_form": ReturnForm(),
    }
    return render(request, "loyalty/campaign_detail.html", context)


def _chart(report: campaigns.Report) -> dict[str, Any]:
    """Order rates of the target group and the hold-out, in percent, for the small bar chart."""
    return {
        "labels": [_("发送组"), _("对照组")],
        "rates": [round(report.rate_target * 100, 2), round(report.rate_holdout * 100, 2)],
        "name": _("活动后下单比例（%）"),
    }


def _campaign_action(request: HttpRequest, pk: int, act: Any, done: str) -> HttpResponse:
    _marketing(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    try:
        act(campaign)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("loyalty:campaign", pk=pk)
    messages.success(request, done)
    return redirect("loyalty:campaign", pk=pk)


@login_required
@require_POST
def campaign_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(
        request, pk, lambda c: campaigns.campaign_approve(actor=request.user, campaign=c), _("营销活动已批准。")
    )


@login_required
@require_POST
def campaign_return(request: HttpRequest, pk: int) -> HttpResponse:
    form = ReturnForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    return _campaign_action(
        request,
        pk,
        lambda c: campaigns.campaign_return(actor=request.user, campaign=c, note=note),
        _("营销活动已退回。"),
    )


@login_required
@require_POST
def campaign_send(request: HttpRequest, pk: int) -> HttpResponse:
    return _campaign_action(
        request, pk, lambda c: campaigns.campaign_send(actor=request.user, campaign=c), _("营销活动已开始发送。")
    )


@login_required
@require_POST
def campaign_attendance(request: HttpRequest, pk: int) -> HttpResponse:
    _marketing(request)
    campaign = get_object_or_404(Campaign, pk=pk)
    # Only customers of the campaign the user may see can be ticked.
    ticked = [int(v) for v in request.POST.getlist("customers")[:5000] if is_id(v) and int(v) <= MAX_ID]
    visible = list(
        CampaignRecipient.objects.restrict(request.user, "view")
        .filter(campaign=campaign, customer_id__in=ticked)
        .values_list("customer_id", flat=True)
    )
    form = AttendanceForm(request.POST, customer_ids=visible)
    if not form.is_valid():
        messages.error(request, _("请勾选本活动的客户并选择是否出席。"))
        return redirect("loyalty:campaign", pk=pk)
    return _campaign_action(
        request,
        pk,
        lambda c: campaigns.campaign_attendance(
            actor=request.user,
            campaign=c,
            customer_ids=form.cleaned_data["customers"],
            attended=form.cleaned_data["attended"],
        ),
        _("出席情况已记录。"),
    )


# --- segments ------------------------------------------------------------------------------------------


@login_required
@answers_bad_input
def segment_list(request: HttpRequest) -> HttpResponse:
    _marketing(request)
    rows, next_before = keyset_page(Segment.objects.select_related("created_by").order_by("-id"), request, size=30)
    owner_ids = {int(v) for s in rows for v in (s.filters or {}).get("owner", []) if str(v).isdigit()}
    owners = {str(u.pk): u.display_name for u in get_user_model().objects.filter(pk__in=owner_ids)}
    tiers = dict(Tier.objects.values_list("code", "name"))
    for segment in rows:
        segment.described = describe_filters(segment.filters or {}, tiers=tiers, owners=owners)  # type: ignore[attr-defined]
    return render(request, "loyalty/segments.html", {"tab": "segments", "rows": rows, "next_before": next_before})


@login_required
def segment_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _marketing(request)
    segment = get_object_or_404(Segment, pk=pk) if pk else None
    initial = SegmentForm.initial_for(segment) if segment else None
    form = SegmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            campaigns.segment_save(
                actor=request.user, name=form.cleaned_data["name"], filters=form.filters(), segment=segment
            )
        except DomainError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("客户细分已保存。"))
            return redirect("loyalty:segments")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "loyalty/segment_form.html", {"tab": "segments", "form": form, "segment": segment}, status=status
    )


@login_required
@require_POST
def segment_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the count of the filter being edited, before it is saved."""
    _marketing(request)
    form = SegmentForm(request.POST)
    form.is_valid()  # the name may still be empty while the filter is tried out
    if any(name != "name" for name in form.errors):
        return render(request, "loyalty/partials/count.html", {"error": _("条件有误。")}, status=400)
    try:
        count = campaigns.segment_preview_count(request.user, form.filters())
    except DomainError as error:
        return render(request, "loyalty/partials/count.html", {"error": error.message}, status=400)
    return render(request, "loyalty/partials/count.html", {"count": count})


@login_required
def segment_count(request: HttpRequest) -> HttpResponse:
    """htmx: how many customers (that you may see) the segment `?segment=<id>` holds now."""
    _marketing(request)
    raw = request.GET.get("segment", "")
    if not raw:
        return render(request, "loyalty/partials/count.html", {})
    if not is_id(raw) or int(raw) > MAX_ID:
        return render(request, "loyalty/partials/count.html", {"error": _("客户细分不存在。")}, status=400)
    segment = Segment.objects.filter(pk=int(raw)).first()
    if segment is None:
        raise Http404(_("客户细分不存在。"))
    try:
        count = campaigns.segment_count(request.user, segment)
    except DomainError as error:
        return render(request, "loyalty/partials/count.html", {"error": error.message}, status=400)
    context = {"count": count, "over": count > campaigns.approval_threshold()}
    return render(request, "loyalty/partials/count.html", {**context, "threshold": campaigns.approval_threshold()})


# --- content templates -----------------------------------------------------------------------------------


@login_required
@answers_bad_input
def template_list(request: HttpRequest) -> HttpResponse:
    _marketing(request)
    form = TemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                campaigns.template_save(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            _errors_to(form, error)
        else:
            messages.success(request, _("内容模板已保存。"))
            return redirect("loyalty:templates")
    rows, next_before = keyset_page(ContentTemplate.objects.order_by("-id"), request, size=30)
    status = 400 if request.method == "POST" else 200
    context = {"tab": "templates", "rows": rows, "next_before": next_before, "form": form}
    return render(request, "loyalty/templates.html", context, status=status)

"""Staff pages of the membership (会员): tiers, one customer's member page with the points ledger,
manual earn/redeem and tier override, and the referrals.

The rules are the API's: the member page needs the customer's `view` (restrict); granting points
is marketing's (points.may_earn), redeeming needs only `view`; a manual tier needs a marketing
manager (tiers.tier_override checks it) and the customer's `edit`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.access import roles, scoping
from kehu.access.audit import log_access
from kehu.core.exceptions import DomainError
from kehu.customers.models import Customer
from kehu.messaging.pages import answers_bad_input, choice, keyset_page

from . import points, tiers
from .forms import OverrideForm, PointsForm
from .models import Membership, PointsAccount, PointsEntry, Referral, Tier, TierChange

BENEFITS = {
    "discount_rate": gettext_lazy("会员折扣"),
    "priority_purchase": gettext_lazy("优先购买"),
    "sla_factor": gettext_lazy("服务时限系数"),
    "account_manager": gettext_lazy("专属客户经理"),
    "training_seats": gettext_lazy("免费培训名额"),
}


def _benefits(tier: Tier) -> list[tuple[str, Any]]:
    shown = []
    for key, value in (tier.benefits or {}).items():
        label = str(BENEFITS.get(key, key))
        if key == "discount_rate":
            value = f"{float(value) * 100:g}%" if value else "—"
        elif isinstance(value, bool):
            value = _("有") if value else _("无")
        shown.append((label, value))
    return shown


@login_required
@answers_bad_input
def tier_list(request: HttpRequest) -> HttpResponse:
    """The tiers with their rules and benefits, and the members (customers the user may view)."""
    tier_rows = list(Tier.objects.order_by("rank"))
    tier = choice(request, "tier", [t.code for t in tier_rows])
    members = Membership.objects.restrict(request.user, "view").select_related("customer", "tier", "override_tier")
    if tier:
        members = members.filter(Q(tier__code=tier) | Q(override_tier__code=tier))
    page, next_before = keyset_page(members.order_by("-id"), request)
    today = timezone.localdate()
    context = {
        "tab": "tiers",
        "rows": [(t, _benefits(t)) for t in tier_rows],
        "members": [(m, tiers.effective_tier(m, today)) for m in page],
        "next_before": next_before,
        "tier": tier,
    }
    return render(request, "loyalty/tiers.html", context)


@login_required
@answers_bad_input
def referral_list(request: HttpRequest) -> HttpResponse:
    rows, next_before = keyset_page(
        Referral.objects.restrict(request.user, "view").select_related("referrer", "referee").order_by("-id"),
        request,
    )
    return render(request, "loyalty/referrals.html", {"tab": "referrals", "rows": rows, "next_before": next_before})


def _member_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    membership = (
        Membership.objects.restrict(user, "view")
        .select_related("tier", "override_tier", "override_by")
        .filter(customer=customer)
        .first()
    )
    account = PointsAccount.objects.restrict(user, "view").filter(customer=customer).first()
    ledger, next_before = keyset_page(
        PointsEntry.objects.restrict(user, "view").filter(customer=customer).select_related("actor").order_by("-id"),
        request,
    )
    changes = list(
        TierChange.objects.restrict(user, "view")
        .filter(customer=customer)
        .select_related("old_tier", "new_tier", "actor")
        .order_by("-id")[:10]
    )
    spend, orders = tiers.qualifying(customer.pk, today)
    rights = scoping.customer_rights(user, customer.pk, ("edit",))
    return {
        "tab": "member",
        "customer": customer,
        "membership": membership,
        "effective": tiers.effective_tier(membership, today) if membership else None,
        "spend": spend,
        "orders": orders,
        "balance": account.balance if account else 0,
        "ledger": ledger,
        "next_before": next_before,
        "changes": changes,
        "may_earn": points.may_earn(user),
        "may_override": roles.is_marketing_manager_or_above(user) and "edit" in rights,
        "earn_form": PointsForm(prefix="earn"),
        "redeem_form": PointsForm(prefix="redeem"),
        "override_form": OverrideForm(prefix="override"),
    }


def _customer(request: HttpRequest, pk: int, action: str = "view") -> Customer:
    return get_object_or_404(Customer.objects.restrict(request.user, action).select_related("owner"), pk=pk)


@login_required
@answers_bad_input
def member(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    log_access(user=request.user, action="view", customer=customer, request=request, detail={"via": "page:member"})
    return render(request, "loyalty/member.html", _member_context(request, customer))


def _member_error(request: HttpRequest, customer: Customer, status: int, **forms: Any) -> HttpResponse:
    context = _member_context(request, customer)
    context.update(forms)
    return render(request, "loyalty/member.html", context, status=status)


@login_required
@require_POST
@answers_bad_input
def points_change(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    customer = _customer(request, pk)
    if kind == "earn" and not points.may_earn(request.user):
        raise PermissionDenied(_("只有市场营销部可以发放积分。"))
    form = PointsForm(request.POST, prefix=kind)
    if not form.is_valid():
        return _member_error(request, customer, 400, **{f"{kind}_form": form})
    change = points.points_earn if kind == "earn" else points.points_redeem
    try:
        with transaction.atomic():
            change(actor=request.user, customer=customer, **form.cleaned_data)
    except points.InsufficientPoints as refused:
        form.add_error("points", refused.message)
        return _member_error(request, customer, 409, **{f"{kind}_form": form})
    except DomainError as error:
        form.add_error(None, error.message)
        return _member_error(request, customer, 400, **{f"{kind}_form": form})
    messages.success(request, _("积分已发放。") if kind == "earn" else _("积分已兑换。"))
    return redirect("loyalty:member", pk=customer.pk)


@login_required
@require_POST
@answers_bad_input
def tier_override(request: HttpRequest, pk: int) -> HttpResponse:
    if not roles.is_marketing_manager_or_above(request.user):
        raise PermissionDenied(_("只有市场营销经理及以上可以调整会员等级。"))
    customer = _customer(request, pk, "edit")
    form = OverrideForm(request.POST, prefix="override")
    if not form.is_valid():
        return _member_error(request, customer, 400, override_form=form)
    try:
        tiers.tier_override(actor=request.user, customer=customer, **form.cleaned_data)
    except DomainError as error:
        for field, errors in error.field_errors.items():
            for message in errors:
                form.add_error(field if field in form.fields else None, message)
        if not error.field_errors:
            form.add_error(None, error.message)
        return _member_error(request, customer, 400, override_form=form)
    messages.success(request, _("会员等级已调整。"))
    return redirect("loyalty:member", pk=customer.pk)

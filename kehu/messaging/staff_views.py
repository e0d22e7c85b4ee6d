"""Staff pages of the channel layer: the delivery log of every outbound message (发送记录) and a
customer's contact preferences (联系偏好) with a way to record an opt-out.

The rules are the API's: deliveries and consents are read through restrict() (selectors); an
opt-out is recorded for a contact of a customer the user may edit (consent_record).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access import scoping
from kehu.access.audit import log_access
from kehu.core.exceptions import DomainError
from kehu.customers.models import Contact, Customer

from . import selectors, services
from .choices import ALL_TOPICS, MARKETING_TOPICS, ConsentSource, DeliveryStatus, MessageChannel, Topic
from .forms import OptOutForm
from .pages import answers_bad_input, choice, keyset_page


@login_required
@answers_bad_input
def delivery_list(request: HttpRequest) -> HttpResponse:
    channel = choice(request, "channel", list(MessageChannel.values))
    status = choice(request, "status", list(DeliveryStatus.values))
    rows, next_before = keyset_page(selectors.deliveries_for(request.user, channel=channel, status=status), request)
    query = "&".join(f"{k}={v}" for k, v in (("channel", channel), ("status", status)) if v)
    log_access(
        user=request.user,
        action="search",
        request=request,
        object_type="deliveries",
        query=query,
        rows=len(rows),
        detail={"via": "page:deliveries"},
    )
    context = {
        "tab": "deliveries",
        "rows": rows,
        "next_before": next_before,
        "channel": channel,
        "status": status,
        "query": query,
        "channels": MessageChannel.choices,
        "statuses": DeliveryStatus.choices,
    }
    return render(request, "messaging/deliveries.html", context)


def _consent_page(request: HttpRequest, customer: Customer, form: OptOutForm, status: int = 200) -> HttpResponse:
    user = request.user
    contacts = list(Contact.objects.restrict(user, "view").filter(customer=customer).order_by("id"))
    records = list(selectors.consents_for(user, customer_id=customer.pk)[:200])
    by_contact: dict[int | None, list] = {}
    for record in records:
        by_contact.setdefault(record.contact_id, []).append(record)
    topics = [*[(str(t), t.label) for t in MARKETING_TOPICS], (ALL_TOPICS, _("全部（拒绝联系）"))]
    table = []
    for contact in contacts:
        state = selectors.consent_state(by_contact.get(contact.pk, []))
        table.append((contact, [state.get(code) for code, _label in topics]))
    context = {
        "customer": customer,
        "topics": topics,
        "table": table,
        "records": records,
        "form": form,
        "may_edit": "edit" in scoping.customer_rights(user, customer.pk, ("edit",)),
        "topic_labels": dict(Topic.choices) | {ALL_TOPICS: _("全部")},
        "channels": MessageChannel.choices,
    }
    return render(request, "messaging/consents.html", context, status=status)


def _customer(request: HttpRequest, pk: int, action: str = "view") -> Customer:
    return get_object_or_404(Customer.objects.restrict(request.user, action), pk=pk)


@login_required
def consent_list(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    log_access(user=request.user, action="view", customer=customer, request=request, detail={"via": "page:consents"})
    contacts = Contact.objects.restrict(request.user, "edit").filter(customer=customer)
    return _consent_page(request, customer, OptOutForm(contacts=contacts))


@login_required
@require_POST
def consent_opt_out(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk, "edit")
    contacts = Contact.objects.restrict(request.user, "edit").filter(customer=customer)
    form = OptOutForm(request.POST, contacts=contacts)
    if not form.is_valid():
        return _consent_page(request, customer, form, status=400)
    data = form.cleaned_data
    try:
        services.consent_record(
            actor=request.user,
            contact=data["contact"],
            topic=data["topic"],
            granted=False,
            evidence_channel=data["evidence_channel"],
            evidence_text=data["evidence_text"],
            source=ConsentSource.STAFF,
        )
    except DomainError as error:
        form.add_error(None, error.message)
        return _consent_page(request, customer, form, status=400)
    messages.success(request, _("已登记退订。"))
    return redirect("messaging:consents", pk=customer.pk)

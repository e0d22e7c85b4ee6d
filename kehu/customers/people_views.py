"""The PIPL pages of one key person: consent records, a copy of their data, erasure, and the
retention review of customers. They live with the contacts (kehu/customers/privacy.py)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access import roles
from kehu.access.forms import ConsentForm, ErasureForm
from kehu.access.models import RetentionReview
from kehu.core.exceptions import DomainError

from . import privacy
from .models import Contact
from .views import _add_errors  # the archive pages' form-error helper


def _contact_for(request: HttpRequest, contact_id: int) -> Contact:
    """A key person whose personal data the user may handle: view_sensitive on the customer, or an
    administrator (who answers erasure requests)."""
    contacts: Any = Contact.objects.restrict(request.user, "view_sensitive")
    if roles.is_admin(request.user):
        contacts = Contact.objects.unscoped("administrators answer PIPL requests for every person")
    contact = contacts.select_related("customer").filter(pk=contact_id).first()
    if contact is None:
        raise Http404(_("联系人不存在或您无权处理其个人信息。"))
    return contact


@login_required
def person(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_for(request, contact_id)
    consent_form = ConsentForm(request.POST or None, initial={"given_on": timezone.localdate()})
    if request.method == "POST" and consent_form.is_valid():
        try:
            privacy.consent_record(actor=request.user, contact=contact, **consent_form.cleaned_data)
        except DomainError as error:
            _add_errors(consent_form, error)
        else:
            messages.success(request, _("已登记。"))
            return redirect("customers:person", contact_id=contact.pk)
    context = {
        "contact": contact,
        "consents": contact.consents.select_related("recorded_by").order_by("-id"),
        "consent_form": consent_form,
        "erasure_form": ErasureForm(),
        "is_admin": roles.is_admin(request.user),
    }
    return render(request, "customers/person.html", context)


@login_required
@require_POST
def consent_withdraw(request: HttpRequest, contact_id: int, consent_id: int) -> HttpResponse:
    contact = _contact_for(request, contact_id)
    consent = contact.consents.filter(pk=consent_id).first()
    if consent is None:
        raise Http404
    try:
        privacy.consent_withdraw(actor=request.user, consent=consent, request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("同意已撤回，敏感信息已清除。"))
    return redirect("customers:person", contact_id=contact.pk)


@login_required
def person_export(request: HttpRequest, contact_id: int, fmt: str) -> HttpResponse | FileResponse:
    if fmt not in ("json", "xlsx"):
        raise Http404
    contact = _contact_for(request, contact_id)
    data = privacy.person_export(actor=request.user, contact=contact, request=request)
    if fmt == "xlsx":
        return privacy.person_export_xlsx(data).response(f"person-{contact.pk}.xlsx")
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="person-{contact.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def person_erase(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = _contact_for(request, contact_id)
    form = ErasureForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写删除依据。"))
        return redirect("customers:person", contact_id=contact.pk)
    try:
        privacy.person_erase(actor=request.user, contact=contact, reason=form.cleaned_data["reason"], request=request)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("个人信息已删除（匿名化），业务记录保留。"))
    return redirect("customers:person", contact_id=contact.pk)


@login_required
@require_POST
def retention_decide(request: HttpRequest, pk: int) -> HttpResponse:
    review = RetentionReview.objects.restrict(request.user, "edit").filter(pk=pk).first()
    if review is None:
        raise Http404
    try:
        privacy.retention_decide(actor=request.user, review=review, archive=request.POST.get("archive") == "1")
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("access:security")

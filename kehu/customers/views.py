"""Customer archive pages. Thin: forms parse, services write, selectors read (all from the user's scope)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access import masking
from kehu.access.audit import log_access
from kehu.access.policy import can, customers_for
from kehu.core.exceptions import ConflictError, DomainError

from . import grading, imports, selectors, services
from .choices import InfoSource, Priority
from .exports import customers_xlsx
from .forms import (
    ArchiveForm,
    ContactForm,
    CustomerFilterForm,
    CustomerForm,
    DocumentForm,
    ImportForm,
    MergeForm,
    NewCustomerForm,
    RegradeForm,
    TransactionForm,
)
from .models import Contact, Customer, GradingRun, ImportJob

PAGE_SIZE = 50
TABS = ("archive", "people", "transactions", "documents", "history")


def _filtered(request: HttpRequest, *, action: str = "list") -> tuple[CustomerFilterForm, Any]:
    form = CustomerFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        q = form.cleaned_data["q"]
        return form, selectors.customer_list_for(request.user, q=q, action=action, **form.selector_filters())
    return form, selectors.customer_list_for(request.user, action=action, is_archived=False)


def _add_errors(form: Any, error: DomainError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    form, customers = _filtered(request)
    try:
        after = int(request.GET.get("after", "") or 0)
    except ValueError:
        after = 0
    rows, next_after = selectors.customer_page(customers, after=after or None, size=PAGE_SIZE)
    q = form.cleaned_data.get("q", "") if form.is_bound and form.is_valid() else ""
    if q:
        log_access(user=request.user, action="search", request=request, query=q, rows=len(rows))
    params = request.GET.copy()
    params.pop("after", None)
    context = {"form": form, "customers": rows, "next_after": next_after, "params": params.urlencode(), "q": q}
    template = "customers/partials/table.html" if request.htmx else "customers/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def customer_export(request: HttpRequest) -> HttpResponse:
    form, customers = _filtered(request, action="export")
    content = customers_xlsx(
        user=request.user,
        customers=customers,
        filters=form.describe() if form.is_bound and form.is_valid() else {},
        query=request.GET.get("q", ""),
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="customers-{stamp}.xlsx"'
    return response


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    form = NewCustomerForm(request.POST or None)
    duplicates: list[selectors.Duplicate] = []
    if request.method == "POST" and form.is_valid():
        contact = form.contact_fields()
        duplicates = selectors.possible_duplicates(
            name=form.cleaned_data["name"],
            phone=form.cleaned_data["phone"],
            email=form.cleaned_data["email"],
            mobiles=[contact["mobile"]] if contact else [],
        )
        if duplicates and not form.cleaned_data["confirm_duplicate"]:
            form.add_error(None, _("发现可能重复的客户，请核对后勾选确认再保存。"))
        else:
            try:
                customer = _create(request, form, contact)
            except DomainError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("客户档案已建立：%(no)s") % {"no": customer.archive_no})
                return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "duplicates": duplicates, "creating": True})


def _create(request: HttpRequest, form: NewCustomerForm, contact: dict[str, Any] | None) -> Customer:
    with transaction.atomic():
        customer = services.customer_create(
            actor=request.user,
            learned_at=form.cleaned_data["learned_at"],
            source=form.cleaned_data["source"],
            annual_sales=form.annual_sales(),
            **form.customer_fields(),
        )
        if contact:
            services.contact_create(actor=request.user, customer=customer, **contact)
    return customer


@login_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="edit")
    form = CustomerForm(request.POST or None, instance=customer)
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                actor=request.user,
                # A fresh copy: the bound form already wrote its values into `customer`.
                customer=selectors.get_customer_for(request.user, pk, action="edit"),
                version=form.cleaned_data["version"],
                learned_at=form.cleaned_data["learned_at"],
                source=form.cleaned_data["source"],
                annual_sales=form.annual_sales(),
                **form.customer_fields(),
            )
        except ConflictError as error:
            # Keep the user's input on screen; show what is stored now.
            conflict = error
            form.add_error(None, error.message)
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("客户档案已保存。"))
            return redirect("customers:detail", pk=pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer, "conflict": conflict})


def _tab_context(request: HttpRequest, customer: Customer, tab: str) -> dict[str, Any]:
    context: dict[str, Any] = {"customer": customer, "tab": tab, "can_edit": can(request.user, "edit", customer)}
    if tab == "people":
        sensitive = can(request.user, "view_sensitive", customer)
        contacts = list(customer.contacts.order_by("-is_main_contact", "id"))
        if sensitive and contacts:
            log_access(
                user=request.user, action="view_sensitive", customer=customer, request=request, object_type="contact"
            )
        context.update(contacts=[_contact_view(c, sensitive) for c in contacts], sensitive=sensitive)
        context["contact_form"] = ContactForm(show_sensitive=sensitive)
    elif tab == "transactions":
        context["transactions"] = selectors.recent_transactions(customer, limit=100)
        context["transaction_form"] = TransactionForm()
    elif tab == "documents":
        context["documents"] = selectors.documents_of(customer)
        context["document_form"] = DocumentForm()
    elif tab == "history":
        records = list(customer.history.select_related("history_user").order_by("-history_id")[:50])  # type: ignore[attr-defined]
        context["changes"] = _history_changes(records)
        context["grade_changes"] = customer.grade_changes.select_related("actor")[:20]
        context["updates"] = customer.updates.select_related("actor").order_by("-id")[:20]
    else:
        context["annual_sales"] = list(customer.annual_sales.all())
        context["info_sources"] = InfoSource.choices
        context["archive_form"] = ArchiveForm()
        context["merge_form"] = MergeForm()
    return context


def _contact_view(contact: Contact, sensitive: bool) -> dict[str, Any]:
    if sensitive:
        values = {name: getattr(contact, name) for name in Contact.SENSITIVE_FIELDS}
    else:
        values = {
            "birth_date": masking.mask_date(contact.birth_date),
            "education": masking.mask_text(contact.education),
            "hobbies": masking.mask_text(contact.hobbies),
            "family": masking.mask_text(contact.family),
            "personal_phone": masking.mask_phone(contact.personal_phone),
            "personal_address": masking.mask_text(contact.personal_address),
        }
    return {"contact": contact, **values}


def _history_changes(records: list[Any]) -> list[dict[str, Any]]:
    """Who changed what from what to what: consecutive historical records diffed."""
    rows = []
    for newer, older in zip(records, [*records[1:], None], strict=True):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            for change in delta.changes:
                field = Customer._meta.get_field(change.field)
                changes.append(
                    {"field": getattr(field, "verbose_name", change.field), "old": change.old, "new": change.new}
                )
        rows.append({"record": newer, "changes": changes, "created": older is None})
    return rows


@login_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="view")
    tab = request.GET.get("tab", "archive")
    if tab not in TABS:
        tab = "archive"
    log_access(user=request.user, action="view", customer=customer, request=request, detail={"tab": tab})
    context = _tab_context(request, customer, tab)
    if request.htmx:  # type: ignore[attr-defined]
        return render(request, f"customers/partials/tab_{tab}.html", context)
    return render(request, "customers/detail.html", context)


def _tab_redirect(customer: Customer, tab: str) -> HttpResponse:
    return redirect(reverse("customers:detail", args=[customer.pk]) + f"?tab={tab}")


def _render_tab_with_form(request: HttpRequest, customer: Customer, tab: str, name: str, form: Any) -> HttpResponse:
    context = _tab_context(request, customer, tab)
    context[name] = form
    return render(request, "customers/detail.html", context, status=400)


@login_required
@require_POST
def contact_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="edit")
    sensitive = can(request.user, "view_sensitive", customer)
    form = ContactForm(request.POST, show_sensitive=sensitive)
    if form.is_valid():
        try:
            services.contact_create(actor=request.user, customer=customer, **form.contact_fields())
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("联系人已添加。"))
            return _tab_redirect(customer, "people")
    return _render_tab_with_form(request, customer, "people", "contact_form", form)


@login_required
def contact_edit(request: HttpRequest, pk: int, contact_pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="edit")
    contact = get_object_or_404(Contact, pk=contact_pk, customer=customer)
    sensitive = can(request.user, "view_sensitive", customer)
    form = ContactForm(request.POST or None, instance=contact, show_sensitive=sensitive)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                actor=request.user,
                contact=Contact.objects.get(pk=contact.pk),
                version=form.cleaned_data["version"],
                **form.contact_fields(),
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("联系人已保存。"))
            return _tab_redirect(customer, "people")
    return render(request, "customers/contact_form.html", {"form": form, "customer": customer, "contact": contact})


@login_required
@require_POST
def transaction_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="edit")
    form = TransactionForm(request.POST)
    if form.is_valid():
        try:
            services.transaction_create(actor=request.user, customer=customer, **form.cleaned_data)
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("交易记录已添加。"))
            return _tab_redirect(customer, "transactions")
    return _render_tab_with_form(request, customer, "transactions", "transaction_form", form)


@login_required
@require_POST
def document_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="edit")
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.document_upload(actor=request.user, customer=customer, **form.cleaned_data)
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("文件已上传。"))
            return _tab_redirect(customer, "documents")
    return _render_tab_with_form(request, customer, "documents", "document_form", form)


@login_required
def document_download(request: HttpRequest, version_pk: int) -> FileResponse:
    version = selectors.document_version_for(request.user, version_pk)
    log_access(
        user=request.user,
        action="view",
        customer=version.document.customer,
        request=request,
        object_type="document",
        object_id=version.pk,
    )
    return FileResponse(version.file.open("rb"), as_attachment=True, filename=version.original_name)


@login_required
@require_POST
def customer_archive(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="edit")
    form = ArchiveForm(request.POST)
    if form.is_valid():
        services.customer_archive(actor=request.user, customer=customer, note=form.cleaned_data["note"])
        messages.success(request, _("客户已归档。"))
        return redirect("customers:detail", pk=pk)
    return _render_tab_with_form(request, customer, "archive", "archive_form", form)


@login_required
@require_POST
def customer_merge(request: HttpRequest, pk: int) -> HttpResponse:
    keep = selectors.get_customer_for(request.user, pk, action="edit")
    form = MergeForm(request.POST)
    if form.is_valid():
        merge = (
            customers_for(request.user, "edit").filter(archive_no=form.cleaned_data["merge_archive_no"].strip()).first()
        )
        if merge is None:
            form.add_error("merge_archive_no", _("找不到该档案编号，或您无权修改该客户。"))
        else:
            try:
                services.customer_merge(actor=request.user, keep=keep, merge=merge)
            except DomainError as error:
                form.add_error("merge_archive_no", error.message)
            else:
                messages.success(request, _("已合并客户 %(no)s。") % {"no": merge.archive_no})
                return redirect("customers:detail", pk=pk)
    return _render_tab_with_form(request, keep, "archive", "merge_form", form)


@login_required
def customer_card(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk, action="view")
    log_access(user=request.user, action="view", customer=customer, request=request, detail={"page": "card"})
    return render(request, "customers/card.html", _card_context(request, customer))


def _card_context(request: HttpRequest, customer: Customer) -> dict[str, Any]:
    """客户关系卡 (关系维护方案 二.1): 客户姓名、工作单位、职位、住址、联系方式. The private address is
    personal information: shown only with view_sensitive, and that read is logged."""
    sensitive = can(request.user, "view_sensitive", customer)
    contacts = list(customer.contacts.order_by("-is_main_contact", "-is_key_person", "id")[:12])
    if sensitive and contacts:
        log_access(
            user=request.user, action="view_sensitive", customer=customer, request=request, object_type="contact"
        )
    return {
        "customer": customer,
        "contacts": [_contact_view(c, sensitive) for c in contacts],
        "transactions": selectors.recent_transactions(customer, limit=8),
        "printed_at": timezone.localtime(),
    }


@login_required
@require_POST
def customer_news(request: HttpRequest, pk: int) -> HttpResponse:
    """The designated account person records the customer's news (档案管理方案 五.3 A类 资讯收集)."""
    customer = selectors.get_customer_for(request.user, pk, action="view")
    try:
        services.customer_news_record(
            actor=request.user,
            customer=customer,
            news=request.POST.get("news", "")[:2000],
            source=request.POST.get("source", ""),
        )
    except PermissionDenied:
        raise
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("客户动态已记录。"))
    return redirect("customers:detail", pk=pk)


@login_required
def important_cards(request: HttpRequest) -> HttpResponse:
    """重要客户关系卡册 (关系维护方案 二.2 "对于重点客户应该单独管理，制作重要客户的客户关系卡"):
    the cards of A-grade and core customers the user may open, kept apart from the general list."""
    try:
        after = int(request.GET.get("after", "") or 0)
    except ValueError:
        return HttpResponseBadRequest(_("参数 after 须为整数。"))
    rows = selectors.important_customers_for(request.user, after=after, limit=51)
    page, more = rows[:50], len(rows) > 50
    log_access(user=request.user, action="list", request=request, rows=len(page), detail={"page": "important_cards"})
    return render(
        request,
        "customers/important_cards.html",
        {"customers": page, "next_after": page[-1].pk if more and page else None},
    )


@login_required
def document_register(request: HttpRequest, pk: int) -> HttpResponse:
    """卷内文件目录 (客户档案管理方案 四.1): filed order, kinds and running page numbers, printable."""
    customer = selectors.get_customer_for(request.user, pk, action="view")
    log_access(user=request.user, action="view", customer=customer, request=request, object_type="document")
    rows = selectors.document_register(customer)
    context = {"customer": customer, "rows": rows, "total_pages": rows[-1]["last_page"] if rows else 0}
    return render(request, "customers/document_register.html", context)


@login_required
@require_POST
def customers_flag_stale(request: HttpRequest) -> HttpResponse:
    """Managers start the clean-up review: customers without business for two years get flagged."""
    if not getattr(request.user, "is_manager", False):
        raise PermissionDenied
    count = services.customers_flag_stale(actor=request.user)
    messages.success(request, _("已标记 %(n)s 个长期无业务的客户待复核。") % {"n": count})
    return redirect(reverse("customers:list") + "?archived=review")


@login_required
def late_updates(request: HttpRequest) -> HttpResponse:
    """Late archive updates: everyone's for managers, one's own for staff."""
    mine_only = not getattr(request.user, "is_manager", False)
    updates = selectors.late_updates(user_id=request.user.pk if mine_only else None)
    rows = [(u, selectors.freshness_level(u.delay_hours)) for u in updates[:200]]
    stats = [] if mine_only else selectors.late_update_stats()
    return render(request, "customers/late_updates.html", {"rows": rows, "stats": stats, "mine_only": mine_only})


# Grading is marketing's job, not the account owner's: a grader needs the role (below) and must be
# able to open the archive it grades, but no edit right on the rest of the archive.
GRADING_SCOPE = "view"


def _grader(request: HttpRequest) -> None:
    """Grades are proposed by the system and confirmed by marketing managers and above (SPEC M2)."""
    if not getattr(request.user, "is_marketing_manager_or_above", False):
        raise PermissionDenied


@login_required
def grading_page(request: HttpRequest) -> HttpResponse:
    _grader(request)
    run = grading.latest_grading_run()
    show_all = request.GET.get("all") == "1"
    proposals = grading.grade_proposals(customers_for(request.user, GRADING_SCOPE), show_all=show_all)
    chart: dict[str, Any] = {}
    if run and run.distribution:
        current, proposed = run.distribution["current"], run.distribution["proposed"]
        total = sum(current.values())
        chart = {
            "grades": list(current),
            "current": list(current.values()),
            "proposed": list(proposed.values()),
            "target": [round(total * share / 100) for share in grading.target_shares().values()],
        }
    context = {
        "proposals": proposals,
        "chart": chart,
        "show_all": show_all,
        "run": run,
        "priorities": Priority.choices,
    }
    return render(request, "customers/grading.html", context)


@login_required
@require_POST
def grading_rescore(request: HttpRequest) -> HttpResponse:
    _grader(request)
    grading.grading_run_start(actor=request.user)
    return redirect("customers:grading")


@login_required
def grading_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """htmx poll target: the progress bar while a run goes on; a full reload when it is over."""
    _grader(request)
    run = get_object_or_404(GradingRun, pk=pk)
    response = render(request, "customers/partials/grading_progress.html", {"run": run})
    if run.status != GradingRun.Status.RUNNING:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def grading_confirm(request: HttpRequest) -> HttpResponse:
    """Confirm one or many proposals (htmx): each becomes a regrade with the given reason."""
    _grader(request)
    reason = request.POST.get("reason", "").strip()
    ids = [int(v) for v in request.POST.getlist("customer") if v.isdigit()]
    results: list[dict[str, Any]] = []
    if not reason:
        results.append({"error": _("请填写调整原因。")})
    else:
        scope = customers_for(request.user, GRADING_SCOPE)
        for customer in scope.filter(pk__in=ids):
            grade = request.POST.get(f"grade_{customer.pk}", "")
            priority = request.POST.get(f"priority_{customer.pk}", "")
            try:
                grading.customer_regrade(
                    actor=request.user, customer=customer, grade=grade, priority=priority, reason=reason
                )
            except DomainError as error:
                results.append(
                    {"customer": customer, "error": "; ".join(m for ms in error.field_errors.values() for m in ms)}
                )
            else:
                results.append({"customer": customer, "grade": grade, "priority": priority})
    if not ids and reason:
        results.append({"error": _("请至少选择一个客户。")})
    return render(request, "customers/partials/grading_result.html", {"results": results})


@login_required
def customer_regrade(request: HttpRequest, pk: int) -> HttpResponse:
    _grader(request)
    customer = selectors.get_customer_for(request.user, pk, action=GRADING_SCOPE)
    form = RegradeForm(request.POST or None, initial={"grade": customer.grade, "priority": customer.priority})
    if request.method == "POST" and form.is_valid():
        grading.customer_regrade(actor=request.user, customer=customer, **form.cleaned_data)
        messages.success(request, _("客户等级已调整。"))
        return redirect("customers:detail", pk=pk)
    return render(request, "customers/regrade.html", {"form": form, "customer": customer})


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(actor=request.user, file=form.cleaned_data["file"])
        except DomainError as error:
            _add_errors(form, error)
        else:
            return redirect("customers:import_job", pk=job.pk)
    return render(request, "customers/import_upload.html", {"form": form})


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=pk, actor=request.user)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    errors = [{**e, "column": imports.column_label(e["field"])} for e in job.errors[:500]]
    context = {"job": job, "errors": errors, "error_rows": len({e["row"] for e in job.errors})}
    if request.htmx and job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.PARSING):  # type: ignore[attr-defined]
        return render(request, "customers/partials/import_progress.html", context)
    if request.htmx:  # type: ignore[attr-defined]
        # Parsing finished while the page polled: reload the whole page to show the preview.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(request, "customers/import_job.html", context)


@login_required
@require_POST
def import_commit(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        imports.import_commit(actor=request.user, job=job)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("customers:import_job", pk=pk)

"""Customer archive pages. Thin: forms parse, services write, selectors read (all from the user's scope)."""

from __future__ import annotations

import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access import personal, roles, scoping
from kehu.access.audit import log_access
from kehu.access.roles import export_row_cap
from kehu.accounts.backends import users_version
from kehu.core import background_exports
from kehu.core.exceptions import ConflictError, DomainError
from kehu.core.files import verify
from kehu.core.inputs import parse_id
from kehu.workbench.lists import list_total
from kehu.workbench.selectors import editable_ids, saved_filters

from . import grading, imports, selectors, services
from .choices import InfoSource, Priority
from .exports import customers_xlsx, export_file_name
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
    filtered_customers,
)
from .models import Contact, Customer, GradingRun, ImportJob

PAGE_SIZE = 50
TABS = ("archive", "people", "transactions", "documents", "history")

logger = logging.getLogger(__name__)


def _filtered(request: HttpRequest, *, action: str = "list", with_owner: bool = True) -> tuple[CustomerFilterForm, Any]:
    return filtered_customers(request.user, request.GET, action=action, with_owner=with_owner)


def _add_errors(form: Any, error: DomainError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


def _filter_key(request: HttpRequest) -> str:
    """The filter selects are the same for everyone with the same filter values: their rendered HTML is
    cached (list.html) under these values and the version of the user list (the owner select)."""
    values = [request.GET.get(name, "") for name in ("grade", "priority", "region", "owner", "industry_standing")]
    return "|".join([users_version(), *values, request.GET.get("archived", "")])


@login_required
def customer_list(request: HttpRequest) -> HttpResponse:
    form, customers = _filtered(request, with_owner=False)  # the rows name owners by user_labels
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
    context = {
        "form": form,
        "customers": rows,
        "next_after": next_after,
        "params": params.urlencode(),
        "q": q,
        "filter_key": _filter_key(request),
        # The planner's estimate first (PostgreSQL), search or not, filtered or not: one of 20,000+
        # rows is shown as it is. The bounded count of a big filtered list is not cheap (grade A at
        # 100k: 8 ms, the index finds all 20,000 and the heap is read for 1,001); the EXPLAIN costs
        # ~1 ms where the list turns out smaller (issue 16).
        "total": list_total(customers, page=None if after else rows, more=bool(next_after), estimate_first=True),
    }
    context["saved_filters"] = saved_filters(request.user, "customers")  # only the user's own
    # Batch 转移负责人 (issue 11): a checkbox on the rows the user may edit (marketing keeps the archive).
    context["editable"] = editable_ids(
        request.user, Customer, [c.pk for c in rows if getattr(c, "can_view", True) is not False]
    )
    template = "customers/partials/table.html" if request.htmx else "customers/list.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def customer_export(request: HttpRequest) -> HttpResponse | FileResponse:
    form, customers = _filtered(request, action="export")
    # More rows than a request should build: the worker writes the file and the page shows progress.
    total = list_total(customers)
    if total.count > background_exports.inline_limit():
        expected = min(total.count, export_row_cap(request.user) or total.count)
        filters = form.describe() if form.is_bound and form.is_valid() else {}
        words = [_("客户列表"), *(f"{form.fields[k].label}：{v}" for k, v in filters.items() if k in form.fields)]
        if request.GET.get("q"):
            words.append(_("搜索“%(q)s”") % {"q": request.GET["q"]})
        job = background_exports.start(
            request.user, "customers", request.GET.dict(), rows_expected=expected, description=" · ".join(words)
        )
        return redirect("exports:job", job.token)
    export = customers_xlsx(
        user=request.user,
        customers=customers,
        filters=form.describe() if form.is_bound and form.is_valid() else {},
        query=request.GET.get("q", ""),
    )
    return export.response(export_file_name())


@login_required
def customer_create(request: HttpRequest) -> HttpResponse:
    form = NewCustomerForm(request.POST or None)
    duplicates: selectors.DuplicateCheck | None = None
    if request.method == "POST" and form.is_valid():
        contact = form.contact_fields()
        duplicates = selectors.possible_duplicates(
            request.user,
            request=request,
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
    return services.customer_create(
        actor=request.user,
        learned_at=form.cleaned_data["learned_at"],
        source=form.cleaned_data["source"],
        first_contact=contact,
        annual_sales=form.annual_sales(),
        **form.customer_fields(),
    )


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


DETAIL_RIGHTS = ("edit", "view_sensitive")


def _tab_context(request: HttpRequest, customer: Customer, tab: str) -> dict[str, Any]:
    rights = scoping.customer_rights(request.user, customer.pk, DETAIL_RIGHTS)  # one query for the page
    context: dict[str, Any] = {"customer": customer, "tab": tab, "can_edit": "edit" in rights}
    if tab == "people":
        sensitive = "view_sensitive" in rights
        contacts = list(customer.contacts.order_by("-is_main_contact", "id"))
        values = personal.read_personal(request.user, contacts, request=request, via="page:people")
        context.update(contacts=[{"contact": c, **values[c.pk]} for c in contacts], sensitive=sensitive)
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


def _history_changes(records: list[Any]) -> list[dict[str, Any]]:
    """Who changed what from what to what: consecutive historical records diffed."""
    rows = []
    # each record against the one before it; the oldest (or a customer without history rows) has none
    for newer, older in zip(records, [*records[1:], None], strict=False):
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
    sensitive = "view_sensitive" in scoping.customer_rights(request.user, customer.pk, ("view_sensitive",))
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
    contact = get_object_or_404(Contact.objects.restrict(request.user, "edit"), pk=contact_pk, customer=customer)
    sensitive = "view_sensitive" in scoping.customer_rights(request.user, customer.pk, ("view_sensitive",))
    if sensitive and request.method == "GET":  # the form shows the stored personal values: a read
        personal.read_personal(request.user, [contact], request=request, via="page:contact_form")
    form = ContactForm(request.POST or None, instance=contact, show_sensitive=sensitive)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                actor=request.user,
                contact=Contact.objects.restrict(request.user, "edit").get(pk=contact.pk),
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
def document_download(request: HttpRequest, version_pk: int) -> HttpResponse | FileResponse:
    version = selectors.document_version_for(request.user, version_pk)
    log_access(
        user=request.user,
        action="view",
        customer=version.document.customer,
        request=request,
        object_type="document",
        object_id=version.pk,
    )
    # A file that no longer matches the size and checksum recorded when it was saved is not served
    # as if it were the document (a truncated contract looks complete to whoever opens it).
    if not verify(version.file, size=version.size, sha256=version.sha256):
        logger.error("document version %s: file %s fails its checksum", version.pk, version.file.name)
        return HttpResponse(
            _("文件校验失败（可能已损坏或缺失），未下载。请联系管理员从备份恢复。"),
            status=500,
            content_type="text/plain; charset=utf-8",
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
        number = form.cleaned_data["merge_archive_no"].strip()
        merge = Customer.objects.restrict(request.user, "edit").filter(archive_no=number).first()
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
    contacts = list(customer.contacts.order_by("-is_main_contact", "-is_key_person", "id")[:12])
    values = personal.read_personal(request.user, contacts, request=request, via="page:card")
    return {
        "customer": customer,
        "contacts": [{"contact": c, **values[c.pk]} for c in contacts],
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
    if not roles.is_manager(request.user):
        raise PermissionDenied
    count = services.customers_flag_stale(actor=request.user)
    messages.success(request, _("已标记 %(n)s 个长期无业务的客户待复核。") % {"n": count})
    return redirect(reverse("customers:list") + "?archived=review")


@login_required
def late_updates(request: HttpRequest) -> HttpResponse:
    """Late archive updates: everyone's for managers, one's own for staff."""
    mine_only = not roles.is_manager(request.user)
    updates = selectors.late_updates(request.user)
    rows = [(u, selectors.freshness_level(u.delay_hours)) for u in updates[:200]]
    stats = selectors.late_update_stats(request.user)
    return render(request, "customers/late_updates.html", {"rows": rows, "stats": stats, "mine_only": mine_only})


# Grading is marketing's job, not the account owner's: a grader needs the role (below) and must be
# able to open the archive it grades, but no edit right on the rest of the archive.
GRADING_SCOPE = "view"


def _grader(request: HttpRequest) -> None:
    """Grades are proposed by the system and confirmed by marketing managers and above (SPEC M2)."""
    if not roles.is_grader(request.user):
        raise PermissionDenied


@login_required
def grading_page(request: HttpRequest) -> HttpResponse:
    _grader(request)
    run = grading.latest_grading_run()
    show_all = request.GET.get("all") == "1"
    proposals = grading.grade_proposals(Customer.objects.restrict(request.user, GRADING_SCOPE), show_all=show_all)
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
    ids = [pk for pk in map(parse_id, request.POST.getlist("customer")) if pk is not None]
    results: list[dict[str, Any]] = []
    if not reason:
        results.append({"error": _("请填写调整原因。")})
    else:
        scope = Customer.objects.restrict(request.user, GRADING_SCOPE)
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


def _importer(request: HttpRequest) -> None:
    """Imports write the archive: 市场营销部 keeps it (客户档案管理方案 七.1)."""
    if not roles.is_importer(request.user):
        raise PermissionDenied


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    _importer(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.import_start(actor=request.user, file=form.cleaned_data["file"])
        except DomainError as error:
            _add_errors(form, error)
        else:
            return redirect("customers:import_job", pk=job.pk)
    max_rows = imports.reader.limit("IMPORT_MAX_ROWS")
    return render(request, "customers/import_upload.html", {"form": form, "max_rows": max_rows})


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    _importer(request)
    return get_object_or_404(ImportJob, pk=pk, actor=request.user)


_RUNNING = (ImportJob.Status.UPLOADED, ImportJob.Status.PARSING, ImportJob.Status.COMMITTING)


@login_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    context: dict[str, Any] = {"job": job, "running": job.status in _RUNNING}
    if request.htmx and job.status in _RUNNING:  # type: ignore[attr-defined]
        return render(request, "customers/partials/import_progress.html", context)
    if request.htmx:  # type: ignore[attr-defined]
        # The background phase finished while the page polled: reload the whole page.
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if job.status == ImportJob.Status.PREVIEW:
        sample_header, sample_rows = imports.present.sample_table(job)
        context.update(
            errors=[{**e, "column": imports.column_label(e["field"])} for e in job.errors],
            duplicates=[{**d, "why": imports.present.duplicate_reason(d)} for d in job.duplicates],
            ignored=[imports.present.ignored_label(i) for i in job.ignored_columns],
            mapped=[(c["header"], imports.column_label(c["field"])) for c in job.columns],
            sample_header=sample_header,
            sample_rows=sample_rows,
        )
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


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    try:
        imports.import_cancel(actor=request.user, job=job)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("customers:import_job", pk=pk)


@login_required
def import_fixes(request: HttpRequest, pk: int) -> HttpResponse:
    """The rows with errors as a workbook to fix and upload again."""
    job = _job_for(request, pk)
    if job.status != ImportJob.Status.PREVIEW or not job.error_rows:
        raise Http404(_("没有需要修改的行。"))
    response = HttpResponse(
        imports.rows_to_fix_xlsx(job),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-fix.xlsx"'
    response["Cache-Control"] = "no-store"
    return response

"""Service desk pages. Thin: forms parse, services write, selectors read (from the user's scope)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from kehu.access import roles, scoping
from kehu.access.audit import log_access
from kehu.accounts.choices import Department
from kehu.core.exceptions import ConflictError, DomainError, InvalidTransition
from kehu.core.inputs import bad_form_response, parse_id

from . import mail, pdf, selectors, services, stats
from .forms import (
    ComplaintForm,
    ConsultationForm,
    DemandForm,
    ReplyForm,
    StatsForm,
    TicketForm,
    UnmatchedForm,
    style,
    transition_form,
)
from .workflow import WORKFLOWS, allowed_transitions

PAGE_SIZE = 50
KINDS: dict[str, dict[str, Any]] = {
    "complaint": {"title": gettext_lazy("客户投诉"), "form": ComplaintForm, "create": services.complaint_create},
    "ticket": {"title": gettext_lazy("问题跟踪"), "form": TicketForm, "create": services.ticket_create},
    "demand": {"title": gettext_lazy("需求跟踪"), "form": DemandForm, "create": services.demand_create},
    "consultation": {
        "title": gettext_lazy("客户咨询"),
        "form": ConsultationForm,
        "create": services.consultation_create,
    },
}
QUEUES = [
    ("mine", gettext_lazy("我的待办")),
    ("department", gettext_lazy("本部门")),
    ("unassigned", gettext_lazy("未指派")),
    ("breaching", gettext_lazy("即将超时 / 已超时")),
]
HIDDEN = {"id", "version", "customer", "number", "state", "created_at", "updated_at"}


def _kind(kind: str) -> dict[str, Any]:
    if kind not in KINDS:
        raise Http404
    return KINDS[kind]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    queue = request.GET.get("queue", "mine")
    if queue not in dict(QUEUES):
        queue = "mine"
    sections = []
    for kind, meta in KINDS.items():
        rows = list(selectors.record_list_for(request.user, kind, queue=queue)[:20])
        sections.append({"kind": kind, "title": meta["title"], "rows": rows})
    context: dict[str, Any] = {
        "queues": QUEUES,
        "queue": queue,
        "sections": sections,
        "counts": selectors.queue_counts(request.user),
    }
    if queue == "mine" and roles.is_cs_supervisor(request.user):
        # 我的待办 includes the plans waiting for my approval (issue 11), approved in one click as on the home
        from kehu.workbench.selectors import APPROVALS_SHOWN, approvals_for

        approvals = list(approvals_for(request.user)[: APPROVALS_SHOWN + 1])
        context.update(
            show_approvals=True, approvals=approvals[:APPROVALS_SHOWN], approvals_more=len(approvals) > APPROVALS_SHOWN
        )
    return render(request, "servicedesk/home.html", context)


@login_required
def record_list(request: HttpRequest, kind: str) -> HttpResponse:
    meta = _kind(kind)
    filters = {key: request.GET.get(key, "") for key in selectors.FILTERS[kind]}
    for key in ("receiver", "owner", "customer"):
        if filters.get(key) and parse_id(filters[key]) is None:
            filters[key] = ""
    queue = request.GET.get("queue", "")
    q = request.GET.get("q", "")[:100]
    sort = request.GET.get("sort", "-id")
    if sort not in selectors.SORTS:
        sort = "-id"
    queryset = selectors.record_list_for(request.user, kind, queue=queue, q=q, request=request, sort=sort, **filters)
    rows, next_after = selectors.sorted_page(
        queryset, sort=sort, after=request.GET.get("after", "")[:80], size=PAGE_SIZE
    )
    params = request.GET.copy()
    params.pop("after", None)
    unsorted = params.copy()
    unsorted.pop("sort", None)
    model: Any = selectors.MODELS[kind]
    filter_choices = {
        "state": model._meta.get_field("state").choices,
        "department": Department.choices,
    }
    context = {
        "kind": kind,
        "title": meta["title"],
        "rows": rows,
        "next_after": next_after,
        "params": params.urlencode(),
        "sortable": True,
        "sort": sort,
        "unsorted": unsorted.urlencode(),
        "filters": filters,
        "queue": queue,
        "q": q,
        "queues": QUEUES,
        "filter_choices": filter_choices,
        "department_field": selectors.DEPARTMENT[kind],
        **_list_tools(request, kind, queryset, rows, first_page=not request.GET.get("after"), more=bool(next_after)),
    }
    template = "servicedesk/partials/list_body.html" if getattr(request, "htmx", False) else "servicedesk/list.html"
    return render(request, template, context)


SAVED_LISTS = {"complaint": "complaints", "ticket": "tickets", "demand": "demands"}


def _list_tools(
    request: HttpRequest, kind: str, queryset: Any, rows: list[Any], *, first_page: bool, more: bool
) -> dict[str, Any]:
    """What the complaint, ticket and demand lists add to their rows (issue 11): a total (exact up to
    1,000, estimated beyond), the user's saved filters, and a checkbox on the rows the user may 指派
    (tickets and demands: the same rule as the case page's assign step), with the batch bar."""
    from kehu.workbench.lists import list_total
    from kehu.workbench.selectors import editable_ids, saved_filters

    if kind not in SAVED_LISTS:
        return {}
    tools: dict[str, Any] = {
        "total": list_total(queryset, page=rows if first_page else None, more=more),
        "saved_list": SAVED_LISTS[kind],
        "saved_filters": saved_filters(request.user, SAVED_LISTS[kind]),
    }
    spec = WORKFLOWS[kind].get("assign")
    if spec is not None:
        candidates = [r for r in rows if r.state in spec.sources and spec.who(request.user, r)]
        tools["assignable"] = editable_ids(request.user, selectors.MODELS[kind], [r.pk for r in candidates])
    return tools


def _date_param(request: HttpRequest, name: str) -> dt.date | None:
    value = request.GET.get(name, "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValueError(_("日期格式应为 YYYY-MM-DD：%(name)s") % {"name": name}) from exc


@login_required
def tracking_table(request: HttpRequest, kind: str) -> HttpResponse:
    """问题跟踪解决表 / 客户需求跟踪表 (SOP 表2, 表3): every column, the list filters, Excel export."""
    from . import tracking

    if kind not in tracking.COLUMNS:
        raise Http404
    filters = {key: request.GET.get(key, "") for key in selectors.FILTERS[kind]}
    for key in ("owner", "customer"):
        if filters.get(key) and parse_id(filters[key]) is None:
            return HttpResponse(_("参数 %(name)s 须为整数。") % {"name": key}, status=400)
    try:
        since, until = _date_param(request, "since"), _date_param(request, "until")
    except ValueError as error:
        return HttpResponse(str(error), status=400)
    q = request.GET.get("q", "")[:100]
    queryset = selectors.record_list_for(request.user, kind, queue=request.GET.get("queue", ""), q=q, **filters)
    queryset = tracking.tracking_rows(queryset, kind, since=since, until=until)
    described = {k: v for k, v in {**filters, "q": q, "since": since, "until": until}.items() if v}
    if request.GET.get("format") == "xlsx":
        exportable = queryset.filter(pk__in=selectors.scoped(request.user, kind, "export").values("pk"))
        content = tracking.tracking_xlsx(user=request.user, queryset=exportable, kind=kind, filters=described)
        response = HttpResponse(
            content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{kind}-tracking.xlsx"'
        return response
    after = request.GET.get("after", "")
    rows, next_after = selectors.page(queryset, after=parse_id(after), size=PAGE_SIZE)
    params = request.GET.copy()
    params.pop("after", None)
    params.pop("format", None)
    model: Any = selectors.MODELS[kind]
    second = "urgency" if kind == "ticket" else "type"
    context = {
        "kind": kind,
        "title": tracking.TITLES[kind],
        "columns": [label for _name, label, _read in tracking.COLUMNS[kind]],
        "rows": [(record, [tracking.shown(v) for v in tracking.cells(record, kind)]) for record in rows],
        "next_after": next_after,
        "params": params.urlencode(),
        "filters": filters,
        "q": q,
        "since": since,
        "until": until,
        "states": model._meta.get_field("state").choices,
        "departments": Department.choices,
        "second": second,
        "second_label": model._meta.get_field(second).verbose_name,
        "second_choices": model._meta.get_field(second).choices,
        "department_field": selectors.DEPARTMENT[kind],
    }
    return render(request, "servicedesk/tracking.html", context)


def _add_errors(form: Any, error: DomainError) -> None:
    for field, errors in error.field_errors.items():
        for message in errors:
            form.add_error(field if field in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


@login_required
def record_create(request: HttpRequest, kind: str) -> HttpResponse:
    meta = _kind(kind)
    initial = {}
    wanted = request.GET.get("customer", "")
    if wanted.isdigit() and len(wanted) < 19:
        # Prefilled with what a person reads (the name; the number when the name is not unique), never the id.
        found = list(selectors.intake_customers(request.user).filter(pk=int(wanted)).values("name", "archive_no")[:1])
        if found:
            same = selectors.intake_customers(request.user).filter(name=found[0]["name"]).values("pk")[:2]
            initial["customer"] = found[0]["name"] if len(same) == 1 else found[0]["archive_no"]
    form = meta["form"](request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        try:
            record = meta["create"](actor=request.user, **data)
        except DomainError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("已登记：%(no)s") % {"no": record.number})
            return redirect(f"servicedesk:{kind}_detail", pk=record.pk)
    return render(request, "servicedesk/form.html", {"form": form, "kind": kind, "title": meta["title"]})


def _fields(record: Model) -> list[tuple[str, Any]]:
    rows = []
    for field in record._meta.concrete_fields:
        if field.name in HIDDEN:
            continue
        value = getattr(record, field.name)
        if value in (None, "", False) or (field.name.endswith("_amount") and not value):
            continue
        if field.choices:
            value = getattr(record, f"get_{field.name}_display")()
        elif value is True:
            value = _("是")
        elif isinstance(value, dt.datetime):
            value = timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        rows.append((str(field.verbose_name), value))
    return rows


def _detail_context(
    request: HttpRequest, kind: str, record: Any, bound: dict[str, Any] | None = None
) -> dict[str, Any]:
    transitions: list[dict[str, Any]] = []
    for spec in allowed_transitions(kind, request.user, record):
        form = (bound or {}).get(spec.name) or transition_form(spec, initial={"version": record.version})
        transitions.append({"spec": spec, "form": form})
    can_reply = kind in ("complaint", "ticket") and any(t.who(request.user, record) for t in WORKFLOWS[kind].values())
    moving = [t["spec"].name for t in transitions if t["spec"].target or t["spec"].target_for]
    return {
        "kind": kind,
        "main_transition": moving[0] if moving else (transitions[0]["spec"].name if transitions else ""),
        "title": KINDS[kind]["title"],
        "r": record,
        "fields": _fields(record),
        "timeline": _timeline(kind, record),
        "timers": selectors.timers_of(record, kind),
        "mails": selectors.mails_of(record, kind),
        "transitions": transitions,
        # Who acts next, when this user cannot (issue 11: "says only 您当前没有可执行的操作").
        "next_steps": [
            {"label": t.label, "who": t.who_label}
            for t in WORKFLOWS[kind].values()
            if record.state in t.sources and (t.target or t.target_for)
        ],
        "reply_form": (bound or {}).get("reply") or (style(ReplyForm()) if can_reply else None),
        "states": [(value, label, value == record.state) for value, label in record._meta.get_field("state").choices],
        # The case page shows what the case needs; it links to the archive only where the archive rule allows.
        "can_open_customer": bool(scoping.customer_rights(request.user, record.customer_id, ("view",))),
        **(_ticket_group_context(request, record) if kind == "ticket" else {}),
    }


def _ticket_group_context(request: HttpRequest, ticket: Any) -> dict[str, Any]:
    from kehu.accounts.models import User

    from .workflow import ticket_worker

    can_work = ticket_worker(request.user, ticket)
    return {
        "members": list(ticket.task_group.select_related("user").order_by("role", "id")),
        "milestones": list(ticket.milestones.all()),
        "can_work": can_work,
        "member_choices": list(User.objects.filter(is_active=True).order_by("department", "id")[:300])
        if can_work
        else [],
    }


@login_required
@require_POST
def ticket_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    from kehu.accounts.models import User

    ticket = selectors.get_record_for(request.user, "ticket", pk)
    user_id = request.POST.get("user", "")
    user = User.objects.filter(pk=int(user_id), is_active=True).first() if user_id.isdigit() else None
    try:
        services.ticket_member_add(actor=request.user, ticket=ticket, user=user, role=request.POST.get("role", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("servicedesk:ticket_detail", pk=pk)
    messages.success(request, _("已加入专项小组。"))
    return redirect("servicedesk:ticket_detail", pk=pk)


@login_required
@require_POST
def ticket_milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    ticket = selectors.get_record_for(request.user, "ticket", pk)
    raw = request.POST.get("planned_at", "").strip()
    planned_at = None
    if raw:
        try:
            planned_at = timezone.make_aware(dt.datetime.fromisoformat(raw))
        except ValueError:
            messages.error(request, _("计划时间格式不正确。"))
            return redirect("servicedesk:ticket_detail", pk=pk)
    try:
        services.ticket_milestone_add(
            actor=request.user, ticket=ticket, title=request.POST.get("title", ""), planned_at=planned_at
        )
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("servicedesk:ticket_detail", pk=pk)


@login_required
@require_POST
def ticket_milestone_reach(request: HttpRequest, pk: int, milestone_pk: int) -> HttpResponse:
    ticket = selectors.get_record_for(request.user, "ticket", pk)
    milestone = get_object_or_404(ticket.milestones, pk=milestone_pk)
    try:
        services.ticket_milestone_reach(
            actor=request.user, milestone=milestone, told_note=request.POST.get("told_note", "")
        )
    except (DomainError, InvalidTransition) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("节点已达成，并已记录告知客户的内容。"))
    return redirect("servicedesk:ticket_detail", pk=pk)


ACTIONS = {
    "create": gettext_lazy("登记"),
    "mail_in": gettext_lazy("客户来信"),
    "mail_out": gettext_lazy("邮件回复客户"),
}


def _timeline(kind: str, record: Any) -> list[dict[str, Any]]:
    states = dict(record._meta.get_field("state").choices)
    rows = []
    for entry in selectors.timeline_of(record, kind):
        spec = WORKFLOWS[kind].get(entry.action)
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor,
                "action": spec.label if spec else ACTIONS.get(entry.action, entry.action),
                "from_state": states.get(entry.from_state, ""),
                "to_state": states.get(entry.to_state, ""),
                "note": entry.note,
            }
        )
    return rows


@login_required
def record_detail(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _kind(kind)
    record = selectors.get_record_for(request.user, kind, pk)
    log_access(
        user=request.user, action="view", customer=record.customer, request=request, object_type=kind, object_id=pk
    )
    return render(request, "servicedesk/detail.html", _detail_context(request, kind, record))


@login_required
@require_POST
def record_transition(request: HttpRequest, kind: str, pk: int, name: str) -> HttpResponse:
    _kind(kind)
    record = selectors.get_record_for(request.user, kind, pk)
    spec = WORKFLOWS[kind].get(name)
    if spec is None:
        raise Http404
    form = transition_form(spec, request.POST)
    status = 400
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            services.transition(kind, actor=request.user, record=record, name=name, data=data, version=version)
        except ConflictError as error:
            messages.error(request, error.message)
            return redirect(f"servicedesk:{kind}_detail", pk=pk)
        except InvalidTransition as error:
            messages.error(request, error.message)
            return redirect(f"servicedesk:{kind}_detail", pk=pk)
        except DomainError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            status = 403
        else:
            messages.success(request, _("已完成：%(action)s") % {"action": spec.label})
            return redirect(f"servicedesk:{kind}_detail", pk=pk)
    record = selectors.get_record_for(request.user, kind, pk)
    context = _detail_context(request, kind, record, bound={name: form})
    context["open_transition"] = name
    return render(request, "servicedesk/detail.html", context, status=status)


@login_required
@require_POST
def record_reply(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    _kind(kind)
    record = selectors.get_record_for(request.user, kind, pk)
    form = style(ReplyForm(request.POST))
    if form.is_valid():
        try:
            mail.mail_reply(actor=request.user, record=record, **form.cleaned_data)
        except DomainError as error:
            _add_errors(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("邮件已发送给客户。"))
            return redirect(f"servicedesk:{kind}_detail", pk=pk)
    return render(
        request, "servicedesk/detail.html", _detail_context(request, kind, record, {"reply": form}), status=400
    )


def _pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def complaint_pdf(request: HttpRequest, pk: int, form: str) -> HttpResponse:
    record = selectors.get_record_for(request.user, "complaint", pk)
    return _pdf_response(pdf.render_pdf(form, record), f"{record.number}-{form}.pdf")


@login_required
def ticket_pdf(request: HttpRequest, pk: int, form: str = "report") -> HttpResponse:
    record = selectors.get_record_for(request.user, "ticket", pk)
    log_access(
        user=request.user, action="view", customer=record.customer, request=request, object_type="ticket", object_id=pk
    )
    extra = {
        "members": list(record.task_group.select_related("user").order_by("role", "id")),
        "milestones": list(record.milestones.all()),
    }
    return _pdf_response(pdf.render_pdf(form, record, **extra), f"{record.number}-{form}.pdf")


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    attachment = selectors.attachment_for(request.user, pk)
    message = attachment.message
    log_access(
        user=request.user,
        action="view",
        customer=message.customer_id,
        request=request,
        object_type="mail_attachment",
        object_id=attachment.pk,
    )
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.filename)


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    form = style(StatsForm(request.GET or None))
    period, start, end = form.values()
    data = stats.complaint_stats(request.user, period=period, start=start, end=end)
    chart = {
        "labels": [row["label"] for row in data["rows"]],
        "counts": [row["count"] for row in data["rows"]],
        "loss": [float(row["loss_amount"]) for row in data["rows"]],
        "by_category": [{"name": str(r["label"]), "value": r["count"]} for r in data["by_category"]],
        "names": {"count": _("投诉数"), "loss": _("损失金额"), "category": _("投诉内容")},
    }
    table = stats.complaint_table(request.user, period=period, start=start, end=end)
    return render(
        request,
        "servicedesk/stats.html",
        {
            "form": form,
            "stats": data,
            "chart": chart,
            "query": request.GET.urlencode(),
            "table": table,
            "table_headers": stats.table_headers(),
            "table_rows": [[row[key] for key, _label in stats.TABLE_COLUMNS] for row in table["rows"]],
            "tickets": stats.ticket_stats(request.user, period=period, start=start, end=end),
            "demands": stats.demand_stats(request.user, period=period, start=start, end=end),
        },
        status=400 if form.errors else 200,
    )


@login_required
def stats_export(request: HttpRequest) -> HttpResponse | FileResponse:
    form = StatsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return bad_form_response(request, form)
    period, start, end = form.values()
    export = stats.stats_xlsx(user=request.user, period=period, start=start, end=end)
    return export.response(f"complaint-stats-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


def _sla_rows(user: Any, start: dt.date, end: dt.date) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    until = timezone.make_aware(dt.datetime.combine(end, dt.time.min))
    departments = dict(Department.choices)
    by_department = selectors.sla_compliance(user, since=since, until=until, by="department")
    for row in by_department:
        row["label"] = departments.get(row["department"], row["department"] or "—")
    by_person = selectors.sla_compliance(user, since=since, until=until, by="person")
    for row in by_person:
        # No owner: the name parts are None (issue 11 saw "NoneNone"), the row is the unassigned timers.
        name = f"{row['owner__last_name'] or ''}{row['owner__first_name'] or ''}"
        row["label"] = name or row["owner__username"] or _("未指派")
    return by_department, by_person


@login_required
def sla_report(request: HttpRequest) -> HttpResponse:
    form = style(StatsForm(request.GET or None))
    _period, start, end = form.values()
    by_department, by_person = _sla_rows(request.user, start, end)
    context = {"form": form, "by_department": by_department, "by_person": by_person, "params": request.GET.urlencode()}
    return render(request, "servicedesk/sla.html", context, status=400 if form.errors else 200)


@login_required
def sla_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The SLA report as Excel: the same period and rows as the page (issue 11)."""
    form = StatsForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return bad_form_response(request, form)
    _period, start, end = form.values()
    by_department, by_person = _sla_rows(request.user, start, end)
    export = stats.sla_xlsx(user=request.user, start=start, end=end, by_department=by_department, by_person=by_person)
    return export.response(f"sla-{start:%Y%m%d}-{end:%Y%m%d}.xlsx")


@login_required
def unmatched(request: HttpRequest) -> HttpResponse:
    if not roles.is_service_desk(request.user):
        raise PermissionDenied
    form = UnmatchedForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        message = get_object_or_404(selectors.unmatched_mail(request.user), pk=form.cleaned_data["mail"])
        try:
            if form.cleaned_data["kind"] == "dismiss":
                mail.mail_dismiss(actor=request.user, mail=message)
                messages.success(request, _("邮件已忽略。"))
                return redirect("servicedesk:unmatched")
            record = mail.mail_assign(
                actor=request.user, mail=message, customer=form.cleaned_data["customer"], kind=form.cleaned_data["kind"]
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("已登记：%(no)s") % {"no": record.number})
            return redirect(f"servicedesk:{form.cleaned_data['kind']}_detail", pk=record.pk)
    context = {"mails": list(selectors.unmatched_mail(request.user)[:100]), "form": form}
    return render(request, "servicedesk/unmatched.html", context, status=400 if form.errors else 200)

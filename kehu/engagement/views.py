"""Pages of the contact engine. Thin: forms parse, services write, selectors read from the user's scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access import roles
from kehu.access.audit import log_access
from kehu.accounts.models import User
from kehu.core import workcalendar
from kehu.core.exceptions import DomainError, InvalidTransition
from kehu.core.inputs import parse_id, safe_next
from kehu.customers.selectors import contacts_for
from kehu.workbench.lists import keyset_page, list_total
from kehu.workbench.selectors import saved_filters

from . import selectors, services
from .choices import BoardState, FollowUpStatus
from .exports import overview_xlsx
from .forms import (
    BoardItemForm,
    CalendarDayForm,
    CalendarImportForm,
    CareRecordForm,
    FollowUpCompleteForm,
    InteractionForm,
    OverviewFilterForm,
    PolicyForm,
)
from .models import MaintenancePolicy, ReplanJob

PAGE_SIZE = 50


def _add_errors(form: Any, error: DomainError) -> None:
    for name, errors in error.field_errors.items():
        for message in errors:
            form.add_error(name if name in form.fields else None, message)
    if not error.field_errors:
        form.add_error(None, error.message)


def _int(value: str | None) -> int | None:
    return parse_id(value)


def _person(request: HttpRequest) -> Any:
    """The board's person: the user, or someone of their team (filter by person)."""
    person_id = _int(request.GET.get("person"))
    if person_id and person_id != request.user.pk:
        return get_object_or_404(User.objects.filter(pk__in=selectors.team_ids(request.user)), pk=person_id)
    return request.user


def _team(request: HttpRequest) -> list[Any]:
    return list(User.objects.filter(pk__in=selectors.team_ids(request.user), is_active=True).order_by("username"))


# --- boards --------------------------------------------------------------------------------------


TEXT = "text/plain; charset=utf-8"  # a refused move's reason, shown above the board by board.js
WEEK_RANGE_DAYS = 3660  # the week navigation reaches ten years either way; further is a typo


def _week_param(request: HttpRequest) -> dt.date | None:
    """?week=YYYY-MM-DD (any day of the week) or nothing (this week); raises ValueError with a message."""
    raw = request.GET.get("week", "").strip()
    if not raw:
        return None
    try:
        week = dt.date.fromisoformat(raw)
    except ValueError as exc:
        raise ValueError(_("周的日期格式应为 YYYY-MM-DD。")) from exc
    if abs((week - timezone.localdate()).days) > WEEK_RANGE_DAYS:
        raise ValueError(_("只能查看前后十年内的周。"))
    return week


@login_required
def board(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    try:
        week = _week_param(request)
    except ValueError as error:
        return HttpResponse(str(error), status=400)
    weekly = selectors.weekly_board(request.user, person=person, week=week)
    # the menu alternative to dragging a card (issue 11): the columns of this board a card can be moved into
    targets = [("today", _("今天")), ("tomorrow", _("明天"))] if weekly.is_current_week else []
    if weekly.week_drop_day:
        targets.append(("week", _("本周") if weekly.is_current_week else _("该周")))
    targets.append(("done", _("已完成")))
    context = {
        "board": weekly,
        "person": person,
        "team": _team(request),
        "item_form": BoardItemForm(initial={"planned_on": timezone.localdate(), "period": "week"}),
        "board_move_targets": targets,
    }
    template = "engagement/partials/weekly_board.html" if request.htmx else "engagement/board.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def board_month(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    context = {
        "board": selectors.monthly_board(request.user, person=person),
        "person": person,
        "team": _team(request),
        "states": BoardState.choices,
        "item_form": BoardItemForm(initial={"planned_on": timezone.localdate(), "period": "month"}),
    }
    return render(request, "engagement/board_month.html", context)


@login_required
@require_POST
def board_item_create(request: HttpRequest) -> HttpResponse:
    form = BoardItemForm(request.POST)
    if form.is_valid():
        try:
            services.board_item_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("看板事项已添加。"))
    else:
        messages.error(request, _("请填写标题和日期。"))
    return redirect("engagement:board_month" if request.POST.get("period") == "month" else "engagement:board")


@login_required
@require_POST
def board_item_move(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(selectors.board_items_for(request.user), pk=pk)
    planned = request.POST.get("planned_on", "")
    if request.POST.get("column") == "overdue":
        # 已逾期 is what a date passing makes of a card, not a place to put work (ADR 0021): say so
        return HttpResponse(
            _("不能把事项移到“已逾期”：逾期由日期自然形成。请改到今天或以后的某天，或标为已完成。"),
            status=400,
            content_type=TEXT,
        )
    if request.POST.get("column") == "week" and not planned:
        return HttpResponse(_("本周已没有明天之后的日子，请移到今天或明天。"), status=400, content_type=TEXT)
    try:
        services.board_item_move(
            actor=request.user,
            item=item,
            state=request.POST.get("state", ""),
            planned_on=dt.date.fromisoformat(planned) if planned else None,
        )
    except (DomainError, ValueError) as error:
        return HttpResponse(getattr(error, "message", str(error)), status=400, content_type=TEXT)
    return HttpResponse(status=204)


def _sorted_page(request: HttpRequest, list_name: str, queryset: Any) -> tuple[str, list[Any], str]:
    """A sortable engagement list's page: (sort name, rows, next cursor), keyset on (key, id)."""
    sort, key = selectors.list_sort(list_name, request.GET)
    rows, next_after = keyset_page(queryset, key, after=request.GET.get("after", ""), size=PAGE_SIZE)
    return sort, rows, next_after


def _saved(request: HttpRequest, list_name: str) -> dict[str, Any]:
    """The user's own saved filters on the list (workbench/partials/saved_filters.html): one query."""
    return {"saved_list": list_name, "saved_filters": saved_filters(request.user, list_name)}


def _sort_context(request: HttpRequest, sort: str) -> dict[str, Any]:
    """For the column headers (workbench/partials/sort_link.html): the sort and the query without it."""
    unsorted = request.GET.copy()
    for key in ("after", "sort"):
        unsorted.pop(key, None)
    return {"sort": sort, "unsorted": unsorted.urlencode()}


# --- contact plans and the overview --------------------------------------------------------------


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    queryset, scope, due = selectors.plans_from_params(request.user, request.GET)
    sort, rows, next_after = _sorted_page(request, "plans", queryset)
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        **_sort_context(request, sort),
        **_saved(request, "plans"),
        "plans": rows,
        "next_after": next_after,
        "scope": scope,
        "due": due,
        "params": params.urlencode(),
        "total": list_total(queryset, page=None if request.GET.get("after") else rows, more=bool(next_after)),
        **_plan_batch(request, rows),
    }
    return render(request, "engagement/plans.html", context)


def _plan_batch(request: HttpRequest, rows: list[Any]) -> dict[str, Any]:
    """转移负责人 on the contact-plan list (issue 11, ADR 0021): a plan's assignee is its customer's owner,
    so the batch transfers the customers; a checkbox on the plans whose customer the user may edit (one
    query), as on the customer list."""
    from kehu.customers.models import Customer
    from kehu.workbench.selectors import editable_ids

    editable = editable_ids(request.user, Customer, sorted({p.customer_id for p in rows}))
    return {"selectable": {p.pk for p in rows if p.customer_id in editable}}


def _overview(request: HttpRequest, action: str) -> tuple[OverviewFilterForm, Any]:
    form = OverviewFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    queryset = selectors.overview_for(
        request.user,
        action=action,
        q=data.get("q", ""),
        grade=data.get("grade", ""),
        priority=data.get("priority", ""),
        owner_id=request.user.pk if data.get("mine") else None,
        overdue=bool(data.get("overdue")),
    )
    return form, queryset


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    form, queryset = _overview(request, "view")
    rows, next_after = selectors.id_page(queryset, after=_int(request.GET.get("after")), size=PAGE_SIZE)
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        "form": form,
        "rows": rows,
        "next_after": next_after,
        "params": params.urlencode(),
        "today": timezone.localdate(),
    }
    template = "engagement/partials/overview_table.html" if request.htmx else "engagement/overview.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@login_required
def overview_export(request: HttpRequest) -> FileResponse:
    _form, queryset = _overview(request, "export")
    export = overview_xlsx(user=request.user, rows=queryset, filters=request.GET.dict())
    return export.response(f"contact-overview-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


# --- interactions ---------------------------------------------------------------------------------


@login_required
def interaction_list(request: HttpRequest) -> HttpResponse:
    q, queryset = selectors.interactions_from_params(request.user, request.GET)
    sort, rows, next_after = _sorted_page(request, "interactions", queryset)
    if q:
        log_access(user=request.user, action="search", request=request, query=q, rows=len(rows))
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "engagement/interactions.html",
        {
            **_sort_context(request, sort),
            **_saved(request, "interactions"),
            "rows": rows,
            "next_after": next_after,
            "q": q,
            "params": params.urlencode(),
            "total": list_total(queryset, page=None if request.GET.get("after") else rows, more=bool(next_after)),
        },
    )


@login_required
def interaction_new(request: HttpRequest) -> HttpResponse:
    """GET: the form for one customer (htmx partial on the board and the timeline); POST: log it."""
    source = request.POST if request.method == "POST" else request.GET
    customer = selectors.get_customer_for(request.user, _int(source.get("customer")) or 0)
    form = InteractionForm(
        request.POST or None, initial={"customer": customer.pk, "channel": source.get("channel", "phone")}
    )
    contacts = list(contacts_for(request.user, customer_id=customer.pk).order_by("-is_main_contact", "id")[:20])
    back = source.get("next", "")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        contact = next((c for c in contacts if str(c.pk) == request.POST.get("contact")), None)
        try:
            services.interaction_log(
                actor=request.user,
                customer=customer,
                channel=data["channel"],
                content=data["content"],
                occurred_at=data["occurred_at"],
                contact=contact,
                people=data["people"],
                subject=data["subject"],
                outcome=data["outcome"],
                next_steps=data["next_steps"],
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("沟通记录已保存：%(customer)s") % {"customer": customer.name})
            fallback = reverse("engagement:timeline", args=[customer.pk])
            target = safe_next(back, fallback) if back.startswith("/engagement/") else fallback
            if request.htmx:  # type: ignore[attr-defined]
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
    template = "engagement/partials/interaction_form.html" if request.htmx else "engagement/interaction_form.html"  # type: ignore[attr-defined]
    return render(request, template, {"form": form, "customer": customer, "contacts": contacts, "next": back})


@login_required
def timeline(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.get_customer_for(request.user, pk)
    plan = selectors.plans_for(request.user, customer_id=customer.pk).first()
    context = {
        "customer": customer,
        "plan": plan,
        "entries": selectors.timeline(request.user, customer),
        "today": timezone.localdate(),
    }
    return render(request, "engagement/timeline.html", context)


# --- follow-up visits ---------------------------------------------------------------------------------


@login_required
def followup_list(request: HttpRequest) -> HttpResponse:
    form, queryset = selectors.followups_from_params(request.user, request.GET)
    sort, rows, next_after = _sorted_page(request, "followups", queryset)
    params = request.GET.copy()
    params.pop("after", None)
    context = {
        **_sort_context(request, sort),
        **_saved(request, "followups"),
        "form": form,
        "rows": rows,
        "next_after": next_after,
        "params": params.urlencode(),
        "today": timezone.localdate(),
        "total": list_total(queryset, page=None if request.GET.get("after") else rows, more=bool(next_after)),
        **_followup_batch(request, rows),
    }
    return render(request, "engagement/followups.html", context)


def _followup_batch(request: HttpRequest, rows: list[Any]) -> dict[str, Any]:
    """Batch actions on the follow-up list (issue 11). A checkbox on each planned follow-up the user may
    edit (one query: `restrict(user, "edit")`), which is what 改派 moves; closing is for one's own planned
    follow-ups only. The services check both again."""
    from kehu.workbench.selectors import editable_ids

    from .models import FollowUp

    planned = [f for f in rows if f.status == FollowUpStatus.PLANNED]
    selectable = editable_ids(request.user, FollowUp, [f.pk for f in planned])
    tools: dict[str, Any] = {
        "selectable": selectable,
        "closable": {f.pk for f in planned if f.assignee_id == request.user.pk and f.pk in selectable},
    }
    return tools


@login_required
def followup_detail(request: HttpRequest, pk: int) -> HttpResponse:
    followup = selectors.get_followup_for(request.user, pk)
    questions = selectors.questions_for(followup.type)
    form = FollowUpCompleteForm(
        request.POST or None, questions=questions, initial={"version": followup.version, "channel": "phone"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.followup_complete(
                actor=request.user,
                followup=followup,
                version=data["version"],
                channel=data["channel"],
                satisfaction=data["satisfaction"],
                answers=form.answers(),
                summary=data["summary"],
                actions=data["actions"],
                action_department=data["action_department"],
                action_due_on=data["action_due_on"],
                attitude=data["attitude"],
                speed=data["speed"],
                ability=data["ability"],
            )
        except DomainError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("回访已完成。"))
            return redirect("engagement:followup", pk=followup.pk)
    return render(request, "engagement/followup_detail.html", {"followup": followup, "form": form})


@login_required
def followup_report(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    try:
        since = dt.date.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = today.replace(day=1)
    try:
        until = dt.date.fromisoformat(request.GET.get("until", ""))
    except ValueError:
        until = today
    report = selectors.followup_report(request.user, since=since, until=until)
    chart = {
        "labels": [r.label for r in report.rows],
        "completion": [r.completion_rate for r in report.rows],
        "timeliness": [r.timeliness for r in report.rows],
        "names": {"completion": _("完成率（%）"), "timeliness": _("及时率（%）")},
    }
    context = {
        "report": report,
        "since": since,
        "until": until,
        "chart": chart,
        "by_person": selectors.followup_results_by_person(request.user, since=since, until=until),
        "quality": selectors.service_quality_by_staff(request.user, since=since, until=until),
    }
    return render(request, "engagement/followup_report.html", context)


@login_required
def followup_actions(request: HttpRequest) -> HttpResponse:
    """回访后续任务: follow-up actions routed to departments, each with an owner and a due date."""
    status = request.GET.get("status", "open")
    if status not in ("open", "done", ""):
        status = "open"
    mine = request.GET.get("mine") == "1"
    if request.method == "POST":
        action_id = request.POST.get("action", "")
        task = _action_for(request, action_id)
        try:
            services.followup_action_complete(actor=request.user, action=task, note=request.POST.get("note", ""))
        except (DomainError, InvalidTransition) as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("后续任务已完成。"))
        return redirect(request.get_full_path())
    rows = list(selectors.followup_actions_for(request.user, status=status, mine=mine)[:200])
    today = timezone.localdate()
    return render(
        request,
        "engagement/followup_actions.html",
        {"rows": rows, "status": status, "mine": mine, "today": today},
    )


def _action_for(request: HttpRequest, action_id: str) -> Any:
    from .models import FollowUpAction

    pk = parse_id(action_id)
    if pk is None:
        raise Http404
    return get_object_or_404(FollowUpAction.objects.restrict(request.user, "edit"), pk=pk)


# --- care ------------------------------------------------------------------------------------------------


@login_required
def care_list(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    status = request.GET.get("status", "planned")
    # due=overdue|today: what the 工作台 counts (issue 11: each count opens the list it counted).
    due = request.GET.get("due", "")
    since, until = None, today + dt.timedelta(days=60)
    if due == "overdue":
        until = today - dt.timedelta(days=1)
    elif due == "today":
        since = until = today
    queryset = selectors.care_items_for(
        request.user,
        status=status if status in ("planned", "sent", "skipped") else "",
        assignee_id=None if request.GET.get("all") else request.user.pk,
        since=since,
        until=until,
    )
    rows, next_after = selectors.id_page(queryset, after=_int(request.GET.get("after")), size=PAGE_SIZE)
    return render(
        request, "engagement/care.html", {"rows": rows, "next_after": next_after, "status": status, "today": today}
    )


@login_required
@require_POST
def care_record(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_care_item_for(request.user, pk)
    form = CareRecordForm(request.POST)
    if form.is_valid():
        try:
            services.care_item_record(actor=request.user, item=item, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("已记录：%(occasion)s") % {"occasion": item.occasion})
    return redirect("engagement:care")


# --- policies and the re-plan job ---------------------------------------------------------------------------


@login_required
def policy_list(request: HttpRequest) -> HttpResponse:
    rows = [
        (p, PolicyForm(initial={**p.__dict__, "version": p.version}, prefix=str(p.pk))) for p in selectors.policies()
    ]
    return render(
        request,
        "engagement/policies.html",
        {"rows": rows, "jobs": selectors.latest_jobs(), "can_edit": roles.is_admin(request.user)},
    )


@login_required
@require_POST
def policy_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not roles.is_admin(request.user):
        raise PermissionDenied
    policy = get_object_or_404(MaintenancePolicy, pk=pk)
    form = PolicyForm(request.POST, prefix=str(pk))
    if not form.is_valid():
        messages.error(request, _("输入有误：%(errors)s") % {"errors": form.errors.as_text()})
        return redirect("engagement:policies")
    data = form.cleaned_data
    try:
        job = services.policy_update(actor=request.user, policy=policy, version=data.pop("version"), **data)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("engagement:policies")
    messages.success(request, _("维护策略已保存，正在重新排期受影响的客户。"))
    return redirect(f"{reverse('engagement:policies')}?job={job.pk}")  # a path: never built from the Host


@login_required
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = get_object_or_404(ReplanJob, pk=pk)
    return render(request, "engagement/partials/job_progress.html", {"job": job})


# --- working-day calendar -----------------------------------------------------------------------------------


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    try:
        year = int(request.GET.get("year", "") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    year = min(max(year, 2004), 2100)
    day_form, import_form = CalendarDayForm(), CalendarImportForm()
    if request.method == "POST":
        try:
            if "text" in request.POST:
                import_form = CalendarImportForm(request.POST)
                if import_form.is_valid():
                    count = workcalendar.calendar_import(actor=request.user, text=import_form.cleaned_data["text"])
                    messages.success(request, _("已导入 %(n)s 天。") % {"n": count})
                    return redirect(f"/engagement/calendar/?year={year}")
            else:
                day_form = CalendarDayForm(request.POST)
                if day_form.is_valid():
                    workcalendar.calendar_day_set(actor=request.user, **day_form.cleaned_data)
                    messages.success(request, _("工作日历已更新。"))
                    return redirect(f"/engagement/calendar/?year={year}")
        except DomainError as error:
            _add_errors(import_form if "text" in request.POST else day_form, error)
    special = [
        d
        for d in workcalendar.days(dt.date(year, 1, 1), dt.date(year, 12, 31))
        if d["source"] == "override" or (d["name"]) or (d["is_workday"] != (d["date"].weekday() < 5))  # type: ignore[attr-defined]
    ]
    context = {"year": year, "days": special, "day_form": day_form, "import_form": import_form}
    return render(request, "engagement/calendar.html", context)

"""Access governance pages: requests and notifications (everyone), access log and change history
(admins, auditors), security overview (admins), a person's PIPL page, TOTP enrolment/verification.
Thin: forms in, services/selectors do the work."""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.core.exceptions import DomainError
from kehu.core.exports import XlsxExport, capped
from kehu.core.inputs import bad_form_response, parse_id, safe_next

from . import otp, personal, roles, selectors, services
from .audit import log_access
from .choices import LogAction
from .forms import AccessLogFilterForm, AccessRequestForm, DecisionForm, TokenForm
from .masking import mask_text

PAGE_SIZE = 50


def keyset_page(queryset: Any, request: HttpRequest, size: int = PAGE_SIZE) -> tuple[list[Any], int | None]:
    """Newest first, `?before=<id>` for the next page: no OFFSET, no COUNT."""
    before = parse_id(request.GET.get("before"))
    if before is not None:
        queryset = queryset.filter(pk__lt=before)
    rows = list(queryset[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def page(request: HttpRequest, template: str, tab: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """Render with the flags the section tabs need."""
    user = request.user
    flags = {
        "tab": tab,
        "is_auditor": roles.can_read_audit(user),
        "is_admin": roles.is_admin(user),
        "is_manager": otp.may_enrol(user),
        "unread": selectors.unread_notification_count(user),
    }
    return render(request, template, {**flags, **context}, status=status)


def _form_errors_to(form: Any, error: DomainError) -> None:
    for field, errors in error.field_errors.items():
        target = field if field in form.fields else None
        for message in errors:
            form.add_error(target, message)
    if not error.field_errors:
        form.add_error(None, error.message)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    initial: dict[str, Any] = {}
    wanted = parse_id(request.GET.get("customer"))
    if wanted is not None:
        found = selectors.listed_customers(request.user).filter(pk=wanted).values_list("archive_no", flat=True)
        initial["archive_no"] = found.first() or ""
    form = AccessRequestForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        number = form.cleaned_data["archive_no"].strip()
        customer = selectors.listed_customers(request.user).filter(archive_no=number).first()
        try:
            services.access_request_create(
                actor=request.user,
                customer=customer,
                purpose=form.cleaned_data["purpose"],
                valid_until=form.cleaned_data["valid_until"],
                scope=form.cleaned_data["scope"],
            )
        except DomainError as error:
            if "customer" in error.field_errors:
                error.field_errors["archive_no"] = error.field_errors.pop("customer")
            _form_errors_to(form, error)
        else:
            messages.success(request, _("申请已提交，等待客服主管审批。"))
            return redirect("access:home")
    mine, mine_next = keyset_page(selectors.access_requests_for(request.user, box="mine"), request)
    context = {
        "form": form,
        "mine": mine,
        "mine_next": mine_next,
        "can_approve": roles.is_cs_supervisor(request.user),
        "to_approve": list(selectors.access_requests_for(request.user, box="to_approve")[:PAGE_SIZE]),
        "decided": list(selectors.access_requests_for(request.user, box="decided")[:PAGE_SIZE]),
        "decision_form": DecisionForm(),
        "notifications": list(selectors.notifications_for(request.user)[:20]),
        "today": timezone.localdate(),
    }
    return page(request, "access/home.html", "home", context)


REQUEST_BOXES = ("mine", "to_approve", "decided")


@login_required
def requests_export(request: HttpRequest, box: str) -> FileResponse:
    """One box of the access requests as Excel (issue 11): the rows the page lists (the user's own, or for
    an approver those waiting and those decided), capped like any staff export and logged."""
    if box not in REQUEST_BOXES:
        raise Http404
    export = XlsxExport()
    sheet = export.sheet(
        _("访问申请"),
        header=[
            _("申请时间"),
            _("申请人"),
            _("档案编号"),
            _("客户"),
            _("范围"),
            _("用途"),
            _("有效期至"),
            _("状态"),
            _("审批人"),
            _("审批时间"),
            _("审批意见"),
        ],
    )
    rows = selectors.access_requests_for(request.user, box=box).select_related("decided_by")
    for r in capped(rows, roles.export_row_cap(request.user)).iterator(chunk_size=2000):
        sheet.append(
            [
                timezone.localtime(r.created_at).strftime("%Y-%m-%d %H:%M"),
                r.requester.display_name,
                r.customer.archive_no,
                r.customer.name,
                r.get_scope_display(),
                r.purpose,  # free text typed by the requester: escaped by the writer
                r.valid_until.isoformat(),
                r.get_status_display(),
                r.decided_by.display_name if r.decided_by else "",
                timezone.localtime(r.decided_at).strftime("%Y-%m-%d %H:%M") if r.decided_at else "",
                r.decision_note,
            ]
        )
    log_access(
        user=request.user,
        action="export",
        request=request,
        rows=sheet.rows,
        detail={"list": "access_requests", "box": box},
    )
    return export.response(f"access-requests-{box}-{timezone.localdate():%Y%m%d}.xlsx")


DECISIONS = {
    "approve": (services.access_request_approve, _("已批准。")),
    "reject": (services.access_request_reject, _("已驳回。")),
    "revoke": (services.access_request_revoke, _("授权已撤销。")),
}


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, decision: str) -> HttpResponse:
    if decision not in DECISIONS:
        raise Http404
    access_request = selectors.access_request_for(request.user, pk)
    if access_request is None:
        raise Http404(_("申请不存在。"))
    form = DecisionForm(request.POST)
    service, done = DECISIONS[decision]
    try:
        service(actor=request.user, request=access_request, note=form.data.get("note", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return redirect("access:home")


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_read(actor=request.user)
    return redirect("access:home")


def _log_queryset(request: HttpRequest, form: AccessLogFilterForm) -> Any:
    from kehu.accounts.models import User

    data = form.cleaned_data if form.is_valid() else {}
    user_id = None
    if data.get("username"):
        user_id = User.objects.filter(username=data["username"].strip()).values_list("pk", flat=True).first() or -1
    tz = timezone.get_current_timezone()

    def start(day: datetime.date | None) -> datetime.datetime | None:
        return datetime.datetime.combine(day, datetime.time.min, tzinfo=tz) if day else None

    until = data.get("until")
    return selectors.access_log_for(
        request.user,
        user_id=user_id,
        customer_id=data.get("customer"),
        action=data.get("action", ""),
        since=start(data.get("since")),
        until=start(until + datetime.timedelta(days=1)) if until else None,
    )


@login_required
def access_log(request: HttpRequest) -> HttpResponse:
    form = AccessLogFilterForm(request.GET or None)
    rows, next_before = keyset_page(_log_queryset(request, form), request)
    query = request.GET.copy()
    query.pop("before", None)
    return page(
        request,
        "access/log.html",
        "log",
        {"form": form, "rows": rows, "next_before": next_before, "query": query.urlencode()},
        status=400 if form.errors else 200,
    )


ACCESS_LOG_EXPORT_CAP = 100_000  # the log is admins' (no staff cap applies); one file stays openable


@login_required
def access_log_export(request: HttpRequest) -> HttpResponse | FileResponse:
    """The filtered log as .xlsx (capped; the export itself is logged)."""
    form = AccessLogFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return bad_form_response(request, form)
    queryset = _log_queryset(request, form)
    export = XlsxExport()
    sheet = export.sheet(
        _("访问日志"),
        header=[
            _("时间"),
            _("用户"),
            "IP",
            _("操作"),
            _("客户 ID"),
            _("客户名称"),
            _("对象"),
            _("查询"),
            _("行数"),
            _("所用授权"),
            _("详情"),
        ],
    )
    for entry in capped(queryset, ACCESS_LOG_EXPORT_CAP).iterator(chunk_size=2000):
        sheet.append(
            [
                timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"),
                entry.user.username if entry.user else "",
                entry.ip or "",
                entry.get_action_display(),
                entry.customer_id or "",
                entry.customer_name,
                f"{entry.object_type} {entry.object_id}".strip(),
                entry.query,  # another user's search text: escaped by the writer
                entry.rows if entry.rows is not None else "",
                entry.grant_id or "",
                json.dumps(entry.detail, ensure_ascii=False) if entry.detail else "",
            ]
        )
    log_access(
        user=request.user,
        action=LogAction.LOG_EXPORT,
        request=request,
        rows=sheet.rows,
        detail={k: v for k, v in request.GET.items() if v},
    )
    return export.response(f"access-log-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
def change_history(request: HttpRequest) -> HttpResponse:
    """Who changed what from what to what, across the archive. Personal fields show only that they changed."""
    model = request.GET.get("model", "customer")
    queryset = selectors.change_history_for(request.user, model=model)
    before = parse_id(request.GET.get("before"))
    if before is not None:
        queryset = queryset.filter(history_id__lt=before)
    rows = list(queryset[: PAGE_SIZE + 1])
    page_rows = rows[:PAGE_SIZE]
    previous = selectors.previous_history_records(queryset.model, page_rows)
    entries = []
    for record in page_rows:
        prev = previous.get(record.history_id)
        changes = []
        for change in record.diff_against(prev).changes if prev is not None else []:
            masked = change.field in personal.personal_fields(record.instance_type)
            changes.append(
                {
                    "field": record._meta.get_field(change.field).verbose_name,
                    "old": mask_text(str(change.old)) if masked else change.old,
                    "new": mask_text(str(change.new)) if masked else change.new,
                }
            )
        entries.append({"record": record, "changes": changes})
    next_before = page_rows[-1].history_id if len(rows) > PAGE_SIZE else None
    return page(
        request, "access/history.html", "history", {"entries": entries, "model": model, "next_before": next_before}
    )


@login_required
def security(request: HttpRequest) -> HttpResponse:
    return page(request, "access/security.html", "security", selectors.security_overview(request.user))


@login_required
@require_POST
def unlock_login(request: HttpRequest) -> HttpResponse:
    """Admins lift a login lockout (a username from one address; the address's spraying lock too)."""
    from kehu.accounts import lockout

    if not roles.is_admin(request.user):
        raise PermissionDenied
    username, ip = request.POST.get("username", "")[:150], request.POST.get("ip", "")[:45]
    lockout.unlock(username=username, ip=ip)
    messages.success(request, _("已解锁：%(username)s %(ip)s") % {"username": username, "ip": ip})
    return redirect("access:security")


def otp_setup(request: HttpRequest) -> HttpResponse:
    if not otp.may_enrol(request.user):
        raise PermissionDenied(_("双因素验证面向经理及以上和管理员。"))
    device = otp.pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if otp.confirm_device(request=request, device=device, token=form.cleaned_data["token"]):
            messages.success(request, _("双因素验证已启用。"))
            return redirect("access:home")
        form.add_error("token", _("验证码不正确，请重试。"))
    return page(
        request,
        "access/otp_setup.html",
        "otp",
        {
            "form": form,
            "secret": otp.secret_of(device),
            "uri": otp.provisioning_uri(device),
            "enabled": otp.has_confirmed_device(request.user),
        },
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    next_url = safe_next(request.GET.get("next") or request.POST.get("next"), "/")
    if request.method == "POST" and form.is_valid():
        if otp.verify_login(request=request, token=form.cleaned_data["token"]):
            return redirect(next_url)
        form.add_error("token", _("验证码不正确，请重试。"))
    return render(request, "access/otp_verify.html", {"form": form, "next": next_url})

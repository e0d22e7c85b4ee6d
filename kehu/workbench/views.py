"""Views of the 工作台: home, approving from home, the message centre, the customer picker."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access.audit import log_access
from kehu.access.selectors import request_unread_count
from kehu.core.exceptions import ConflictError, DomainError
from kehu.core.inputs import parse_id, parse_query, safe_next
from kehu.servicedesk import selectors as desk

from . import selectors, services


def _home(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    home = selectors.home_for(request.user, unread=request_unread_count(request))
    return render(request, "workbench/home.html", {"home": home}, status=status)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return _home(request)


@login_required
@require_POST
def approve_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """One click from the home page: the same transition as the complaint page's 批准方案."""
    complaint = desk.get_record_for(request.user, "complaint", pk)
    version = request.POST.get("version", "")
    if parse_id(version) is None:
        messages.error(request, _("请求无效，请刷新页面后重试。"))
        return _home(request, status=400)
    try:
        services.complaint_plan_approve(
            actor=request.user, complaint=complaint, version=int(version), note=request.POST.get("note", "")[:2000]
        )
    except PermissionDenied as error:
        messages.error(request, str(error))
        return _home(request, status=403)
    except DomainError as error:
        messages.error(request, error.message)
        return _home(request, status=409 if isinstance(error, ConflictError) else 400)
    messages.success(request, _("已批准投诉 %(no)s 的处理方案，已通知处理人。") % {"no": complaint.number})
    # back where the click was: the home, or the service desk's 我的待办
    return redirect(safe_next(request.POST.get("next"), "/"))


@login_required
def message_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "1"
    after = request.GET.get("after", "")
    rows, next_after = selectors.message_page(request.user, unread_only=unread_only, after=parse_id(after))
    from .delivery import dingtalk_configured, preference_of, wecom_configured

    context = {
        "rows": rows,
        "next_after": next_after,
        "unread_only": unread_only,
        "preference": preference_of(request.user.pk or 0),
        "wecom_configured": wecom_configured(),
        "dingtalk_configured": dingtalk_configured(),
    }
    return render(request, "workbench/messages.html", context)


def _member_id(request: HttpRequest, field: str, current: Any) -> str:
    """The WeCom / DingTalk id posted, or, when the field is hidden (the app is not configured), the one the
    user gave earlier: saving the other choices never drops it."""
    if field in request.POST:
        return request.POST[field].strip()
    return str(getattr(current, field, "") or "") if current else ""


@login_required
@require_POST
def delivery_preference(request: HttpRequest) -> HttpResponse:
    """How the user's workflow messages reach them: always in the app; also by e-mail, as a WeCom
    application message to their own WeCom member id and/or as a DingTalk work notification to their own
    DingTalk user id. Checked whole before anything is saved."""
    from .delivery import (
        DINGTALK_USERID,
        WECOM_USERID,
        dingtalk_configured,
        preference_of,
        set_preference,
        wecom_configured,
    )

    if request.POST.get("delivery") != "1":  # the form's marker: a post from elsewhere changes nothing
        return _refused(request, _("请选择消息送达方式。"), status=400)
    email = request.POST.get("email") == "on"
    wecom = request.POST.get("wecom") == "on"
    dingtalk = request.POST.get("dingtalk") == "on"
    current = preference_of(request.user.pk or 0)
    wecom_userid = _member_id(request, "wecom_userid", current)
    dingtalk_userid = _member_id(request, "dingtalk_userid", current)
    if email and not getattr(request.user, "email", ""):
        return _refused(request, _("您的账号没有邮箱地址，请联系管理员添加后再选择邮件。"), status=400)
    if wecom and not wecom_configured():
        return _refused(request, _("未配置企业微信应用，暂不能以企业微信接收消息。"), status=400)
    if wecom_userid and not WECOM_USERID.match(wecom_userid):
        return _refused(request, _("企业微信账号只能包含字母、数字和 _ - . @，最多 64 个字符。"), status=400)
    if wecom and not wecom_userid:
        return _refused(request, _("请填写您的企业微信账号（成员 UserID）。"), status=400)
    if dingtalk and not dingtalk_configured():
        return _refused(request, _("未配置钉钉应用，暂不能以钉钉接收消息。"), status=400)
    if dingtalk_userid and not DINGTALK_USERID.match(dingtalk_userid):
        return _refused(request, _("钉钉账号只能包含字母、数字和 _ - . @，最多 64 个字符。"), status=400)
    if dingtalk and not dingtalk_userid:
        return _refused(request, _("请填写您的钉钉账号（用户 userid）。"), status=400)
    set_preference(
        actor=request.user,
        email=email,
        wecom=wecom,
        wecom_userid=wecom_userid,
        dingtalk=dingtalk,
        dingtalk_userid=dingtalk_userid,
    )
    messages.success(request, _("已保存消息送达方式。"))
    return redirect("workbench:messages")


@login_required
def message_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open a message: GET shows where it leads; POST marks it read and follows its link (a path on
    this site only: a message's link is never an open redirect)."""
    if request.method != "POST":
        return redirect("workbench:messages")
    note = services.message_mark_read(actor=request.user, pk=pk)
    if note is None:
        raise Http404(_("消息不存在。"))
    if request.POST.get("stay"):
        return redirect(safe_next(request.POST.get("next"), "/workbench/messages/"))
    return redirect(safe_next(note.url, "/workbench/messages/"))


@login_required
@require_POST
def message_read_all(request: HttpRequest) -> HttpResponse:
    count = services.messages_mark_all_read(actor=request.user)
    messages.success(request, _("已将 %(count)d 条消息标为已读。") % {"count": count})
    return redirect("workbench:messages")


@login_required
def pick_customers(request: HttpRequest) -> JsonResponse:
    q = request.GET.get("q", "")
    if len(q) > 50:
        return JsonResponse({"detail": _("搜索内容过长。")}, status=400)
    purpose = "access" if request.GET.get("for") == "access" else "intake"
    results = selectors.pick_customers(request.user, q, purpose=purpose)
    if len(q.strip()) >= 2:  # a search of the archive, logged like the customer list's
        log_access(
            user=request.user,
            action="search",
            request=request,
            query=q.strip(),
            rows=len(results),
            detail={"via": f"workbench:picker:{purpose}"},
        )
    return JsonResponse({"results": results})


@login_required
def shortcuts(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/shortcuts.html")


@login_required
def case_export(request: HttpRequest, kind: str) -> FileResponse:
    """The complaint, ticket or demand list as Excel, with the list's filters."""
    from django.utils import timezone

    from .exports import KINDS, case_list_xlsx

    if kind not in KINDS:
        raise Http404
    params = {k: str(v) for k, v in request.GET.items() if k != "after"}
    export = case_list_xlsx(user=request.user, kind=kind, request=request, params=params)
    return export.response(f"{kind}s-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


@login_required
def engagement_export(request: HttpRequest, kind: str) -> FileResponse:
    """The follow-up, contact-plan or interaction list as Excel, with the list's filters."""
    from django.utils import timezone

    from .exports import ENGAGEMENT_KINDS, engagement_list_xlsx

    if kind not in ENGAGEMENT_KINDS:
        raise Http404
    params = request.GET.copy()
    params.pop("after", None)
    export = engagement_list_xlsx(user=request.user, kind=kind, request=request, params=params)
    return export.response(f"{kind}-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


@login_required
@require_POST
def export_selected(request: HttpRequest, list_name: str) -> HttpResponse | FileResponse:
    """导出所选: the rows selected on a list, as its 导出 Excel would write them (a POST: the selection
    is the form's checkboxes; `query` is the list's own query string)."""
    from django.utils import timezone

    from .exports import SELECTED_LISTS, selected_xlsx

    if list_name not in SELECTED_LISTS:
        raise Http404
    try:
        ids = services.selection(_selected(request))
    except DomainError as error:
        return _refused(request, error.message, status=400)
    params = parse_query(request.POST.get("query", ""))
    params.pop("after", None)
    export = selected_xlsx(user=request.user, list_name=list_name, request=request, params=params, ids=ids)
    return export.response(f"{list_name}-selected-{timezone.localtime():%Y%m%d-%H%M}.xlsx")


# --- batch actions on lists ----------------------------------------------------------------------------


def _selected(request: HttpRequest) -> list[int]:
    return [pk for pk in map(parse_id, request.POST.getlist("ids")) if pk is not None]


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """Bad input: a page saying what was wrong, in the user's language, and nothing changed."""
    context = {"error_code": status, "error_title": _("未做任何修改"), "error_text": message}
    return render(request, "workbench/error.html", context, status=status)


@login_required
@require_POST
def batch_customer_owner(request: HttpRequest) -> HttpResponse:
    """转移负责人 for the customers selected on the customer list (marketing: who may edit them)."""
    from .forms import TransferOwnerForm

    form = TransferOwnerForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("请选择新的负责人。"), status=400)
    owner = form.cleaned_data["owner"]

    def transfer() -> str:
        changed = services.customers_transfer_owner(actor=request.user, ids=_selected(request), owner=owner)
        return _("已将 %(n)d 个客户转给 %(who)s。") % {"n": changed, "who": owner.display_name}

    return _batch_done(request, transfer, "/customers/")


@login_required
@require_POST
def batch_plan_owner(request: HttpRequest) -> HttpResponse:
    """转移负责人 for the customers of the plans selected on the contact-plan list; the plans follow."""
    from .forms import TransferOwnerForm

    form = TransferOwnerForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("请选择新的负责人。"), status=400)
    owner = form.cleaned_data["owner"]

    def transfer() -> str:
        changed = services.plans_transfer_owner(actor=request.user, ids=_selected(request), owner=owner)
        return _("已将 %(n)d 个客户转给 %(who)s，其联络计划随之转交。") % {"n": changed, "who": owner.display_name}

    return _batch_done(request, transfer, "/engagement/plans/")


@login_required
@require_POST
def batch_followup_close(request: HttpRequest) -> HttpResponse:
    """Close the selected follow-ups the user owes (cancelled with the reason given)."""

    def close() -> str:
        reason = request.POST.get("reason", "")[:300]
        closed = services.followups_close(actor=request.user, ids=_selected(request), reason=reason)
        return _("已关闭 %(n)d 条回访。") % {"n": closed}

    return _batch_done(request, close, "/engagement/followups/")


@login_required
@require_POST
def batch_followup_reassign(request: HttpRequest) -> HttpResponse:
    """改派 the selected follow-ups to one person (who may edit them: docs/permissions.md)."""
    from .forms import ReassignForm

    form = ReassignForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("请选择新的回访人。"), status=400)
    assignee = form.cleaned_data["owner"]

    def reassign() -> str:
        moved = services.followups_reassign(actor=request.user, ids=_selected(request), assignee=assignee)
        return _("已将 %(n)d 条回访改派给 %(who)s。") % {"n": moved, "who": assignee.display_name}

    return _batch_done(request, reassign, "/engagement/followups/")


@login_required
@require_POST
def batch_case_assign(request: HttpRequest, kind: str) -> HttpResponse:
    """批量指派 on the ticket or demand list, through the case's own assign step."""
    from django.urls import reverse

    from .forms import AssignOwnerForm

    if kind not in services.ASSIGNABLE_KINDS:
        raise Http404
    form = AssignOwnerForm(request.POST)
    if not form.is_valid():
        return _refused(request, _("请选择负责人。"), status=400)
    owner = form.cleaned_data["owner"]

    def assign() -> str:
        changed = services.cases_assign(actor=request.user, kind=kind, ids=_selected(request), owner=owner)
        return _("已将 %(n)d 条记录指派给 %(who)s。") % {"n": changed, "who": owner.display_name}

    return _batch_done(request, assign, reverse(f"servicedesk:{kind}_list"))


def _batch_done(request: HttpRequest, action: Callable[[], str], fallback: str) -> HttpResponse:
    """Run a batch action and end it as every list does: a refusal names why (403 for a right the
    user lacks, 400 otherwise) and changes nothing (each service is one transaction); success is
    its message, back on the list the user came from."""
    try:
        done = action()
    except PermissionDenied as error:
        return _refused(request, str(error), status=403)
    except DomainError as error:
        return _refused(request, error.message, status=400)
    messages.success(request, done)
    return redirect(safe_next(request.POST.get("next"), fallback))


# --- saved filters -------------------------------------------------------------------------------------


def _list_url(list_name: str, query: str = "") -> str:
    from django.urls import reverse

    url = reverse(services.SAVED_FILTER_LISTS[list_name][0])
    return f"{url}?{query}" if query else url


@login_required
@require_POST
def saved_filter_save(request: HttpRequest) -> HttpResponse:
    list_name = request.POST.get("list", "")
    try:
        saved = services.saved_filter_save(
            actor=request.user,
            list_name=list_name,
            name=request.POST.get("name", ""),
            query=request.POST.get("query", ""),
        )
    except DomainError as error:
        return _refused(request, error.message, status=400)
    messages.success(request, _("已保存筛选“%(name)s”。") % {"name": saved.name})
    return redirect(_list_url(list_name, saved.query))


@login_required
@require_POST
def saved_filter_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.saved_filter_delete(actor=request.user, pk=pk):
        raise Http404(_("该筛选不存在。"))
    messages.success(request, _("已删除筛选。"))
    return redirect(safe_next(request.POST.get("next"), "/customers/"))

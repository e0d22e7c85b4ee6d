"""Agents' pages: the inbox, a conversation (answer, link, convert, close), calls and call-backs,
the screen-pop panel (htmx-polled) and the channel report. Thin: services write, selectors read."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.access.audit import log_access
from kehu.core.exceptions import DomainError
from kehu.core.inputs import parse_id

from . import imports, selectors, services, stats
from .choices import ChannelKind, ConversationState, Outcome
from .models import Call

PAGE_SIZE = 50


def _int(value: str | None) -> int | None:
    return parse_id(value)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    params = request.GET
    state = params.get("state", "active")
    if state not in ("active", "", *ConversationState.values):
        return HttpResponseBadRequest(_("无效的状态。"))
    channel = params.get("channel", "")
    if channel and channel not in ChannelKind.values:
        return HttpResponseBadRequest(_("无效的渠道。"))
    queryset = selectors.conversations_for(
        request.user,
        state=state,
        channel=channel,
        unmatched=params.get("unmatched") == "1",
        mine=params.get("mine") == "1",
    )
    before = _int(params.get("before"))
    if before:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset[: PAGE_SIZE + 1])
    context = {
        "rows": rows[:PAGE_SIZE],
        "next_before": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
        "state": state,
        "channel": channel,
        "states": ConversationState.choices,
        "channels": ChannelKind.choices,
        "query": params.urlencode(),
    }
    if getattr(request, "htmx", False):
        return render(request, "conversations/partials/inbox_rows.html", context)
    return render(request, "conversations/inbox.html", context)


def _detail_context(request: HttpRequest, conversation: Any) -> dict[str, Any]:
    return {
        "c": conversation,
        "items": list(selectors.messages_of(request.user, conversation)),
        "outcomes": Outcome.choices,
        "kb_text": conversation.subject,
    }


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation_for(request.user, pk)
    if conversation.customer_id:
        log_access(
            user=request.user,
            action="view",
            customer=conversation.customer,
            request=request,
            object_type="conversation",
            object_id=conversation.pk,
        )
    return render(request, "conversations/detail.html", _detail_context(request, conversation))


@login_required
def messages_partial(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation_for(request.user, pk)
    return render(request, "conversations/partials/messages.html", _detail_context(request, conversation))


def _error_response(request: HttpRequest, error: Exception, pk: int) -> HttpResponse:
    text = getattr(error, "message", None) or str(error)
    if getattr(request, "htmx", False):
        return HttpResponse(f'<div class="alert alert-danger" role="alert">{_escape(text)}</div>', status=400)
    messages.error(request, text)
    return redirect("conversations:detail", pk=pk)


def _escape(text: str) -> str:
    from django.utils.html import escape

    return escape(text)


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation_for(request.user, pk, "edit")
    try:
        services.conversation_reply(
            actor=request.user,
            conversation=conversation,
            body=request.POST.get("body", ""),
            article_id=_int(request.POST.get("article")),
        )
    except (DomainError, PermissionDenied) as error:
        return _error_response(request, error, pk)
    if getattr(request, "htmx", False):
        conversation.refresh_from_db()
        return render(request, "conversations/partials/messages.html", _detail_context(request, conversation))
    return redirect("conversations:detail", pk=pk)


@login_required
def customer_search(request: HttpRequest, pk: int) -> HttpResponse:
    from kehu.core import search
    from kehu.customers.models import Customer

    conversation = selectors.get_conversation_for(request.user, pk, "edit")
    q = request.GET.get("q", "").strip()[:100]
    found = list(search.search(Customer.objects.restrict(request.user, "list"), q).order_by("-id")[:10]) if q else []
    if q:
        log_access(user=request.user, action="search", request=request, query=q, rows=len(found))
    return render(request, "conversations/partials/customer_results.html", {"c": conversation, "found": found})


@login_required
@require_POST
def link_customer(request: HttpRequest, pk: int) -> HttpResponse:
    from kehu.customers.models import Customer

    conversation = selectors.get_conversation_for(request.user, pk, "edit")
    customer = (
        Customer.objects.restrict(request.user, "list").filter(pk=_int(request.POST.get("customer")) or 0).first()
    )
    if customer is None:
        return _error_response(request, DomainError(_("客户不存在或您无权查看。")), pk)
    try:
        services.conversation_link_customer(actor=request.user, conversation=conversation, customer=customer)
    except (DomainError, PermissionDenied) as error:
        return _error_response(request, error, pk)
    messages.success(request, _("已关联客户。"))
    return redirect("conversations:detail", pk=pk)


@login_required
@require_POST
def convert(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation_for(request.user, pk, "edit")
    try:
        services.conversation_convert(
            actor=request.user,
            conversation=conversation,
            kind=request.POST.get("kind", ""),
            existing_number=request.POST.get("existing_number", "")[:32],
        )
    except (DomainError, PermissionDenied) as error:
        return _error_response(request, error, pk)
    messages.success(request, _("已处理。"))
    return redirect("conversations:detail", pk=pk)


@login_required
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation_for(request.user, pk, "edit")
    try:
        services.conversation_close(actor=request.user, conversation=conversation)
    except (DomainError, PermissionDenied) as error:
        return _error_response(request, error, pk)
    return redirect("conversations:detail", pk=pk)


@login_required
@require_POST
def to_article(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation_for(request.user, pk, "edit")
    try:
        article = services.conversation_to_article(actor=request.user, conversation=conversation)
    except (DomainError, PermissionDenied) as error:
        return _error_response(request, error, pk)
    messages.success(request, _("已生成文章草稿，请完善后提交审核。"))
    return redirect("knowledge:edit", pk=article.pk)


@login_required
@require_POST
def take(request: HttpRequest, pk: int) -> HttpResponse:
    conversation = selectors.get_conversation_for(request.user, pk, "edit")
    try:
        services.conversation_assign(actor=request.user, conversation=conversation, assignee=request.user)
    except (DomainError, PermissionDenied) as error:
        return _error_response(request, error, pk)
    return redirect("conversations:detail", pk=pk)


@login_required
def calls(request: HttpRequest) -> HttpResponse:
    callback = request.GET.get("callback", "")
    if callback not in ("", "pending", "done"):
        return HttpResponseBadRequest(_("无效的回拨状态。"))
    queryset = selectors.calls_for(request.user, callback=callback)
    before = _int(request.GET.get("before"))
    if before:
        queryset = queryset.filter(id__lt=before)
    rows = list(queryset[: PAGE_SIZE + 1])
    return render(
        request,
        "conversations/calls.html",
        {
            "rows": rows[:PAGE_SIZE],
            "next_before": rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None,
            "callback": callback,
        },
    )


@login_required
@require_POST
def callback_done(request: HttpRequest, pk: int) -> HttpResponse:
    call = Call.objects.restrict(request.user, "edit").filter(pk=pk).first()
    if call is None:
        raise PermissionDenied(_("通话不存在或您无权处理。"))
    try:
        services.call_callback_done(actor=request.user, call=call)
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("conversations:calls")


@login_required
@require_POST
def calls_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("file")
    if upload is None or (upload.size or 0) > 5 * 1024 * 1024:
        messages.error(request, _("请选择不超过 5 MB 的 CSV 文件。"))
        return redirect("conversations:calls")
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("文件须为 UTF-8 编码的 CSV。"))
        return redirect("conversations:calls")
    try:
        count = imports.calls_import_csv(actor=request.user, text=text)
    except DomainError as error:
        messages.error(request, " ".join([error.message, *error.field_errors.get("file", [])[:20]]))
        return redirect("conversations:calls")
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("conversations:calls")
    messages.success(request, _("已导入 %(n)s 条话单。") % {"n": count})
    return redirect("conversations:calls")


@login_required
def screen_pop(request: HttpRequest) -> HttpResponse:
    """Polled every few seconds: the customer on the line at this agent's extension."""
    from kehu.customers.models import Customer

    call = selectors.screen_pop_for(request.user)
    customer = None
    if call is not None and call.customer_id:
        customer = (
            Customer.objects.restrict(request.user, "view").filter(pk=call.customer_id).select_related("owner").first()
        )
        if customer is not None:
            log_access(
                user=request.user,
                action="view",
                customer=customer,
                request=request,
                object_type="screen_pop",
                object_id=call.pk,
            )
    return render(request, "conversations/partials/screen_pop.html", {"call": call, "customer": customer})


@login_required
def stats_page(request: HttpRequest) -> HttpResponse:
    period = request.GET.get("period") or timezone.localdate().strftime("%Y-%m")
    try:
        report = stats.channel_stats(selectors.conversations_for(request.user, state=""), period=period)
    except ValueError:
        return HttpResponseBadRequest(_("期间格式应为 YYYY-MM。"))
    return render(request, "conversations/stats.html", {"report": report, "period": period})


def month_ago() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=30)

"""Writes of the service desk. Every transition: permission, order, required fields, one
conditional UPDATE (state AND version), a timeline row, then timers, notifications, events."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import scoping
from kehu.access.services.requests import notify
from kehu.accounts.choices import Department
from kehu.core import events
from kehu.core.exceptions import ConflictError, DomainError, InvalidTransition
from kehu.core.numbering import next_number

from . import sla
from .choices import (
    NATURE_WORKING_DAYS,
    ComplaintCategory,
    ComplaintNature,
    ComplaintState,
    ConsultationState,
    ConsultationTopic,
    DemandState,
    DemandType,
    IntakeChannel,
    TicketState,
    TimerKind,
    Urgency,
)
from .models import Complaint, Consultation, Demand, Ticket, TimelineEntry
from .sla import sla_sweep  # noqa: F401  (the SLA sweep is a service too; the worker calls it every minute)
from .workflow import WORKFLOWS, Transition

MODELS: dict[str, type[Model]] = {
    "complaint": Complaint,
    "ticket": Ticket,
    "demand": Demand,
    "consultation": Consultation,
}
STATES = {"complaint": ComplaintState, "ticket": TicketState, "demand": DemandState, "consultation": ConsultationState}


def kind_of(record: Any) -> str:
    return {Complaint: "complaint", Ticket: "ticket", Demand: "demand", Consultation: "consultation"}[type(record)]


def _log(record: Any, *, actor: Any, action: str, from_state: str, to_state: str, note: str = "", at=None) -> None:  # type: ignore[no-untyped-def]
    TimelineEntry.objects.create(
        **{kind_of(record): record},
        actor=actor if getattr(actor, "pk", None) else None,
        at=at or timezone.now(),
        action=action,
        from_state=from_state,
        to_state=to_state,
        note=note,
    )


def _check_customer(actor: Any, customer: Any) -> None:
    """The actor may open a case for this customer (selectors.intake_customers); None = the mail intake."""
    from .selectors import intake_customers

    if actor is not None and not intake_customers(actor).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("客户不存在或您无权查看。"))


def _state_label(kind: str, state: str) -> str:
    return str(STATES[kind](state).label)


def _clean(spec: Transition, data: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for f in spec.fields:
        value = data.get(f.name)
        if isinstance(value, str):
            value = value.strip()
        if f.kind in ("text", "char", "choice", "department") and value is None:
            value = ""
        if f.kind == "bool":
            value = bool(value)
        elif f.kind == "money":
            value = Decimal(value or 0)
            if value < 0:
                errors[f.name] = [_("金额不能为负数。")]
        if f.required and f.kind != "bool" and value in (None, ""):
            errors[f.name] = [_("请填写“%(label)s”。") % {"label": f.label}]
        cleaned[f.name] = value
    if errors:
        raise DomainError(_("请检查标出的字段。"), field_errors=errors)
    return cleaned


def transition(
    kind: str,
    *,
    actor: Any,
    record: Any,
    name: str,
    data: dict[str, Any] | None = None,
    version: int | None = None,
    now: dt.datetime | None = None,
) -> Any:
    """Execute one workflow step; raises InvalidTransition, PermissionDenied, DomainError or ConflictError."""
    spec = WORKFLOWS[kind].get(name)
    if spec is None:
        raise DomainError(_("未知操作。"))
    with transaction.atomic():
        return _transition(kind, spec, actor=actor, record=record, data=data or {}, version=version, now=now)


def _transition(
    kind: str, spec: Transition, *, actor: Any, record: Any, data: dict[str, Any], version: int | None, now: Any
) -> Any:
    now = now or timezone.now()
    if version is not None and int(version) != record.version:
        raise ConflictError(
            _("该记录已被他人修改（当前版本 %(version)s），您的操作未执行。请刷新后重试。")
            % {"version": record.version},
            current_version=record.version,
            current=record,
        )
    if record.state not in spec.sources:
        needed = "、".join(_state_label(kind, s) for s in spec.sources)
        raise InvalidTransition(
            _("当前状态为「%(state)s」，不能执行「%(action)s」；该操作只能在「%(needed)s」状态下进行。")
            % {"state": _state_label(kind, record.state), "action": spec.label, "needed": needed}
        )
    # The actor works on this case (the model's access_scope: the service desk, the routed department,
    # the people on it, or whoever may open the archive); what the step needs is the table's `who`.
    if actor is not None and not scoping.allows(actor, "edit", record):
        raise PermissionDenied(_("记录不存在或您无权处理。"))
    if not spec.who(actor, record):
        raise PermissionDenied(
            _("您无权执行「%(action)s」：只有%(who)s可以执行。") % {"action": spec.label, "who": spec.who_label}
        )
    cleaned = _clean(spec, data)
    errors = spec.validate(record, cleaned) if spec.validate else {}
    if errors:
        raise DomainError(_("请检查标出的字段。"), field_errors=errors)
    values = {f.name: cleaned[f.name] for f in spec.fields if f.model}
    values.update(PREPARE.get((kind, spec.name), _nothing)(record, actor, cleaned, now))
    target = spec.resolve_target(record.state, cleaned)
    model = type(record)
    updated = model._default_manager.filter(pk=record.pk, state=record.state, version=record.version).update(
        state=target, version=F("version") + 1, updated_at=now, **values
    )
    if updated != 1:
        current = model._base_manager.filter(pk=record.pk).first()
        raise ConflictError(
            _("该记录刚被他人处理（当前状态「%(state)s」），您的操作未执行。请刷新后查看。")
            % {"state": _state_label(kind, current.state) if current else "?"},
            current_version=getattr(current, "version", None),
            current=current,
        )
    from_state = record.state
    for key, value in values.items():
        setattr(record, key, value)
    record.state, record.version, record.updated_at = target, record.version + 1, now
    note = cleaned.get("note") or ""
    if not note:
        texts = [str(cleaned[f.name]) for f in spec.fields if f.kind in ("text", "char") and cleaned.get(f.name)]
        note = "；".join(texts)[:2000]
    _log(record, actor=actor, action=spec.name, from_state=from_state, to_state=target, note=note, at=now)
    AFTER.get((kind, spec.name), _none)(record, actor, cleaned, now)
    return record


def _nothing(record: Any, actor: Any, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    return {}


def _none(record: Any, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    return None


# --- complaint hooks ----------------------------------------------------------------------------


def _complaint_analyse(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    values: dict[str, Any] = {"receiver": c.receiver or actor}
    if data.get("responsible"):
        if not data.get("deadline"):
            values["deadline"] = sla.working_days_due(now, NATURE_WORKING_DAYS[data["nature"]])
        values["explanation"], values["customer_agreed"] = "", False
    else:
        values.update(closed_at=now, nature="", deadline=None, deadline_told=False)
    return values


def _complaint_after_analyse(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    if c.state == ComplaintState.ANALYSED and c.deadline:
        sla.timer_start(c, kind=TimerKind.DEADLINE, started_at=now, due_at=sla.end_of_day(c.deadline))


def _complaint_after_route(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_reassign(c)
    message = _("客户投诉处理单副本 %(sheet)s（%(no)s，%(customer)s）已送达贵部门，请调查原因。") % {
        "sheet": c.sheet_no,
        "no": c.number,
        "customer": c.customer,
    }
    for manager in sla.department_managers(c.responsible_department):
        notify(user=manager, message=message, url=sla.record_url(c))
    from .tasks import send_sheet_copy

    transaction.on_commit(partial(send_sheet_copy.enqueue, c.pk))


def _complaint_after_submit(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    message = _("投诉 %(no)s 的处理方案待您审批。") % {"no": c.number}
    for manager in sla.department_managers(Department.CUSTOMER_SERVICE):
        notify(user=manager, message=message, url=sla.record_url(c))


def _complaint_handlers(c: Complaint, actor: Any) -> list[Any]:
    """Who carries out the plan: whoever drafted it, and the receiver (客服部) who tells the customer."""
    people = {u.pk: u for u in (c.plan_by, c.receiver) if u is not None and u.pk != getattr(actor, "pk", None)}
    return list(people.values())


def _complaint_after_decision(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    """The handler learns the supervisor's decision (issue 11: "the handler is not told when a plan is
    approved"); a returned plan carries the reason."""
    if c.state == ComplaintState.PLAN_APPROVED:
        message = _("投诉 %(no)s 的处理方案已由 %(who)s 批准，请执行并告知客户结果。") % {
            "no": c.number,
            "who": getattr(actor, "display_name", actor),
        }
    else:
        message = _("投诉 %(no)s 的处理方案被 %(who)s 退回：%(note)s") % {
            "no": c.number,
            "who": getattr(actor, "display_name", actor),
            "note": data.get("note") or "—",
        }
    for user in _complaint_handlers(c, actor):
        notify(user=user, message=message, url=sla.record_url(c))


def _complaint_sign_off(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    return {"signed_at": now, "follow_up_due": timezone.localdate(now) + dt.timedelta(days=7)}


def _complaint_after_sign_off(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    assert c.follow_up_due is not None
    sla.timer_start(c, kind=TimerKind.FOLLOW_UP, started_at=now, due_at=sla.end_of_day(c.follow_up_due))
    events.publish(
        "complaint_handled",
        complaint_id=c.pk,
        customer_id=c.customer_id,
        actor_id=actor.pk,
        handler_id=c.receiver_id,  # whose service the visit rates (投诉处理方案 八.2)
    )


def _complaint_close(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    """Closing with the visit: what was typed now, else what the visit in 联络与回访 recorded."""
    satisfaction = data.get("satisfaction")
    return {
        "closed_at": now,
        "satisfaction": c.satisfaction if satisfaction in (None, "") else int(satisfaction),
        "follow_up_note": data.get("follow_up_note") or c.follow_up_note,
    }


def _complaint_after_close(c: Complaint, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    """The visit is recorded once: the contact engine's follow-up of this complaint is done with it
    (engagement subscribes to "complaint_visited"), so it is not left 待回访 and never turns overdue."""
    sla.timers_stop(c, now=now)
    events.publish(
        "complaint_visited",
        complaint_id=c.pk,
        customer_id=c.customer_id,
        satisfaction=c.satisfaction,
        note=c.follow_up_note,
        at=now.isoformat(),
        actor_id=actor.pk,
        # 回访制度细则 三.2: a major complaint (严重、紧急) also gets a special-situation visit.
        major=c.nature in (ComplaintNature.URGENT, ComplaintNature.SERIOUS),
    )


# --- ticket hooks -------------------------------------------------------------------------------


def _ticket_assign(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    owner = data["owner"]
    return {"department": owner.department or t.department}


def _ticket_after_progress_start(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_stop(t, now=now, kinds=(TimerKind.PROGRESS,))
    target = sla.target_for(t.urgency)
    sla.timer_start(
        t,
        kind=TimerKind.PROGRESS,
        started_at=now,
        due_at=now + dt.timedelta(hours=target.progress_hours),
        warn_percent=target.warn_percent,
    )


def _ticket_after_respond(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_stop(t, now=now, kinds=(TimerKind.RESPONSE,))
    sla.timers_reassign(t)
    _ticket_after_progress_start(t, actor, data, now)


def _ticket_after_analyse(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_stop(t, now=now, kinds=(TimerKind.ANALYSIS,))


def _ticket_after_confirm(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    """The customer-confirmed plan (or a rescheduling agreed with the customer) sets the resolution timer."""
    assert t.planned_completion is not None
    sla.timers_stop(t, now=now, kinds=(TimerKind.RESOLUTION,))
    sla.timer_start(t, kind=TimerKind.RESOLUTION, started_at=now, due_at=t.planned_completion)


def _demand_after_plan(d: Demand, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    if d.planned_completion:
        sla.timers_stop(d, now=now, kinds=(TimerKind.RESOLUTION,))
        sla.timer_start(d, kind=TimerKind.RESOLUTION, started_at=now, due_at=sla.end_of_day(d.planned_completion))


def _ticket_close(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> dict[str, Any]:
    target = sla.target_for(t.urgency)
    return {"actual_completion": now, "follow_up_due": sla.working_days_due(now, target.follow_up_working_days)}


def _ticket_after_close(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_stop(t, now=now)
    assert t.follow_up_due is not None
    sla.timer_start(t, kind=TimerKind.FOLLOW_UP, started_at=now, due_at=sla.end_of_day(t.follow_up_due))
    events.publish(
        "problem_closed", ticket_id=t.pk, customer_id=t.customer_id, actor_id=actor.pk, handler_id=t.owner_id
    )


def _ticket_after_follow_up(t: Ticket, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_stop(t, now=now, kinds=(TimerKind.FOLLOW_UP,))


def _demand_progress_timer(d: Demand, now: dt.datetime) -> None:
    """定期向客户反馈进度: the next report is due `progress_every_days` after the last one."""
    sla.timers_stop(d, now=now, kinds=(TimerKind.PROGRESS,))
    sla.timer_start(
        d, kind=TimerKind.PROGRESS, started_at=now, due_at=now + dt.timedelta(days=d.progress_every_days or 7)
    )


def _demand_after_progress(d: Demand, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    _demand_progress_timer(d, now)


def _demand_after_assign(d: Demand, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_reassign(d)
    if d.owner is not None and d.owner != actor:
        notify(user=d.owner, message=_("需求 %(no)s 已指派给您。") % {"no": d.number}, url=sla.record_url(d))


def _demand_after_complete(d: Demand, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    sla.timers_stop(d, now=now)
    events.publish("demand_done", demand_id=d.pk, customer_id=d.customer_id, actor_id=actor.pk)


def _consultation_after_close(z: Consultation, actor: Any, data: dict[str, Any], now: dt.datetime) -> None:
    """The flow ends with 客户回访: engagement plans the visit after the consultation (客服部, 回访制度细则 二.2)."""
    events.publish(
        "consultation_closed",
        consultation_id=z.pk,
        customer_id=z.customer_id,
        actor_id=actor.pk,
        handler_id=z.owner_id or z.receiver_id,
    )


PREPARE: dict[tuple[str, str], Callable[..., dict[str, Any]]] = {
    ("complaint", "analyse"): _complaint_analyse,
    ("complaint", "route"): lambda c, a, d, n: {"sheet_no": c.sheet_no or next_number("CL")},
    ("complaint", "submit_plan"): lambda c, a, d, n: {"plan_by": a},
    ("complaint", "approve_plan"): lambda c, a, d, n: {"plan_approved_by": a, "plan_approved_at": n},
    ("complaint", "reject_plan"): lambda c, a, d, n: {"plan_approved_by": None, "plan_approved_at": None},
    ("complaint", "execute"): lambda c, a, d, n: {"executed_at": n},
    ("complaint", "sign_off"): _complaint_sign_off,
    ("complaint", "close"): _complaint_close,
    ("ticket", "assign"): _ticket_assign,
    ("ticket", "respond"): lambda t, a, d, n: {"responded_at": n, "owner": t.owner or a},
    ("ticket", "analyse"): lambda t, a, d, n: {"analysed_at": n},
    ("ticket", "confirm_plan"): lambda t, a, d, n: {"plan_confirmed_at": n},
    ("ticket", "progress"): lambda t, a, d, n: {"last_progress_at": n},
    ("ticket", "close"): _ticket_close,
    ("ticket", "follow_up"): lambda t, a, d, n: {"followed_up_at": n},
    ("ticket", "review"): lambda t, a, d, n: {"reviewed_at": n},
    ("demand", "complete"): lambda d, a, data, n: {"done_at": n},
    ("demand", "report_progress"): lambda d, a, data, n: {"last_progress_at": n},
    ("consultation", "handle"): lambda z, a, d, n: {"handled_at": n, "owner": z.owner or a},
    ("consultation", "close"): lambda z, a, d, n: {"closed_at": n},
    # an empty date keeps the planned completion the demand already has
    ("demand", "start_development"): lambda d, a, data, n: {
        "planned_completion": data["planned_completion"] or d.planned_completion
    },
}
AFTER: dict[tuple[str, str], Callable[..., Any]] = {
    ("complaint", "analyse"): _complaint_after_analyse,
    ("complaint", "route"): _complaint_after_route,
    ("complaint", "submit_plan"): _complaint_after_submit,
    ("complaint", "approve_plan"): _complaint_after_decision,
    ("complaint", "reject_plan"): _complaint_after_decision,
    ("complaint", "execute"): lambda c, a, d, n: sla.timers_stop(c, now=n, kinds=(TimerKind.DEADLINE,)),
    ("complaint", "sign_off"): _complaint_after_sign_off,
    ("complaint", "close"): _complaint_after_close,
    ("ticket", "assign"): lambda t, a, d, n: sla.timers_reassign(t),
    ("ticket", "respond"): _ticket_after_respond,
    ("ticket", "analyse"): _ticket_after_analyse,
    ("ticket", "confirm_plan"): _ticket_after_confirm,
    ("ticket", "reschedule"): _ticket_after_confirm,
    ("demand", "start_development"): _demand_after_plan,
    ("ticket", "progress"): _ticket_after_progress_start,
    ("ticket", "close"): _ticket_after_close,
    ("ticket", "follow_up"): _ticket_after_follow_up,
    ("demand", "complete"): _demand_after_complete,
    ("demand", "report_progress"): _demand_after_progress,
    ("demand", "assign"): _demand_after_assign,
    ("consultation", "close"): _consultation_after_close,
}


# --- named services (the API and the UI call these through `transition`) ---------------------------


@transaction.atomic
def visit_recorded(
    *, kind: str, record_id: int, actor: Any, satisfaction: int | None, note: str = "", now: Any = None
) -> bool:
    """A follow-up visit planned from this record was done in the contact engine (engagement's
    "followup_completed" event): the record's follow-up deadline is met. A closed ticket counts as
    followed up; a complaint still waits for customer service to close it, with the visit on its timeline.
    Safe to run twice: a record whose follow-up timer is already stopped is left alone."""
    now = now or timezone.now()
    record: Complaint | Ticket | Consultation | None = None
    if kind == "complaint":
        record = Complaint.objects.unscoped("a visit recorded for this case (event)").filter(pk=record_id).first()
    elif kind == "ticket":
        record = Ticket.objects.unscoped("a visit recorded for this case (event)").filter(pk=record_id).first()
    elif kind == "consultation":
        # No deadline timer of its own: the visit is logged on its timeline once.
        record = Consultation.objects.unscoped("a visit recorded for this case (event)").filter(pk=record_id).first()
        if record is None or record.timeline.filter(action="visited").exists():
            return False
        _log(record, actor=actor, action="visited", from_state=record.state, to_state=record.state, note=note[:2000])
        return True
    if record is None or not sla.timers_stop(record, now=now, kinds=(TimerKind.FOLLOW_UP,)):
        return False
    if kind == "ticket":
        Ticket.objects.filter(pk=record_id, followed_up_at__isnull=True).update(followed_up_at=now)
    if kind == "complaint":
        # Seen from the complaint too: its closing form starts from the visit's score and answers.
        Complaint.objects.filter(pk=record_id, satisfaction__isnull=True).update(
            satisfaction=satisfaction, follow_up_note=note[:5000]
        )
    score = _("满意度 %(score)s/5") % {"score": satisfaction} if satisfaction else ""
    _log(
        record,
        actor=actor,
        action=str(_("回访已完成（联络与回访）")),
        from_state=record.state,
        to_state=record.state,
        note=score,
        at=now,
    )
    return True


def complaint_transition(*, actor: Any, complaint: Complaint, name: str, **kwargs: Any) -> Complaint:
    return transition("complaint", actor=actor, record=complaint, name=name, **kwargs)


def ticket_transition(*, actor: Any, ticket: Ticket, name: str, **kwargs: Any) -> Ticket:
    return transition("ticket", actor=actor, record=ticket, name=name, **kwargs)


def demand_transition(*, actor: Any, demand: Demand, name: str, **kwargs: Any) -> Demand:
    return transition("demand", actor=actor, record=demand, name=name, **kwargs)


def _require(errors: dict[str, list[str]], **values: Any) -> None:
    for key, value in values.items():
        if value in (None, "") or (isinstance(value, str) and not value.strip()):
            errors[key] = [_("此项为必填项。")]


@transaction.atomic
def complaint_create(
    *,
    actor: Any,
    customer: Any,
    channel: str,
    reason: str,
    request: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    business_address: str = "",
    category: str = ComplaintCategory.OTHER,
    product: str = "",
    quantity: int = 0,
    unit: str = "",
    received_at: dt.datetime | None = None,
    receiver: Any = None,
) -> Complaint:
    """客户投诉记录单. `actor` None = the e-mail intake (unassigned until someone analyses it)."""
    errors: dict[str, list[str]] = {}
    _require(errors, customer=customer, reason=reason)
    if channel not in IntakeChannel.values:
        errors["channel"] = [_("无效的投诉方式。")]
    if category not in ComplaintCategory.values:
        errors["category"] = [_("无效的投诉内容分类。")]
    if errors:
        raise DomainError(_("投诉未登记，请检查输入。"), field_errors=errors)
    _check_customer(actor, customer)
    complaint = Complaint.objects.create(
        number=next_number("TS"),
        customer=customer,
        channel=channel,
        reason=reason.strip(),
        request=request.strip(),
        contact_name=contact_name,
        contact_phone=contact_phone,
        business_address=business_address or customer.address,
        category=category,
        product=product,
        quantity=quantity or 0,
        unit=(unit or "").strip()[:16],
        received_at=received_at or timezone.now(),
        receiver=receiver if receiver is not None else actor,
    )
    _log(complaint, actor=actor, action="create", from_state="", to_state=complaint.state, note=reason[:500])
    return complaint


@transaction.atomic
def ticket_create(
    *,
    actor: Any,
    customer: Any,
    title: str,
    description: str,
    urgency: str = Urgency.MEDIUM,
    is_complex: bool = False,
    department: str = Department.TECH_SUPPORT,
    owner: Any = None,
    channel: str = IntakeChannel.PHONE,
    contact_name: str = "",
    reported_at: dt.datetime | None = None,
) -> Ticket:
    errors: dict[str, list[str]] = {}
    _require(errors, customer=customer, title=title, description=description)
    if urgency not in Urgency.values:
        errors["urgency"] = [_("无效的紧急程度。")]
    if department not in Department.values:
        errors["department"] = [_("无效的部门。")]
    if errors:
        raise DomainError(_("问题未登记，请检查输入。"), field_errors=errors)
    _check_customer(actor, customer)
    reported_at = reported_at or timezone.now()
    ticket = Ticket.objects.create(
        number=next_number("WT"),
        customer=customer,
        title=title.strip(),
        description=description.strip(),
        urgency=urgency,
        is_complex=is_complex,
        department=department,
        owner=owner,
        channel=channel,
        contact_name=contact_name,
        reported_at=reported_at,
    )
    target = sla.target_for(urgency)
    sla.timer_start(
        ticket,
        kind=TimerKind.RESPONSE,
        started_at=reported_at,
        due_at=reported_at + dt.timedelta(minutes=target.response_minutes),
        warn_percent=target.warn_percent,
    )
    if is_complex:
        sla.timer_start(
            ticket,
            kind=TimerKind.ANALYSIS,
            started_at=reported_at,
            due_at=reported_at + dt.timedelta(hours=sla.analysis_hours(target)),
            warn_percent=target.warn_percent,
        )
    _log(ticket, actor=actor, action="create", from_state="", to_state=ticket.state, note=title[:300])
    if urgency == Urgency.HIGH:
        message = _("紧急问题 %(no)s：%(title)s，须在 %(minutes)s 分钟内响应。") % {
            "no": ticket.number,
            "title": ticket.title,
            "minutes": target.response_minutes,
        }
        for user in [owner] if owner else sla.department_managers(department):
            notify(user=user, message=message, url=sla.record_url(ticket))
    return ticket


@transaction.atomic
def demand_create(
    *,
    actor: Any,
    customer: Any,
    description: str,
    type: str = DemandType.FEATURE,
    department: str = Department.RND,
    owner: Any = None,
    planned_completion: dt.date | None = None,
    raised_at: dt.date | None = None,
    progress_every_days: int = 7,
) -> Demand:
    errors: dict[str, list[str]] = {}
    _require(errors, customer=customer, description=description)
    if type not in DemandType.values:
        errors["type"] = [_("无效的需求类型。")]
    if not 1 <= int(progress_every_days or 0) <= 90:
        errors["progress_every_days"] = [_("进度反馈周期为 1 到 90 天。")]
    if errors:
        raise DomainError(_("需求未登记，请检查输入。"), field_errors=errors)
    _check_customer(actor, customer)
    demand = Demand.objects.create(
        number=next_number("XQ"),
        customer=customer,
        description=description.strip(),
        type=type,
        department=department,
        owner=owner,
        planned_completion=planned_completion,
        raised_at=raised_at or timezone.localdate(),
        progress_every_days=progress_every_days,
    )
    _demand_progress_timer(demand, timezone.now())
    if planned_completion:
        sla.timer_start(
            demand,
            kind=TimerKind.RESOLUTION,
            started_at=timezone.now(),
            due_at=sla.end_of_day(planned_completion),
        )
    _log(demand, actor=actor, action="create", from_state="", to_state=demand.state, note=description[:300])
    return demand


# --- task groups and milestones of problem tickets (SOP 复杂问题, 方案执行与跟进) ----------------------


def _require_worker(actor: Any, ticket: Ticket) -> None:
    from .workflow import ticket_worker

    _check_customer(actor, ticket.customer)
    if not ticket_worker(actor, ticket):
        raise PermissionDenied(_("只有技术支持部、客服部、责任部门或负责人可以操作。"))


@transaction.atomic
def ticket_member_add(*, actor: Any, ticket: Ticket, user: Any, role: str = "member") -> Any:
    """Add a person (and so their department) to the task group of a complex problem."""
    from .models import TicketMember

    _require_worker(actor, ticket)
    if role not in TicketMember.Role.values:
        raise DomainError(_("角色无效。"), field_errors={"role": [_("角色无效。")]})
    if user is None or not user.is_active:
        raise DomainError(_("请选择成员。"), field_errors={"user": [_("请选择成员。")]})
    member, created = ticket.task_group.get_or_create(
        user=user, defaults={"department": user.department or "", "role": role, "added_by": actor}
    )
    if created:
        _log(ticket, actor=actor, action="task_group", from_state=ticket.state, to_state=ticket.state, note=str(user))
        if user != actor:
            notify(
                user=user,
                message=_("您已加入问题 %(no)s 的专项小组。") % {"no": ticket.number},
                url=sla.record_url(ticket),
            )
    return member


@transaction.atomic
def ticket_milestone_add(*, actor: Any, ticket: Ticket, title: str, planned_at: dt.datetime | None = None) -> Any:
    from .models import TicketMilestone

    _require_worker(actor, ticket)
    if not (title or "").strip():
        raise DomainError(_("请填写节点名称。"), field_errors={"title": [_("请填写节点名称。")]})
    return TicketMilestone.objects.create(ticket=ticket, title=title.strip()[:200], planned_at=planned_at)


@transaction.atomic
def ticket_milestone_reach(*, actor: Any, milestone: Any, told_note: str, now: dt.datetime | None = None) -> Any:
    """SOP 方案执行与跟进: "重大节点（如修复完成、测试通过）需主动告知" — reaching a milestone is telling the
    customer: what was said is required, and it counts as the progress report the 24-hour timer waits for."""
    from .models import TicketMilestone

    now = now or timezone.now()
    ticket = milestone.ticket
    _require_worker(actor, ticket)
    if not (told_note or "").strip():
        raise DomainError(_("请记录告知客户的内容。"), field_errors={"told_note": [_("请记录告知客户的内容。")]})
    if not TicketMilestone.objects.filter(pk=milestone.pk, reached_at__isnull=True).update(
        reached_at=now, told_customer_at=now, told_note=told_note.strip(), reached_by=actor
    ):
        raise InvalidTransition(_("该节点已达成。"))
    milestone.refresh_from_db()
    note = f"{milestone.title}：{milestone.told_note}"
    _log(ticket, actor=actor, action="milestone", from_state=ticket.state, to_state=ticket.state, note=note, at=now)
    if ticket.is_open:
        Ticket.objects.filter(pk=ticket.pk).update(last_progress_at=now)
        _ticket_after_progress_start(ticket, actor, {}, now)
    return milestone


@transaction.atomic
def consultation_create(
    *,
    actor: Any,
    customer: Any,
    description: str,
    type: str = ConsultationTopic.PRODUCT,
    channel: str = IntakeChannel.PHONE,
    contact_name: str = "",
    contact_phone: str = "",
    department: str = Department.CUSTOMER_SERVICE,
    owner: Any = None,
    received_at: dt.datetime | None = None,
) -> Consultation:
    """客户咨询 recorded (咨询 → 记录): who asked what, by which channel, and who is responsible."""
    errors: dict[str, list[str]] = {}
    _require(errors, customer=customer, description=description)
    if type not in ConsultationTopic.values:
        errors["type"] = [_("无效的咨询类型。")]
    if channel not in IntakeChannel.values:
        errors["channel"] = [_("无效的咨询方式。")]
    if department not in Department.values:
        errors["department"] = [_("无效的部门。")]
    if errors:
        raise DomainError(_("咨询未登记，请检查输入。"), field_errors=errors)
    _check_customer(actor, customer)
    consultation = Consultation.objects.create(
        number=next_number("ZX"),
        customer=customer,
        description=description.strip(),
        type=type,
        channel=channel,
        contact_name=contact_name,
        contact_phone=contact_phone,
        department=department,
        owner=owner,
        receiver=actor,
        received_at=received_at or timezone.now(),
    )
    _log(consultation, actor=actor, action="create", from_state="", to_state=consultation.state, note=description[:300])
    return consultation

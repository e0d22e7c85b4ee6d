"""Writes of the contact engine. One function per business action; UI and API call the same ones."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles, scoping
from kehu.accounts.choices import Department
from kehu.core import events, search
from kehu.core.bulk import Row, insert_new
from kehu.core.counts import estimated_count
from kehu.core.exceptions import DomainError, InvalidTransition
from kehu.core.versioning import save_versioned
from kehu.core.workcalendar import add_working_days
from kehu.customers.choices import Channel
from kehu.customers.models import Contact, Customer

from . import defaults, planning
from .choices import (
    BoardPeriod,
    BoardState,
    CareAction,
    CareStatus,
    FollowUpStatus,
    FollowUpType,
    JobStatus,
    Responsible,
)
from .models import (
    BoardItem,
    CareItem,
    ContactPlan,
    FollowUp,
    FollowUpAction,
    Interaction,
    MaintenancePolicy,
    ReplanJob,
)

REPLAN_BATCH = 2000


def conf(name: str, default: int) -> int:
    return int(getattr(settings, "KEHU", {}).get(name, default))


# --- maintenance policies and contact plans -------------------------------------------------------

DEFAULT_POLICIES = defaults.POLICIES


def policies_ensure_defaults() -> None:
    for scope, key, phone, visit, whom, responsible in DEFAULT_POLICIES:
        MaintenancePolicy.objects.get_or_create(
            scope=scope,
            key=key,
            defaults={
                "phone_every_days": phone,
                "visit_every_months": visit,
                "visit_whom": whom,
                "responsible": responsible,
            },
        )


@transaction.atomic
def policy_update(
    *,
    actor: Any,
    policy: MaintenancePolicy,
    version: int | None,
    phone_every_days: int | None,
    visit_every_months: int | None,
    visit_whom: str = "",
    responsible: str = "",
) -> ReplanJob:
    """Change a policy and re-plan, in the background, every customer it governs."""
    if not roles.is_admin(actor):
        raise DomainError(_("只有管理员可以修改维护策略。"))
    errors: dict[str, list[str]] = {}
    if phone_every_days is not None and not 1 <= phone_every_days <= 366:
        errors["phone_every_days"] = [_("请输入 1 到 366 之间的天数。")]
    if visit_every_months is not None and not 1 <= visit_every_months <= 24:
        errors["visit_every_months"] = [_("请输入 1 到 24 之间的月数。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    policy.phone_every_days = phone_every_days
    policy.visit_every_months = visit_every_months
    policy.visit_whom = (visit_whom or "").strip()[:200]
    policy.responsible = (responsible or "").strip()[:200]
    policy.updated_by = actor
    save_versioned(
        policy,
        expected_version=version,
        fields=["phone_every_days", "visit_every_months", "visit_whom", "responsible", "updated_by"],
    )
    return replan_start(actor=actor, policy=policy)


def _governed(policy: MaintenancePolicy | None) -> Any:
    customers = Customer.objects.unscoped("derived planning work after a checked write").filter(is_archived=False)
    if policy is None:
        return customers
    return customers.filter(**{policy.scope: policy.key})


@transaction.atomic
def replan_start(*, actor: Any, policy: MaintenancePolicy | None = None) -> ReplanJob:
    from .tasks import replan_task

    # An estimate: the job corrects it to the number it processed; an exact COUNT at 1M costs the click.
    job = ReplanJob.objects.create(policy=policy, actor=actor, total=estimated_count(_governed(policy)))
    transaction.on_commit(lambda: replan_task.enqueue(job.pk))
    return job


def replan_run(job_id: int) -> ReplanJob:
    """Walk the governed customers in keyset batches; bounded memory; progress after each batch.

    Safe to run twice: it recomputes plans from their stored last contacts.
    """
    job = ReplanJob.objects.select_related("policy").get(pk=job_id)
    if job.status == JobStatus.DONE:
        return job
    ReplanJob.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING, processed=0)
    policies = planning.policies_by_key()
    customers = _governed(job.policy).order_by("id").values_list("id", "grade", "priority", "owner_id")
    last_id, processed = 0, 0
    try:
        while True:
            batch = list(customers.filter(id__gt=last_id)[:REPLAN_BATCH])
            if not batch:
                break
            with transaction.atomic():
                _replan_batch(batch, policies)
            last_id = batch[-1][0]
            processed += len(batch)
            ReplanJob.objects.filter(pk=job.pk).update(processed=processed)
    except Exception as exc:
        ReplanJob.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, message=str(exc)[:1000])
        raise
    ReplanJob.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, processed=processed, total=processed, finished_at=timezone.now()
    )
    job.refresh_from_db()
    return job


_PLAN_FIELDS = ["phone_every_days", "visit_every_months", "visit_whom", "next_phone_on", "next_visit_on", "next_due_on"]


@functools.cache
def _blank_plan() -> dict[str, Any]:
    """A new contact plan's attributes: plans made in bulk (imports, a load) are bulk.Row dicts, not
    ContactPlan instances, whose construction was a fifth of planning 100,000 new customers."""
    return Row.blank(ContactPlan)


def _new_plan(*, customer_id: int, assignee_id: int, anchor_on: dt.date) -> Row:
    return Row({**_blank_plan(), "customer_id": customer_id, "assignee_id": assignee_id, "anchor_on": anchor_on})


def _apply(plan: ContactPlan | Row, terms: planning.PolicyTerms) -> None:
    plan.phone_every_days = terms.phone_every_days
    plan.visit_every_months = terms.visit_every_months
    plan.visit_whom = terms.visit_whom[:200]
    result = planning.schedule(
        terms, anchor_on=plan.anchor_on, last_phone_on=plan.last_phone_on, last_visit_on=plan.last_visit_on
    )
    plan.next_phone_on, plan.next_visit_on, plan.next_due_on = (
        result.next_phone_on,
        result.next_visit_on,
        result.next_due_on,
    )


def _replan_batch(rows: list[tuple[int, str, str, int]], policies: dict[Any, planning.PolicyRow]) -> None:
    if connection.vendor == "postgresql":
        _replan_batch_sql(rows, policies)
        return
    ids = [row[0] for row in rows]
    plans = {
        p.customer_id: p
        for p in ContactPlan.objects.unscoped("derived planning work after a checked write").filter(customer_id__in=ids)
    }
    today = timezone.localdate()
    new, changed = [], []
    for customer_id, grade, priority, owner_id in rows:
        terms = planning.terms_for(policies, grade, priority)
        plan = plans.get(customer_id)
        if plan is None:
            plan = ContactPlan(customer_id=customer_id, assignee_id=owner_id, anchor_on=today)
            _apply(plan, terms)
            new.append(plan)
        else:
            plan.assignee_id = owner_id
            _apply(plan, terms)
            changed.append(plan)
    if new:
        ContactPlan.objects.unscoped("derived planning work after a checked write").bulk_create(
            new, ignore_conflicts=True
        )
    if changed:
        ContactPlan.objects.unscoped("derived planning work after a checked write").bulk_update(
            changed, [*_PLAN_FIELDS, "assignee"]
        )


@transaction.atomic
def plans_for_imported(*, customer_ids: list[int], seen: list[list[Any]] | None = None) -> int:
    """Plan a batch of imported customers at once (the customers_imported event), seeded with the
    sheet's 上次沟通时间 / 下次沟通计划 (SOP 表1): the clock runs from the last contact, and a planned
    next contact earlier than the policy's is kept. `seen`: [[customer_id, last or None, next or None]]."""
    dates = {int(pk): (last, nxt) for pk, last, nxt in seen or ()}
    policies = planning.policies_by_key()
    today = timezone.localdate()
    rows = (
        Customer.objects.unscoped("system: planning customers an import created")
        .filter(pk__in=customer_ids, is_archived=False, contact_plan__isnull=True)
        .values_list("id", "grade", "priority", "owner_id")
    )
    new = []
    for customer_id, grade, priority, owner_id in rows:
        plan = _new_plan(customer_id=customer_id, assignee_id=owner_id, anchor_on=today)
        last, nxt = dates.get(customer_id, (None, None))
        if last:
            plan.last_contact_on = plan.last_phone_on = dt.date.fromisoformat(last)
        _apply(plan, planning.terms_for(policies, grade, priority))
        if nxt and (plan.next_due_on is None or dt.date.fromisoformat(nxt) < plan.next_due_on):
            plan.next_due_on = plan.next_phone_on = dt.date.fromisoformat(nxt)
        new.append(plan)
    insert_new(ContactPlan, new)
    return len(new)


def _replan_batch_sql(rows: list[tuple[int, str, str, int]], policies: dict[Any, planning.PolicyRow]) -> None:
    """PostgreSQL: the existing plans of the batch in one UPDATE (terms per customer sent as arrays,
    the dates computed in SQL exactly as planning.schedule does: date + days, date + months clamped
    to the month's end); only customers without a plan go through Python. At 100k customers the
    per-row path (load every plan, bulk_update's CASE per row) took 104 s."""
    existing = set(
        ContactPlan.objects.filter(customer_id__in=[r[0] for r in rows]).values_list("customer_id", flat=True)
    )
    missing = [r for r in rows if r[0] not in existing]
    if missing:
        today = timezone.localdate()
        new = []
        for customer_id, grade, priority, owner_id in missing:
            plan = _new_plan(customer_id=customer_id, assignee_id=owner_id, anchor_on=today)
            _apply(plan, planning.terms_for(policies, grade, priority))
            new.append(plan)
        insert_new(ContactPlan, new)
    columns: list[list[Any]] = [[], [], [], [], []]
    for customer_id, grade, priority, owner_id in rows:
        if customer_id not in existing:
            continue
        terms = planning.terms_for(policies, grade, priority)
        for column, value in zip(
            columns,
            (customer_id, owner_id, terms.phone_every_days, terms.visit_every_months, terms.visit_whom[:200]),
            strict=True,
        ):
            column.append(value)
    if not columns[0]:
        return
    phone = "CASE WHEN t.phone > 0 THEN COALESCE(p.last_phone_on, p.anchor_on) + t.phone END"
    visit = (
        "CASE WHEN t.visit > 0"
        " THEN (COALESCE(p.last_visit_on, p.anchor_on) + make_interval(months => t.visit))::date END"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ContactPlan._meta.db_table} AS p SET assignee_id = t.owner, phone_every_days = t.phone,"
            f" visit_every_months = t.visit, visit_whom = t.whom, next_phone_on = {phone},"
            f" next_visit_on = {visit}, next_due_on = LEAST({phone}, {visit}), updated_at = %s"
            " FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::int[], %s::text[])"
            " AS t(customer_id, owner, phone, visit, whom) WHERE p.customer_id = t.customer_id",
            [timezone.now(), *columns],
        )


def plans_fill_missing() -> int:
    """Plan every active customer that has no plan yet (new customers), in keyset batches.

    Each batch is the next REPLAN_BATCH active customers by id, and those without a plan are looked
    up by id among them, instead of one anti-join "customers without a plan, ORDER BY id LIMIT n":
    its plan hangs on the planner's guess of how many customers lack a plan. At 1M customers right
    after a load it guessed one and sorted 300,000 rows for every batch of 2,000 (0.55 s a batch,
    4.6 minutes in all)."""
    policies = planning.policies_by_key()
    customers = (
        Customer.objects.unscoped("derived planning work after a checked write")
        .filter(is_archived=False)
        .order_by("id")
        .values_list("id", "grade", "priority", "owner_id")
    )
    last_id, created = 0, 0
    while batch := list(customers.filter(id__gt=last_id)[:REPLAN_BATCH]):
        last_id = batch[-1][0]
        planned = set(
            ContactPlan.objects.unscoped("derived planning work after a checked write")
            .filter(customer_id__in=[row[0] for row in batch])
            .values_list("customer_id", flat=True)
        )
        missing = [row for row in batch if row[0] not in planned]
        if missing:
            with transaction.atomic():
                _replan_batch(missing, policies)
            created += len(missing)
    return created


@transaction.atomic
def plan_refresh(*, customer_id: int) -> ContactPlan | None:
    """(Re)plan one customer from its current grade and priority (after a regrade, a new customer ...)."""
    customer = (
        Customer.objects.unscoped("derived planning work after a checked write")
        .filter(pk=customer_id)
        .only("id", "grade", "priority", "owner_id")
        .first()
    )
    if customer is None:
        return None
    terms = planning.terms_for(planning.policies_by_key(), customer.grade, customer.priority)
    plan = (
        ContactPlan.objects.unscoped("derived planning work after a checked write")
        .select_for_update()
        .filter(customer_id=customer_id)
        .first()
    )
    if plan is None:
        plan = ContactPlan(customer_id=customer_id, assignee_id=customer.owner_id, anchor_on=timezone.localdate())
    plan.assignee_id = customer.owner_id
    _apply(plan, terms)
    plan.save()
    return plan


def _plan_register_contact(customer: Customer, channel: str, day: dt.date) -> None:
    """A logged contact resets the clock: the next one is due one period after it."""
    plan = (
        ContactPlan.objects.unscoped("derived planning work after a checked write")
        .select_for_update()
        .filter(customer_id=customer.pk)
        .first()
    )
    if plan is None:
        plan = plan_refresh(customer_id=customer.pk)
        if plan is None:
            return
    plan.last_contact_on = max(plan.last_contact_on or day, day)
    plan.last_phone_on = max(plan.last_phone_on or day, day)
    if channel in planning.VISIT_CHANNELS:
        plan.last_visit_on = max(plan.last_visit_on or day, day)
    result = planning.schedule(
        planning.PolicyTerms(plan.phone_every_days, plan.visit_every_months, plan.visit_whom),
        anchor_on=plan.anchor_on,
        last_phone_on=plan.last_phone_on,
        last_visit_on=plan.last_visit_on,
    )
    plan.next_phone_on, plan.next_visit_on, plan.next_due_on = (
        result.next_phone_on,
        result.next_visit_on,
        result.next_due_on,
    )
    plan.save()


# --- interactions ------------------------------------------------------------------------------


def interaction_search_document(interaction: Interaction) -> str:
    return search.build_document(
        texts=[
            interaction.people,
            interaction.subject,
            interaction.content,
            interaction.outcome,
            interaction.next_steps,
            interaction.contact.name if interaction.contact else "",
        ]
    )


def _require_view(actor: Any, customer: Customer) -> None:
    if customer is None or "view" not in scoping.customer_rights(actor, customer.pk, ("view",)):
        raise DomainError(_("客户不存在或您无权查看。"), field_errors={"customer": [_("客户不存在或您无权查看。")]})


@transaction.atomic
def interaction_log(
    *,
    actor: Any,
    customer: Customer,
    channel: str,
    content: str,
    occurred_at: dt.datetime | None = None,
    contact: Contact | None = None,
    people: str = "",
    subject: str = "",
    outcome: str = "",
    next_steps: str = "",
) -> Interaction:
    """Log a contact with the customer; it resets the contact plan's clock."""
    _require_view(actor, customer)
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("请选择沟通方式。")]
    if not (content or "").strip():
        errors["content"] = [_("请填写沟通内容。")]
    now = timezone.now()
    occurred_at = occurred_at or now
    if occurred_at > now + dt.timedelta(minutes=5):
        errors["occurred_at"] = [_("沟通时间不能晚于当前时间。")]
    if contact is not None and contact.customer_id != customer.pk:
        errors["contact"] = [_("联系人不属于该客户。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    interaction = Interaction(
        customer=customer,
        contact=contact,
        channel=channel,
        occurred_at=occurred_at,
        people=people.strip()[:300],
        subject=subject.strip()[:200],
        content=content.strip(),
        outcome=outcome.strip(),
        next_steps=next_steps.strip(),
        actor=actor,
    )
    interaction.search_text = interaction_search_document(interaction)
    interaction.save()
    _plan_register_contact(customer, channel, timezone.localdate(occurred_at))
    return interaction


# --- follow-up visits (回访) ---------------------------------------------------------------------

# type -> (responsible department, how the due date is computed: ("workdays"|"days"|"months", n))
FOLLOWUP_RULES: dict[str, tuple[str, tuple[str, int]]] = {
    FollowUpType.NEW_FIRST: (Responsible.OWNER, ("workdays", 3)),
    FollowUpType.NEW_PERIODIC: (Responsible.OWNER, ("months", 1)),
    FollowUpType.EXISTING_PERIODIC: (Responsible.OWNER, ("months", 3)),
    FollowUpType.SPECIAL: (Responsible.OWNER, ("workdays", 5)),
    FollowUpType.KEY_DEEP: (Responsible.OWNER, ("months", 6)),
    FollowUpType.AFTER_COMPLAINT: (Responsible.CUSTOMER_SERVICE, ("days", 7)),
    # SOP 回访与复盘 "问题关闭后3个工作日内，由客服经理回访客户" and 回访制度细则 二.2 (客服部 visits
    # after enquiries, complaints and repairs): the customer-service manager, not technical support.
    FollowUpType.AFTER_PROBLEM: (Responsible.CS_MANAGER, ("workdays", 3)),
    FollowUpType.SATISFACTION: (Responsible.CUSTOMER_SERVICE, ("workdays", 3)),
    FollowUpType.AFTER_CONSULTATION: (Responsible.CUSTOMER_SERVICE, ("workdays", 3)),
}


def followup_due(type: str, start: dt.date) -> dt.date:
    unit, n = FOLLOWUP_RULES[type][1]
    if unit == "workdays":
        return add_working_days(start, n)
    if unit == "months":
        return planning.add_months(start, n)
    return start + dt.timedelta(days=n)


def assignee_for(responsible: str, customer: Customer) -> Any:
    """Responsibility rules (SPEC M4): sales (the owner) for first, existing and key-customer visits;
    customer service / technical support: the active staff member of that department with the fewest
    open visits, else its manager, else the owner."""
    from kehu.accounts.models import User

    if responsible == Responsible.OWNER:
        return customer.owner
    if responsible == Responsible.CS_MANAGER:
        service = User.objects.filter(is_active=True, department=Department.CUSTOMER_SERVICE).order_by("id")[:50]
        staff = [u for u in service if roles.is_cs_supervisor(u)]
    else:
        staff = list(User.objects.filter(is_active=True, department=responsible).order_by("level", "id")[:20])
    if not staff:
        return customer.owner
    load = dict(
        FollowUp.objects.unscoped("derived planning work after a checked write")
        .filter(status=FollowUpStatus.PLANNED, assignee__in=staff)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
        .values_list("assignee_id", "n")
    )
    lowest_level = staff[0].level
    pool = [u for u in staff if u.level == lowest_level]
    return min(pool, key=lambda u: (load.get(u.pk, 0), u.pk))


@transaction.atomic
def followup_plan(
    *,
    customer: Customer,
    type: str,
    start: dt.date | None = None,
    due_on: dt.date | None = None,
    source_type: str = "",
    source_id: str = "",
    note: str = "",
    actor: Any = None,
    served_by_id: int | None = None,
) -> FollowUp:
    """Plan a visit; one per (type, source): an event delivered twice plans it once.

    `served_by_id`: the staff member whose service the visit rates (the complaint's receiver, the
    ticket's owner), so quality is summarised per person (投诉处理方案 八.2)."""
    if type not in FOLLOWUP_RULES:
        raise DomainError(_("回访类型无效。"), field_errors={"type": [_("回访类型无效。")]})
    if actor is not None:
        _require_view(actor, customer)
    if source_id:
        existing = (
            FollowUp.objects.unscoped("derived planning work after a checked write")
            .filter(type=type, source_type=source_type, source_id=str(source_id))
            .first()
        )
        if existing is not None:
            return existing
    responsible = FOLLOWUP_RULES[type][0]
    due = due_on or followup_due(type, start or timezone.localdate())
    followup = FollowUp.objects.unscoped("derived planning work after a checked write").create(
        customer=customer,
        type=type,
        source_type=source_type,
        source_id=str(source_id),
        note=note[:300],
        responsible=responsible,
        assignee=assignee_for(responsible, customer),
        due_on=due,
        served_by_id=served_by_id,
    )
    return followup


@transaction.atomic
def followup_complete(
    *,
    actor: Any,
    followup: FollowUp,
    version: int | None,
    channel: str,
    satisfaction: int | None,
    answers: dict[str, str] | None = None,
    summary: str = "",
    actions: str = "",
    action_department: str = "",
    done_at: dt.datetime | None = None,
    attitude: int | None = None,
    speed: int | None = None,
    ability: int | None = None,
    action_owner: Any = None,
    action_due_on: dt.date | None = None,
) -> FollowUp:
    """Record the visit: answers, score, service quality on its dimensions (服务态度、响应速度、解决能力),
    follow-up actions routed to a department as a task with an owner and a due date; logs the contact too."""
    _require_view(actor, followup.customer)
    if followup.status != FollowUpStatus.PLANNED:
        raise InvalidTransition(_("该回访已完成或已取消。"))
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("请选择回访方式。")]
    if satisfaction is None or not 1 <= satisfaction <= 5:
        errors["satisfaction"] = [_("请给出 1 到 5 分的满意度。")]
    if action_department and action_department not in Department.values:
        errors["action_department"] = [_("部门无效。")]
    if actions.strip() and not action_department:
        errors["action_department"] = [_("请选择后续行动的负责部门。")]
    for name, value in (("attitude", attitude), ("speed", speed), ("ability", ability)):
        if value is not None and not 1 <= int(value) <= 5:
            errors[name] = [_("评分为 1 到 5 分。")]
    if action_due_on is not None and action_due_on < timezone.localdate():
        errors["action_due_on"] = [_("完成期限不能早于今天。")]
    if errors:
        raise DomainError(_("输入有误，请检查标出的字段。"), field_errors=errors)
    done_at = done_at or timezone.now()
    followup.status = FollowUpStatus.DONE
    followup.done_at = done_at
    followup.done_by = actor
    followup.on_time = timezone.localdate(done_at) <= followup.due_on
    followup.channel = channel
    followup.answers = {str(k): str(v) for k, v in (answers or {}).items()}
    followup.satisfaction = satisfaction
    followup.actions = actions.strip()
    followup.action_department = action_department
    followup.attitude, followup.speed, followup.ability = attitude, speed, ability
    save_versioned(
        followup,
        expected_version=version,
        fields=[
            "status",
            "done_at",
            "done_by",
            "on_time",
            "channel",
            "answers",
            "satisfaction",
            "actions",
            "action_department",
            "attitude",
            "speed",
            "ability",
        ],
    )
    lines = [f"{q}: {a}" for q, a in followup.answers.items() if a]
    interaction_log(
        actor=actor,
        customer=followup.customer,
        channel=channel,
        occurred_at=done_at,
        subject=followup.get_type_display(),
        content="\n".join([summary.strip(), *lines]).strip() or followup.get_type_display(),
        outcome=_("满意度 %(score)s/5") % {"score": satisfaction},
        next_steps=followup.actions,
    )
    if followup.actions and action_department:
        _action_task_create(followup, owner=action_owner, due_on=action_due_on)
        _route_actions(followup)
    events.publish(
        "followup_completed",
        followup_id=followup.pk,
        customer_id=followup.customer_id,
        source_type=followup.source_type,
        source_id=followup.source_id,
        satisfaction=satisfaction,
        summary="\n".join([summary.strip(), *lines]).strip(),
        actor_id=actor.pk,
    )
    return followup


@transaction.atomic
def followup_done_elsewhere(
    *,
    type: str,
    customer: Customer,
    source_type: str,
    source_id: str,
    satisfaction: int | None,
    note: str,
    done_at: dt.datetime,
    actor: Any,
) -> FollowUp:
    """The visit was made and recorded on the record it follows (a complaint closed "with its visit",
    客户投诉处理方案 八.1): the planned follow-up of that record is done with the same answers, so it is
    not left 待回访 to turn overdue. Planned first if the event that plans it has not arrived yet.
    Safe to run twice; a visit already done or cancelled is left as it is."""
    followup = followup_plan(
        customer=customer, type=type, start=timezone.localdate(done_at), source_type=source_type, source_id=source_id
    )
    followup = FollowUp.objects.select_for_update().get(pk=followup.pk)
    if followup.status != FollowUpStatus.PLANNED:
        return followup
    followup.status = FollowUpStatus.DONE
    followup.done_at = done_at
    followup.done_by = actor
    followup.on_time = timezone.localdate(done_at) <= followup.due_on
    followup.satisfaction = satisfaction
    followup.answers = {str(_("回访记录")): note} if note else {}
    save_versioned(
        followup,
        expected_version=None,
        fields=["status", "done_at", "done_by", "on_time", "satisfaction", "answers"],
    )
    return followup


def _route_actions(followup: FollowUp) -> None:
    from kehu.access.services.requests import notify
    from kehu.accounts.choices import Level
    from kehu.accounts.models import User

    message = _("回访后续行动（%(customer)s）：%(actions)s") % {
        "customer": followup.customer.name,
        "actions": followup.actions,
    }
    receivers = User.objects.filter(
        is_active=True, department=followup.action_department, level__gte=Level.MANAGER
    ) or User.objects.filter(is_active=True, department=followup.action_department)
    for user in receivers[:10]:
        notify(user=user, message=message, url=f"/engagement/followups/{followup.pk}/")


ACTION_WORKING_DAYS = 5


def _action_task_create(followup: FollowUp, *, owner: Any, due_on: dt.date | None) -> FollowUpAction:
    """The routed action becomes a task: the chosen owner, else the department's manager (else any member),
    due in ACTION_WORKING_DAYS working days unless a date was agreed."""
    from kehu.accounts.models import User

    if owner is None:
        members = list(
            User.objects.filter(is_active=True, department=followup.action_department).order_by("-level", "id")[:1]
        )
        owner = members[0] if members else followup.done_by or followup.assignee
    return FollowUpAction.objects.create(
        followup=followup,
        customer=followup.customer,
        description=followup.actions,
        department=followup.action_department,
        owner=owner,
        due_on=due_on or add_working_days(timezone.localdate(), ACTION_WORKING_DAYS),
    )


@transaction.atomic
def followup_action_complete(*, actor: Any, action: FollowUpAction, note: str) -> FollowUpAction:
    """The owner (or their department's manager) records what was done."""
    if action.status != FollowUpAction.Status.OPEN:
        raise InvalidTransition(_("该任务已完成。"))
    if not (
        actor.pk == action.owner_id
        or roles.is_admin(actor)
        or (roles.is_manager(actor) and roles.in_department(actor, action.department))
    ):
        raise DomainError(_("只有负责人或该部门经理可以完成此任务。"))
    if not (note or "").strip():
        raise DomainError(_("请填写处理结果。"), field_errors={"note": [_("请填写处理结果。")]})
    action.status = FollowUpAction.Status.DONE
    action.done_at = timezone.now()
    action.done_note = note.strip()
    action.save(update_fields=["status", "done_at", "done_note", "updated_at"])
    return action


@transaction.atomic
def followup_cancel(*, actor: Any, followup: FollowUp, reason: str) -> FollowUp:
    _require_view(actor, followup.customer)
    if followup.status != FollowUpStatus.PLANNED:
        raise InvalidTransition(_("该回访已完成或已取消。"))
    if not reason.strip():
        raise DomainError(_("请填写取消原因。"), field_errors={"reason": [_("请填写取消原因。")]})
    followup.status = FollowUpStatus.CANCELLED
    followup.note = reason.strip()[:300]
    save_versioned(followup, expected_version=None, fields=["status", "note"])
    return followup


@transaction.atomic
def followup_reassign(*, actor: Any, followup: FollowUp, assignee: Any) -> bool:
    """改派: give a planned visit to another person. The caller read `followup` through
    `FollowUp.objects.restrict(actor, "edit")` (workbench.services.followups_reassign does, for a whole
    selection at once, and locks the rows). A visit already done or cancelled is not moved; False when
    it already was the assignee's."""
    if followup.status != FollowUpStatus.PLANNED:
        raise InvalidTransition(_("该回访已完成或已取消，不能改派。"))
    if assignee is None or not assignee.is_active:
        raise DomainError(_("请选择新的回访人。"))
    if followup.assignee_id == assignee.pk:
        return False
    followup.assignee = assignee
    save_versioned(followup, expected_version=None, fields=["assignee"])
    return True


def followups_plan_periodic(*, today: dt.date | None = None) -> int:
    """The visit clocks of SPEC M4, run nightly; returns how many visits they planned.

    - key customers (A grade or core priority): a deep visit every half year;
    - existing customers (cooperating for at least 3 months): a periodic visit every quarter.
    Idempotent: the source is the period ("2026H2", "2026Q4"), unique per customer and type.
    """
    today = today or timezone.localdate()
    active = Customer.objects.unscoped("derived planning work after a checked write").filter(is_archived=False)
    half = f"{today.year}H{1 if today.month <= 6 else 2}"
    quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
    existing_since = planning.add_months(today, -3)
    return _plan_clock(
        active.filter(Q(grade="A") | Q(priority="core")),
        type=FollowUpType.KEY_DEEP,
        period=half,
        due=planning.add_months(today, 1),
        note=_("半年度深度回访"),
    ) + _plan_clock(
        active.filter(cooperation_since__lte=existing_since),
        type=FollowUpType.EXISTING_PERIODIC,
        period=quarter,
        due=today + dt.timedelta(days=21),
        note=_("季度回访：使用情况与满意度、新问题、对竞品的看法、新的合作机会"),
    )


def _plan_clock(customers: Any, *, type: str, period: str, due: dt.date, note: str) -> int:
    """One visit of `type` per customer and period, walking the customers in keyset batches."""
    rows_of = customers.order_by("id").values_list("id", "owner_id")
    created, last_id = 0, 0
    while True:
        batch = list(rows_of.filter(id__gt=last_id)[:REPLAN_BATCH])
        if not batch:
            return created
        last_id = batch[-1][0]
        rows = [
            FollowUp(
                customer_id=cid,
                type=type,
                source_type="clock",
                source_id=f"{cid}:{period}",
                responsible=Responsible.OWNER,
                assignee_id=owner_id,
                due_on=due,
                note=note,
            )
            for cid, owner_id in batch
        ]
        source_ids = [r.source_id for r in rows]
        with transaction.atomic():
            clock = FollowUp.objects.unscoped("derived planning work after a checked write").filter(
                type=type, source_type="clock", source_id__in=source_ids
            )
            before = clock.count()
            FollowUp.objects.unscoped("derived planning work after a checked write").bulk_create(
                rows, ignore_conflicts=True
            )
            created += clock.count() - before


# --- care (客户关怀) --------------------------------------------------------------------------------


@transaction.atomic
def care_item_record(*, actor: Any, item: CareItem, status: str, record: str = "") -> CareItem:
    """Record what was sent (or that nothing will be)."""
    _require_view(actor, item.customer)
    if status not in (CareStatus.SENT, CareStatus.SKIPPED):
        raise DomainError(_("状态无效。"), field_errors={"status": [_("状态无效。")]})
    if item.status != CareStatus.PLANNED:
        raise InvalidTransition(_("该关怀事项已处理。"))
    if status == CareStatus.SENT and not record.strip():
        raise DomainError(_("请填写发送的问候或礼品。"), field_errors={"record": [_("请填写发送的问候或礼品。")]})
    if status == CareStatus.SENT and item.action == CareAction.GIFT and item.approved_at is None:
        raise InvalidTransition(_("礼品须先经批准。"))
    item.status = status
    item.record = record.strip()[:300]
    item.sent_at = timezone.now()
    item.sent_by = actor
    item.save(update_fields=["status", "record", "sent_at", "sent_by", "updated_at"])
    if status == CareStatus.SENT:
        # Every greeting and gift lands on the customer's timeline (关怀: planned and recorded).
        interaction = Interaction(
            customer=item.customer,
            contact=item.contact,
            channel=Channel.VISIT if item.action == CareAction.GIFT else Channel.OTHER,
            occurred_at=item.sent_at,
            subject=f"{item.get_action_display()} · {item.occasion}"[:200],
            content=item.record,
            actor=actor,
        )
        interaction.search_text = interaction_search_document(interaction)
        interaction.save()
    return item


@transaction.atomic
def care_gift_approve(*, actor: Any, item: CareItem) -> CareItem:
    """A gift is bought only after a manager approved it and its budget (SPEC M9: gifts with approval)."""
    from kehu.access import roles

    _require_view(actor, item.customer)
    if item.action != CareAction.GIFT:
        raise InvalidTransition(_("只有礼品需要批准。"))
    if not (roles.is_manager(actor) or roles.is_marketing_manager_or_above(actor)):
        raise DomainError(_("只有经理可以批准礼品。"))
    if item.status != CareStatus.PLANNED or item.approved_at is not None:
        raise InvalidTransition(_("该关怀事项已处理。"))
    item.approved_by = actor
    item.approved_at = timezone.now()
    item.save(update_fields=["approved_by", "approved_at", "updated_at"])
    return item


# --- work boards (看板) ----------------------------------------------------------------------------


@transaction.atomic
def board_item_create(
    *,
    actor: Any,
    title: str,
    planned_on: dt.date,
    period: str = BoardPeriod.WEEK,
    note: str = "",
    owner: Any = None,
    customer: Customer | None = None,
    ends_on: dt.date | None = None,
    link_type: str = "",
    link_id: str = "",
) -> BoardItem:
    if not (title or "").strip():
        raise DomainError(_("请填写标题。"), field_errors={"title": [_("请填写标题。")]})
    if period not in BoardPeriod.values:
        raise DomainError(_("看板无效。"), field_errors={"period": [_("看板无效。")]})
    if customer is not None:
        _require_view(actor, customer)
    return BoardItem.objects.create(
        owner=owner or actor,
        title=title.strip()[:200],
        planned_on=planned_on,
        period=period,
        note=note.strip(),
        customer=customer,
        ends_on=ends_on,
        link_type=link_type[:24],
        link_id=str(link_id)[:40],
    )


def _may_move(actor: Any, item: BoardItem) -> bool:
    """Whoever sees a card on a board may move it: its owner, their managers, admins (roles)."""
    return roles.is_owner_or_manager(actor, item.owner_id)


@transaction.atomic
def board_item_move(
    *, actor: Any, item: BoardItem, version: int | None = None, state: str = "", planned_on: dt.date | None = None
) -> BoardItem:
    """Drag and drop: a new state and/or a new day."""
    if not _may_move(actor, item):
        raise DomainError(_("只能移动自己或下属的看板事项。"))
    fields = []
    if state:
        if state not in BoardState.values:
            raise DomainError(_("状态无效。"), field_errors={"state": [_("状态无效。")]})
        item.state = state
        fields.append("state")
    if planned_on:
        if planned_on < timezone.localdate() and planned_on != item.planned_on:
            # moving work into the past would make it look planned (and missed) then: performance reviews
            # (SPEC M11) read on-time work from these dates
            raise DomainError(
                _("不能把事项改到过去的日期。"), field_errors={"planned_on": [_("不能把事项改到过去的日期。")]}
            )
        item.planned_on = planned_on
        fields.append("planned_on")
    if fields:
        save_versioned(item, expected_version=version, fields=fields)
    return item

"""The transitions tables of the three state machines: source states, target, who may, which fields.

Services (services.py) execute a transition; UI forms (forms.py) and API serializers (api/) are
generated from the same field lists, so the UI, the API and the rules cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kehu.access import roles

from .choices import ComplaintNature, ComplaintState, ConsultationState, DemandState, HandlingType, TicketState


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text, char, bool, date, datetime, money, int, choice, department, user
    label: Any
    required: bool = True
    choices: Any = None
    model: bool = True  # False: not a column of the record (kept in the timeline note)


@dataclass(frozen=True)
class Transition:
    name: str
    label: Any
    sources: tuple[str, ...]
    target: str | None  # None: the state does not change (an action such as a progress note)
    who: Callable[[Any, Any], bool]
    who_label: Any
    fields: tuple[Field, ...] = ()
    validate: Callable[[Any, dict[str, Any]], dict[str, list[str]]] | None = None
    target_for: Callable[[dict[str, Any]], str] | None = field(default=None)

    def resolve_target(self, current: str, data: dict[str, Any]) -> str:
        if self.target_for is not None:
            return self.target_for(data)
        return self.target or current


# --- who may -------------------------------------------------------------------------------


# Who may: the roles module answers (kehu/access/roles.py); these adapt it to the transition table.


def is_cs(user: Any, record: Any = None) -> bool:
    return roles.is_service_desk(user)


def is_supervisor(user: Any, record: Any = None) -> bool:
    """客服主管 (customer service at manager level, or an administrator): approves plans, routes the
    处理单 copy (客户投诉处理方案 五.2) and makes the visit after a problem closes (SOP 回访与复盘)."""
    return roles.is_cs_supervisor(user)


def complaint_handler(user: Any, complaint: Any) -> bool:
    return roles.is_service_desk(user) or roles.in_department(user, complaint.responsible_department)


def ticket_worker(user: Any, ticket: Any) -> bool:
    return (
        roles.is_service_desk(user)
        or roles.is_tech_support(user)
        or roles.in_department(user, ticket.department)
        or user.pk == ticket.owner_id
    )


def demand_worker(user: Any, demand: Any) -> bool:
    return roles.is_service_desk(user) or roles.in_department(user, demand.department) or user.pk == demand.owner_id


NOTE = Field("note", "text", _("备注"), required=False, model=False)

# --- complaints (SPEC M5) --------------------------------------------------------------------


def _validate_analyse(complaint: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if data.get("responsible"):
        if not data.get("nature"):
            errors["nature"] = [gettext("我方责任时须选择投诉性质，以确定处理期限。")]
        if not data.get("deadline_told"):
            errors["deadline_told"] = [gettext("须将处理期限告知客户。")]
    else:
        if not (data.get("explanation") or "").strip():
            errors["explanation"] = [gettext("非我方责任时须记录向客户的解释。")]
        if not data.get("customer_agreed"):
            errors["customer_agreed"] = [gettext("须征得客户认同后才能结案。")]
    return errors


def _validate_execute(complaint: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    if not data.get("customer_told"):
        return {"customer_told": [gettext("须将处理结果告知客户。")]}
    return {}


def _validate_satisfaction(record: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    value = data.get("satisfaction")
    if value is not None and not 1 <= int(value) <= 5:
        return {"satisfaction": [gettext("满意度为 1 到 5 分。")]}
    return {}


def _validate_close(complaint: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    """One visit, recorded once (客户投诉处理方案 八.1): a visit already recorded in the contact engine
    carries the score and the note; otherwise closing records the visit and needs both."""
    errors = _validate_satisfaction(complaint, data)
    if data.get("satisfaction") in (None, "") and complaint.satisfaction is None:
        errors["satisfaction"] = [gettext("请填写“%(label)s”。") % {"label": gettext("满意度（1-5）")}]
    if not (data.get("follow_up_note") or "").strip() and not complaint.follow_up_note:
        errors["follow_up_note"] = [gettext("请填写“%(label)s”。") % {"label": gettext("回访记录")}]
    return errors


def _validate_analyse_ticket(ticket: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    """SOP 问题分析与定位: "复杂问题需成立专项小组" — a complex problem's report comes from its task group."""
    if ticket.is_complex and ticket.task_group.count() < 2:
        return {"analysis_result": [gettext("复杂问题须先成立专项小组（至少两名成员）再提交分析报告。")]}
    return {}


def _validate_reschedule(ticket: Any, data: dict[str, Any]) -> dict[str, list[str]]:
    new = data.get("planned_completion")
    if new is not None and ticket.planned_completion is not None and new <= ticket.planned_completion:
        return {"planned_completion": [gettext("新的计划完成时间须晚于原计划。")]}
    return {}


C = ComplaintState
COMPLAINT: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "analyse",
            _("责任分析"),
            (C.RECEIVED,),
            None,
            is_cs,
            _("客服部"),
            (
                Field("responsible", "bool", _("我方责任"), required=False),
                Field("explanation", "text", _("向客户的解释（非我方责任）"), required=False),
                Field("customer_agreed", "bool", _("客户认同解释"), required=False),
                Field("nature", "choice", _("投诉性质"), required=False, choices=ComplaintNature),
                Field("deadline", "date", _("处理期限（留空按性质计算工作日）"), required=False),
                Field("deadline_told", "bool", _("已告知客户处理期限"), required=False),
            ),
            validate=_validate_analyse,
            target_for=lambda data: C.ANALYSED if data.get("responsible") else C.CLOSED,
        ),
        Transition(
            "route",
            _("转责任部门"),
            (C.ANALYSED,),
            C.ROUTED,
            # 五.2 "客户服务主管向相关责任部门送达《客户投诉处理单》副本": the supervisor routes, not any CS staff.
            is_supervisor,
            _("客服主管"),
            (
                Field("main_cause", "text", _("主要原因")),
                Field("responsible_department", "department", _("责任部门")),
            ),
        ),
        Transition(
            "submit_plan",
            _("提交处理方案"),
            (C.ROUTED,),
            C.PLAN_SUBMITTED,
            complaint_handler,
            _("客服部或责任部门"),
            (Field("plan", "text", _("处理方案")),),
        ),
        Transition(
            "approve_plan", _("批准方案"), (C.PLAN_SUBMITTED,), C.PLAN_APPROVED, is_supervisor, _("客服主管"), (NOTE,)
        ),
        Transition(
            "reject_plan",
            _("退回方案"),
            (C.PLAN_SUBMITTED,),
            C.ROUTED,
            is_supervisor,
            _("客服主管"),
            (Field("note", "text", _("退回理由"), model=False),),
        ),
        Transition(
            "execute",
            _("执行并告知结果"),
            (C.PLAN_APPROVED,),
            C.EXECUTED,
            complaint_handler,
            _("客服部或责任部门"),
            (
                Field("result", "text", _("投诉处理结果")),
                Field("handling_type", "choice", _("处理方式"), choices=HandlingType),
                Field("compensation_amount", "money", _("赔偿金额"), required=False),
                Field("return_amount", "money", _("退货金额"), required=False),
                Field("discount_amount", "money", _("折价金额"), required=False),
                Field("other_amount", "money", _("其他金额"), required=False),
                Field("loss_amount", "money", _("损失金额"), required=False),
                Field("customer_told", "bool", _("已告知客户处理结果"), required=False),
            ),
            validate=_validate_execute,
        ),
        Transition(
            "sign_off",
            _("客户签字确认"),
            (C.EXECUTED,),
            C.SIGNED_OFF,
            is_cs,
            _("客服部"),
            (
                Field("signed_by", "char", _("客户签字人")),
                Field("customer_opinion", "text", _("客户意见")),
                Field("receiver_opinion", "text", _("受理人员意见"), required=False),
                Field("manager_opinion", "text", _("部门经理意见"), required=False),
            ),
        ),
        Transition(
            "close",
            _("回访并结案"),
            (C.SIGNED_OFF,),
            C.CLOSED,
            is_cs,
            _("客服部"),
            # Required unless the visit was already recorded in 联络与回访 (then its answers are on the record).
            (
                Field("satisfaction", "int", _("满意度（1-5）"), required=False),
                Field("follow_up_note", "text", _("回访记录"), required=False),
            ),
            validate=_validate_close,
        ),
    ]
}

# --- problem tickets (SPEC M6) ------------------------------------------------------------------

T = TicketState
OPEN_TICKET = (T.NEW, T.RESPONDED, T.ANALYSED, T.IN_PROGRESS)
TICKET: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "respond",
            _("响应并确认影响范围"),
            (T.NEW,),
            T.RESPONDED,
            ticket_worker,
            _("技术支持部或客服部"),
            (Field("impact_scope", "text", _("影响范围")),),
        ),
        Transition(
            "analyse",
            _("提交分析报告"),
            (T.RESPONDED,),
            T.ANALYSED,
            ticket_worker,
            _("技术支持部或客服部"),
            (
                Field("analysis_result", "text", _("分析结果")),
                Field("planned_completion", "datetime", _("预计解决时间"), required=False),
            ),
            validate=_validate_analyse_ticket,
        ),
        Transition(
            "confirm_plan",
            _("客户确认方案"),
            (T.ANALYSED,),
            T.IN_PROGRESS,
            ticket_worker,
            _("技术支持部或客服部"),
            (
                Field("solution", "text", _("解决方案")),
                Field("planned_completion", "datetime", _("计划完成时间")),
                Field("plan_confirmed_by", "char", _("方案确认人（客户）")),
            ),
        ),
        Transition(
            "reschedule",
            _("调整计划完成时间（已与客户沟通）"),
            (T.IN_PROGRESS,),
            None,
            ticket_worker,
            _("技术支持部或客服部"),
            (
                Field("planned_completion", "datetime", _("新的计划完成时间")),
                Field("note", "text", _("向客户说明的原因"), model=False),
            ),
            validate=_validate_reschedule,
        ),
        Transition(
            "progress",
            _("向客户同步进度"),
            (T.RESPONDED, T.ANALYSED, T.IN_PROGRESS),
            None,
            ticket_worker,
            _("技术支持部或客服部"),
            (Field("note", "text", _("进度说明"), model=False),),
        ),
        Transition(
            "close",
            _("关闭（总结报告经客户确认）"),
            (T.IN_PROGRESS,),
            T.CLOSED,
            ticket_worker,
            _("技术支持部或客服部"),
            (
                Field("closing_process", "text", _("处理过程")),
                Field("closing_result", "text", _("处理结果")),
                Field("prevention", "text", _("预防措施")),
                Field("closing_confirmed_by", "char", _("关闭确认人（客户）")),
            ),
        ),
        Transition(
            "follow_up",
            _("记录回访"),
            (T.CLOSED, T.REVIEWED),
            None,
            # SOP 回访与复盘 "问题关闭后3个工作日内，由客服经理回访客户".
            is_supervisor,
            _("客服经理"),
            (Field("note", "text", _("回访结果"), model=False),),
        ),
        Transition(
            "review",
            _("内部复盘"),
            (T.CLOSED,),
            T.REVIEWED,
            ticket_worker,
            _("技术支持部或客服部"),
            (Field("root_cause", "text", _("根本原因")), Field("review_actions", "text", _("改进措施"))),
        ),
        Transition(
            "assign",
            _("指派"),
            OPEN_TICKET,
            None,
            ticket_worker,
            _("技术支持部或客服部"),
            (Field("owner", "user", _("负责人")), NOTE),
        ),
    ]
}

# --- demands (SPEC M7) ----------------------------------------------------------------------------

D = DemandState
DEMAND: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "start_development",
            _("进入开发"),
            (D.RESEARCHING,),
            D.DEVELOPING,
            demand_worker,
            _("责任部门或客服部"),
            (Field("planned_completion", "date", _("计划完成时间"), required=False), NOTE),
        ),
        Transition(
            "report_progress",
            _("向客户反馈进度"),
            (D.RESEARCHING, D.DEVELOPING),
            None,
            demand_worker,
            _("责任部门或客服部"),
            (Field("progress_note", "text", _("进度说明")),),
        ),
        Transition(
            "complete",
            _("完成"),
            (D.RESEARCHING, D.DEVELOPING),
            D.DONE,
            demand_worker,
            _("责任部门或客服部"),
            (Field("progress_note", "text", _("完成说明"), required=False),),
        ),
        Transition(
            # SOP 需求挖掘与跟进 "针对可落地需求，明确内部责任人与解决时限".
            "assign",
            _("指派负责人"),
            (D.RESEARCHING, D.DEVELOPING),
            None,
            demand_worker,
            _("责任部门或客服部"),
            (Field("owner", "user", _("负责人")), NOTE),
        ),
        Transition(
            "feedback",
            _("记录客户反馈"),
            (D.RESEARCHING, D.DEVELOPING, D.DONE),
            None,
            demand_worker,
            _("责任部门或客服部"),
            (Field("customer_feedback", "text", _("客户反馈")),),
        ),
    ]
}

# --- consultations (咨询 → 记录 → 处理 → 跟踪 → 回访) --------------------------------------------------


def consultation_worker(user: Any, consultation: Any) -> bool:
    return is_cs(user) or user.department == consultation.department or user.pk == consultation.owner_id


Z = ConsultationState
CONSULTATION: dict[str, Transition] = {
    t.name: t
    for t in [
        Transition(
            "handle",
            _("处理并答复客户"),
            (Z.RECORDED,),
            Z.HANDLED,
            consultation_worker,
            _("客服部或责任部门"),
            (Field("answer", "text", _("处理结果（答复）")),),
        ),
        Transition(
            "track",
            _("反馈跟踪"),
            (Z.HANDLED, Z.TRACKING),
            Z.TRACKING,
            consultation_worker,
            _("客服部或责任部门"),
            (Field("tracking_note", "text", _("跟踪事项")),),
        ),
        Transition(
            "close",
            _("结案（安排回访）"),
            (Z.HANDLED, Z.TRACKING),
            Z.CLOSED,
            consultation_worker,
            _("客服部或责任部门"),
            (NOTE,),
        ),
        Transition(
            "assign",
            _("指派负责人"),
            (Z.RECORDED, Z.HANDLED, Z.TRACKING),
            None,
            consultation_worker,
            _("客服部或责任部门"),
            (Field("owner", "user", _("负责人")), NOTE),
        ),
    ]
}

WORKFLOWS: dict[str, dict[str, Transition]] = {
    "complaint": COMPLAINT,
    "ticket": TICKET,
    "demand": DEMAND,
    "consultation": CONSULTATION,
}


def allowed_transitions(kind: str, user: Any, record: Any) -> list[Transition]:
    return [t for t in WORKFLOWS[kind].values() if record.state in t.sources and t.who(user, record)]

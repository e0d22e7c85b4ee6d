"""客户关系评估 services (客户关系维护方案 五–六): the form, its review round, feedback and measures.

五: customer service fills the 客户关系评估表 — indicators, weights, scores, grade, basis, remarks,
total, final score, and the suggestion 改进 / 维持 / 终止关系.
六.1: the result goes to the 营销总监 and the 市场营销部经理 (and the departments concerned) to read;
六.2: the departments give feedback; marketing drafts the improvement measures.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core.exceptions import DomainError, InvalidTransition
from kehu.customers.models import Customer

from . import operating
from .choices import Conclusion, EvaluationStatus, IndicatorSource, MeasureStatus, ReviewerRole
from .models import (
    Evaluation,
    EvaluationFeedback,
    EvaluationIndicator,
    EvaluationReview,
    EvaluationScore,
    EvaluationTemplate,
    ImprovementMeasure,
)

HUNDRED = Decimal("100")
CENT = Decimal("0.01")


def can_evaluate(user: Any) -> bool:
    """客户服务人员定期对客户关系进行评估 (五); marketing managers and above as well."""
    return roles.is_customer_service(user) or roles.is_marketing_manager_or_above(user)


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise DomainError(_("请输入数字。"), field_errors={field: [_("请输入数字。")]}) from exc
    if not number.is_finite():
        raise DomainError(_("请输入数字。"), field_errors={field: [_("请输入数字。")]})
    return number


# --- templates ---------------------------------------------------------------------------------


def _indicator_rows(template: EvaluationTemplate, indicators: list[dict[str, Any]]) -> None:
    if not indicators:
        raise DomainError(_("评估表至少需要一个指标。"))
    total = Decimal(0)
    for index, spec in enumerate(indicators):
        weight = _decimal(spec.get("weight"), "weight")
        if weight <= 0:
            raise DomainError(_("指标权重必须大于 0。"), field_errors={"indicators": [str(index)]})
        source = str(spec.get("source") or IndicatorSource.MANUAL)
        if source not in IndicatorSource.values:
            raise DomainError(_("指标数据来源无效。"), field_errors={"indicators": [str(index)]})
        name = str(spec.get("name", "")).strip()
        if not name:
            raise DomainError(_("请填写指标名称。"), field_errors={"indicators": [str(index)]})
        total += weight
        EvaluationIndicator.objects.create(
            template=template, position=index, name=name[:120], weight=weight, source=source
        )
    if total != HUNDRED:
        raise DomainError(
            _("指标权重合计必须为 100（现为 %(total)s）。") % {"total": total},
            field_errors={"indicators": [str(total)]},
        )


def _thresholds(improve_below: Any, terminate_below: Any) -> tuple[Decimal, Decimal]:
    improve = _decimal(improve_below, "improve_below")
    terminate = _decimal(terminate_below, "terminate_below")
    if not Decimal(0) <= terminate <= improve <= HUNDRED:
        raise DomainError(_("阈值应满足 0 ≤ 终止阈值 ≤ 改进阈值 ≤ 100。"))
    return improve, terminate


@transaction.atomic
def evaluation_template_create(
    *,
    actor: Any,
    code: str,
    name: str,
    indicators: list[dict[str, Any]],
    improve_below: Any = 75,
    terminate_below: Any = 50,
) -> EvaluationTemplate:
    if not roles.is_marketing_manager_or_above(actor) and not roles.is_cs_supervisor(actor):
        raise DomainError(_("只有客服主管或市场营销经理以上人员可以维护评估表。"))
    if EvaluationTemplate.objects.filter(code=code).exists():
        raise DomainError(_("代码已被使用。"), field_errors={"code": [_("代码已被使用。")]})
    improve, terminate = _thresholds(improve_below, terminate_below)
    template = EvaluationTemplate.objects.create(
        code=code, name=name, improve_below=improve, terminate_below=terminate, created_by=actor
    )
    _indicator_rows(template, indicators)
    return template


@transaction.atomic
def evaluation_template_revise(
    *,
    actor: Any,
    template: EvaluationTemplate,
    indicators: list[dict[str, Any]],
    improve_below: Any = None,
    terminate_below: Any = None,
) -> EvaluationTemplate:
    """A change of weights or thresholds: the next version once the template was used (past results stay)."""
    if not roles.is_marketing_manager_or_above(actor) and not roles.is_cs_supervisor(actor):
        raise DomainError(_("只有客服主管或市场营销经理以上人员可以维护评估表。"))
    template = EvaluationTemplate.objects.select_for_update().get(pk=template.pk)
    if not template.is_current:
        raise DomainError(_("只能修改当前版本。"))
    improve, terminate = _thresholds(
        template.improve_below if improve_below is None else improve_below,
        template.terminate_below if terminate_below is None else terminate_below,
    )
    used = (
        Evaluation.objects.unscoped("does any evaluation use this template version").filter(template=template).exists()
    )
    if used:
        template.is_current = False
        template.save(update_fields=["is_current"])
        template = EvaluationTemplate.objects.create(
            code=template.code,
            version=template.version + 1,
            name=template.name,
            improve_below=improve,
            terminate_below=terminate,
            created_by=actor,
        )
    else:
        template.improve_below, template.terminate_below = improve, terminate
        template.save(update_fields=["improve_below", "terminate_below"])
        template.indicators.all().delete()
    _indicator_rows(template, indicators)
    return template


# --- the form ----------------------------------------------------------------------------------


def conclusion_for(template: EvaluationTemplate, final: Decimal) -> str:
    if final < template.terminate_below:
        return Conclusion.TERMINATE
    if final < template.improve_below:
        return Conclusion.IMPROVE
    return Conclusion.MAINTAIN


@transaction.atomic
def evaluation_create(
    *,
    actor: Any,
    customer: Customer,
    template: EvaluationTemplate,
    scores: dict[Any, Any] | None = None,
    basis: dict[Any, str] | None = None,
    remarks_by_indicator: dict[Any, str] | None = None,
    remarks: str = "",
    final_score: Any = None,
    evaluated_on: dt.date | None = None,
) -> Evaluation:
    """Fill the form. An indicator with an operating-data source and no score given is filled from the
    data, its figure written as the basis. A final score other than the total needs a remark."""
    if not can_evaluate(actor):
        raise DomainError(_("只有客服部或市场营销经理以上人员可以评估客户关系。"))
    # Customer service evaluates the customers it may open (五), whoever owns the archive.
    if not Customer.objects.restrict(actor, "view").filter(pk=customer.pk).exists():
        raise DomainError(_("客户不存在或您无权查看。"), field_errors={"customer": [_("客户不存在或您无权查看。")]})
    scores = {str(k): v for k, v in (scores or {}).items()}
    basis = {str(k): str(v)[:300] for k, v in (basis or {}).items()}
    remarks_by_indicator = {str(k): str(v)[:300] for k, v in (remarks_by_indicator or {}).items()}
    indicators = list(template.indicators.all())
    known = {str(i.pk) for i in indicators}
    unknown = set(scores) - known
    if unknown:
        raise DomainError(
            _("指标 %(ids)s 不属于该评估表。") % {"ids": ", ".join(sorted(unknown))[:100]},
            field_errors={"scores": sorted(unknown)},
        )
    rows: list[EvaluationScore] = []
    total = Decimal(0)
    for indicator in indicators:
        key = str(indicator.pk)
        why = basis.get(key, "")
        if key in scores:
            score = _decimal(scores[key], f"scores.{key}")
        elif indicator.source != IndicatorSource.MANUAL:
            figure = operating.figure(indicator.source, customer)
            score, why = figure.score, why or figure.basis
        else:
            raise DomainError(_("请为指标“%(name)s”打分。") % {"name": indicator.name}, field_errors={"scores": [key]})
        if not Decimal(0) <= score <= HUNDRED:
            raise DomainError(_("指标得分应在 0–100 之间。"), field_errors={"scores": [key]})
        contribution = (score * indicator.weight / HUNDRED).quantize(CENT, ROUND_HALF_UP)
        total += contribution
        rows.append(
            EvaluationScore(
                indicator=indicator,
                name=indicator.name,
                weight=indicator.weight,
                score=score.quantize(CENT, ROUND_HALF_UP),
                contribution=contribution,
                basis=why[:300],
                remark=remarks_by_indicator.get(key, ""),
                source=indicator.source,
            )
        )
    final = total if final_score in (None, "") else _decimal(final_score, "final_score").quantize(CENT, ROUND_HALF_UP)
    if final != total and not remarks.strip():
        raise DomainError(_("最终得分与合计不同时请在备注中说明原因。"), field_errors={"remarks": [_("请说明原因。")]})
    if not Decimal(0) <= final <= HUNDRED:
        raise DomainError(_("最终得分应在 0–100 之间。"), field_errors={"final_score": [str(final)]})
    conclusion = conclusion_for(template, final)
    evaluation = Evaluation.objects.create(
        customer=customer,
        template=template,
        evaluated_on=evaluated_on or timezone.localdate(),
        evaluator=actor,
        customer_grade=customer.grade,
        total=total,
        final_score=final,
        conclusion=conclusion,
        remarks=remarks,
        status=EvaluationStatus.CLOSED if conclusion == Conclusion.MAINTAIN else EvaluationStatus.IN_REVIEW,
    )
    for row in rows:
        row.evaluation = evaluation
    EvaluationScore.objects.bulk_create(rows)
    return evaluation


def _locked(evaluation: Evaluation) -> Evaluation:
    return (
        Evaluation.objects.unscoped("re-read under a lock after the caller's restrict()")
        .select_for_update()
        .get(pk=evaluation.pk)
    )


@transaction.atomic
def evaluation_review(*, actor: Any, evaluation: Evaluation, comment: str = "") -> EvaluationReview:
    """营销总监 or 市场营销部经理 has read it (六.1); after both, marketing drafts measures."""
    evaluation = _locked(evaluation)
    if evaluation.status != EvaluationStatus.IN_REVIEW:
        raise InvalidTransition(_("该评估不在待审阅状态。"))
    if roles.is_marketing_director(actor):
        role = ReviewerRole.DIRECTOR
    elif roles.is_marketing_manager_or_above(actor):
        role = ReviewerRole.MANAGER
    else:
        raise DomainError(_("只有营销总监和市场营销部经理审阅评估结果。"))
    if evaluation.reviews.filter(role=role).exists():
        raise InvalidTransition(_("您的角色已审阅过该评估。"))
    review = EvaluationReview.objects.create(evaluation=evaluation, role=role, reviewer=actor, comment=comment[:2000])
    if evaluation.reviews.count() == len(ReviewerRole.values):
        evaluation.status = EvaluationStatus.MEASURES
        evaluation.save(update_fields=["status", "updated_at"])
    return review


@transaction.atomic
def evaluation_feedback(*, actor: Any, evaluation: Evaluation, text: str) -> EvaluationFeedback:
    """A department's feedback (六.2), open while the evaluation is reviewed or improved."""
    if evaluation.status not in (EvaluationStatus.IN_REVIEW, EvaluationStatus.MEASURES):
        raise InvalidTransition(_("该评估已归档，不再收集反馈。"))
    department = roles.department(actor)
    if not department:
        raise DomainError(_("只有所属部门的人员可以提交部门反馈。"))
    if not text.strip():
        raise DomainError(_("请填写反馈意见。"), field_errors={"text": [_("请填写反馈意见。")]})
    return EvaluationFeedback.objects.create(
        evaluation=evaluation, department=department, author=actor, text=text[:4000]
    )


@transaction.atomic
def measure_add(*, actor: Any, evaluation: Evaluation, text: str, owner: Any, due_on: dt.date) -> ImprovementMeasure:
    """市场营销部 drafts improvement measures once the review round is done."""
    if not roles.is_archive_keeper(actor):
        raise DomainError(_("改进措施由市场营销部拟定。"))
    evaluation = _locked(evaluation)
    if evaluation.status not in (EvaluationStatus.MEASURES, EvaluationStatus.DONE):
        raise InvalidTransition(_("营销总监和市场营销部经理审阅后才能拟定改进措施。"))
    if not text.strip():
        raise DomainError(_("请填写改进措施。"), field_errors={"text": [_("请填写改进措施。")]})
    if due_on < timezone.localdate():
        raise DomainError(_("完成期限不能早于今天。"), field_errors={"due_on": [_("完成期限不能早于今天。")]})
    if owner is None or not roles.is_active(owner):
        raise DomainError(_("请选择负责人。"), field_errors={"owner": [_("请选择负责人。")]})
    measure = ImprovementMeasure.objects.create(
        evaluation=evaluation, text=text[:4000], owner=owner, due_on=due_on, created_by=actor
    )
    if evaluation.status == EvaluationStatus.DONE:
        evaluation.status = EvaluationStatus.MEASURES
        evaluation.save(update_fields=["status", "updated_at"])
    return measure


@transaction.atomic
def measure_done(*, actor: Any, measure: ImprovementMeasure) -> ImprovementMeasure:
    """The owner (or marketing) marks a measure done; the last one done completes the evaluation."""
    if actor.pk != measure.owner_id and not roles.is_archive_keeper(actor):
        raise DomainError(_("只有负责人或市场营销部可以完成该措施。"))
    if measure.status == MeasureStatus.DONE:
        raise InvalidTransition(_("该措施已完成。"))
    measure.status = MeasureStatus.DONE
    measure.done_at = timezone.now()
    measure.save(update_fields=["status", "done_at"])
    evaluation = _locked(measure.evaluation)
    if not evaluation.measures.filter(status=MeasureStatus.OPEN).exists():
        evaluation.status = EvaluationStatus.DONE
        evaluation.save(update_fields=["status", "updated_at"])
    return measure

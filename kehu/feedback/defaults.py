"""Starting data (editable afterwards): dimensions, grade schedule, a questionnaire, an evaluation form.

SOP 满意度管理: 每年开展1-2次客户满意度调研，涵盖产品质量、服务响应、合作体验等维度.
客户关系维护方案 五: 客户关系评估表 (分析指标 / 指标权重 / 指标得分 / 得分依据 / 备注 / 合计 / 最终得分).
"""

from __future__ import annotations

from typing import Any

DIMENSIONS = [
    ("product_quality", "产品质量", "Product quality"),
    ("service_response", "服务响应", "Service response"),
    ("cooperation", "合作体验", "Cooperation experience"),
    ("service_attitude", "服务态度", "Service attitude"),
    ("response_speed", "响应速度", "Response speed"),
    ("problem_solving", "解决能力", "Problem solving"),
]

# grade -> (surveys per year, evaluations per year): A twice a year, B and C once.
POLICIES = {"A": (2, 2), "B": (1, 1), "C": (1, 1)}

SURVEY: dict[str, Any] = {
    "code": "annual",
    "name": "年度客户满意度调查",
    "intro": "感谢您抽出约 3 分钟填写本问卷，您的意见将帮助我们改进产品与服务。",
    "questions": [
        ("rating", "您对我们产品质量的满意程度", "How satisfied are you with our product quality?", "product_quality"),
        (
            "rating",
            "您对我们服务响应的满意程度",
            "How satisfied are you with our service response?",
            "service_response",
        ),
        ("rating", "您对双方合作体验的满意程度", "How satisfied are you with working together?", "cooperation"),
        (
            "rating",
            "您对服务人员态度的满意程度",
            "How satisfied are you with our staff's attitude?",
            "service_attitude",
        ),
        (
            "rating",
            "您对问题解决能力的满意程度",
            "How satisfied are you with how we solve problems?",
            "problem_solving",
        ),
        ("nps", "您向同行推荐我们的可能性有多大？", "How likely are you to recommend us to a peer?", ""),
        ("text", "您对我们还有哪些意见或建议？", "What else should we improve?", ""),
    ],
}

EVALUATION: dict[str, Any] = {
    "code": "relationship",
    "name": "客户关系评估表",
    "indicators": [
        ("客户满意度", 25, "survey"),
        ("投诉情况", 15, "complaints"),
        ("服务时效（超时）", 10, "sla"),
        ("联络计划执行", 15, "contact"),
        ("需求满足情况", 15, "demands"),
        ("付款与履约记录", 20, "payment"),
    ],
}


def install(apps: Any) -> None:
    """The default dimensions, schedule and templates (migration 0002; tests after a flush)."""
    Dimension = apps.get_model("feedback", "Dimension")
    SurveyPolicy = apps.get_model("feedback", "SurveyPolicy")
    SurveyTemplate = apps.get_model("feedback", "SurveyTemplate")
    SurveyQuestion = apps.get_model("feedback", "SurveyQuestion")
    EvaluationTemplate = apps.get_model("feedback", "EvaluationTemplate")
    EvaluationIndicator = apps.get_model("feedback", "EvaluationIndicator")
    dims = {}
    for position, (code, name, name_en) in enumerate(DIMENSIONS):
        dims[code], _ = Dimension.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "position": position}
        )
    for grade, (surveys, evaluations) in POLICIES.items():
        SurveyPolicy.objects.get_or_create(
            grade=grade, defaults={"surveys_per_year": surveys, "evaluations_per_year": evaluations}
        )
    if not SurveyTemplate.objects.filter(code=SURVEY["code"]).exists():
        template = SurveyTemplate.objects.create(code=SURVEY["code"], name=SURVEY["name"], intro=SURVEY["intro"])
        for position, (kind, text, text_en, dim) in enumerate(SURVEY["questions"]):
            SurveyQuestion.objects.create(
                template=template,
                position=position,
                kind=kind,
                text=text,
                text_en=text_en,
                dimension=dims.get(dim),
                required=kind != "text",
            )
    if not EvaluationTemplate.objects.filter(code=EVALUATION["code"]).exists():
        form = EvaluationTemplate.objects.create(code=EVALUATION["code"], name=EVALUATION["name"])
        for position, (name, weight, source) in enumerate(EVALUATION["indicators"]):
            EvaluationIndicator.objects.create(
                template=form, position=position, name=name, weight=weight, source=source
            )

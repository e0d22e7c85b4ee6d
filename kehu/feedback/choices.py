from django.db import models
from django.utils.translation import gettext_lazy as _


class QuestionKind(models.TextChoices):
    RATING = "rating", _("评分（1–5）")
    NPS = "nps", _("推荐度 NPS（0–10）")
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    TEXT = "text", _("文字")


class Privacy(models.TextChoices):
    """Who sees which customer said what (ADR 0009-surveys)."""

    NAMED = "named", _("实名")
    CONFIDENTIAL = "confidential", _("保密（仅客服部）")
    ANONYMOUS = "anonymous", _("匿名（仅汇总）")


class WaveStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("已发送")
    CLOSED = "closed", _("已结束")


class DeliveryChannel(models.TextChoices):
    EMAIL = "email", _("电子邮件")
    QR = "qr", _("打印二维码")
    WECOM = "wecom", _("企业微信消息")
    DINGTALK = "dingtalk", _("钉钉消息")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("待发送")
    SENT = "sent", _("已发送")
    OPENED = "opened", _("已打开")
    STARTED = "started", _("填写中")
    COMPLETED = "completed", _("已完成")


class Conclusion(models.TextChoices):
    IMPROVE = "improve", _("改进关系")
    MAINTAIN = "maintain", _("维持关系")
    TERMINATE = "terminate", _("终止关系")


class EvaluationStatus(models.TextChoices):
    CLOSED = "closed", _("已归档")
    IN_REVIEW = "in_review", _("待审阅")
    MEASURES = "measures", _("改进措施跟进中")
    DONE = "done", _("改进完成")


class ReviewerRole(models.TextChoices):
    DIRECTOR = "director", _("营销总监")
    MANAGER = "manager", _("市场营销部经理")


class IndicatorSource(models.TextChoices):
    """Where an indicator's score may come from; `manual` means the evaluator enters it."""

    MANUAL = "manual", _("人工评分")
    SURVEY = "survey", _("满意度调查得分")
    COMPLAINTS = "complaints", _("投诉次数与严重程度")
    SLA = "sla", _("超时（SLA）次数")
    CONTACT = "contact", _("联络计划执行率")
    DEMANDS = "demands", _("需求完成率")
    PAYMENT = "payment", _("付款与履约记录")


class MeasureStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    DONE = "done", _("已完成")


class SelfUpdateStatus(models.TextChoices):
    OPEN = "open", _("待客户填写")
    SUBMITTED = "submitted", _("待审核")
    APPLIED = "applied", _("已采纳")
    REJECTED = "rejected", _("已驳回")

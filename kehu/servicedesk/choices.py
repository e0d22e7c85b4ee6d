from django.db import models
from django.utils.translation import gettext_lazy as _


class IntakeChannel(models.TextChoices):
    PHONE = "phone", _("电话")
    EMAIL = "email", _("电子邮件")
    ON_SITE = "on_site", _("现场")
    WEB = "web", _("在线/系统工单")
    OTHER = "other", _("其他")


class ComplaintState(models.TextChoices):
    RECEIVED = "received", _("已受理")
    ANALYSED = "analysed", _("已定责")
    ROUTED = "routed", _("已转责任部门")
    PLAN_SUBMITTED = "plan_submitted", _("方案待审批")
    PLAN_APPROVED = "plan_approved", _("方案已批准")
    EXECUTED = "executed", _("已处理并告知")
    SIGNED_OFF = "signed_off", _("客户已签字，待回访")
    CLOSED = "closed", _("已结案")


class ComplaintCategory(models.TextChoices):
    QUALITY = "quality", _("产品质量")
    DELIVERY = "delivery", _("交付/物流")
    SERVICE = "service", _("服务态度")
    PRICE = "price", _("价格/费用")
    OTHER = "other", _("其他")


class ComplaintNature(models.TextChoices):
    """The nature of a complaint sets the default handling deadline (in PRC working days)."""

    URGENT = "urgent", _("紧急")
    SERIOUS = "serious", _("严重")
    GENERAL = "general", _("一般")


NATURE_WORKING_DAYS = {ComplaintNature.URGENT: 1, ComplaintNature.SERIOUS: 3, ComplaintNature.GENERAL: 5}


class HandlingType(models.TextChoices):
    COMPENSATION = "compensation", _("赔偿")
    RETURN = "return", _("退货")
    DISCOUNT = "discount", _("折价")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    HIGH = "high", _("高")
    MEDIUM = "medium", _("中")
    LOW = "low", _("低")


class TicketState(models.TextChoices):
    NEW = "new", _("待响应")
    RESPONDED = "responded", _("已响应")
    ANALYSED = "analysed", _("已分析")
    IN_PROGRESS = "in_progress", _("方案已确认，处理中")
    CLOSED = "closed", _("已关闭")
    REVIEWED = "reviewed", _("已复盘")


class DemandType(models.TextChoices):
    FEATURE = "feature", _("功能需求")
    SERVICE = "service", _("服务需求")
    OTHER = "other", _("其他")


class DemandState(models.TextChoices):
    RESEARCHING = "researching", _("调研中")
    DEVELOPING = "developing", _("开发中")
    DONE = "done", _("已完成")


class TimerKind(models.TextChoices):
    DEADLINE = "deadline", _("承诺处理期限")
    FOLLOW_UP = "follow_up", _("回访期限")
    RESPONSE = "response", _("响应时限")
    ANALYSIS = "analysis", _("分析报告时限")
    PROGRESS = "progress", _("进度同步时限")
    RESOLUTION = "resolution", _("计划完成时间")


class MailDirection(models.TextChoices):
    IN = "in", _("来信")
    OUT = "out", _("回复")


class ConsultationState(models.TextChoices):
    """客户服务流程 (软件行业客户关系维护制度 第四章 3): 客户咨询、问题记录、问题处理、反馈跟踪、客户回访."""

    RECORDED = "recorded", _("已记录")
    HANDLED = "handled", _("已处理")
    TRACKING = "tracking", _("跟踪中")
    CLOSED = "closed", _("已结案")


class ConsultationTopic(models.TextChoices):
    PRODUCT = "product", _("产品")
    PRICE = "price", _("价格/商务")
    SERVICE = "service", _("服务")
    TECHNICAL = "technical", _("技术")
    OTHER = "other", _("其他")

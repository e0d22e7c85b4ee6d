from django.db import models
from django.utils.translation import gettext_lazy as _


class PolicyScope(models.TextChoices):
    """What a maintenance policy is keyed on (SPEC M2 table): the ABC grade or the maintenance priority."""

    GRADE = "grade", _("客户等级")
    PRIORITY = "priority", _("维护优先级")


class FollowUpType(models.TextChoices):
    """回访 types of SPEC M4."""

    NEW_FIRST = "new_first", _("新客户首次回访")
    NEW_PERIODIC = "new_periodic", _("新客户定期回访")
    EXISTING_PERIODIC = "existing_periodic", _("老客户定期回访")
    SPECIAL = "special", _("特殊时机回访")
    KEY_DEEP = "key_deep", _("重点客户深度回访")
    AFTER_COMPLAINT = "after_complaint", _("投诉处理后回访")
    AFTER_PROBLEM = "after_problem", _("问题关闭后回访")
    SATISFACTION = "satisfaction", _("需求完成满意度回访")
    # 回访制度细则 二.2 "对客户咨询、投诉、报修等问题处理后的回访".
    AFTER_CONSULTATION = "after_consultation", _("咨询处理后回访")


class FollowUpStatus(models.TextChoices):
    PLANNED = "planned", _("待回访")
    DONE = "done", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class Responsible(models.TextChoices):
    """Who does a visit (SPEC M4 responsibilities)."""

    OWNER = "owner", _("客户负责人（销售）")
    CUSTOMER_SERVICE = "customer_service", _("客服部")
    TECH_SUPPORT = "tech_support", _("技术支持部")
    # SOP 回访与复盘 "问题关闭后3个工作日内，由客服经理回访客户".
    CS_MANAGER = "cs_manager", _("客服经理")


class CareKind(models.TextChoices):
    BIRTHDAY = "birthday", _("生日")
    FESTIVAL = "festival", _("节日")
    ANNIVERSARY = "anniversary", _("合作周年")
    PURCHASE = "purchase", _("购买纪念日")


class CareAction(models.TextChoices):
    GREETING = "greeting", _("问候")
    GIFT = "gift", _("礼品")


class CareStatus(models.TextChoices):
    PLANNED = "planned", _("待办")
    QUEUED = "queued", _("发送中")
    SENT = "sent", _("已送达")
    SKIPPED = "skipped", _("不发送")


class BoardPeriod(models.TextChoices):
    WEEK = "week", _("周看板")
    MONTH = "month", _("月看板")


class BoardState(models.TextChoices):
    TODO = "todo", _("待办")
    DOING = "doing", _("进行中")
    DONE = "done", _("已完成")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ReminderKind(models.TextChoices):
    DUE = "due", _("今日到期")
    OVERDUE = "overdue", _("已逾期")

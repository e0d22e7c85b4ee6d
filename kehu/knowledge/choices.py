from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleStatus(models.TextChoices):
    """Draft: only editors see it and the assistant never uses it. Internal: staff only (training,
    daily work). Public: the help page and the web-chat assistant too."""

    DRAFT = "draft", _("草稿")
    INTERNAL = "internal", _("内部")
    PUBLIC = "public", _("公开")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("简体中文")
    EN = "en", _("英文")


class ArticleSource(models.TextChoices):
    MANUAL = "", _("手工编写")
    TICKET = "ticket", _("问题跟踪")
    COMPLAINT = "complaint", _("客户投诉")
    FOLLOWUP = "followup", _("回访发现")
    UNANSWERED = "unanswered", _("未解答问题")
    CONVERSATION = "conversation", _("会话")


class DraftSource(models.TextChoices):
    """What an article can be drafted from in one click."""

    TICKET = "ticket", _("问题跟踪")
    COMPLAINT = "complaint", _("客户投诉")
    FOLLOWUP = "followup", _("回访发现")


class UsageKind(models.TextChoices):
    VIEWED = "viewed", _("查看")
    USED = "used", _("用于回答")
    HELPED = "helped", _("有帮助")
    NOT_HELPED = "not_helped", _("没有帮助")

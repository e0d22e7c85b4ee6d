from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    """What a rule allows on a customer; the same names as policy.ACTIONS."""

    LIST = "list", _("列表")
    VIEW = "view", _("查看档案")
    VIEW_SENSITIVE = "view_sensitive", _("查看敏感信息")
    EDIT = "edit", _("编辑")
    EXPORT = "export", _("导出")


class Principal(models.TextChoices):
    """Who a rule applies to, relative to the customer."""

    EVERYONE = "everyone", _("所有员工")
    OWNER = "owner", _("负责人（客户经理）")
    OWNER_MANAGERS = "owner_managers", _("负责人的上级及所属部门经理")
    ROLE = "role", _("角色（部门 + 最低级别）")


class GrantScope(models.TextChoices):
    ARCHIVE = "archive", _("完整档案")
    SENSITIVE = "sensitive", _("完整档案及敏感信息")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    REVOKED = "revoked", _("已撤销")
    EXPIRED = "expired", _("已过期")


class LogAction(models.TextChoices):
    VIEW = "view", _("查看档案")
    VIEW_SENSITIVE = "view_sensitive", _("查看敏感信息")
    SEARCH = "search", _("搜索")
    EXPORT = "export", _("导出")
    API_READ = "api_read", _("API 读取")
    PERSON_EXPORT = "person_export", _("个人信息导出")
    PERSON_ERASE = "person_erase", _("个人信息删除")
    CONSENT_WITHDRAW = "consent_withdraw", _("撤回同意")
    LOG_EXPORT = "log_export", _("导出访问日志")
    RETENTION_FLAG = "retention_flag", _("保存期限标记")


class LegalBasis(models.TextChoices):
    """PIPL Art. 13: consent, or one of the other lawful bases."""

    CONSENT = "consent", _("个人同意")
    CONTRACT = "contract", _("订立、履行合同所必需")
    LEGAL_DUTY = "legal_duty", _("履行法定职责或义务所必需")
    OTHER = "other", _("其他法定情形")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("书面")
    ELECTRONIC = "electronic", _("电子确认")
    ORAL = "oral", _("口头（有记录）")

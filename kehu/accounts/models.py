from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .choices import Department, Level


class User(AbstractUser):
    department = models.CharField(_("部门"), max_length=32, choices=Department.choices, blank=True, db_index=True)
    level = models.PositiveSmallIntegerField(_("级别"), choices=Level.choices, default=Level.STAFF, db_index=True)
    manager = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    phone = models.CharField(_("电话"), max_length=40, blank=True)
    is_auditor = models.BooleanField(_("审计员"), default=False, help_text=_("可查看访问日志"))

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def get_full_name(self) -> str:
        """Chinese order: family name first, no space (李明); Latin names keep theirs (Ming Li)."""
        last, first = self.last_name.strip(), self.first_name.strip()
        if (last + first).isascii():
            return f"{first} {last}".strip()
        return f"{last}{first}"

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    # Named roles the policies rely on (SPEC "Roles"); kept here so every rule asks the same question.
    @property
    def is_admin_level(self) -> bool:
        return self.is_superuser or self.level >= Level.ADMIN

    @property
    def is_marketing_manager_or_above(self) -> bool:
        """市场营销经理及以上: marketing managers and directors, any director, admins."""
        if self.is_admin_level or self.level >= Level.DIRECTOR:
            return True
        return self.department == Department.MARKETING and self.level >= Level.MANAGER

    @property
    def is_cs_supervisor(self) -> bool:
        """客服主管: customer service at manager level or above."""
        return self.is_admin_level or (self.department == Department.CUSTOMER_SERVICE and self.level >= Level.MANAGER)

    @property
    def is_manager(self) -> bool:
        return self.level >= Level.MANAGER

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

    # For templates: the roles module answers (kehu/access/roles.py is the one definition).
    @property
    def is_admin_level(self) -> bool:
        from kehu.access import roles

        return roles.is_admin(self)

    @property
    def is_marketing_manager_or_above(self) -> bool:
        from kehu.access import roles

        return roles.is_marketing_manager_or_above(self)

    @property
    def is_cs_supervisor(self) -> bool:
        from kehu.access import roles

        return roles.is_cs_supervisor(self)

    @property
    def is_manager(self) -> bool:
        from kehu.access import roles

        return roles.is_manager(self)

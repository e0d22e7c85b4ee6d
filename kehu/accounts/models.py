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


class ApiToken(models.Model):
    """An API token. Only the SHA-256 of its secret is stored (a backup holds no working token);
    `prefix` (the secret's first characters) lets a person tell their tokens apart.

    kind "login": issued by POST /api/auth/token/ (expires after KEHU API_TOKEN_DAYS, revoked on
    logout); kind "named": created by the user for an integration, with a name and its own expiry.
    Every token dies when its user's password changes (`password_stamp` no longer matches)."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("登录令牌")
        NAMED = "named", _("集成令牌")

    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="api_tokens", db_index=False
    )
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices, default=Kind.LOGIN)
    name = models.CharField(_("名称"), max_length=80, blank=True)
    prefix = models.CharField(_("前缀"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    password_stamp = models.CharField(max_length=128)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        indexes = [models.Index(fields=["user", "revoked_at", "id"], name="accounts_token_user")]

    def __str__(self) -> str:
        return f"{self.name or self.get_kind_display()} ({self.prefix}…)"


class LoginFailure(models.Model):
    """One failed login (page, admin or API token request), kept for kehu.accounts.lockout."""

    username = models.CharField(_("用户名"), max_length=150)
    ip = models.CharField("IP", max_length=45, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("登录失败记录")
        verbose_name_plural = _("登录失败记录")
        indexes = [
            models.Index(fields=["username", "ip", "at"], name="accounts_failure_pair"),
            models.Index(fields=["ip", "at"], name="accounts_failure_ip"),
            models.Index(fields=["at"], name="accounts_failure_at"),
        ]

    def __str__(self) -> str:
        return f"{self.username}@{self.ip}"

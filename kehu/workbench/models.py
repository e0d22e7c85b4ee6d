"""The 工作台's own data: filters people save on a list (issue 11). Not customer-owned: a saved
filter is a query string, and applying it goes through the list's own restrict() like any search."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kehu.core.models import TimeStampedModel


class SavedFilter(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    list_name = models.CharField(_("列表"), max_length=32)
    name = models.CharField(_("名称"), max_length=60)
    query = models.CharField(_("筛选条件"), max_length=1000)

    class Meta:
        verbose_name = _("保存的筛选")
        verbose_name_plural = _("保存的筛选")
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "name"], name="workbench_savedfilter_unique_name")
        ]
        # the unique constraint's index serves "my filters on this list, by name"

    def __str__(self) -> str:
        return self.name


class DeliveryPreference(models.Model):
    """How a user receives workflow messages (issue 11): always in the app (the bell); also by e-mail,
    as a WeCom application message and/or as a DingTalk work notification if they ask. No row: in the
    app only.

    The WeCom member id (企业微信 userid, the `touser` of an application message) and the DingTalk user id
    (钉钉 userid, the `userid_list` of a work notification) live here, not on accounts.User: only the people
    who ask for that delivery need one, and no other part of Kehu uses them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="delivery_preference"
    )
    email = models.BooleanField(_("同时发送邮件"), default=False)
    wecom = models.BooleanField(_("同时发送企业微信应用消息"), default=False)
    wecom_userid = models.CharField(_("企业微信账号"), max_length=64, blank=True)
    dingtalk = models.BooleanField(_("同时发送钉钉工作通知"), default=False)
    dingtalk_userid = models.CharField(_("钉钉账号"), max_length=64, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("消息送达方式")
        verbose_name_plural = _("消息送达方式")

    def __str__(self) -> str:
        return str(self.user_id)

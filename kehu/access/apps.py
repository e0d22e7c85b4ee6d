from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "kehu.access"
    label = "access"
    verbose_name = _("权限与审计")

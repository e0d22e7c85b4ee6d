from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "kehu.servicedesk"
    label = "servicedesk"
    verbose_name = _("服务台")

    def ready(self) -> None:
        from . import handlers

        handlers.connect()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkbenchConfig(AppConfig):
    name = "kehu.workbench"
    label = "workbench"
    verbose_name = _("工作台")

    def ready(self) -> None:
        from kehu.access.signals import notified

        from .delivery import on_notified

        notified.connect(on_notified, dispatch_uid="workbench.mail_notifications")

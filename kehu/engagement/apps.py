from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EngagementConfig(AppConfig):
    name = "kehu.engagement"
    label = "engagement"
    verbose_name = _("联络与回访")

    def ready(self) -> None:
        from . import handlers

        handlers.connect()

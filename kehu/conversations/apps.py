from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "kehu.conversations"
    label = "conversations"
    verbose_name = _("渠道与会话")

    def ready(self) -> None:
        from . import handlers

        handlers.connect()

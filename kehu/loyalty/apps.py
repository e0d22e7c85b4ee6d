from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoyaltyConfig(AppConfig):
    name = "kehu.loyalty"
    label = "loyalty"
    verbose_name = _("会员与营销")

    def ready(self) -> None:
        from . import handlers

        handlers.connect()

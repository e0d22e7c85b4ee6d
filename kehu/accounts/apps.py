from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kehu.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from . import lockout  # noqa: F401  (connects the login failure/success receivers)

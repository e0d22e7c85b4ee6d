from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kehu.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import lockout  # noqa: F401  (connects the login failure/success receivers)
        from .backends import forget_user
        from .models import ApiToken, User

        # A changed or deleted user (deactivation, password, role) is read afresh on the next request.
        post_save.connect(forget_user, sender=User, dispatch_uid="kehu_forget_user_save")
        post_delete.connect(forget_user, sender=User, dispatch_uid="kehu_forget_user_delete")
        # A token saved or deleted outside the revoking services (the admin) is read afresh too.
        post_save.connect(_tokens_changed, sender=ApiToken, dispatch_uid="kehu_tokens_changed_save")
        post_delete.connect(_tokens_changed, sender=ApiToken, dispatch_uid="kehu_tokens_changed_delete")


def _tokens_changed(sender: object, created: bool = False, **kwargs: object) -> None:
    from .tokens import tokens_changed

    if not created:  # a new token was never cached: a login must not make every cached token stale
        tokens_changed()

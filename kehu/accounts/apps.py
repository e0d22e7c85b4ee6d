from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "kehu.accounts"
    label = "accounts"
    verbose_name = _("账号")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save
        from rest_framework.authtoken.models import Token

        from .backends import forget_token, forget_user
        from .models import User

        # A changed or deleted user (deactivation, password, role) is read afresh on the next request.
        post_save.connect(forget_user, sender=User, dispatch_uid="kehu_forget_user_save")
        post_delete.connect(forget_user, sender=User, dispatch_uid="kehu_forget_user_delete")
        post_save.connect(forget_token, sender=Token, dispatch_uid="kehu_forget_token_save")
        post_delete.connect(forget_token, sender=Token, dispatch_uid="kehu_forget_token_delete")

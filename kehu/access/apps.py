from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _rule_saved_or_deleted(**_kwargs: Any) -> None:
    from django.db import transaction

    from .policy import rules_changed

    # After the commit: a process that read the table before it would otherwise keep the old rules
    # under the new version. (Rolled back, nothing changed and nothing needs reading again.)
    transaction.on_commit(rules_changed)


class AccessConfig(AppConfig):
    name = "kehu.access"
    label = "access"
    verbose_name = _("权限与审计")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import AccessRule

        post_save.connect(_rule_saved_or_deleted, sender=AccessRule, dispatch_uid="access-rules-version")
        post_delete.connect(_rule_saved_or_deleted, sender=AccessRule, dispatch_uid="access-rules-version")

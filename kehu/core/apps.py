from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _repair_search_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from .search import repair_sqlite_search_triggers

    repair_sqlite_search_triggers(using)


class CoreConfig(AppConfig):
    name = "kehu.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        # After every migrate (core's post_migrate is sent once the whole run is over): a migration
        # that made SQLite rebuild a searchable table must not leave its search index behind.
        post_migrate.connect(_repair_search_triggers, sender=self, dispatch_uid="kehu.core.search_triggers")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("客户档案")

    def ready(self) -> None:
        from kehu.core import background_exports

        from .exports import customers_background

        background_exports.register("customers", customers_background)

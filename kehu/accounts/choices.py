from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.TextChoices):
    SALES = "sales", _("销售部")
    CUSTOMER_SERVICE = "customer_service", _("客服部")
    TECH_SUPPORT = "tech_support", _("技术支持部")
    MARKETING = "marketing", _("市场营销部")
    RND = "rnd", _("产品研发部")
    PRODUCTION = "production", _("生产部")
    QUALITY = "quality", _("质量部")
    LOGISTICS = "logistics", _("物流部")
    TRAINING = "training", _("培训部")


class Level(models.IntegerChoices):
    """Ordered: a higher number is more senior, so `level >= Level.MANAGER` reads naturally."""

    STAFF = 10, _("员工")
    MANAGER = 20, _("经理")
    DIRECTOR = 30, _("总监")
    ADMIN = 40, _("管理员")

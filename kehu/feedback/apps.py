from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "kehu.feedback"
    label = "feedback"
    verbose_name = _("满意度与关系评估")

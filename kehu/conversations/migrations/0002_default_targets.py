"""Response targets per channel (客户关系管理与维护措施 沟通1: phone 3 minutes, e-mail 24 hours)."""

from django.db import migrations

DEFAULTS = [
    ("phone", 3, "clock"),
    ("email", 24 * 60, "working_days"),
    ("web_chat", 5, "working_hours"),
    ("sms", 4 * 60, "working_hours"),
    ("wecom", 30, "working_hours"),
    ("dingtalk", 30, "working_hours"),
    ("on_site", 10, "clock"),
]


def load(apps, schema_editor):
    ResponseTarget = apps.get_model("conversations", "ResponseTarget")
    for channel, minutes, basis in DEFAULTS:
        ResponseTarget.objects.get_or_create(channel=channel, defaults={"minutes": minutes, "basis": basis})


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

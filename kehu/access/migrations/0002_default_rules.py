"""The wave-1 default permission matrix (replaced by 0003 with the policies' own rules)."""

from django.db import migrations

from kehu.access.defaults import WAVE1_RULES


def load(apps, schema_editor):
    AccessRule = apps.get_model("access", "AccessRule")
    AccessRule.objects.bulk_create(
        AccessRule(action=a, grade=g, principal=p, department=d, min_level=int(lvl)) for a, g, p, d, lvl in WAVE1_RULES
    )


def unload(apps, schema_editor):
    apps.get_model("access", "AccessRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

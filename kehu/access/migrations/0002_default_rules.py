"""The default permission matrix (kehu/access/defaults.py, docs/permissions.md)."""

from django.db import migrations

from kehu.access.defaults import DEFAULT_RULES


def load(apps, schema_editor):
    AccessRule = apps.get_model("access", "AccessRule")
    AccessRule.objects.bulk_create(
        AccessRule(action=a, grade=g, principal=p, department=d, min_level=int(lvl))
        for a, g, p, d, lvl in DEFAULT_RULES
    )


def unload(apps, schema_editor):
    apps.get_model("access", "AccessRule").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("access", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]

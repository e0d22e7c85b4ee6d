"""The policies' own default rules (kehu/access/defaults.py): wave-1 defaults an install still has
are replaced; rules an admin added or changed are left alone."""

from django.db import migrations

from kehu.access.defaults import DEFAULT_RULES, WAVE1_RULES


def forward(apps, schema_editor):
    AccessRule = apps.get_model("access", "AccessRule")
    for a, g, p, d, lvl in WAVE1_RULES:
        AccessRule.objects.filter(action=a, grade=g, principal=p, department=d, min_level=lvl, note="").delete()
    for rule in DEFAULT_RULES:
        AccessRule.objects.update_or_create(
            action=rule.action,
            grade=rule.grade,
            principal=rule.principal,
            department=rule.department,
            min_level=rule.min_level,
            defaults={"is_active": rule.is_active, "note": rule.note[:200]},
        )


def backward(apps, schema_editor):
    AccessRule = apps.get_model("access", "AccessRule")
    AccessRule.objects.all().delete()
    AccessRule.objects.bulk_create(
        AccessRule(action=a, grade=g, principal=p, department=d, min_level=int(lvl)) for a, g, p, d, lvl in WAVE1_RULES
    )


class Migration(migrations.Migration):
    dependencies = [("access", "0002_default_rules")]
    operations = [migrations.RunPython(forward, backward)]

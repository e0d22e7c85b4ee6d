"""The default sending rules of each topic (editable data afterwards)."""

from django.db import migrations

RULES = {
    "care": {"needs_consent": True, "opt_in_channels": [], "cap_count": 4, "cap_days": 30},
    "news": {"needs_consent": True, "opt_in_channels": ["sms"], "cap_count": 4, "cap_days": 30},
    "promotions": {"needs_consent": True, "opt_in_channels": ["sms"], "cap_count": 2, "cap_days": 7},
    "events": {"needs_consent": True, "opt_in_channels": ["sms"], "cap_count": 3, "cap_days": 7},
    "surveys": {"needs_consent": True, "opt_in_channels": [], "cap_count": 2, "cap_days": 30},
    "service": {"needs_consent": False, "opt_in_channels": [], "cap_count": None, "quiet_hours": False},
    "internal": {"needs_consent": False, "opt_in_channels": [], "cap_count": None, "quiet_hours": False},
}


def forward(apps, schema_editor):
    TopicRule = apps.get_model("messaging", "TopicRule")
    for topic, values in RULES.items():
        TopicRule.objects.get_or_create(topic=topic, defaults=values)


class Migration(migrations.Migration):
    dependencies = [("messaging", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

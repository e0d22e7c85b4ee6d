from django.db import migrations

DEFAULTS = [
    # urgency, response minutes, analysis hours, progress hours
    ("high", 10, 24, 24),
    ("medium", 120, 24, 24),
    ("low", 480, 48, 24),
]


def load(apps, schema_editor):
    SlaTarget = apps.get_model("servicedesk", "SlaTarget")
    for urgency, response, analysis, progress in DEFAULTS:
        SlaTarget.objects.get_or_create(
            urgency=urgency,
            defaults={"response_minutes": response, "analysis_hours": analysis, "progress_hours": progress},
        )


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

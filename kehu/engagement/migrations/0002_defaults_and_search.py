"""Default maintenance policies (SPEC M2) and visit questionnaires (SPEC M4); the interaction search index."""

from django.db import migrations

from kehu.core.search import create_search_index
from kehu.engagement.defaults import POLICIES, QUESTIONNAIRES

def forwards(apps, schema_editor):
    Policy = apps.get_model("engagement", "MaintenancePolicy")
    Questionnaire = apps.get_model("engagement", "Questionnaire")
    for scope, key, phone, visit, whom, responsible in POLICIES:
        Policy.objects.get_or_create(
            scope=scope,
            key=key,
            defaults={"phone_every_days": phone, "visit_every_months": visit, "visit_whom": whom, "responsible": responsible},
        )
    for type_, questions in QUESTIONNAIRES.items():
        Questionnaire.objects.get_or_create(type=type_, defaults={"questions": questions})


class Migration(migrations.Migration):
    dependencies = [("engagement", "0001_initial")]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        create_search_index("engagement_interaction"),
    ]

import django.core.validators
from django.db import migrations, models

# SOP 复杂问题: "24小时内形成《问题分析报告》" whatever the urgency; 0002 seeded 48 hours for "low".


def analysis_within_24_hours(apps, schema_editor):
    SlaTarget = apps.get_model("servicedesk", "SlaTarget")
    SlaTarget.objects.filter(analysis_hours__gt=24).update(analysis_hours=24)


class Migration(migrations.Migration):
    dependencies = [("servicedesk", "0002_default_sla_targets")]
    operations = [
        migrations.RunPython(analysis_within_24_hours, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="slatarget",
            name="analysis_hours",
            field=models.PositiveIntegerField(
                default=24,
                validators=[
                    django.core.validators.MinValueValidator(1),
                    django.core.validators.MaxValueValidator(24),
                ],
                verbose_name="复杂问题分析报告时限（小时）",
            ),
        ),
    ]

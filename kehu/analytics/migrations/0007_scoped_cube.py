"""The composition, loyalty and grade-migration rows keyed by the customers' grade and owner, and
Pareto and top customers per segment (ADR 0023). The old rows (one per group, every customer)
cannot be split by grade and owner: they are dropped and every period is marked for rebuilding,
which the worker's periodic refresh does within minutes (the live path answers meanwhile). At 1M customers the rebuild takes
minutes, not hours; nothing a user saved is in these tables."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F


def drop_old_rows(apps, schema_editor):
    apps.get_model("analytics", "CompositionCell").objects.all().delete()
    apps.get_model("analytics", "CompositionTop").objects.all().delete()
    apps.get_model("analytics", "GradeFlow").objects.all().delete()
    apps.get_model("analytics", "LoyaltyCell").objects.all().delete()
    apps.get_model("analytics", "SummaryPeriod").objects.update(built_version=0, version=F("version") + 1)


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0006_churnrun_high_risk'),
        ('customers', '0012_search_index_skips_pending_imports'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(drop_old_rows, migrations.RunPython.noop),
        migrations.CreateModel(
            name='CompositionSegment',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('period_start', models.DateField(verbose_name='期间开始')),
                ('period_end', models.DateField(verbose_name='期间结束')),
                ('segment', models.CharField(max_length=40, verbose_name='客户范围')),
                ('customers', models.PositiveIntegerField(default=0)),
                ('top_amount', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('total_amount', models.DecimalField(decimal_places=2, default=0, max_digits=18)),
                ('refreshed_at', models.DateTimeField(verbose_name='数据截至')),
            ],
            options={
                'verbose_name': '二八分析汇总',
                'verbose_name_plural': '二八分析汇总',
            },
        ),
        migrations.RemoveConstraint(
            model_name='compositioncell',
            name='analytics_compositioncell_once',
        ),
        migrations.RemoveConstraint(
            model_name='compositiontop',
            name='analytics_compositiontop_once',
        ),
        migrations.RemoveField(
            model_name='summaryperiod',
            name='pareto_customers',
        ),
        migrations.RemoveField(
            model_name='summaryperiod',
            name='pareto_top_amount',
        ),
        migrations.RemoveField(
            model_name='summaryperiod',
            name='pareto_total_amount',
        ),
        migrations.AddField(
            model_name='compositioncell',
            name='grade',
            field=models.CharField(default='', max_length=1, verbose_name='客户等级'),
        ),
        migrations.AddField(
            model_name='compositiontop',
            name='segment',
            field=models.CharField(default='', max_length=40, verbose_name='客户范围'),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='summaryperiod',
            name='moved_built_version',
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='summaryperiod',
            name='moved_version',
            field=models.PositiveBigIntegerField(default=1),
        ),
        migrations.AddIndex(
            model_name='compositioncell',
            index=models.Index(fields=['period_start', 'period_end', 'by'], name='analytics_cell_period_by'),
        ),
        migrations.AddConstraint(
            model_name='compositiontop',
            constraint=models.UniqueConstraint(fields=('period_start', 'period_end', 'segment', 'rank'), name='analytics_compositiontop_once'),
        ),
        migrations.AddConstraint(
            model_name='compositionsegment',
            constraint=models.UniqueConstraint(fields=('period_start', 'period_end', 'segment'), name='analytics_compositionsegment_once'),
        ),
        migrations.CreateModel(
            name='GradeFlowBuild',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('moved_version', models.PositiveBigIntegerField(default=1)),
                ('built_version', models.PositiveBigIntegerField(default=0)),
                ('refreshed_at', models.DateTimeField(blank=True, null=True)),
            ],
            options={
                'verbose_name': '等级变化汇总状态',
                'verbose_name_plural': '等级变化汇总状态',
            },
        ),
        migrations.RemoveConstraint(
            model_name='gradeflow',
            name='analytics_gradeflow_once',
        ),
        migrations.AddField(
            model_name='gradeflow',
            name='customer_grade',
            field=models.CharField(default='', max_length=1, verbose_name='客户等级'),
        ),
        migrations.AddField(
            model_name='gradeflow',
            name='owner',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='gradeflow',
            index=models.Index(fields=['start_month', 'end_month'], name='analytics_gradeflow_pair'),
        ),
        migrations.RemoveConstraint(
            model_name='loyaltycell',
            name='analytics_loyaltycell_once',
        ),
        migrations.AddField(
            model_name='loyaltycell',
            name='grade',
            field=models.CharField(default='', max_length=1, verbose_name='客户等级'),
        ),
        migrations.AddField(
            model_name='loyaltycell',
            name='owner',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddIndex(
            model_name='loyaltycell',
            index=models.Index(fields=['period_start', 'period_end', 'by'], name='analytics_loyaltycell_by'),
        ),
    ]

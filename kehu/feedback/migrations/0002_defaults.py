from django.db import migrations

from kehu.feedback import defaults


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    defaults.install(apps)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

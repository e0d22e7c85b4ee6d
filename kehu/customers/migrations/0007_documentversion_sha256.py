"""Document versions record the SHA-256 of their file; existing files are hashed as they are now."""

import hashlib
from pathlib import Path

from django.conf import settings
from django.db import migrations, models


def fill_checksums(apps, schema_editor):
    DocumentVersion = apps.get_model("customers", "DocumentVersion")
    root = Path(settings.MEDIA_ROOT)
    for version in DocumentVersion.objects.filter(sha256="").only("pk", "file").iterator():
        path = root / version.file.name
        if not version.file.name or not path.is_file():
            continue  # a missing file stays without checksum; the download reports it
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        DocumentVersion.objects.filter(pk=version.pk).update(sha256=digest.hexdigest())


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0006_contact_email_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="documentversion",
            name="sha256",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.RunPython(fill_checksums, migrations.RunPython.noop),
    ]

"""The synonym list the assistant reads (seeded from data/synonyms.txt) and the index stamp row."""

import uuid
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "synonyms.txt"


def load(apps, schema_editor):
    SynonymGroup = apps.get_model("knowledge", "SynonymGroup")
    KnowledgeState = apps.get_model("knowledge", "KnowledgeState")
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if line.split() and not line.startswith("#"):
            SynonymGroup.objects.create(words=" ".join(line.split())[:500])
    KnowledgeState.objects.update_or_create(pk=1, defaults={"stamp": uuid.uuid4().hex})


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

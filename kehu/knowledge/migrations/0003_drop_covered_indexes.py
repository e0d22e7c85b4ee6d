"""Drop the foreign-key indexes of the knowledge tables that a composite or unique index starting with
the same column already covers (issue 16; ADR 0006, "Translated labels and redundant indexes"):
each one only cost every insert and update. How, and why not by AlterField:
kehu/core/redundant_indexes.py; kehu/core/tests/test_redundant_indexes.py checks every table.
"""

import django.db.models.deletion
from django.db import migrations, models

from kehu.core.redundant_indexes import drop_redundant_indexes


COVERED_FIELDS = [
    ("knowledge", "article", "category"),
    ("knowledge", "articleusage", "article"),
    ("knowledge", "articleversion", "article"),
    ("knowledge", "unansweredquestion", "draft"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0002_synonyms_and_state"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[drop_redundant_indexes(covered_fields=COVERED_FIELDS)],
            state_operations=[
                migrations.AlterField(
                    model_name="article",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="articles",
                        to="knowledge.category",
                        verbose_name="分类",
                    ),
                ),
                migrations.AlterField(
                    model_name="articleusage",
                    name="article",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="usage",
                        to="knowledge.article",
                    ),
                ),
                migrations.AlterField(
                    model_name="articleversion",
                    name="article",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="versions",
                        to="knowledge.article",
                    ),
                ),
                migrations.AlterField(
                    model_name="unansweredquestion",
                    name="draft",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="questions",
                        to="knowledge.article",
                        verbose_name="归入草稿",
                    ),
                ),
            ],
        ),
    ]

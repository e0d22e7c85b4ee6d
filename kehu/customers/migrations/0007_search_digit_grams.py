"""Digit 4-grams in the search documents, and on PostgreSQL the tsvector stored in a generated column
with its own GIN index and a larger statistics sample, so a phone or e-mail fragment of 4+ digits is
one exact index token with a stable plan and a cheap row test (ADR 0006)."""

from django.db import migrations

from kehu.core.search import add_digit_grams_migration, store_search_vector


class Migration(migrations.Migration):
    atomic = False  # batches commit as they go at a million rows

    dependencies = [("customers", "0006_contact_email_index")]

    operations = [
        add_digit_grams_migration("customers_customer"),
        add_digit_grams_migration("customers_contact"),
        store_search_vector("customers_customer"),
        store_search_vector("customers_contact"),
    ]

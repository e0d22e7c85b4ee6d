"""Digit 4-grams in the search documents and a larger statistics sample for the search indexes, so a
phone or e-mail fragment of 4+ digits is one exact index lookup with a stable plan (ADR 0002)."""

from django.db import migrations

from kehu.core.search import add_digit_grams_migration, set_search_statistics


class Migration(migrations.Migration):
    atomic = False  # batches commit as they go at a million rows

    dependencies = [("customers", "0006_contact_email_index")]

    operations = [
        add_digit_grams_migration("customers_customer"),
        add_digit_grams_migration("customers_contact"),
        set_search_statistics("customers_customer"),
        set_search_statistics("customers_contact"),
    ]

from django.db import migrations

from kehu.core.search import create_search_index


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        create_search_index("customers_customer"),
        create_search_index("customers_contact"),
    ]

"""Default membership tiers (忠诚度2: tiers by spending and frequency); editable data afterwards."""

from django.db import migrations

TIERS = [
    ("member", "普通会员", 1, "0", 0, {"discount_rate": 0}),
    ("silver", "银卡会员", 2, "50000", 2, {"discount_rate": 0.02, "priority_purchase": False, "training_seats": 1}),
    (
        "gold",
        "金卡会员",
        3,
        "200000",
        4,
        {"discount_rate": 0.05, "priority_purchase": True, "sla_factor": 0.8, "training_seats": 2},
    ),
    (
        "diamond",
        "钻石会员",
        4,
        "1000000",
        6,
        {"discount_rate": 0.08, "priority_purchase": True, "sla_factor": 0.5, "account_manager": True, "training_seats": 5},
    ),
]


def forward(apps, schema_editor):
    Tier = apps.get_model("loyalty", "Tier")
    for code, name, rank, spend, orders, benefits in TIERS:
        Tier.objects.get_or_create(
            code=code, defaults={"name": name, "rank": rank, "min_spend": spend, "min_orders": orders, "benefits": benefits}
        )


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]
    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]

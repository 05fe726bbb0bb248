"""Drop the single-column indexes Django adds to six foreign keys whose column already leads a composite or
unique index (e.g. order_id leads (order_id, line_no)). Every lookup by these columns is served by the
composite; the extra indexes only cost writes on the busiest tables.

Written as DROP INDEX rather than AlterField: on SQLite, AlterField rebuilds the whole table (twice for the
order table), which on a live database of a million orders takes minutes for what is a metadata change.
"""

import django.db.models.deletion
from django.db import migrations, models

# (model, field, related model, on_delete, related_name, index name Django created in 0001_initial)
CASCADE, PROTECT = django.db.models.deletion.CASCADE, django.db.models.deletion.PROTECT
COVERED = [
    ("customer", "shop", "shop", PROTECT, "customers", "orders_customer_shop_id_0fb94159"),
    ("order", "customer", "customer", PROTECT, "orders", "orders_order_customer_id_0b76f6a4"),
    ("order", "shop", "shop", PROTECT, "orders", "orders_order_shop_id_b562fb3d"),
    ("orderline", "order", "order", CASCADE, "lines", "orders_orderline_order_id_17f8f3ef"),
    ("stock", "product", "product", CASCADE, "stock", "orders_stock_product_id_972b66f2"),
    ("trackingevent", "shipment", "shipment", CASCADE, "tracking_events", "orders_trackingevent_shipment_id_a6d426c7"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0004_hub_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX "{index}" ON "orders_{model}" ("{name}_id")',
                )
                for model, name, _, _, _, index in COVERED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name=model,
                    name=name,
                    field=models.ForeignKey(db_index=False, on_delete=on_delete, related_name=related_name,
                                            to=f"orders.{to}"),
                )
                for model, name, to, on_delete, related_name, _ in COVERED
            ],
        ),
    ]

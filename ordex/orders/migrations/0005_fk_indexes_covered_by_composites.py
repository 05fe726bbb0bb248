"""Drop the single-column indexes Django adds to six foreign keys whose column already leads a composite or
unique index (e.g. order_id leads (order_id, line_no)). Every lookup by these columns is served by the
composite; the extra indexes only cost writes on the busiest tables.

Written as DROP INDEX rather than AlterField: on SQLite, AlterField rebuilds the whole table (twice for the
order table), which on a live database of a million orders takes minutes for what is a metadata change.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index name Django created in 0001_initial)
COVERED = [
    ("orders_customer", "shop_id", "orders_customer_shop_id_0fb94159"),
    ("orders_order", "customer_id", "orders_order_customer_id_0b76f6a4"),
    ("orders_order", "shop_id", "orders_order_shop_id_b562fb3d"),
    ("orders_orderline", "order_id", "orders_orderline_order_id_17f8f3ef"),
    ("orders_stock", "product_id", "orders_stock_product_id_972b66f2"),
    ("orders_trackingevent", "shipment_id", "orders_trackingevent_shipment_id_a6d426c7"),
]


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0004_hub_version"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in COVERED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="shop",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="customers", to="orders.shop"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="customer",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="orders", to="orders.customer"),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="shop",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT,
                                            related_name="orders", to="orders.shop"),
                ),
                migrations.AlterField(
                    model_name="orderline",
                    name="order",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="lines", to="orders.order"),
                ),
                migrations.AlterField(
                    model_name="stock",
                    name="product",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="stock", to="orders.product"),
                ),
                migrations.AlterField(
                    model_name="trackingevent",
                    name="shipment",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="tracking_events", to="orders.shipment"),
                ),
            ],
        ),
    ]

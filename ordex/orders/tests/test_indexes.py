"""Every foreign key of the hub can be followed through an index: either its own or a composite/unique
index that the column leads. Dropping the single-column index is only safe while such a composite exists
(deleting an order, a shop or a parcel looks its children up by these columns)."""

import pytest
from django.apps import apps
from django.db import connection


def _leading_columns(table):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {c["columns"][0] for c in constraints.values() if c["columns"] and (c["index"] or c["unique"])}


@pytest.mark.django_db
def test_every_foreign_key_of_the_hub_leads_an_index():
    unindexed = []
    for model in apps.get_app_config("orders").get_models():
        leading = _leading_columns(model._meta.db_table)
        for field in model._meta.concrete_fields:
            if field.is_relation and field.column not in leading:
                unindexed.append(f"{model._meta.db_table}.{field.column}")
    assert unindexed == []


@pytest.mark.django_db
def test_covered_foreign_keys_have_no_second_index_of_their_own():
    """The composite serves the lookups; a bare-column index beside it only slows every write."""
    table = "orders_orderline"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    single = [name for name, c in constraints.items() if c["index"] and c["columns"] == ["order_id"]]
    assert single == []

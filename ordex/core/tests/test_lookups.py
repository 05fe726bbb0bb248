"""`one_or_none` answers a unique-key lookup as `first()` does, without the ORDER BY."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from ordex.core.lookups import one_or_none
from ordex.orders.models import Shop


def test_it_finds_what_first_finds_and_none_when_nothing_matches(db):
    shops = [Shop.objects.create(code=f"shop-{n}", platform="tmall") for n in range(3)]
    for shop in shops:
        assert one_or_none(Shop.objects.filter(code=shop.code)) == Shop.objects.filter(code=shop.code).first() == shop
    assert one_or_none(Shop.objects.filter(code="missing")) is None


def test_it_reads_one_row_in_one_query_without_ordering(db):
    Shop.objects.create(code="only", platform="tmall")
    with CaptureQueriesContext(connection) as queries:
        one_or_none(Shop.objects.filter(code="only"))
    assert len(queries) == 1
    sql = queries[0]["sql"].upper()
    assert "ORDER BY" not in sql and "LIMIT 1" in sql

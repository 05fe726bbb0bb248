"""Reading the one row a unique key names.

`queryset.first()` orders by the primary key before it takes a row; for a lookup by a unique key the order
means nothing, and building the ORDER BY costs about a fifth of such a small query's time in the ORM
(docs/benchmarks.md, "Resolutions under retries"). The lookups every API request makes (its token, the case
or action it names, a retry's earlier answer) use `one_or_none` instead."""

from django.db.models import QuerySet


def one_or_none(queryset: QuerySet):
    """The row of a queryset filtered by a unique key, or None. Never more than one row is read."""
    return next(iter(queryset[:1]), None)

"""Single-row version tokens: how a process knows that what it keeps in memory between transactions
(the hub rows an importer loaded, the rule parameters) is still what the database holds.

A model used here has one row (pk=1) with a `token` CharField. Whoever writes the data behind it stamps a
new random token in the same transaction; a reader compares the stored token with the one it kept.

Both run in every chunk of events (an HTTP request of a handful of events included), so they are plain
SQL: building the same statements through the ORM cost more than running them.
"""

import secrets

from django.db import connection


def _names(model) -> tuple[str, str]:
    qn = connection.ops.quote_name
    return qn(model._meta.db_table), qn(model._meta.pk.column)


def read_token(model) -> str | None:
    with connection.cursor() as cursor:
        table, pk = _names(model)
        cursor.execute(f"SELECT token FROM {table} WHERE {pk} = 1")
        row = cursor.fetchone()
    return row[0] if row else None


def stamp(model) -> str:
    """Write a new random token (creating the row the first time) and return it."""
    token = secrets.token_hex(12)
    with connection.cursor() as cursor:
        table, pk = _names(model)
        cursor.execute(f"UPDATE {table} SET token = %s WHERE {pk} = 1", [token])
        updated = cursor.rowcount
    if not updated:
        model.objects.create(pk=1, token=token)
    return token

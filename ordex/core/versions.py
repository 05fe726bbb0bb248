"""Single-row version tokens: how a process knows that what it keeps in memory between transactions
(the hub rows an importer loaded, the rule parameters) is still what the database holds.

A model used here has one row (pk=1) with a `token` CharField. Whoever writes the data behind it stamps a
new random token in the same transaction; a reader compares the stored token with the one it kept.
"""

import secrets


def read_token(model) -> str | None:
    return model.objects.filter(pk=1).values_list("token", flat=True).first()


def stamp(model) -> str:
    """Write a new random token (creating the row the first time) and return it."""
    token = secrets.token_hex(12)
    if not model.objects.filter(pk=1).update(token=token):
        model.objects.create(pk=1, token=token)
    return token

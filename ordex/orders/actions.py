"""The hub's writes that do not come from events: the labels an admin may fix (shop name and platform,
warehouse and component names). Each goes through `writes.hub_write()`, so every process drops the rows it
kept (a shop's platform decides which parameters rules use for its orders)."""

from django.db import models

from .writes import hub_write


def save_edited(row: models.Model, fields: list[str] | None = None) -> None:
    """Save an admin's edit of a hub row (all its fields, or `fields`), stamped."""
    with hub_write():
        row.save(update_fields=fields)


def delete_row(row: models.Model) -> None:
    """Delete a hub row an admin may delete, stamped."""
    with hub_write():
        row.delete()

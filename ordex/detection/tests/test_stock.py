from ordex.detection.tests.helpers import active, envelope, findings, ingest


def stock(sku, wh, on_hand, reserved, at, id=None):
    return envelope("inventory.updated", at, {"sku": sku, "warehouse": wh, "on_hand": on_hand, "reserved": reserved}, id)


def test_reserved_above_on_hand_is_a_data_error_and_clears_on_a_sound_snapshot(db):
    ingest(stock("SKU-1", "WH-HZ", 50, 0, "2026-11-01T09:00:00+08:00"))
    ingest(stock("SKU-1", "WH-HZ", 3, 10, "2026-11-01T10:00:00+08:00"))
    [finding] = findings("inventory_data_error")
    assert finding.subject_key == "sku:SKU-1@WH-HZ" and finding.active
    ingest(stock("SKU-1", "WH-HZ", 40, 2, "2026-11-01T11:00:00+08:00"))
    assert active("inventory_data_error") == []

"""The inbound contract (DESIGN.md "Inbound contract", EVENTS.md): idempotency, out-of-order arrival,
per-event rejection naming the field, money as strings, times with offsets."""

import json

import pytest

from .kit import API, env, order, paid, reported, ship, t, track

pytestmark = pytest.mark.django_db


def case_snapshot(desk, order_nos):
    """(type, status, evidence count, timeline length) of every case of these orders."""
    out = []
    for no in order_nos:
        for item in desk.cases(order_no=no):
            detail = desk.detail(item["id"])
            out.append((no, item["type"], item["status"], len(detail["evidence"]), len(detail["timeline"])))
    return sorted(out)


def test_a_replayed_batch_is_reported_duplicate_and_changes_no_case_or_evidence(desk):
    batch = [
        order("RP-1", t(), lines=(("SKU-BLUE", 1, "99.00"),)),
        paid("RP-1", t(minutes=2), "89.00"),                      # payment_mismatch
        ship("RP-1", t(hours=5), lines=(("SKU-RED", 1),)),       # wrong_item
        reported("RP-1", "complaint", t(days=1), "发错了还不理人"),  # complaint
    ]
    first = desk.push_ok(*batch)
    assert len(first) == 4
    before = case_snapshot(desk, ["RP-1"])
    assert {row[1] for row in before} >= {"payment_mismatch", "wrong_item", "complaint"}, before

    replay = desk.push(*batch)
    assert [r["status"] for r in replay] == ["duplicate"] * 4, replay
    assert case_snapshot(desk, ["RP-1"]) == before


def test_scanning_twice_as_of_the_same_moment_adds_no_case_or_evidence(desk):
    desk.push_ok(order("RS-1", t()))
    desk.scan(t(hours=1))
    before = case_snapshot(desk, ["RS-1"])
    assert any(row[1] == "payment_timeout" for row in before), before
    desk.scan(t(hours=1))
    assert case_snapshot(desk, ["RS-1"]) == before


def test_a_replayed_id_in_the_same_batch_is_applied_once(desk):
    created = order("RP-2", t())
    results = desk.push(created, created)
    assert [r["status"] for r in results] == ["applied", "duplicate"], results


def test_a_payment_arriving_before_its_order_gives_the_same_cases_as_in_order(desk):
    # In order: created, then a short payment. Reversed arrival: the payment first, then the order.
    desk.push_ok(order("OO-1", t()), paid("OO-1", t(minutes=3), "89.00"))
    desk.push_ok(paid("OO-2", t(minutes=3), "89.00"))
    desk.push_ok(order("OO-2", t()))
    desk.scan(t(hours=3))
    in_order = {(c["type"], c["status"]) for c in desk.cases(order_no="OO-1")}
    reversed_ = {(c["type"], c["status"]) for c in desk.cases(order_no="OO-2")}
    assert ("payment_mismatch", "new") in in_order, in_order
    assert reversed_ == in_order
    # And the reversed order is paid, not left waiting for a payment (no payment_timeout).
    assert "payment_timeout" not in {c["type"] for c in desk.cases(order_no="OO-2")}


def test_tracking_events_arriving_newest_first_give_the_same_state_and_cases_as_oldest_first(desk):
    def parcel(no):
        return [track(f"YD{no}", "picked_up", t(hours=6)),
                track(f"YD{no}", "in_transit", t(hours=20)),
                track(f"YD{no}", "out_for_delivery", t(days=1, hours=8)),
                track(f"YD{no}", "delivered", t(days=1, hours=12), location="浙江省杭州市西湖区")]

    for no in ("TR-1", "TR-2"):
        desk.push_ok(order(no, t()), paid(no, t(minutes=2), "99.00"), ship(no, t(hours=4)))
    desk.push_ok(*parcel("TR-1"))
    for event in reversed(parcel("TR-2")):
        desk.push_ok(event)
    desk.scan(t(days=9))
    one = {c["type"] for c in desk.cases(order_no="TR-1")}
    two = {c["type"] for c in desk.cases(order_no="TR-2")}
    assert two == one, (one, two)
    assert not one & {"tracking_stalled", "delivery_overdue", "pickup_timeout", "false_shipment", "parcel_lost"}
    for no in ("TR-1", "TR-2"):
        resp = desk.supervisor.get(f"{API}/orders/{no}")
        assert resp.status_code == 200
        assert "delivered" in json.dumps(resp.json()), resp.json()


def test_a_bad_event_in_a_batch_is_rejected_with_its_field_and_the_rest_apply(desk):
    good_1 = order("BB-1", t())
    bad = order("BB-2", t(), lines=(("SKU-CUP", 0, "99.00"),))  # quantity must be a positive integer
    good_2 = paid("BB-1", t(minutes=1), "89.00")
    results = desk.push(good_1, bad, good_2)
    by_id = {r["id"]: r for r in results}
    assert by_id[good_1["id"]]["status"] == "applied"
    assert by_id[good_2["id"]]["status"] == "applied"
    assert by_id[bad["id"]]["status"] == "rejected"
    assert by_id[bad["id"]]["error"]
    assert "qty" in (by_id[bad["id"]]["field"] or ""), by_id[bad["id"]]
    assert "payment_mismatch" in desk.types("BB-1")
    assert desk.supervisor.get(f"{API}/orders/BB-2").status_code == 404


def test_an_event_missing_a_required_field_is_rejected_naming_the_field(desk):
    event = env("order.paid", t(), {"amount": "99.00"})  # no order_no
    [result] = desk.push(event)
    assert result["status"] == "rejected" and "order_no" in (result["field"] or ""), result


def test_an_unknown_event_type_is_rejected_naming_type(desk):
    [result] = desk.push(env("order.teleported", t(), {"order_no": "X"}))
    assert result["status"] == "rejected" and result["field"] == "type", result


def test_money_sent_as_a_json_number_is_rejected(desk):
    desk.push_ok(order("MN-1", t()))
    event = paid("MN-1", t(minutes=1), "99.00")
    event["data"]["amount"] = 99.0
    [result] = desk.push(event)
    assert result["status"] == "rejected", result
    assert "amount" in (result["field"] or ""), result
    assert "payment_mismatch" not in desk.types("MN-1")


def test_an_order_total_sent_as_a_json_number_is_rejected(desk):
    event = order("MN-2", t())
    event["data"]["total"] = 99
    [result] = desk.push(event)
    assert result["status"] == "rejected" and "total" in (result["field"] or ""), result


def test_money_with_three_decimal_places_is_rejected(desk):
    desk.push_ok(order("MN-3", t()))
    [result] = desk.push(paid("MN-3", t(minutes=1), "99.001"))
    assert result["status"] == "rejected" and "amount" in (result["field"] or ""), result


def test_a_time_without_a_utc_offset_is_rejected(desk):
    event = order("TZ-1", "2026-11-02T10:00:00")
    [result] = desk.push(event)
    assert result["status"] == "rejected" and result["field"] == "occurred_at", result
    assert desk.supervisor.get(f"{API}/orders/TZ-1").status_code == 404


def test_a_rejected_event_id_can_be_sent_again_corrected(desk):
    # "nothing already accepted is lost" and a rejected event was never accepted: fixing and resending
    # it under the same id must apply, not come back as a duplicate.
    event = order("FX-1", "2026-11-02T10:00:00")
    [first] = desk.push(event)
    assert first["status"] == "rejected"
    event["occurred_at"] = t()
    [second] = desk.push(event)
    assert second["status"] == "applied", second


def test_more_than_1000_events_in_one_request_are_refused_whole(desk):
    events = [order(f"BIG-{i}", t(minutes=i % 50)) for i in range(1001)]
    resp = desk.integration.post(f"{API}/events", {"events": events})
    assert resp.status_code == 413, resp.status_code


def test_a_thousand_events_in_one_request_are_accepted(desk):
    events = [order(f"K-{i}", t(seconds=i)) for i in range(1000)]
    resp = desk.integration.post(f"{API}/events", {"events": events})
    assert resp.status_code == 200 and resp.json()["applied"] == 1000


def test_an_older_order_update_arriving_late_does_not_overwrite_a_newer_one(desk):
    newer = order("UP-1", t(minutes=5), total="120.00", lines=(("SKU-CUP", 1, "120.00"),))
    newer["type"] = "order.updated"
    older = order("UP-1", t(), total="99.00")
    desk.push_ok(newer)
    desk.push_ok(older)
    desk.push_ok(paid("UP-1", t(minutes=6), "120.00"))
    assert "payment_mismatch" not in desk.types("UP-1")


def test_the_import_command_takes_the_same_envelopes_as_json_lines(desk, tmp_path, capsys):
    from ordex.cli import main

    lines = [order("IM-1", t()), paid("IM-1", t(minutes=2), "89.00"), paid("IM-1", t(minutes=3), 89.0)]
    path = tmp_path / "events.jsonl"
    path.write_text("\n".join(json.dumps(e, ensure_ascii=False) for e in lines) + "\n", encoding="utf-8")
    rc = main(["import", str(path), "--json"])
    out = capsys.readouterr().out
    assert rc in (0, 1), rc
    summary = json.loads(out)
    assert summary.get("applied") == 2 and summary.get("rejected") == 1, summary
    assert "payment_mismatch" in desk.types("IM-1")
    # Importing the same file again changes nothing.
    before = case_snapshot(desk, ["IM-1"])
    main(["import", str(path), "--json"])
    again = json.loads(capsys.readouterr().out)
    assert again.get("duplicate") == 2, again
    assert case_snapshot(desk, ["IM-1"]) == before


def test_an_event_without_an_id_is_rejected_naming_id(desk):
    event = order("NI-1", t())
    del event["id"]
    results = desk.push(event)
    assert results[0]["status"] == "rejected" and results[0]["field"] == "id", results


def test_the_ids_are_idempotency_keys_across_the_api_and_the_import_file(desk, tmp_path, capsys):
    from ordex.cli import main

    event = order("XI-1", t())
    desk.push_ok(event)
    path = tmp_path / "one.jsonl"
    path.write_text(json.dumps(event, ensure_ascii=False) + "\n", encoding="utf-8")
    main(["import", str(path), "--json"])
    assert json.loads(capsys.readouterr().out).get("duplicate") == 1

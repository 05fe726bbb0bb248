import gzip
import json

import pytest

from ordex.cli import main
from ordex.ingest import commands
from ordex.ingest.models import Event
from ordex.orders.models import Order, Payment, Shipment, TrackingEvent

from .events import order_created, order_paid, shipment_created, tracking

pytestmark = pytest.mark.django_db


def stream(orders=30):
    events = []
    for n in range(orders):
        no = f"B{n:04d}"
        events += [
            order_created(no, id=f"{no}-c"),
            order_paid(no, id=f"{no}-p"),
            shipment_created(no, id=f"{no}-s", shipment_no=f"S{no}", tracking_no=f"T{no}"),
            tracking("picked_up", "2026-11-02T12:00:00+08:00", tracking_no=f"T{no}", id=f"{no}-t1"),
        ]
    return events


def write_jsonl(path, events, extra_lines=()):
    lines = [json.dumps(e, ensure_ascii=False) for e in events] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hub_state():
    return (
        sorted(Order.objects.values_list("order_no", "status", "paid_amount", "payment_count")),
        Payment.objects.count(),
        sorted(Shipment.objects.values_list("tracking_no", "status")),
        TrackingEvent.objects.count(),
        Event.objects.count(),
    )


def last_json_line(capsys):
    out = capsys.readouterr().out.strip().splitlines()
    return json.loads(out[-1])


def test_import_prints_a_json_summary_and_a_second_run_applies_nothing(tmp_path, capsys):
    path = write_jsonl(tmp_path / "events.jsonl", stream(10))
    assert main(["import", str(path), "--json", "--no-progress"]) == 0
    first = last_json_line(capsys)
    assert (first["applied"], first["duplicate"], first["rejected"]) == (40, 0, 0)
    assert isinstance(first["seconds"], float)
    state = hub_state()

    assert main(["import", str(path), "--json", "--no-progress"]) == 0
    second = last_json_line(capsys)
    assert (second["applied"], second["duplicate"]) == (0, 40)
    assert hub_state() == state


def test_gzip_file_imports_the_same(tmp_path, capsys):
    plain = write_jsonl(tmp_path / "e.jsonl", stream(3))
    packed = tmp_path / "e.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert main(["import", str(packed), "--json", "--no-progress"]) == 0
    assert last_json_line(capsys)["applied"] == 12


def test_stdin_is_read_with_a_dash(tmp_path, capsys, monkeypatch):
    import io
    import sys

    data = "\n".join(json.dumps(e) for e in stream(2)).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["import", "-", "--json", "--no-progress"]) == 0
    assert last_json_line(capsys)["applied"] == 8


def test_rejected_lines_are_written_with_their_reason(tmp_path, capsys):
    bad_money = order_paid("B0000", id="bad-money")
    bad_money["data"]["amount"] = 12.5
    path = write_jsonl(tmp_path / "e.jsonl", stream(1) + [bad_money], extra_lines=["{not json"])
    rejects = tmp_path / "rejects.jsonl"
    assert main(["import", str(path), "--json", "--no-progress", "--rejects", str(rejects)]) == 0
    summary = last_json_line(capsys)
    assert (summary["applied"], summary["rejected"]) == (4, 2)
    rows = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert [(r["line"], r["field"]) for r in rows] == [(5, "data.amount"), (6, "")]
    assert "not a JSON number" in rows[0]["error"]
    assert json.loads(rows[0]["event"])["id"] == "bad-money"


def test_missing_file_is_one_clear_line_and_exit_2(tmp_path, capsys):
    assert main(["import", str(tmp_path / "nope.jsonl")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot read" in err[0]


@pytest.fixture
def without_subscribers():
    """This test is about the hub and the event store; cases opened by rules would pin the orders."""
    from ordex.orders.hooks import applied_events

    with applied_events.suspended():
        yield


def test_import_killed_halfway_and_run_again_matches_a_clean_run(tmp_path, capsys, monkeypatch, without_subscribers):
    monkeypatch.setattr(commands, "CHUNK_LINES", 25)
    path = write_jsonl(tmp_path / "e.jsonl", stream(30))
    assert main(["import", str(path), "--no-progress"]) == 0
    clean = hub_state()

    from django.apps import apps
    for model in reversed(list(apps.get_app_config("orders").get_models())):
        model.objects.all().delete()
    Event.objects.all().delete()

    import ordex.ingest.pipeline as pipeline

    real = pipeline.ingest_events
    calls = {"n": 0}

    def dies_on_third_chunk(events, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is killed while the third chunk is being written
        return real(events, **kwargs)

    monkeypatch.setattr(pipeline, "ingest_events", dies_on_third_chunk)
    assert main(["import", str(path), "--no-progress"]) == 130
    partial = hub_state()
    assert partial != clean and partial[-1] == 50

    monkeypatch.setattr(pipeline, "ingest_events", real)
    assert main(["import", str(path), "--json", "--no-progress"]) == 0
    resumed = last_json_line(capsys)
    assert (resumed["duplicate"], resumed["applied"]) == (50, 70)
    assert hub_state() == clean


def test_import_stores_each_line_exactly_as_received(tmp_path, capsys):
    event = order_created("B9001", id="B9001-c")
    # Key order, spacing and escapes as the merchant's system wrote them: that text is the history.
    line = json.dumps({"data": event["data"], "occurred_at": event["occurred_at"], "type": event["type"],
                       "id": event["id"]}, ensure_ascii=True, indent=None, separators=(", ", " : "))
    path = tmp_path / "raw.jsonl"
    path.write_text(f"  {line}  \n", encoding="utf-8")
    assert main(["import", str(path), "--no-progress"]) == 0
    stored = Event.objects.get(event_id="B9001-c")
    assert stored.envelope == line
    assert json.loads(stored.envelope) == event


def test_applying_chunks_leaves_no_reference_cycles_behind(without_subscribers):
    """Bulk import runs with the garbage collector mostly out of the way (core/gc_tuning.py): that is only
    safe while a chunk's objects are freed by reference counting, i.e. the ingest path makes no cycles."""
    import gc

    from ordex.ingest.pipeline import ingest_events

    ingest_events(stream(10), source="test")  # warm: first queries compile and cache what they keep
    gc.collect()
    gc.disable()
    try:
        ingest_events([dict(e, id=f"again-{e['id']}") for e in stream(40)][40:], source="test")
        assert gc.collect() == 0
    finally:
        gc.enable()

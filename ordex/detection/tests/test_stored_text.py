"""What rules write into findings is stored text: English msgids in the code, written once in zh-Hans from
detection's catalogue whatever language is active when the events are handled (an API client asking for
English, a page in English), so a case reads the same to every agent."""

import ast
from pathlib import Path

import pytest
from django.utils import translation

from ordex.cases.models import Incident
from ordex.detection.tests.helpers import envelope, findings, ingest, order_created

DETECTION = Path(__file__).resolve().parents[1]


def _stock(sku, wh, on_hand, at):
    return envelope("inventory.updated", at, {"sku": sku, "warehouse": wh, "on_hand": on_hand, "reserved": 0})


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_finding_summary_its_evidence_and_clear_reason_are_stored_in_zh_hans_whatever_language_is_active(
        db, language):
    with translation.override(language):
        ingest(_stock("SKU-1", "WH-HZ", 1, "2026-11-02T09:00:00+08:00"),
               _stock("SKU-1", "WH-BJ", 30, "2026-11-02T09:00:00+08:00"))
        ingest(order_created("O1", at="2026-11-02T10:00:00+08:00", qty=2, total="198.00"))  # no warehouse
        ingest(order_created("O2", at="2026-11-02T10:05:00+08:00", qty=40, total="3960.00", id="o2"))
        ingest(_stock("SKU-1", "WH-BJ", 80, "2026-11-02T11:00:00+08:00"))

    [finding] = findings("out_of_stock")
    assert finding.summary == "SKU-1 订购 40 件，全部仓库 可用仅 31 件；其他仓库也不足"
    assert finding.facts["warehouse"] == "全部仓库"
    assert finding.clear_summary == "库存已到货"


def test_an_incident_title_is_stored_in_zh_hans(db):
    with translation.override("en"):
        for index in range(3):
            ingest(order_created(f"P{index}", at=f"2026-11-02T10:0{index}:00+08:00", unit_price="9.00", total="9.00",
                                 phone=f"1381234567{index}"))
    assert {i.title for i in Incident.objects.all()} == {"价格错误：SKU-1"}


def _msgids():
    """Every literal msgid the detection app's code passes to gettext (`_` / `gettext_lazy`)."""
    for path in DETECTION.rglob("*.py"):
        if {"tests", "migrations"} & set(path.relative_to(DETECTION).parts):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("_", "gettext_lazy") and node.args \
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                yield node.args[0].value


def test_every_msgid_of_the_detection_app_has_its_zh_hans_text():
    untranslated = []
    with translation.override("zh-hans"):
        for msgid in set(_msgids()):
            if translation.gettext(msgid) == msgid and msgid != "IP":
                untranslated.append(msgid)
    assert untranslated == []

"""The queue's questions read their page in deadline order straight from an index, never by sorting every
open case (at 1,000,000 cases a sort of the open ones costs hundreds of milliseconds): checked on the query
plan, on SQLite and on PostgreSQL (there with sequential scans ruled out, as a large table would)."""

import pytest

from ordex.accounts.access import Principal
from ordex.cases.access import visible_cases
from ordex.cases.queries import CaseFilters, filter_cases
from ordex.core.tests.plans import query_plan

SUPERVISOR = Principal(role="supervisor", name="bob")
AGENT = Principal(role="agent", name="alice", department_code="customer_service")

QUESTIONS = {
    "every open case": (SUPERVISOR, CaseFilters(status="open")),
    "breached": (SUPERVISOR, CaseFilters(status="open", breached=True)),
    "near breach": (SUPERVISOR, CaseFilters(status="open", near_breach=True)),
    "one severity": (SUPERVISOR, CaseFilters(status="open", severity="p1")),
    "one type": (SUPERVISOR, CaseFilters(status="open", type="ship_delay")),
    "one department": (SUPERVISOR, CaseFilters(status="open", department="warehouse")),
    "an agent's department": (AGENT, CaseFilters(status="open")),
    "an agent's department, breached": (AGENT, CaseFilters(status="open", breached=True)),
}


@pytest.mark.django_db(transaction=False)
@pytest.mark.parametrize("question", list(QUESTIONS))
def test_queue_page_is_read_in_deadline_order_from_an_index(question):
    principal, filters = QUESTIONS[question]
    page = filter_cases(visible_cases(principal), filters, principal).order_by("resolve_due_at", "id")[:50]
    plan = query_plan(page)
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan

"""The search box on every page: one line of text, the orders it finds and the cases about them."""

from django.shortcuts import render

from ordex.accounts.access import mask_name, mask_phone
from ordex.cases.queries import cases_of_orders
from ordex.orders.queries import search_orders

from .common import page, principal


@page()
def search(request):
    text = request.GET.get("q", "")[:200]
    found = search_orders(text)
    cases = cases_of_orders(principal(request), [order.order_no for order in found.items])
    results = [
        {
            "order": order,
            "receiver": mask_name(order.receiver_name) or "",
            "phone": mask_phone(order.phone) or "",
            "cases": cases.get(order.order_no, []),
        }
        for order in found.items
    ]
    return render(request, "web/search.html", {"search_text": text, "results": results, "count": found.count})

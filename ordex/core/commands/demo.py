"""`ordex demo`: a populated instance to look around in — named users of every role, an integration
token, and a simulated fortnight of a multi-shop merchant's events with exceptions in it."""

import io
import os
import sys
from datetime import datetime, timedelta

DEMO_USERS = [
    ("admin", "admin"), ("supervisor", "supervisor"), ("agent", "agent"), ("agent2", "agent"),
    ("warehouse", "warehouse"), ("logistics", "logistics"), ("finance", "finance"),
]


def configure(parser):
    parser.add_argument("--orders", type=int, default=3000, help="simulated orders to load (default 3000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--password", default=os.environ.get("ORDEX_DEMO_PASSWORD", "ordex-demo"))


def run(args) -> int:
    from django.utils import timezone

    from ordex.accounts.models import ApiToken, User
    from ordex.accounts.services import create_user, issue_token

    for username, role in DEMO_USERS:
        if not User.objects.filter(username=username).exists():
            create_user(username=username, role=role, password=args.password)
    ApiToken.objects.filter(name="demo-integration").delete()
    _, token = issue_token(name="demo-integration", role="integration")

    from ordex.ingest.models import Event

    if not Event.objects.exists():
        # Two weeks that end now, so deadlines and stalls look as they would today.
        start = timezone.localtime() - timedelta(days=14)
        _load_simulated(args.orders, args.seed, start)
    _scan_now()
    print("Ordex demo is ready.")
    print("  web + admin: http://127.0.0.1:8000/admin/")
    print(f"  log in as:   admin / {args.password}   (also supervisor, agent, warehouse, logistics, finance)")
    print(f"  API token (integration role): {token}")
    print("  try: curl -H 'Authorization: Bearer <token>' http://127.0.0.1:8000/api/v1/openapi.json")
    return 0


def _load_simulated(orders: int, seed: int, start: datetime):
    try:
        from ordex.simulator import command as simulate
    except ModuleNotFoundError:
        print("simulator not installed: no demo events loaded", file=sys.stderr)
        return
    import argparse

    import orjson

    from ordex.ingest.pipeline import ingest_events

    parser = argparse.ArgumentParser()
    simulate.configure(parser)
    out = io.BytesIO()
    sim_args = parser.parse_args(["--orders", str(orders), "--seed", str(seed), "--start", start.isoformat()])
    real_stdout = sys.stdout
    sys.stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    try:
        simulate.run(sim_args)
        sys.stdout.flush()
    finally:
        sys.stdout = real_stdout
    events = [orjson.loads(line) for line in out.getvalue().splitlines() if line.strip()]
    results = ingest_events(events, source="demo")
    print(f"loaded {sum(r.status == 'applied' for r in results)} simulated events ({orders} orders)")


def _scan_now():
    try:
        from ordex.detection.scan import scan
    except ModuleNotFoundError:
        return
    from django.utils import timezone

    scan(as_of=timezone.now())

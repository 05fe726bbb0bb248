"""`ordex demo`: a populated instance to look around in — named users of every role, an integration
token, and a simulated fortnight of a multi-shop merchant's events with exceptions in it.

It drives every app (accounts, ingest, detection through `ordex scan`), so it lives beside `ordex.cli`,
above the apps, not in `core`."""

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
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                        help="the port the server will answer on (printed in the URLs)")


def run(args) -> int:
    from django.conf import settings
    from django.utils import timezone

    from ordex.accounts.models import ApiToken, User
    from ordex.accounts.services import check_new_password, create_user, issue_token

    if not os.environ.get("ORDEX_PUBLIC_URL"):
        # The links in the demo's customer messages point at the server `make demo` starts next.
        settings.ORDEX_PUBLIC_URL = f"http://127.0.0.1:{args.port}"
    for username, role in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            check_new_password(args.password, username=username)
            create_user(username=username, role=role, password=args.password)
        elif not user.check_password(args.password):
            user.set_password(args.password)
            user.save(update_fields=["password"])
    ApiToken.objects.filter(name="demo-integration").delete()
    _, token = issue_token(name="demo-integration", role="integration")

    from ordex.ingest.models import Event

    if not Event.objects.exists():
        # Two weeks that end now, so deadlines and stalls look as they would today.
        start = timezone.localtime() - timedelta(days=14)
        _load_simulated(args.orders, args.seed, start)
    _scan_now()
    link = _customer_messages()
    url = f"http://127.0.0.1:{args.port}"
    print("Ordex demo is ready.")
    print(f"  workbench:  {url}/   (log in at {url}/login/)")
    print(f"  logins (password {args.password}):")
    for username, role in DEMO_USERS:
        print(f"    {username:<11} {role}")
    print(f"  admin:      {url}/admin/   (admin only)")
    print(f"  API docs:   {url}/api/v1/docs")
    print(f"  API token (integration role): {token}")
    if link:
        print(f"  a customer's self-service link (choose an option, rate when resolved): {link}")
    print(f"  messages sent to customers: case timelines, and .eml files under {_mail_dir()}")
    return 0


def _load_simulated(orders: int, seed: int, start: datetime):
    """Simulate with `ordex simulate` into a temporary file, then import it like any other file.

    The stream is generated twice: once to learn how long it runs, then shifted so that it ends now
    (otherwise every parcel still travelling at its end would look stalled today)."""
    import json
    import subprocess
    import tempfile

    from django.utils import timezone

    def simulate(begin: datetime, path: str, labels: str):
        with open(path, "wb") as out:
            subprocess.run([sys.executable, "-m", "ordex.cli", "simulate", "--orders", str(orders), "--seed",
                            str(seed), "--start", begin.isoformat(), "--labels", labels], stdout=out, check=True)
        with open(labels, encoding="utf-8") as f:
            return datetime.fromisoformat(json.loads(f.readline())["stream_end"])

    with tempfile.TemporaryDirectory() as folder:
        path, labels = os.path.join(folder, "demo-events.jsonl"), os.path.join(folder, "labels.jsonl")
        end = simulate(start, path, labels)
        simulate(start + (timezone.now() - end), path, labels)
        _ordex("import", path, "--no-progress")


def _scan_now():
    """Run the periodic rules and the SLA clocks as of now, as the minute job would."""
    _ordex("scan")


def _customer_messages() -> str:
    """Offer the customer a choice on one open out-of-stock case (as an agent would), then send everything
    the outbox holds, as the worker would. Returns that case's self-service link."""
    from ordex.accounts.access import Principal
    from ordex.cases import actions as case_actions
    from ordex.cases.models import Case
    from ordex.core.errors import DomainError
    from ordex.notify import actions as notify_actions
    from ordex.notify import links

    open_cases = Case.objects.filter(status__in=["new", "triaged"], order__isnull=False,
                                     type__message_templates__moment="choice_offered",
                                     type__message_templates__active=True).distinct().order_by("pk")
    case = open_cases.filter(type__code="out_of_stock").first() or open_cases.exclude(type__allowed_resolutions=[]).first()
    link = ""
    if case is not None:
        agent = Principal(role="agent", name="agent")
        try:
            if case.status == "new":
                case_actions.transition(case.pk, to="triaged", actor=agent)
            case_actions.offer_choice(case.pk, actor=agent)
        except DomainError:
            pass
        link = links.url_for(notify_actions.link_for_case(case))
    while notify_actions.drain():
        pass
    return link


def _mail_dir():
    from ordex.notify.mail import mail_dir

    return mail_dir()


def _ordex(*arguments: str) -> None:
    """Another `ordex` verb, in its own process (as a user would run it)."""
    import subprocess

    subprocess.run([sys.executable, "-m", "ordex.cli", *arguments], check=True)


COMMANDS = {"demo": ("load demo data: users, a token and a simulated week of events", configure, run)}

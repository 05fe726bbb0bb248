"""`ordex scan [--as-of ISO] [--rule CODE] [--dry-run] [--param CODE.KEY=VALUE ...] [--json]`:
run the periodic rules as of a time and print what they found. A dry run opens no cases."""

import json
from datetime import datetime

from ordex.core.errors import CommandError


def configure(parser):
    parser.add_argument("--as-of", help="evaluate as if it were this moment (ISO-8601 with offset); default now")
    parser.add_argument("--rule", action="append", metavar="CODE", help="only this rule (repeatable)")
    parser.add_argument("--dry-run", action="store_true", help="open no cases: show what would be found")
    parser.add_argument("--param", action="append", default=[], metavar="CODE.KEY=VALUE",
                        help="try a changed parameter (implies --dry-run), e.g. payment_timeout.minutes=45")
    parser.add_argument("--full", action="store_true", help="look at the whole stored history, not only what is new")
    parser.add_argument("--show", type=int, default=10, metavar="N", help="list up to N findings per rule")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")


def parse_params(items: list[str]) -> dict[str, dict]:
    from .rules import REGISTRY

    changes: dict[str, dict] = {}
    for item in items:
        key, sep, value = item.partition("=")
        code, dot, name = key.partition(".")
        if not sep or not dot:
            raise CommandError(f"--param {item!r}: expected CODE.KEY=VALUE")
        if code not in REGISTRY:
            raise CommandError(f"--param {item!r}: unknown rule {code!r}")
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError:
            parsed = value
        rule = REGISTRY[code]
        try:
            param = rule.param(name)
        except KeyError:
            raise CommandError(f"--param {item!r}: {code} has no parameter {name!r}")
        if param.kind is str:
            parsed = value
        from ordex.core.errors import DomainError

        try:
            changes.setdefault(code, {}).update(rule.validate({name: parsed}, prefix=code))
        except DomainError as exc:
            raise CommandError(f"--param {item!r}: {exc.message}")
    return changes


def run(args) -> int:
    from django.utils import timezone

    from .scan import run_scan

    as_of = None
    if args.as_of:
        try:
            as_of = datetime.fromisoformat(args.as_of)
        except ValueError:
            raise CommandError(f"--as-of {args.as_of!r}: not an ISO-8601 time")
        if as_of.tzinfo is None:
            raise CommandError("--as-of needs a UTC offset, e.g. 2026-11-08T12:00:00+08:00")
    changes = parse_params(args.param)
    dry_run = args.dry_run or bool(changes)
    try:
        passes = run_scan(as_of, rules=args.rule, dry_run=dry_run, param_changes=changes, full=args.full)
    except KeyError as exc:
        raise CommandError(f"--rule: unknown rule {exc.args[0]}")
    if as_of is None and not dry_run and not passes:
        from .history import running

        if running():
            print("a history import is under way: the live pass waits for it to finish (ordex scan --as-of to "
                  "scan as of a moment anyway)")
            return 0
    sla = None
    if not dry_run:
        from ordex.cases.actions import evaluate_sla

        sla = evaluate_sla(as_of or timezone.now())
    summary = {
        "as_of": (as_of or timezone.now()).isoformat(), "dry_run": dry_run, "params": changes,
        "rules": [{"rule": p.code, "found": sum(h.level == "finding" for h in p.found),
                   "warnings": sum(h.level == "warning" for h in p.found), "already_known": p.already,
                   "cleared": len(p.cleared), "cases_opened": p.cases_opened, "full_history": p.full,
                   "seconds": round(p.seconds, 3),
                   "findings": [h.describe() for h in p.found[:args.show]]} for p in passes],
    }
    if sla is not None:
        summary["sla"] = {k: v for k, v in getattr(sla, "__dict__", {}).items() if isinstance(v, int | float | str)}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, default=str))
        return 0
    print(f"scan as of {summary['as_of']}{' (dry run: no cases opened)' if dry_run else ''}")
    print(f"{'rule':<24}{'found':>7}{'warn':>6}{'known':>7}{'cleared':>9}{'cases':>7}{'sec':>8}")
    for row in summary["rules"]:
        print(f"{row['rule']:<24}{row['found']:>7}{row['warnings']:>6}{row['already_known']:>7}{row['cleared']:>9}"
              f"{row['cases_opened']:>7}{row['seconds']:>8.3f}")
    for row in summary["rules"]:
        for finding in row["findings"]:
            print(f"  {row['rule']}: {finding['subject']} @ {finding['found_at']}: {finding['summary']}")
    if sla is not None:
        print(f"SLA: {summary['sla']}")
    return 0


COMMANDS = {"scan": ("run the periodic detection rules as of a time", configure, run)}

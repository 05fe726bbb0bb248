def configure(parser):
    parser.add_argument("--workers", type=int, default=None, help="worker threads (default from ORDEX_WORKERS)")


def run(args) -> int:
    from django.core.management import call_command

    options = {"workers": args.workers} if args.workers else {}
    call_command("run_huey", **options)
    return 0

def configure(parser):
    parser.add_argument("--quiet", action="store_true")


def run(args) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0

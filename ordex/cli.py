"""The `ordex` command. Each verb lives next to the code it drives, as a module with
`configure(parser)` and `run(args) -> int`; this file only routes and turns errors into one line."""

import argparse
import os
import sys
from importlib import import_module

COMMANDS = {
    "serve": ("ordex.core.commands.serve", "run the web server (gunicorn) with the embedded worker"),
    "worker": ("ordex.core.commands.worker", "run the background task worker"),
    "migrate": ("ordex.core.commands.migrate", "create or upgrade the database"),
    "check": ("ordex.core.commands.check", "check configuration, database and queue"),
    "demo": ("ordex.core.commands.demo", "load demo data: users, a token and a simulated week of events"),
    "import": ("ordex.ingest.commands", "import events from a JSON Lines file (.gz or - for stdin)"),
    "simulate": ("ordex.simulator.command", "write a simulated event stream (JSON Lines) to stdout"),
    "scan": ("ordex.detection.command", "run the periodic detection rules as of a time"),
    "user": ("ordex.accounts.commands.user", "manage users: ordex user create --username U --role R"),
    "token": ("ordex.accounts.commands.token", "manage API tokens: ordex token create --name N --role R"),
}


class CommandError(Exception):
    """Raised by a command for a clear, expected failure: printed as one line, exit code 2."""


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordex.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ordex", description="Ordex order exception desk")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_path, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        command_parser.set_defaults(_module=module_path)
        import_module(module_path).configure(command_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module = import_module(args._module)
    try:
        if getattr(module, "NEEDS_DJANGO", True):
            setup_django()
        return module.run(args) or 0
    except CommandError as exc:
        print(f"ordex {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ordex {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, not a traceback
        if os.environ.get("ORDEX_DEBUG") == "1":
            raise
        print(f"ordex {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())

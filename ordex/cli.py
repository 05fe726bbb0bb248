"""The `ordex` command. Each app keeps its verbs in its `commands.py` as
`COMMANDS = {verb: (help, configure(parser), run(args) -> exit code)}`; this file lists those modules,
routes to the verb and turns a `CommandError` (ordex.core.errors) into one line and exit code 2."""

import argparse
import os
import sys

from ordex import demo
from ordex.accounts import commands as accounts_commands
from ordex.core import commands as core_commands
from ordex.core.errors import CommandError
from ordex.detection import commands as detection_commands
from ordex.ingest import commands as ingest_commands
from ordex.simulator import commands as simulator_commands

# In the order `ordex --help` lists them.
COMMAND_MODULES = (core_commands, demo, ingest_commands, simulator_commands, detection_commands,
                   accounts_commands)
# Verbs that run without Django (no database, no settings).
WITHOUT_DJANGO = frozenset({"simulate"})


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordex.settings")
    import django

    django.setup()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ordex", description="Ordex order exception desk")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMAND_MODULES:
        for name, (help_text, configure, run) in module.COMMANDS.items():
            command_parser = sub.add_parser(name, help=help_text, description=help_text)
            command_parser.set_defaults(_run=run)
            configure(command_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command not in WITHOUT_DJANGO:
            setup_django()
        return args._run(args) or 0
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

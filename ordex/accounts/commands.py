"""`ordex user create ...` and `ordex token create|revoke ...`."""

import getpass
import secrets
import sys

from ordex.core.errors import CommandError


def configure_user(parser):
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="create a user")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True)
    create.add_argument("--department", help="department code (default: the role's usual department)")
    create.add_argument("--email", default="")
    create.add_argument("--password", help="default: asked for, or generated when there is no terminal")


def run_user(args) -> int:
    from .services import create_user

    password = args.password
    generated = False
    if not password:
        try:
            password = getpass.getpass("Password: ") if sys.stdin.isatty() else None
        except EOFError:
            password = None
        if not password:
            password, generated = secrets.token_urlsafe(12), True
    try:
        user = create_user(
            username=args.username, role=args.role, password=password, department=args.department, email=args.email
        )
    except ValueError as exc:
        raise CommandError(str(exc))
    print(f"created user {user.username} ({user.role})")
    if generated:
        print(f"password: {password}")
    return 0


def configure_token(parser):
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="create an API token and print it (it is shown only once)")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True)
    create.add_argument("--department", help="department code")
    revoke = sub.add_parser("revoke", help="revoke every token with this name")
    revoke.add_argument("--name", required=True)


def run_token(args) -> int:
    from .services import issue_token, revoke_tokens

    try:
        if args.action == "create":
            _, raw = issue_token(name=args.name, role=args.role, department=args.department)
            print(raw)
        else:
            count = revoke_tokens(name=args.name)
            print(f"revoked {count} token(s)")
    except ValueError as exc:
        raise CommandError(str(exc))
    return 0


# verb -> (help, configure(parser), run(args) -> exit code); `ordex.cli` registers these.
COMMANDS = {
    "user": ("manage users: ordex user create --username U --role R", configure_user, run_user),
    "token": ("manage API tokens: ordex token create --name N --role R", configure_token, run_token),
}

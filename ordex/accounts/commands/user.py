import getpass

from ordex.cli import CommandError


def configure(parser):
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="create a user")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True)
    create.add_argument("--department", help="department code (default: the role's usual department)")
    create.add_argument("--email", default="")
    create.add_argument("--password", help="default: asked for, or generated when there is no terminal")


def run(args) -> int:
    from ordex.accounts.services import check_new_password, create_user

    password = args.password
    generated = False
    if not password:
        try:
            password = getpass.getpass("Password: ") if _interactive() else None
        except EOFError:
            password = None
        if not password:
            import secrets

            password, generated = secrets.token_urlsafe(12), True
    try:
        check_new_password(password, username=args.username, email=args.email)
        user = create_user(
            username=args.username, role=args.role, password=password, department=args.department, email=args.email
        )
    except ValueError as exc:
        raise CommandError(str(exc))
    print(f"created user {user.username} ({user.role})")
    if generated:
        print(f"password: {password}")
    return 0


def _interactive() -> bool:
    import sys

    return sys.stdin.isatty()

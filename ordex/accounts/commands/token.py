from ordex.cli import CommandError


def configure(parser):
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create", help="create an API token and print it (it is shown only once)")
    create.add_argument("--name", required=True)
    create.add_argument("--role", required=True)
    create.add_argument("--department", help="department code")
    revoke = sub.add_parser("revoke", help="revoke every token with this name")
    revoke.add_argument("--name", required=True)


def run(args) -> int:
    from ordex.accounts.services import issue_token, revoke_tokens

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

"""The allowed imports between apps (docs/architecture.md, "Allowed imports"), checked on every import in
the package's code (tests and migrations excepted), including imports inside functions."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]

# app -> the apps its code may import. `core` is the ground floor; `accounts` (users, roles, auth) may be
# used by every app; every app may read the hub (`orders`) through orders/queries.py.
GROUND = {"core", "accounts"}
ALLOWED = {
    "core": set(),
    "accounts": {"core"},
    "orders": GROUND,
    "ingest": GROUND | {"orders"},
    "cases": GROUND | {"orders"},
    "detection": GROUND | {"orders", "cases"},
    "resolutions": GROUND | {"orders", "cases"},
    "notify": GROUND | {"orders", "cases", "resolutions"},
    "accountability": GROUND | {"orders", "cases"},
    "simulator": set(),  # pure Python: imports no other part of Ordex (nor Django)
}
# Layers over every app: the web workbench, the reports, and the project's own modules.
OVER_ALL = {"web", "reports", "scenarios"}
PROJECT_MODULES = {"api", "cli", "demo", "urls", "settings", "wsgi", "asgi"}
# Project modules any code may load (the server command starts the WSGI application).
INFRASTRUCTURE = {"settings", "wsgi"}


def _app_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "ordex" else None


def _imports(path: Path):
    """(line, imported module) for every absolute import of an `ordex.` module in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "ordex":
                for alias in node.names:
                    yield node.lineno, f"ordex.{alias.name}"
            else:
                yield node.lineno, node.module


def _forbidden_edges(package: Path = PACKAGE) -> list[str]:
    edges = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        if len(relative.parts) == 1:
            assert relative.stem in PROJECT_MODULES | {"__init__"}, f"a new project-level module: {relative}"
            continue
        app = relative.parts[0]
        if app in OVER_ALL:
            continue
        assert app in ALLOWED, f"a new app {app!r}: add its row to ALLOWED (and to docs/architecture.md)"
        for line, module in _imports(path):
            target = _app_of(module)
            if target is None or target == app or target in INFRASTRUCTURE:
                continue
            if target not in ALLOWED[app]:
                edges.append(f"ordex/{relative}:{line} imports {module} ({app} -> {target} is not allowed)")
    return edges


def test_no_import_goes_against_the_arrows():
    assert _forbidden_edges() == []


def test_the_check_sees_a_forbidden_edge_even_inside_a_function(tmp_path):
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "apply.py").write_text(
        "from ordex.core import bulk\n\n\ndef f():\n    from ordex.detection import engine\n", encoding="utf-8")
    (tmp_path / "ingest").mkdir()
    (tmp_path / "ingest" / "pipeline.py").write_text("import ordex.orders.apply\n", encoding="utf-8")
    assert _forbidden_edges(tmp_path) == [
        "ordex/orders/apply.py:5 imports ordex.detection (orders -> detection is not allowed)"
    ]

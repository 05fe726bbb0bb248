"""The allowed imports between apps (docs/architecture.md, "Allowed imports"), checked on every import in
the package's code (tests and migrations excepted), including imports inside functions; and the hub's
internals (its tables, its writer) kept to the hub and its one writer."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]

# app -> the apps its code may import. `core` is the ground floor; `accounts` (users, roles, auth) may be
# used by every app; every app may read the hub (`orders`) through orders.queries (see HUB_INTERNALS below).
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

# The hub's tables and its writer: only the hub itself and `ingest` (its one writer) import them. Every other
# app reads the hub through `orders.queries` (plus `choices`, `events`, `hooks`, `address`, `phones`). Two
# exceptions, for all apps: a `models.py` (a ForeignKey to a hub row names its model) and an import under
# `if TYPE_CHECKING:` (a type in a signature reads nothing).
HUB_INTERNALS = ("ordex.orders.models", "ordex.orders.apply")
HUB_INTERNALS_BELOW = tuple(f"{module}." for module in HUB_INTERNALS)
HUB_INSIDERS = {"orders", "ingest"}


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


def _type_only_lines(tree: ast.AST) -> set[int]:
    """Lines inside `if TYPE_CHECKING:` blocks."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and (getattr(node.test, "id", None) == "TYPE_CHECKING"
                                         or getattr(node.test, "attr", None) == "TYPE_CHECKING"):
            for child in node.body:
                lines.update(range(child.lineno, child.end_lineno + 1))
    return lines


def _runtime_imports(path: Path):
    """(line, modules) for every absolute import statement the file runs (not under `if TYPE_CHECKING:`): the
    modules it names, each name of a `from … import` spelled out too (`from ordex.orders import models`
    names ordex.orders.models)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only = _type_only_lines(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom) or node.lineno in type_only:
            continue
        if isinstance(node, ast.Import):
            yield node.lineno, [alias.name for alias in node.names]
        elif node.level == 0 and node.module:
            yield node.lineno, [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]


def _code_files(package: Path):
    """(relative path, path) of the package's code: tests and migrations excepted."""
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if "tests" not in relative.parts and "migrations" not in relative.parts:
            yield relative, path


def _hub_internals_imported(package: Path = PACKAGE) -> list[str]:
    found = []
    for relative, path in _code_files(package):
        if len(relative.parts) > 1 and (relative.parts[0] in HUB_INSIDERS or relative.name == "models.py"):
            continue
        for line, modules in _runtime_imports(path):
            internal = next((m for m in modules if m in HUB_INTERNALS or m.startswith(HUB_INTERNALS_BELOW)), None)
            if internal:
                found.append(f"ordex/{relative}:{line} imports {internal} (read the hub through orders.queries)")
    return found


def _forbidden_edges(package: Path = PACKAGE) -> list[str]:
    edges = []
    for relative, path in _code_files(package):
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


def test_only_the_hub_and_ingest_import_its_tables_and_its_writer():
    assert _hub_internals_imported() == []


def test_the_check_sees_a_hub_table_read_outside_the_hub(tmp_path):
    for app in ("detection/rules", "cases", "web", "ingest", "orders/queries"):
        (tmp_path / app).mkdir(parents=True)
    (tmp_path / "detection" / "rules" / "periodic.py").write_text(
        "from ordex.orders.queries import orders_where\n\n\ndef f():\n    from ordex.orders.models import Order\n",
        encoding="utf-8")
    (tmp_path / "web" / "views.py").write_text("from ordex.orders import apply\n", encoding="utf-8")
    (tmp_path / "cases" / "models.py").write_text("from ordex.orders.models import Order\n", encoding="utf-8")
    (tmp_path / "cases" / "actions.py").write_text(
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from ordex.orders.models import Order\n",
        encoding="utf-8")
    (tmp_path / "ingest" / "pipeline.py").write_text("import ordex.orders.apply\n", encoding="utf-8")
    (tmp_path / "orders" / "queries" / "scans.py").write_text("from ordex.orders.models import Order\n",
                                                               encoding="utf-8")
    assert _hub_internals_imported(tmp_path) == [
        "ordex/detection/rules/periodic.py:5 imports ordex.orders.models (read the hub through orders.queries)",
        "ordex/web/views.py:1 imports ordex.orders.apply (read the hub through orders.queries)",
    ]

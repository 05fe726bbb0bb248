"""Every error code a client can see is registered once (ordex/core/error_codes.py) and documented
(docs/errors.md, generated from the registry)."""

import ast
import re
from pathlib import Path

from ordex.core.error_codes import CODES, http_status, render_markdown
from ordex.core.errors import DomainError, Forbidden, InvalidInput, NotFound

PACKAGE = Path(__file__).resolve().parents[2]
DOCS = PACKAGE.parent / "docs" / "errors.md"
ERROR_CLASSES = {"DomainError", "NotFound", "Forbidden", "InvalidInput"}


def _error_classes_taking_a_code(trees) -> set[str]:
    """DomainError and the classes derived from it that take the code as their first argument (a subclass
    with its own __init__ fixes its code in that __init__, which the scan reads instead)."""
    known, fixed = set(ERROR_CLASSES), set()
    grew = True
    while grew:
        grew = False
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.name not in known | fixed and any(
                        isinstance(base, ast.Name) and base.id in known | fixed for base in node.bases):
                    own_init = any(isinstance(item, ast.FunctionDef) and item.name == "__init__" for item in node.body)
                    (fixed if own_init else known).add(node.name)
                    grew = True
    return known


def _codes_raised() -> dict[str, set[str]]:
    """code -> files, for every literal code given to an error class (or to its __init__ from a subclass),
    written into an error body ({"code": ...}) or looked up with http_status(...), outside tests."""
    sources = [p for p in PACKAGE.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sources}
    classes = _error_classes_taking_a_code(trees.values()) | {"__init__", "http_status"}
    found: dict[str, set[str]] = {}
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if name in classes and node.args and isinstance(node.args[0], ast.Constant) \
                        and isinstance(node.args[0].value, str):
                    found.setdefault(node.args[0].value, set()).add(str(path.relative_to(PACKAGE.parent)))
            elif isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    if isinstance(key, ast.Constant) and key.value == "code" and isinstance(value, ast.Constant):
                        found.setdefault(value.value, set()).add(str(path.relative_to(PACKAGE.parent)))
    return found


def test_every_code_raised_anywhere_is_registered():
    raised = _codes_raised()
    assert len(raised) > 40  # the scan sees the package
    missing = {code: sorted(files) for code, files in raised.items() if code not in CODES}
    assert not missing, f"add a line for each to CODES in ordex/core/error_codes.py: {missing}"


def test_every_registered_code_is_raised_somewhere():
    unused = set(CODES) - set(_codes_raised())
    assert not unused, f"registered but never raised (remove them): {sorted(unused)}"


def test_codes_are_snake_case_with_a_client_error_status_and_both_meanings():
    for entry in CODES.values():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", entry.code), entry.code
        assert 400 <= entry.status < 500, entry
        assert entry.en.strip() and entry.zh.strip(), entry


def test_docs_errors_md_is_what_the_registry_renders():
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), (
        "docs/errors.md is out of date: python -m ordex.core.error_codes > docs/errors.md")


def test_the_status_comes_from_the_registry_not_from_the_error():
    assert DomainError("case_not_open", "x").status == 409
    assert InvalidInput("evidence_too_large", "x").status == 413
    assert NotFound("case_not_found", "x").status == http_status("case_not_found") == 404
    # A code not registered yet falls back on its kind.
    assert Forbidden("not_registered_yet", "x").status == 403
    assert InvalidInput("not_registered_yet", "x").status == 422
    assert DomainError("not_registered_yet", "x").status == 409

"""No user-facing string glues the two languages together ("新建 new"): every label is an English msgid with
its zh-Hans in the app's catalogue, and data seeded in both languages keeps them in separate fields or rows.
This reads every string literal of the Python modules and every text node and {% translate %} literal of the
templates under ordex/ (tests, migrations, catalogues and the simulator's made-up data left out) and fails on
one that holds Chinese next to a run of English words, or that is a Chinese word followed by an English one."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # ordex/

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
HAS_CJK = re.compile(f"[{CJK}]")
ENGLISH_WORDS = re.compile(r"[A-Za-z]{2,}(?: +[A-Za-z]+)+")  # two or more words: "has been sent"
CHINESE_THEN_ENGLISH = re.compile(f"[{CJK}] +[A-Za-z]+$")  # a label's shape: "新建 new", "已解决 Resolved"
# What a string may hold that is neither language: template variables and tags, %-placeholders, code in backticks.
NOT_WORDS = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{[a-z_]+\}|%\([a-z_]+\)[sd]|`[^`]*`")

SKIPPED_DIRECTORIES = {"tests", "migrations", "locale", "simulator"}

# Legitimately mixed, each with why. A path alone allows the whole file or directory.
ALLOWED = {
    # An English help text naming the Chinese term for make-up working days.
    "cases/models.py:Chinese public holidays are off and make-up working days (调休) are worked": "term",
}


def python_strings(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            yield node.lineno, node.value


TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}|<[^>]*>", re.S)
TRANSLATED_LITERAL = re.compile(r"\{%\s*(?:translate|trans)\s+\"([^\"]*)\"")


def template_strings(path: Path):
    """Each text node between tags, and each {% translate "…" %} literal, with its line."""
    text = path.read_text(encoding="utf-8")
    for match in TRANSLATED_LITERAL.finditer(text):
        yield text.count("\n", 0, match.start()) + 1, match.group(1)
    position = 0
    for tag in [*TEMPLATE_TAG.finditer(text), None]:
        end = tag.start() if tag else len(text)
        if text[position:end].strip():
            yield text.count("\n", 0, position) + 1, text[position:end]
        position = tag.end() if tag else end


def glued(value: str) -> bool:
    words = NOT_WORDS.sub(" ", value)
    return bool(HAS_CJK.search(words)) and any(
        ENGLISH_WORDS.search(line) or CHINESE_THEN_ENGLISH.search(line.strip()) for line in words.splitlines())


def allowed(relative: str, value: str) -> bool:
    return any(relative.startswith(key) if ":" not in key else key == f"{relative}:{value}" for key in ALLOWED)


def glued_strings() -> list[str]:
    found = []
    for path in sorted(ROOT.rglob("*")):
        relative = path.relative_to(ROOT).as_posix()
        if SKIPPED_DIRECTORIES & set(path.relative_to(ROOT).parts[:-1]) or path.suffix not in (".py", ".html", ".txt"):
            continue
        strings = python_strings(path) if path.suffix == ".py" else template_strings(path)
        found += [f"ordex/{relative}:{line}: {value!r}" for line, value in strings
                  if glued(value) and not allowed(relative, value)]
    return found


def test_no_string_glues_chinese_and_english():
    assert glued_strings() == []


def test_the_check_finds_a_glued_label_and_passes_a_chinese_sentence_with_a_code():
    assert glued("新建 new") and glued("已解决 Resolved") and glued("库存不足 out of stock")
    assert glued("<p>新建 New case</p>".replace("<p>", "").replace("</p>", ""))
    assert not glued("订单中没有该 SKU 的商品行。") and not glued("资金类动作需要 Idempotency-Key 请求头。")
    assert not glued("{{ customer }}您好，您的订单{{ order_no }}{what}。进度随时可查：{{ link }}")
    assert not glued("Dear {{ customer }}, your order {{ order_no }} has shipped")

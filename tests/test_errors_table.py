"""Every error and warning code is in one table (src/nerkit/error_codes.txt), each with one
meaning and one exception class, and docs/errors.md is generated from it."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from nerkit.errors import codes, errors_markdown

ROOT = Path(__file__).parents[1]
CODE = re.compile(r"[EW]\d{3}")
# Calls that carry a code without naming an exception class.
KIND_OF_CALL = {"warn": "NerkitWarning", "NerkitWarning": "NerkitWarning"}


def _raise_sites() -> dict[str, set[tuple[str, str]]]:
    """code -> {(class it is raised with, file:line)} for every call ``X("E123", ...)``."""
    sites: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in sorted((ROOT / "src" / "nerkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if not (isinstance(node, ast.Call) and node.args):
                continue
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                if CODE.fullmatch(first.value):
                    name = ast.unparse(node.func).split(".")[-1]
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    sites[first.value].add((KIND_OF_CALL.get(name, name), where))
    return sites


def test_every_raised_code_is_in_the_table_with_its_class() -> None:
    table = codes()
    for code, sites in _raise_sites().items():
        assert code in table, f"{code} is raised at {sorted(sites)} but not in the table"
        for kind, where in sites:
            assert kind == table[code].kind, f"{where}: {code} is a {table[code].kind}, not {kind}"


def test_every_code_in_the_table_is_used() -> None:
    used = set(_raise_sites())
    assert sorted(set(codes()) - used) == []


def test_codes_mentioned_anywhere_in_the_source_exist() -> None:
    table = codes()
    for path in sorted((ROOT / "src" / "nerkit").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if CODE.fullmatch(node.value):
                    assert node.value in table, f"{path.name}: unknown code {node.value}"


def test_the_table_is_well_formed() -> None:
    table = codes()
    assert list(table) == sorted(table, key=lambda c: (c[0] == "W", c))  # E first, in order
    meanings = [c.meaning for c in table.values()]
    assert len(meanings) == len(set(meanings)), "two codes with one meaning"
    for c in table.values():
        assert c.meaning and c.action and CODE.fullmatch(c.code)


def test_docs_errors_md_is_generated_from_the_table() -> None:
    doc = (ROOT / "docs" / "errors.md").read_text(encoding="utf8")
    assert doc == errors_markdown(), "run: python -m nerkit.errors > docs/errors.md"

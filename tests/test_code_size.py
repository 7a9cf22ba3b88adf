"""Modules and functions stay small enough for a newcomer to read in one sitting.

No application module (migrations aside) is longer than 600 lines and no function longer
than 80: past that a module answers more than one question and a function does more than
one step.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = [
    package
    for package in tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"][
        "root_packages"
    ]
    if package != "tests"
]
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def application_modules() -> list[Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.relative_to(ROOT).parts
    )


def long_functions(source: str, limit: int = MAX_FUNCTION_LINES) -> list[tuple[str, int]]:
    """Each function or method in `source` longer than `limit` lines, with its length."""
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > limit
    ]


def test_the_walk_finds_the_application():
    names = {path.relative_to(ROOT).as_posix() for path in application_modules()}
    assert "bookings/services.py" in names and "payments/services.py" in names
    assert not any("/migrations/" in name or name.startswith("tests/") for name in names)


def test_no_module_is_over_600_lines():
    too_long = {}
    for path in application_modules():
        name = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            too_long[name] = lines
    assert too_long == {}


def test_no_function_is_over_80_lines():
    too_long = {
        f"{path.relative_to(ROOT).as_posix()}:{name}": lines
        for path in application_modules()
        for name, lines in long_functions(path.read_text(encoding="utf-8"))
    }
    assert too_long == {}


@pytest.mark.parametrize(("body_lines", "expected"), [(78, []), (79, [("f", 80 + 1)])])
def test_the_function_rule_counts_from_def_to_last_line(body_lines, expected):
    source = "def f():\n" + "    x = 1\n" * body_lines + "    return x\n"
    assert long_functions(source) == expected

"""Migrations are history: they run no live code of the project.

A migration that calls a helper of today's code (trigger SQL, roles, services) changes what
it did when that helper changes, so an old database and a new one migrate to different
schemas. A migration may import from our apps only what declares the schema: field,
validator and constraint modules (`fields`, `validators`, `constraints`), and a field's
`default=` callable, which Django serialises by its dotted path. Anything it runs is written
out in the migration itself.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = frozenset(path.parent.name for path in ROOT.glob("*/apps.py"))
SCHEMA_MODULES = frozenset({"fields", "validators", "constraints"})


def violations(source: str, apps: frozenset[str] = APPS) -> list[str]:
    """Each use, in one migration's source, of a live module of our apps."""
    tree = ast.parse(source)
    imported: set[str] = set()  # `import a.b`: the dotted names a use may start with
    bound: dict[str, str] = {}  # `from a import b` (as c): name -> "a.b"
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    imported.add(alias.name)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        elif isinstance(node, ast.ImportFrom):
            found.append(f"line {node.lineno}: relative import")
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    defaults = {
        id(keyword.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for keyword in node.keywords
        if keyword.arg == "default"
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Name):
            continue
        use, dotted = node, node.id
        while isinstance(parent := parents.get(id(use)), ast.Attribute) and parent.value is use:
            use, dotted = parent, f"{dotted}.{parent.attr}"
        if node.id in bound:
            module = bound[node.id]
        else:
            prefixes = [m for m in imported if dotted == m or dotted.startswith(f"{m}.")]
            if not prefixes:
                continue
            module = max(prefixes, key=len)
        if _is_live(module, apps) and id(use) not in defaults:
            found.append(f"line {node.lineno}: uses {module}")
    return sorted(set(found))


def _is_live(module: str, apps: frozenset[str]) -> bool:
    """Whether `module` is ours and not a schema declaration."""
    parts = module.split(".")
    return parts[0] in apps and not any(part in SCHEMA_MODULES for part in parts[1:])


def migration_files() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app / "migrations").glob("[0-9]*.py")
        if (ROOT / app / "migrations").is_dir()
    )


@pytest.mark.parametrize(
    "path", migration_files(), ids=lambda p: f"{p.parent.parent.name}/{p.name}"
)
def test_no_migration_runs_live_code_of_the_project(path):
    assert not violations(path.read_text()), f"{path}: {violations(path.read_text())}"


def test_there_are_migrations_to_check():
    assert len(migration_files()) > 20


@pytest.mark.parametrize(
    "source",
    [
        "from bookings import schedule_triggers\ndef f(a, s):\n    schedule_triggers.install(s)",
        "from bookings.roles import ensure_roles\ndef f(apps, s):\n    ensure_roles(apps)",
        "import bookings.services\nx = bookings.services.booking_create",
        "import bookings.models\nFIELD = models.CharField(max_length=bookings.models.LENGTH)",
        "from .helpers import run\n",
    ],
)
def test_a_migration_that_runs_live_code_is_caught(source):
    assert violations(source, apps=frozenset({"bookings"}))


@pytest.mark.parametrize(
    "source",
    [
        "import bookings.validators\nf = models.CharField(validators=[clients.validators.name])",
        "from bookings.constraints import TsTzRange\nc = TsTzRange('start', 'end')",
        "import bookings.models\nf = models.CharField(default=bookings.models.new_reference)",
        "from django.db import migrations\nimport datetime\n",
    ],
)
def test_schema_declarations_are_allowed(source):
    assert violations(source, apps=frozenset({"bookings"})) == []

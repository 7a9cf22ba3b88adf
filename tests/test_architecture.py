"""Imports point one way, and no app reaches into another's private names.

The layers are import-linter contracts in pyproject.toml, run by `make lint`
(`lint-imports`; the picture is in docs/architecture.md). The tests here show that those
contracts fail on an upward import (on a copy of the contracts, over throwaway packages),
that every top-level package of the project sits in a layer, and check the one rule
import-linter has no contract for: no module imports another app's private (`_underscore`)
name, by `from a import _x`, a private module path (`a._impl`) or `module._x`.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
LAYERS = next(c for c in CONFIG["contracts"] if c["type"] == "layers")["layers"]
LAYERED = {app.strip() for layer in LAYERS for app in layer.replace("|", ":").split(":")}
TOOLING = {"tests", "bench", "loadtest", "scripts"}
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


# Underscored but public: Django documents a model's `_meta` as its API.
DJANGO_PUBLIC = {"_meta"}


def _is_private(name: str) -> bool:
    dunder = name.startswith("__") and name.endswith("__")
    return name.startswith("_") and not dunder and name not in DJANGO_PUBLIC


def private_imports(module: str, source: str) -> list[str]:
    """Each private name `module` takes from another top-level package of ours."""
    app = module.split(".")[0]

    def foreign(name: str) -> bool:
        return name.split(".")[0] in LAYERED and name.split(".")[0] != app

    found: list[str] = []
    aliases: set[str] = set()  # names bound to another app's module
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if foreign(alias.name):
                    found += [f"{alias.name}" for p in alias.name.split(".") if _is_private(p)]
                    aliases.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and foreign(node.module or ""):
            for alias in node.names:
                path = f"{node.module}.{alias.name}"
                if any(_is_private(p) for p in path.split(".")):
                    found.append(path)
                aliases.add(alias.asname or alias.name)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            root = node.value
            while isinstance(root, ast.Attribute):
                root = root.value
            if isinstance(root, ast.Name) and root.id in aliases:
                found.append(f"{root.id}….{node.attr}")
    return [f"{module} uses {name}" for name in found]


def project_modules() -> dict[str, str]:
    modules = {}
    for app in sorted(LAYERED):
        for path in sorted((ROOT / app).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            modules[".".join(parts)] = path.read_text(encoding="utf-8")
    return modules


def test_no_module_imports_another_apps_private_name():
    found = [
        v for module, source in project_modules().items() for v in private_imports(module, source)
    ]
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("waitlist.a", "from bookings.schedules import _lock\n", 1),
        ("waitlist.a", "from bookings import schedules\nschedules._lock()\n", 1),
        ("waitlist.a", "import bookings.schedules\nbookings.schedules._lock()\n", 1),
        ("waitlist.a", "from bookings._impl import thing\n", 1),
        ("bookings.a", "from bookings.schedules import _own_app_is_fine\n", 0),
        ("waitlist.a", "from bookings.schedules import public\nx.__class__\n", 0),
    ],
)
def test_the_private_name_rule_fails_where_it_should(module, source, expected):
    assert len(private_imports(module, source)) == expected


def test_every_top_level_package_is_in_a_layer_or_tooling():
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - TOOLING == LAYERED
    assert set(CONFIG["root_packages"]) >= LAYERED


def _lint_imports_on(tmp_path: Path, upward: bool) -> subprocess.CompletedProcess:
    """The project's own contracts, run over one empty package per app and a module in the
    lowest layer that imports the top one when `upward`."""
    for app in CONFIG["root_packages"]:
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    lowest, top = LAYERS[-1].strip(), LAYERS[0].strip()
    body = f"def f():\n    import {top}\n" if upward else "import datetime\n"
    (tmp_path / lowest / "helper.py").write_text(body)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    return subprocess.run(  # noqa: S603 - our own venv's lint-imports
        [LINT_IMPORTS, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, check=False
    )


def test_lint_imports_passes_on_packages_that_respect_the_layers(tmp_path):
    result = _lint_imports_on(tmp_path, upward=False)
    assert result.returncode == 0, result.stdout


def test_lint_imports_fails_on_an_upward_import_inside_a_function(tmp_path):
    result = _lint_imports_on(tmp_path, upward=True)
    assert result.returncode == 1
    assert "Imports point down the layers BROKEN" in result.stdout


def test_no_application_code_swaps_an_objects_class():
    """Behaviour comes from declared classes (a base ModelAdmin, AdminConfig.default_site),
    never from assigning `obj.__class__` at run time."""
    swaps = [
        f"{module}:{node.lineno}"
        for module, source in project_modules().items()
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign)
        for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(target, ast.Attribute) and target.attr == "__class__"
    ]
    assert swaps == []

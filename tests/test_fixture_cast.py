"""One fixture vocabulary: the cast in `tests/conftest.py` (docs/testing.md) is defined there
and nowhere else, so `clinic`, `manager` or `ada` mean the same thing in every test. A test
that needs another clinic or person names it for what it is (`clinic_with_deposits`,
`signed_in_superuser_manager`) instead of shadowing a cast name with a different meaning."""

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT_CONFTEST = TESTS / "conftest.py"


def _fixtures(path: Path) -> list[tuple[str, int]]:
    """The fixtures a test file defines (module level, in classes, or under `name=`)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for decorator in node.decorator_list:
            call = decorator if isinstance(decorator, ast.Call) else None
            target = call.func if call else decorator
            if getattr(target, "attr", getattr(target, "id", None)) != "fixture":
                continue
            name = node.name
            for keyword in call.keywords if call else []:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    name = keyword.value.value
            found.append((name, node.lineno))
    return found


def cast() -> set[str]:
    return {name for name, _ in _fixtures(ROOT_CONFTEST) if not name.startswith("_")}


def shadows(files) -> list[str]:
    names = cast()
    return [
        f"{path}:{line} redefines `{name}`"
        for path in files
        if path != ROOT_CONFTEST
        for name, line in _fixtures(path)
        if name in names
    ]


def test_the_cast_holds_the_clients_and_staff_everyone_shares():
    assert {
        "clinic",
        "front_desk",
        "manager",
        "staff_without_role",
        "therapist_user",
        "ada",
        "run_after_commit",
    } <= cast()


def test_no_test_file_redefines_a_cast_fixture():
    assert shadows(sorted(TESTS.rglob("*.py"))) == []


def test_a_module_that_shadows_a_cast_name_is_caught(tmp_path):
    module = tmp_path / "test_shadow.py"
    module.write_text(
        "import pytest\n\n\nclass TestX:\n    @pytest.fixture\n    def manager(self):\n"
        "        return None\n\n\n@pytest.fixture(name='clinic')\ndef other():\n    return 1\n"
    )
    found = shadows([module])
    assert sorted(line.rsplit(" ", 1)[-1] for line in found) == ["`clinic`", "`manager`"]

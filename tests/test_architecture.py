"""Imports point one way: the layers of the README, checked on every module of the project.

Each app sits in one layer; a module may import its own app, any app in a lower layer, and a
peer in its own layer, never a higher layer (a lower layer learns of a higher one through a
signal sent after commit, or a URL name). No two project modules import each other, directly
or round a loop, counting imports inside functions. No module imports another app's private
(`_underscore`) name. A new top-level package fails the test until it is placed in `LAYERS`
(or in `TOOLING`, for code that is not part of the running application).

The checker is plain functions over a `{module: source}` mapping, so the unit tests below run
it on small synthetic graphs: each rule is shown to fail where it should.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Bottom to top. Add a new app to the layer it belongs to; apps in one layer may import each
# other (without a cycle), never an app of a later layer.
LAYERS: list[tuple[str, ...]] = [
    ("core",),  # plain helpers, no models: the clinic clock, link tokens
    ("outbox",),  # generic e-mail: queue, render, deliver, retry
    ("therapists",),  # therapists, credentials, the one qualification rule
    ("bookings",),  # booking engine, services, reminders, client e-mails, staff admin
    ("waitlist",),  # listens to booking events (slot_freed), holds through occupancy
    # feature apps (accounts: client sign-in; twofactor: the second factor of staff sign-in)
    ("payments", "reports", "charts", "accounts", "twofactor"),
    ("portal",),  # the therapist portal: pages over bookings and the feature apps
    ("ashiatsu_clinic",),  # the project package: settings, URLs, the sweep, periodic jobs
]

# Code that is not part of the running application: it may import anything (cycles and
# private names are still checked where they concern application modules).
TOOLING = ("tests", "bench", "loadtest", "scripts", "manage")

SKIP_DIRS = {".venv", "venv", "node_modules", "static", "templates", "var", ".git", ".ci"}


@dataclass(frozen=True)
class Violation:
    kind: str  # "unknown-app", "upward", "cycle", "private"
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


# --- reading the project -------------------------------------------------------------------


def project_sources(root: Path = ROOT) -> dict[str, str]:
    """Every Python module of the repository, by dotted name."""
    sources: dict[str, str] = {}
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in SKIP_DIRS or part.startswith(".") for part in relative.parts[:-1]):
            continue
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        if not parts:
            continue
        sources[".".join(parts)] = path.read_text(encoding="utf-8")
    return sources


def _is_package(module: str, modules: set[str]) -> bool:
    prefix = module + "."
    return any(other.startswith(prefix) for other in modules)


def _resolve(base: str, level: int, current: str, is_package: bool) -> str:
    """The absolute module named by a (possibly relative) `from` import."""
    if level == 0:
        return base
    package = current.split(".") if is_package else current.split(".")[:-1]
    package = package[: len(package) - (level - 1)] if level > 1 else package
    return ".".join([*package, base] if base else package)


def _deepest_module(name: str, modules: set[str]) -> str | None:
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in modules:
            return candidate
        parts.pop()
    return None


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


@dataclass(frozen=True)
class Import:
    importer: str
    target: str  # a project module
    line: int
    private_name: str | None  # a private name taken from the target, if any


def imports_of(module: str, source: str, modules: set[str]) -> list[Import]:
    """Every import of a project module in `source`, at any depth (functions, classes, `if`).

    `from a import b` counts as importing `a.b` when that is a module, else `a`. Private names
    are noticed in `from a import _x`, in a private module path (`a._impl`), and in attribute
    access on an imported project module (`schedules._lock(...)`).
    """
    tree = ast.parse(source, filename=module)
    found: list[Import] = []
    module_aliases: dict[str, str] = {}
    is_package = _is_package(module, modules)

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                target = _deepest_module(alias.name, modules)
                if target is None:
                    continue
                private = next((p for p in alias.name.split(".") if _is_private(p)), None)
                found.append(Import(module, target, node.lineno, private))
                if alias.asname:
                    module_aliases[alias.asname] = target
                else:
                    module_aliases[alias.name] = target
        elif isinstance(node, ast.ImportFrom):
            base = _resolve(node.module or "", node.level, module, is_package)
            base_module = _deepest_module(base, modules)
            if base_module is None:
                continue
            path_private = next((p for p in base.split(".") if _is_private(p)), None)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                if submodule in modules:
                    private = path_private or (alias.name if _is_private(alias.name) else None)
                    found.append(Import(module, submodule, node.lineno, private))
                    module_aliases[alias.asname or alias.name] = submodule
                else:
                    private = path_private or (alias.name if _is_private(alias.name) else None)
                    found.append(Import(module, base_module, node.lineno, private))

    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _is_private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in module_aliases
        ):
            found.append(Import(module, module_aliases[node.value.id], node.lineno, node.attr))
    return found


# --- the rules ------------------------------------------------------------------------------


def app_of(module: str) -> str:
    return module.split(".", 1)[0]


def layer_index(layers: list[tuple[str, ...]]) -> dict[str, int]:
    return {app: index for index, layer in enumerate(layers) for app in layer}


def check(
    sources: dict[str, str],
    layers: list[tuple[str, ...]] = LAYERS,
    tooling: tuple[str, ...] = TOOLING,
) -> list[Violation]:
    """All violations of the three rules in the given modules."""
    modules = set(sources)
    rank = layer_index(layers)
    violations: list[Violation] = []

    for app in sorted({app_of(m) for m in modules}):
        if app not in rank and app not in tooling:
            violations.append(
                Violation("unknown-app", f"{app!r} is in no layer: add it to LAYERS or TOOLING")
            )

    graph: dict[str, set[str]] = {m: set() for m in modules}
    for module, source in sorted(sources.items()):
        for imp in sorted(
            set(imports_of(module, source, modules)),
            key=lambda i: (i.line, i.target, i.private_name or ""),
        ):
            source_app, target_app = app_of(imp.importer), app_of(imp.target)
            if imp.target != module:
                graph[module].add(imp.target)
            if source_app == target_app or source_app in tooling:
                continue
            where = f"{module}:{imp.line} imports {imp.target}"
            if imp.private_name:
                violations.append(Violation("private", f"{where} (private {imp.private_name!r})"))
            if source_app in rank and target_app in rank and rank[target_app] > rank[source_app]:
                violations.append(
                    Violation("upward", f"{where} ({source_app} is below {target_app})")
                )
            if source_app in rank and target_app in tooling:
                violations.append(Violation("upward", f"{where} (application imports tooling)"))

    for component in strongly_connected(graph):
        cycle = _one_cycle(graph, component)
        loop = " -> ".join([*cycle, cycle[0]])
        violations.append(
            Violation("cycle", f"{loop} (a tangle of {len(component)}: {', '.join(component)})")
            if len(component) > len(cycle)
            else Violation("cycle", loop)
        )
    # An import cycle always makes an app cycle too, unless it stays in one app; report the
    # app-level loops separately so two apps that lean on each other are named.
    app_graph: dict[str, set[str]] = {}
    for module, targets in graph.items():
        for target in targets:
            if app_of(module) != app_of(target):
                app_graph.setdefault(app_of(module), set()).add(app_of(target))
    for cycle in find_cycles(app_graph):
        violations.append(Violation("cycle", "apps " + " -> ".join([*cycle, cycle[0]])))
    return violations


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one node."""
    return [_one_cycle(graph, component) for component in strongly_connected(graph)]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one node, each sorted (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(root: str) -> None:
        nonlocal counter
        # Iterative DFS: the project graph is deep enough to matter for recursion limits.
        work = [(root, iter(sorted(graph.get(root, ()))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _one_cycle(graph: dict[str, set[str]], component: list[str]) -> list[str]:
    """A concrete loop through the component's first node, for a readable failure."""
    members = set(component)
    start = component[0]
    paths = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in sorted(graph.get(node, ())):
            if child == start:
                return paths[node]
            if child in members and child not in paths:
                paths[child] = [*paths[node], child]
                queue.append(child)
    return component


# --- the project obeys ----------------------------------------------------------------------


def test_the_project_imports_point_down_without_cycles_or_private_names():
    violations = check(project_sources())
    assert not violations, "\n".join(map(str, violations))


def test_every_installed_project_app_is_placed_in_a_layer(settings):
    local = {
        app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app.split(".")[0]).is_dir()
    }
    assert local <= set(layer_index(LAYERS)), local - set(layer_index(LAYERS))


# --- the checker fails where it should (synthetic graphs) -----------------------------------

SMALL_LAYERS = [("low",), ("mid", "peer"), ("top",)]


def _kinds(sources: dict[str, str]) -> list[str]:
    return sorted(v.kind for v in check(sources, SMALL_LAYERS, ("tests",)))


def test_checker_accepts_imports_that_point_down_or_sideways():
    sources = {
        "low": "",
        "low.models": "",
        "mid": "",
        "mid.services": "from low.models import Thing\nimport low\n",
        "peer": "",
        "peer.views": "from mid import services\n",
        "top": "",
        "top.urls": "from mid.services import book\nfrom peer.views import page\n",
        "tests.test_x": "from top.urls import x\nfrom mid.services import _helper\n",
    }
    assert _kinds(sources) == []


def test_checker_fails_on_an_upward_import_at_module_level():
    sources = {"low": "", "low.a": "from mid.b import thing\n", "mid": "", "mid.b": ""}
    assert _kinds(sources) == ["upward"]


def test_checker_fails_on_an_upward_import_hidden_inside_a_function():
    sources = {
        "low": "",
        "low.a": "def f():\n    if True:\n        import top.c\n    return top.c\n",
        "top": "",
        "top.c": "",
    }
    assert _kinds(sources) == ["upward"]


def test_checker_fails_on_a_relative_upward_import_resolved_to_its_module():
    sources = {"low": "", "low.a": "from . import b\n", "low.b": "from ..top import c\n"}
    sources |= {"top": "", "top.c": ""}
    assert _kinds(sources) == ["upward"]


def test_checker_fails_on_a_cycle_inside_one_app_through_a_function_import():
    sources = {
        "mid": "",
        "mid.a": "from mid import b\n",
        "mid.b": "def f():\n    from mid.c import x\n",
        "mid.c": "import mid.a\n",
    }
    violations = check(sources, SMALL_LAYERS, ())
    assert [v.kind for v in violations] == ["cycle"]
    assert violations[0].detail == "mid.a -> mid.b -> mid.c -> mid.a"


def test_checker_fails_on_a_cycle_between_peer_apps():
    sources = {"mid": "", "mid.a": "from peer import b\n", "peer": "", "peer.b": "import mid\n"}
    sources["mid"] = ""
    kinds = _kinds(sources)
    assert "cycle" in kinds


def test_checker_fails_on_importing_another_apps_private_name():
    sources = {
        "low": "",
        "low.engine": "def _lock(): ...\n",
        "mid": "",
        "mid.a": "from low.engine import _lock\n",
        "mid.b": "from low import engine\n\ndef f():\n    return engine._lock()\n",
        "mid.c": "from mid.a import _own_private_is_fine\n",
    }
    assert _kinds(sources) == ["private", "private"]


def test_checker_fails_on_an_app_in_no_layer():
    sources = {"newapp": "", "newapp.models": "from low import x\n", "low": ""}
    assert _kinds(sources) == ["unknown-app"]


def test_checker_fails_when_the_application_imports_tooling():
    sources = {
        "low": "",
        "low.a": "from tests.factories import make\n",
        "tests": "",
        "tests.factories": "",
    }
    assert _kinds(sources) == ["upward"]


def test_cycle_finder_reports_each_loop_once():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"d", "a"}, "e": {"f"}, "f": {"e"}}
    assert find_cycles(graph) == [["a", "b", "c"], ["e", "f"]]


@pytest.mark.parametrize(
    ("current", "level", "base", "is_package", "expected"),
    [
        ("app.views", 1, "models", False, "app.models"),
        ("app", 1, "models", True, "app.models"),
        ("app.sub.views", 2, "", False, "app"),
        ("app.views", 0, "other.x", False, "other.x"),
    ],
)
def test_relative_imports_resolve(current, level, base, is_package, expected):
    assert _resolve(base, level, current, is_package) == expected

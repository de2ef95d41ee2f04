"""The outcomes app has no import circle inside it: every import, including those inside
functions, drawn as a graph of its modules, must have no cycle (issue 12: scoring adapters in
scoring.py, reads in selectors.py, the task wrapping the reminder service, not the reverse)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[1]
PACKAGE = "marrowtrack.outcomes"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGE, *parts])


def _modules() -> dict[str, Path]:
    skip = {"tests", "migrations"}
    return {
        _module_name(path): path
        for path in APP.rglob("*.py")
        if not skip & set(path.relative_to(APP).parts)
    }


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {target for target in found if target in known and target != name}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                return stack[stack.index(target) :] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    graph = {name: _imports(name, path, known) for name, path in modules.items()}
    # A package __init__ that only re-exports its own modules is not a dependency of them.
    for name, targets in graph.items():
        graph[name] = {t for t in targets if not (t != PACKAGE and name.startswith(t + "."))}
    return graph


def test_the_outcomes_app_has_no_import_circle():
    assert _cycle(import_graph()) is None, " -> ".join(_cycle(import_graph()) or [])


def test_the_cycle_finder_finds_a_circle_when_there_is_one():
    graph = import_graph()
    graph["marrowtrack.outcomes.scoring"] = {"marrowtrack.outcomes.services.rescore"}
    assert _cycle(graph) is not None


def test_reminders_do_not_import_the_task_and_services_do_not_import_each_other_back():
    graph = import_graph()
    assert "marrowtrack.outcomes.tasks" not in graph["marrowtrack.outcomes.services.reminders"]
    assert "marrowtrack.outcomes.services.reminders" in graph["marrowtrack.outcomes.tasks"]
    responses = graph["marrowtrack.outcomes.services.responses"]
    assert not {t for t in responses if t.startswith("marrowtrack.outcomes.services.")}

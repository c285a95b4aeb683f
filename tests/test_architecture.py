"""The shape of the code base: no import cycles, and the apps stacked in one direction.

Read from the source with `ast` (nothing is imported), counting imports inside
functions too: a lazy import that only exists to break a loop is still a loop.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("crm", "contacts", "reminders", "digests", "insights", "goals", "messaging", "sources")
# Pure rules: dates and strings in, dates and strings out (STYLE.md, "Where code lives").
PURE_RULES = (
    "reminders/rules.py",
    "reminders/ranking.py",
    "reminders/warmth.py",
    "digests/rules.py",
    "goals/rules.py",
    "insights/rules.py",
    "messaging/rules.py",
    "sources/mailrules.py",
)


def _modules() -> dict[str, Path]:
    found = {}
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT)
            if "tests" in relative.parts or "migrations" in relative.parts:
                continue
            name = ".".join(relative.with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules `name` imports, anywhere in the file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        targets.update(c for c in candidates if c in known and c != name)
    return targets


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path [a, b, …, a], or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_graph_reads_the_real_imports():
    graph = _graph()
    assert "reminders.models" in graph["reminders.services"]
    assert "reminders.services" in graph["contacts.services"]


def test_cycle_finder_finds_a_loop():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_imports_itself_back():
    cycle = _cycle(_graph())
    assert cycle is None, (
        f"import cycle: {' -> '.join(cycle)}. Move the shared piece down a layer "
        "(models < rules < services/selectors < views/tasks/commands) instead of a lazy import."
    )


def test_digests_sit_on_top_of_the_reminder_engine():
    graph = _graph()
    below = [name for name in graph if name.split(".")[0] in ("contacts", "reminders")]
    offenders = sorted(
        f"{name} -> {target}" for name in below for target in graph[name] if target.startswith("digests")
    )
    assert not offenders, f"contacts/ and reminders/ must not import digests/: {offenders}"


def test_rules_modules_stay_pure():
    for relative in PURE_RULES:
        path = ROOT / relative
        if not path.exists():
            continue
        text = path.read_text(encoding="utf-8")
        for forbidden in ("django.db", ".models", "timezone.now", "date.today", "django.conf"):
            assert forbidden not in text, f"{relative} is a pure rules module but mentions {forbidden!r}"

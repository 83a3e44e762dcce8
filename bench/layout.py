"""The code's shape, measured (docs/performance.md, "Measures of the code"):

    python -m bench.layout            # the figures, and what each one lists
    python -m bench.layout --json     # one JSON object

Counted over the project's modules: every Python file of the apps (each top-level package with an
`__init__.py`, `tests` excepted) and of `bench`, migrations excepted.

- **long modules**: those over LONG_MODULE lines (every line, blank and comment lines included);
- **lines with `Any`**: lines whose code names `Any` as a word (`typing.Any` in annotations and
  casts; the word in a comment or a string is not counted);
- **import cycles**: the strongly connected components of more than one module in the graph of
  project imports, each `import x` or `from x import y` at any depth (module level or inside a
  function, since either closes a cycle when it runs), those under `if TYPE_CHECKING:` excepted;
  `from package import name` is an edge to `package.name` when that is a module, else to
  `package`;
- **modules missing from CONTRIBUTING.md**: those its "Where code goes" map does not name. A
  module is named by its path (`requests_app/queues.py`), its dotted name (`requests_app.queues`),
  a folder holding it (`requests_app/iso18626/`, or `management/commands/` for that folder of
  every app), or, for the file names every app may have at its top (`models.py services.py
  ...`), its file name alone in that map. A package is named when one of its modules is.
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

LONG_MODULE = 400
_NOT_APPS = frozenset({"tests"})
_MAP_HEADING = "## Where code goes"
_CODE_SPAN = re.compile(r"`([^`]+)`")


def project_packages(root: Path) -> list[str]:
    """The top-level packages of the project: the apps and `bench`, not the tests."""
    return sorted(
        path.parent.name
        for path in root.glob("*/__init__.py")
        if path.parent.name not in _NOT_APPS and not path.parent.name.startswith(".")
    )


def project_modules(root: Path) -> dict[str, Path]:
    """Dotted name -> file, for every non-migration module of the project's packages."""
    found = {}
    for package in project_packages(root):
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            if "migrations" in relative.parts or not _in_packages(root, relative):
                continue
            parts = list(relative.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


def _in_packages(root: Path, relative: Path) -> bool:
    """Every folder on the way is a package (a stray script folder is no module)."""
    folder = root
    for part in relative.parts[:-1]:
        folder = folder / part
        if not (folder / "__init__.py").exists():
            return False
    return True


@dataclass
class Layout:
    modules: int = 0
    lines: int = 0
    long_modules: dict[str, int] = field(default_factory=dict)
    any_lines: int = 0
    any_lines_by_module: dict[str, int] = field(default_factory=dict)
    import_cycles: list[list[str]] = field(default_factory=list)
    missing_from_contributing: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "modules": self.modules,
            "modules_over_400_lines": len(self.long_modules),
            "lines_with_any": self.any_lines,
            "import_cycles": len(self.import_cycles),
            "modules_missing_from_contributing": len(self.missing_from_contributing),
        }


def measure(root: Path) -> Layout:
    modules = project_modules(root)
    layout = Layout(modules=len(modules))
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        source = path.read_text(encoding="utf-8")
        count = len(source.splitlines())
        layout.lines += count
        if count > LONG_MODULE:
            layout.long_modules[name] = count
        with_any = lines_naming_any(source)
        if with_any:
            layout.any_lines_by_module[name] = with_any
            layout.any_lines += with_any
        graph[name] = imported_modules(name, path, source, modules)
    layout.import_cycles = cycles(graph)
    layout.missing_from_contributing = missing_from_map(root, modules)
    return layout


def lines_naming_any(source: str) -> int:
    """Lines whose code (not a comment, not a string) has the name `Any`."""
    lines = set()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type == tokenize.NAME and token.string == "Any":
            lines.add(token.start[0])
    return len(lines)


def imported_modules(name: str, path: Path, source: str, modules: dict[str, Path]) -> set[str]:
    """The project modules this module imports, at any depth outside `if TYPE_CHECKING:`."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _runtime_nodes(ast.parse(source)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            targets = [f"{base}.{alias.name}" if base else alias.name for alias in node.names]
            targets = [target if target in modules else base for target in targets]
        else:
            continue
        for target in targets:
            module = _known(target, modules)
            if module and module != name:
                found.add(module)
    return found


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            yield from (item for child in node.orelse for item in _walk(child))
            continue
        yield node
        yield from _runtime_nodes(node)


def _walk(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    yield from _runtime_nodes(node)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".") if package else []
    base = parts[: len(parts) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def _known(target: str, modules: dict[str, Path]) -> str | None:
    """The project module `target` is or lies in (`a.b.c` -> `a.b` when c is a name in it)."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm,
    iterative), each sorted, sorted by their first module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return sorted(found)


def contributing_map(root: Path) -> str:
    """The "Where code goes" section of CONTRIBUTING.md (empty when there is none)."""
    path = root / "CONTRIBUTING.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    _, heading, rest = text.partition(_MAP_HEADING)
    if not heading:
        return ""
    return re.split(r"^## ", rest, maxsplit=1, flags=re.MULTILINE)[0]


def missing_from_map(root: Path, modules: dict[str, Path]) -> list[str]:
    text = contributing_map(root)
    words = {word for span in _CODE_SPAN.findall(text) for word in span.split()}
    named = {name for name, path in modules.items() if _named(path.relative_to(root), name, words)}
    # A package is named with any of its modules (its __init__ is no place code goes).
    packages = {name for name, path in modules.items() if path.name == "__init__.py"}
    named |= {package for package in packages if any(n.startswith(f"{package}.") for n in named)}
    return sorted(set(modules) - named)


def _named(relative: Path, name: str, words: set[str]) -> bool:
    path = relative.as_posix()
    if path in words or name in words:
        return True
    if relative.name in words and len(relative.parts) == 2:  # an app's usual file: `models.py`
        return True
    # A folder, whole (`requests_app/iso18626/`) or as every app may have it (`templatetags/`).
    folders = {f"{folder.as_posix()}/" for folder in relative.parents if folder.parts}
    return any(
        folder == word or folder.endswith(f"/{word}") for word in words for folder in folders
    )


def report(layout: Layout) -> Iterable[str]:
    summary = layout.summary()
    yield f"modules counted: {summary['modules']} ({layout.lines:,} lines)"
    yield f"modules over {LONG_MODULE} lines: {summary['modules_over_400_lines']}"
    for name, count in sorted(layout.long_modules.items(), key=lambda item: -item[1]):
        yield f"  {count:>6}  {name}"
    yield f"lines with Any: {summary['lines_with_any']}"
    for name, count in sorted(layout.any_lines_by_module.items(), key=lambda item: -item[1]):
        yield f"  {count:>6}  {name}"
    yield f"import cycles: {summary['import_cycles']}"
    for component in layout.import_cycles:
        yield "  " + " <-> ".join(component)
    missing = layout.missing_from_contributing
    yield f"modules missing from CONTRIBUTING.md's map: {len(missing)}"
    for name in missing:
        yield f"  {name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent)
    options = parser.parse_args(argv)
    layout = measure(options.root)
    if options.json:
        print(json.dumps({**layout.summary(), "details": asdict(layout)}))
    else:
        print("\n".join(report(layout)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

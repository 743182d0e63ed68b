"""The shape of the code: the language package loads no ML stack and not the trainer, the
project's modules import each other without a circle, and no source file is over 500 lines.
Each test walks the tree, so a module or top-level package added later is held too."""
import ast
import json
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
LANGUAGE = "caef_dsl"
NOT_IN_THE_LANGUAGE = ("trainer", "torch", "transformers", "peft")
MOST_LINES = 500


def project_modules() -> dict[str, Path]:
    """Module name -> source file, for every package at the top of the repository (a folder with
    an `__init__.py`; tests/ has none) and every module beside them."""
    modules = {path.stem: path for path in REPO.glob("*.py")}
    for init in REPO.glob("*/__init__.py"):
        for path in init.parent.rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def source_files() -> list[Path]:
    return sorted(set(project_modules().values()) | set((REPO / "benchmarks").rglob("*.py")))


def test_the_language_imports_neither_the_trainer_nor_the_ml_stack():
    names = sorted(name for name in project_modules() if (name == LANGUAGE or name.startswith(LANGUAGE + "."))
                   and not name.endswith(".__main__"))  # importing a __main__ would run it
    # A fresh interpreter imports every module of the package in turn and says which module
    # first brought in each forbidden one.
    code = f"""
import importlib, json, sys
forbidden = {NOT_IN_THE_LANGUAGE!r}
def loaded():
    return {{m for m in sys.modules if m.split(".")[0] in forbidden}}
brought = {{}}
for name in json.loads(sys.argv[1]):
    before = loaded()
    importlib.import_module(name)
    for m in sorted(loaded() - before):
        brought.setdefault(m.split(".")[0], name)
print(json.dumps({{"file": sys.modules[{LANGUAGE!r}].__file__, "brought": brought}}))
"""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code, json.dumps(names)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.splitlines()[-1])
    assert Path(report["file"]).is_relative_to(REPO / LANGUAGE)  # this tree's package, not an installed one
    assert len(names) > 1  # the walk found the package's modules
    assert report["brought"] == {}, "\n".join(f"{LANGUAGE} must not import {m}: {name} brings it in"
                                              for m, name in sorted(report["brought"].items()))


def imports(modules: dict[str, Path]) -> dict[str, list[tuple[str, str]]]:
    """Module -> (project module it imports, where) for every import statement of its file,
    at module level, inside a function or under `if TYPE_CHECKING:`, relative ones resolved. `from p import x` imports
    the module p.x where there is one, else p; importing p.x also runs p's `__init__`, which
    is not counted (a package that re-exports its modules would otherwise always be a circle)."""
    def deepest(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    edges = defaultdict(list)
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                targets = [deepest(alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package
                    for _ in range(node.level - 1):
                        anchor = anchor.rpartition(".")[0]
                    base = f"{anchor}.{base}" if base else anchor
                targets = [deepest(f"{base}.{alias.name}") if f"{base}.{alias.name}" in modules else deepest(base)
                           for alias in node.names]
            else:
                continue
            where = f"{path.relative_to(REPO)}:{node.lineno}"
            edges[module] += [(target, where) for target in dict.fromkeys(targets) if target and target != module]
    return edges


def circles(edges: dict[str, list[tuple[str, str]]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target, _ in edges.get(node, []):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return sorted(found)


def test_no_import_circle_among_the_project_modules():
    edges = imports(project_modules())
    found = circles(edges)
    lines = []
    for component in found:
        lines.append("import circle among " + ", ".join(component) + ":")
        lines += [f"    {where}: {module} imports {target}"
                  for module in component for target, where in edges[module] if target in component]
    assert not found, "\n".join(lines)


def test_no_source_file_is_over_500_lines():
    over = [(path.relative_to(REPO), lines) for path in source_files()
            if (lines := len(path.read_text(encoding="utf-8").splitlines())) > MOST_LINES]
    assert not over, "\n".join(f"{path}: {lines} lines (at most {MOST_LINES})" for path, lines in over)

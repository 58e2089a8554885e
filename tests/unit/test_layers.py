"""The layering of the package, checked from its source: the one declaration of the layers is `LAYERS`, below.

The import graph counts every import of a package module: top-level, inside functions and under `if TYPE_CHECKING:`
alike. The checks:

- no import cycle;
- no import from a lower layer to a higher one (a module may import its own layer and the layers below);
- every module is declared at one layer, and `docs/design.md`'s layer table names the same modules at the same layers;
- dynamic imports (`importlib.import_module`, `__import__`) only in the root's lazy table and in `_moved`;
- no module over 600 lines, no class over 500 lines.

The checker proves itself on a small package written to a temporary directory, which has a function-level cycle, a
`TYPE_CHECKING` cycle, an import from a lower layer to a higher one, and a dynamic import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = ROOT / "requests_oauth2client"
DESIGN_DOC = ROOT / "docs" / "design.md"

# The layers of the package, lowest first: the one place where they are declared. Names are relative to the package
# root ("" is the root itself); `name.*` stands for a package and all its modules. A module may import modules of
# its own layer and of lower layers only. docs/design.md's table must name the same modules at the same layers.
LAYERS: Mapping[int, tuple[str, ...]] = {
    0: (
        "__version__",
        "enums",
        "exceptions",
        "utils",
        "discovery",
        "www_authenticate",
        "_moved",
        "_errors.*",
        "_protocol.expires_in",
        "_jose.encoding",
        "_http.origins",
        "_http.resend",
        "_http.dpop_headers",
        "_http.yarl",
        "_http.tls",
        "_http.form",
        "_http.api_paths",
    ),
    1: (
        "_jose.checks",
        "_jose.claims",
        "_jose.jws",
        "_jose.id_token_signature",
        "_jose.id_token_claims",
        "_jose.dpop_validation",
        "_jose.jwt_responses",
        "_jose.settings",
        "id_token",
        "tokens",
        "client_authentication",
        "pkce",
        "jarm",
        "_protocol.token_response",
        "_protocol.token_types",
        "_protocol.metadata",
        "_protocol.pending",
        "_protocol.replay_cache",
        "protected_resource",
        "_protocol.registration",
        "mtls",
    ),
    2: (
        "dpop",
        "_protocol.authorization_response",
        "_protocol.authorization_urls",
        "authorization_request",
        "_protocol.end_session",
        "logout",
        "serializers",
        "step_up",
    ),
    3: ("_http.transport", "loopback"),
    4: ("_client.*", "client"),
    5: (
        "polling",
        "device_authorization",
        "backchannel_authentication",
        "auth",
        "_auth.*",
        "api_client",
        "deprecated",
        "pooling",
        "token_store",
        "_stores.*",
        "registration",
        "fapi",
    ),
    6: ("vendor_specific.*", "flask.*", "api_login"),
    7: ("",),
    8: ("_cli.*", "__main__"),
}

DYNAMIC_IMPORTS_ALLOWED = frozenset({"", "_moved"})
"""The modules allowed to import dynamically: the root's lazy table and the table of the 1.7 module paths."""

MAX_MODULE_LINES = 600
MAX_CLASS_LINES = 500


# ------------------------------------------------------------------------------------------------------ the checker


def package_modules(package_dir: Path) -> dict[str, Path]:
    """Map each module of a package to its file; names are relative to the package ("" is its `__init__`)."""
    modules = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _resolve(name: str, modules: Mapping[str, Path]) -> str:
    """The module that an import of `name` (relative to the package root) loads: itself, or its closest parent."""
    while name not in modules:
        name = name.rpartition(".")[0]
    return name


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Every import between the modules of a package, wherever it is written (functions, `TYPE_CHECKING` blocks)."""
    package = package_dir.name
    modules = package_modules(package_dir)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        here = name.split(".") if name else []
        if path.name != "__init__.py":
            here = here[:-1]
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    head, _, rest = alias.name.partition(".")
                    if head == package:
                        targets.add(_resolve(rest, modules))
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = here[: len(here) - node.level + 1]
                    target = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    head, _, target = (node.module or "").partition(".")
                    if head != package:
                        continue
                for alias in node.names:
                    submodule = f"{target}.{alias.name}" if target else alias.name
                    targets.add(submodule if submodule in modules else _resolve(target, modules))
        targets.discard(name)
        graph[name] = targets
    return graph


def find_cycles(graph: Mapping[str, Iterable[str]]) -> list[list[str]]:
    """The import cycles of a graph: its strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
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
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def _matches(pattern: str, module: str) -> bool:
    if pattern.endswith(".*"):
        package = pattern[:-2]
        return module == package or module.startswith(package + ".")
    return module == pattern


def layer_of(modules: Iterable[str], layers: Mapping[int, Iterable[str]]) -> dict[str, int]:
    """The layer of each module: an exact name wins over a `package.*` pattern. Undeclared modules are left out."""
    result: dict[str, int] = {}
    for module in modules:
        exact = [layer for layer, names in layers.items() if module in names]
        wildcard = [layer for layer, names in layers.items() for name in names if _matches(name, module)]
        if exact or wildcard:
            result[module] = (exact or wildcard)[0]
    return result


def upward_imports(graph: Mapping[str, Iterable[str]], layers: Mapping[str, int]) -> list[str]:
    """The imports from a lower layer to a higher one, as `module (layer) -> target (layer)`."""
    return [
        f"{module or '(root)'} ({layers[module]}) -> {target or '(root)'} ({layers[target]})"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if module in layers and target in layers and layers[target] > layers[module]
    ]


def dynamic_imports(package_dir: Path) -> dict[str, int]:
    """The modules that call `importlib.import_module` or `__import__`, with the number of calls."""
    found: dict[str, int] = {}
    for name, path in package_modules(package_dir).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
                if called in ("import_module", "__import__"):
                    found[name] = found.get(name, 0) + 1
    return found


def oversized(package_dir: Path, max_module: int, max_class: int) -> list[str]:
    """The modules over `max_module` lines and the classes over `max_class` lines."""
    problems = []
    for name, path in package_modules(package_dir).items():
        text = path.read_text(encoding="utf-8")
        lines = len(text.splitlines())
        if lines > max_module:
            problems.append(f"module {name or '(root)'}: {lines} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef) and node.end_lineno is not None:
                size = node.end_lineno - (node.decorator_list[0].lineno if node.decorator_list else node.lineno) + 1
                if size > max_class:
                    problems.append(f"class {name}.{node.name}: {size} lines")
    return problems


def design_doc_layers(text: str) -> dict[int, set[str]]:
    """The modules that the layer table of docs/design.md names at each layer (backquoted, in its second column)."""
    section = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers: dict[int, set[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].isdigit():
            names = re.findall(r"`([\w.*]+|\(root\))`", cells[1])
            layers.setdefault(int(cells[0]), set()).update("" if name == "(root)" else name for name in names)
    return layers


def expand(layers: Mapping[int, Iterable[str]], modules: Iterable[str]) -> dict[int, set[str]]:
    """The modules at each layer, with the patterns expanded."""
    assigned = layer_of(modules, layers)
    result: dict[int, set[str]] = {layer: set() for layer in layers}
    for module, layer in assigned.items():
        result[layer].add(module)
    return result


# -------------------------------------------------------------------------------------------- the package itself


def test_no_import_cycle() -> None:
    assert find_cycles(import_graph(PACKAGE_DIR)) == []


def is_namespace_only(path: Path) -> bool:
    """Tell whether a module is a package `__init__` holding nothing but its docstring (it needs no layer)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return path.name == "__init__.py" and all(isinstance(node, ast.Expr) for node in body)


def test_every_module_has_a_layer() -> None:
    modules = {name: path for name, path in package_modules(PACKAGE_DIR).items() if not is_namespace_only(path)}
    undeclared = sorted(set(modules) - set(layer_of(modules, LAYERS)))
    assert undeclared == [], "declare these modules in LAYERS (tests/unit/test_layers.py) and docs/design.md"


def test_every_declared_name_is_a_module() -> None:
    modules = package_modules(PACKAGE_DIR)
    stale = [name for names in LAYERS.values() for name in names if not any(_matches(name, m) for m in modules)]
    assert stale == []


def test_no_import_from_a_lower_layer_to_a_higher_one() -> None:
    graph = import_graph(PACKAGE_DIR)
    assert upward_imports(graph, layer_of(graph, LAYERS)) == []


def test_the_design_doc_names_the_same_layers() -> None:
    modules = package_modules(PACKAGE_DIR)
    documented = expand(design_doc_layers(DESIGN_DOC.read_text(encoding="utf-8")), modules)
    declared = expand(LAYERS, modules)
    differences = {
        layer: {
            "declared, not in design.md": sorted(declared.get(layer, set()) - documented.get(layer, set())),
            "in design.md, not declared": sorted(documented.get(layer, set()) - declared.get(layer, set())),
        }
        for layer in sorted(set(declared) | set(documented))
        if declared.get(layer, set()) != documented.get(layer, set())
    }
    assert differences == {}


def test_dynamic_imports_only_in_the_two_lazy_tables() -> None:
    assert set(dynamic_imports(PACKAGE_DIR)) <= DYNAMIC_IMPORTS_ALLOWED


def test_module_and_class_sizes() -> None:
    assert oversized(PACKAGE_DIR, MAX_MODULE_LINES, MAX_CLASS_LINES) == []


# ----------------------------------------------------------------------------------- the checker, on a fake package


@pytest.fixture
def fake_package(tmp_path: Path) -> Path:
    package = tmp_path / "fakepkg"
    (package / "sub").mkdir(parents=True)
    files = {
        "__init__.py": '"""Root."""\nimport importlib\n\nMOD = importlib.import_module(".low", __name__)\n',
        "low.py": '"""Layer 0: imports a higher module inside a function."""\n\n\ndef f():\n    from . import high\n',
        "high.py": '"""Layer 1: imports low, closing a function-level cycle."""\nfrom fakepkg import low\n',
        "sub/__init__.py": '"""A subpackage."""\n',
        "sub/a.py": (
            '"""Layer 1."""\nfrom typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from fakepkg.sub.b import B\n'
        ),
        "sub/b.py": '"""Layer 1."""\nfrom .a import *\n\n\nclass B:\n' + "    x = 1\n" * 12,
        "big.py": '"""Too long."""\n' + "x = 1\n" * 30,
    }
    for name, text in files.items():
        (package / name).write_text(text, encoding="utf-8")
    return package


FAKE_LAYERS = {0: ("low", "big"), 1: ("high", "sub.*"), 2: ("",)}


def test_the_checker_reports_function_level_and_type_checking_cycles(fake_package: Path) -> None:
    graph = import_graph(fake_package)
    assert graph["low"] == {"high"}  # inside a function
    assert graph["sub.a"] == {"sub.b"}  # under TYPE_CHECKING
    assert graph["sub.b"] == {"sub.a"}  # relative
    assert find_cycles(graph) == [["high", "low"], ["sub.a", "sub.b"]]


def test_the_checker_reports_an_import_from_a_lower_layer_to_a_higher_one(fake_package: Path) -> None:
    graph = import_graph(fake_package)
    assert upward_imports(graph, layer_of(graph, FAKE_LAYERS)) == ["low (0) -> high (1)"]


def test_the_checker_finds_dynamic_imports_and_sizes(fake_package: Path) -> None:
    assert dynamic_imports(fake_package) == {"": 1}
    assert oversized(fake_package, 20, 10) == ["module big: 31 lines", "class sub.b.B: 13 lines"]


def test_the_checker_reads_the_layer_table_of_a_design_doc() -> None:
    text = (
        "# Design\n\n## Layers\n\n| layer | modules | what |\n|---|---|---|\n"
        "| 0 | `low`, `big` | leaves |\n| 1 | `high`, `sub.*` | more |\n| 2 | `(root)` | the root |\n\n## Next\n"
        "| 3 | `ignored` | another section |\n"
    )
    assert design_doc_layers(text) == {0: {"low", "big"}, 1: {"high", "sub.*"}, 2: {""}}

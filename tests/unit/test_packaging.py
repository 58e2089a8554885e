"""Packaging facts that users rely on: the runtime dependencies, the typing marker, one version source."""

from __future__ import annotations

import re
import sys
from importlib import metadata
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import requests_oauth2client
from requests_oauth2client.__version__ import __version__

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_runtime_dependencies_are_exactly_the_five() -> None:
    names = {re.split(r"[<>=!~ \[]", dep, maxsplit=1)[0].lower() for dep in PYPROJECT["project"]["dependencies"]}
    assert names == {"requests", "jwskate", "attrs", "binapy", "furl"}


def test_one_version_source() -> None:
    assert "version" in PYPROJECT["project"]["dynamic"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "requests_oauth2client.__version__.__version__"
    }
    assert requests_oauth2client.__version__ == __version__
    assert metadata.version("requests_oauth2client") == __version__


def test_typed_package_and_metadata() -> None:
    assert (ROOT / "requests_oauth2client" / "py.typed").exists()
    project = PYPROJECT["project"]
    assert project["requires-python"] == ">=3.10"
    assert project["license"] == "Apache-2.0"
    assert "Typing :: Typed" in project["classifiers"]
    assert set(project["optional-dependencies"]) >= {"flask", "yarl", "tests", "docs"}
    assert any(dep.startswith("yarl") for dep in project["optional-dependencies"]["tests"])
    assert project["urls"]


def test_every_root_name_is_importable() -> None:
    import requests

    names = requests_oauth2client.__all__
    assert len(set(names)) == len(names)
    for name in names:
        assert getattr(requests_oauth2client, name) is not None, name
    assert requests_oauth2client.requests is requests
    assert {"OAuth2Client", "BearerToken", "ApiClient", "DPoPKey", "TokenSerializer", "SignatureAlgs"} <= set(names)
    assert {"DeviceAuthorizationPoolingJob", "BearerTokenSerializer"} <= set(names)  # 1.7 names, deprecated


def test_the_root_has_one_export_list() -> None:
    """`_LAZY_NAMES` is the one list of root names: `__all__` derives from it, `TYPE_CHECKING` declares the same."""
    import ast
    import importlib
    from importlib.util import resolve_name

    from requests_oauth2client import _LAZY_NAMES

    tree = ast.parse(Path(requests_oauth2client.__file__).read_text(encoding="utf-8"))
    declared: dict[str, str] = {}
    (block,) = [node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"]
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom)
        for alias in statement.names:
            assert alias.asname == alias.name, f"{alias.name}: an explicit re-export (`X as X`)"
            declared[alias.name] = statement.module or ""
    lazy = {name: resolve_name(module, "requests_oauth2client") for name, module in _LAZY_NAMES.items()}
    assert declared == lazy
    assert requests_oauth2client.__all__ == ["__version__", "requests", *_LAZY_NAMES]
    for name, module in lazy.items():
        assert getattr(requests_oauth2client, name) is getattr(importlib.import_module(module), name)
    # the module `__getattr__` is hidden from type checkers: they report unknown names
    assert all(not isinstance(node, ast.FunctionDef) or node.name != "__getattr__" for node in tree.body)


def test_bare_import_does_not_load_the_jose_code() -> None:
    import subprocess
    import sys

    code = "import sys, requests_oauth2client; print('jwskate' in sys.modules, 'cryptography' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]

"""docs/installation.md tells the truth about what installing the package brings in.

The runtime dependencies are read from pyproject.toml and followed through the installed distributions'
metadata (markers evaluated for this interpreter), so the page is checked against what pip really installs.
"""

from __future__ import annotations

import re
import sys
from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.docs.test_doc_examples import REPO_ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PAGE = (REPO_ROOT / "docs" / "installation.md").read_text(encoding="utf-8")
DIRECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]


def runtime_distributions() -> set[str]:
    """The canonical names of every distribution installed for the runtime dependencies, direct or not."""
    seen: set[str] = set()
    pending = [Requirement(requirement) for requirement in DIRECT]
    while pending:
        requirement = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in seen or (requirement.marker is not None and not requirement.marker.evaluate({"extra": ""})):
            continue
        seen.add(name)
        pending.extend(Requirement(sub) for sub in metadata.requires(name) or [])
    return seen


def is_compiled(name: str) -> bool:
    files = metadata.distribution(name).files or []
    return any(str(file).endswith((".so", ".pyd")) for file in files)


def names_in(text: str) -> set[str]:
    """The canonical names of the backquoted words of a text."""
    return {canonicalize_name(word) for word in re.findall(r"`([A-Za-z0-9_.-]+)`", text)}


def test_the_dependency_closure_is_what_we_think() -> None:
    closure = runtime_distributions()
    assert {"requests", "jwskate", "attrs", "binapy", "furl", "cryptography", "urllib3"} <= closure


def test_every_installed_runtime_dependency_is_named() -> None:
    missing = runtime_distributions() - names_in(PAGE)
    assert not missing, f"docs/installation.md does not name {sorted(missing)}"


def test_compiled_dependencies_are_said_to_be_compiled() -> None:
    sentences = re.split(r"(?<=[.:])\s", " ".join(PAGE.split()))
    blanket = [s for s in sentences if "pure python" in s.lower() and not re.search("except|fallback", s)]
    assert not blanket, f"a blanket 'pure Python' claim: {blanket}"
    paragraphs = [paragraph for paragraph in PAGE.split("\n\n") if "compiled" in paragraph]
    said_compiled = set().union(*(names_in(paragraph) for paragraph in paragraphs))
    compiled = {name for name in runtime_distributions() if is_compiled(name)}
    assert "cryptography" in compiled
    assert compiled <= said_compiled, f"compiled but not said so: {sorted(compiled - said_compiled)}"

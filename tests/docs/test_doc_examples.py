"""Run the code examples of README.md and docs/**/*.md against the fake Authorization Server.

Convention for documentation authors:

- every fenced block whose info string starts with `python` (or `py`) is executed;
- the blocks of one page run in order and share one namespace, so a page reads as one program;
- a block whose first line is `# notest` is shown but not run (keep that for the rare example that cannot
  run here, e.g. one that needs a real web server), nor type-checked;
- every block that runs is also type-checked with `mypy --strict` (`test_doc_types.py`), unless its first line is
  `# notypecheck`;
- examples talk to `https://as.example.com/...` (the fake AS), `https://api.example.com/...` (the fake orders
  API), the fake providers of docs/usage/providers.md (Keycloak, Okta, Entra ID, Google, Cognito, Auth0, serving
  copies of their real metadata) and `https://unreachable.example.com/` (a host that cannot be reached); any other
  URL fails the test (see tests/docs/conftest.py for what each of them answers).
"""

from __future__ import annotations

import re
import textwrap
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.docs.fake_as import FakeAuthorizationServer

REPO_ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")


@dataclass(frozen=True)
class CodeBlock:
    """One fenced python block of a documentation page."""

    path: Path
    line: int  # line number of the first code line (1-based)
    code: str

    @property
    def skipped(self) -> bool:
        return self.code.lstrip().startswith("# notest")


def extract_python_blocks(path: Path) -> list[CodeBlock]:
    """Return the fenced python blocks of a Markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[CodeBlock] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening.group("fence"), opening.group("indent")
        language = opening.group("info").strip().split(" ")[0].lower() if opening.group("info").strip() else ""
        start = index + 1
        end = start
        while end < len(lines):
            closing = FENCE.match(lines[end])
            if closing and closing.group("fence").startswith(fence[0] * len(fence)) and not closing.group("info"):
                break
            end += 1
        if language.lstrip("{.").rstrip("}") in ("python", "py"):
            body = [line[len(indent) :] if line.startswith(indent) else line for line in lines[start:end]]
            blocks.append(CodeBlock(path, start + 1, textwrap.dedent("\n".join(body)) + "\n"))
        index = end + 1
    return blocks


def documentation_pages() -> list[Path]:
    """README.md and every Markdown page under docs/."""
    pages = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").rglob("*.md"))]
    return [page for page in pages if page.is_file()]


PAGES = [page for page in documentation_pages() if extract_python_blocks(page)]


def test_the_documentation_has_examples() -> None:
    """Guard against a silent extraction failure: the docs do have runnable examples."""
    runnable = [block for page in PAGES for block in extract_python_blocks(page) if not block.skipped]
    assert len(runnable) >= 20


def test_extraction_keeps_order_and_skips_notest(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n```python\na = 1\n```\n\ntext\n\n```bash\nls\n```\n\n"
        "    ```python\n    b = a + 1\n    ```\n\n```python\n# notest\nc = 3\n```\n"
    )
    blocks = extract_python_blocks(page)
    assert [block.code for block in blocks] == ["a = 1\n", "b = a + 1\n", "# notest\nc = 3\n"]
    assert [block.line for block in blocks] == [4, 14, 18]
    assert [block.skipped for block in blocks] == [False, False, True]


@pytest.mark.parametrize("page", PAGES, ids=[str(page.relative_to(REPO_ROOT)) for page in PAGES])
@pytest.mark.usefixtures("providers", "unreachable_host")
def test_page_examples(page: Path, fake_as: FakeAuthorizationServer) -> None:
    """Run every python block of a page, in order, in one namespace, against the fake AS."""
    namespace: dict[str, object] = {"__name__": "__doc_example__"}
    for block in extract_python_blocks(page):
        if block.skipped:
            continue
        filename = f"{page.relative_to(REPO_ROOT)}:{block.line}"
        try:
            # padding keeps the line numbers of tracebacks equal to the page's
            code = "\n" * (block.line - 1) + block.code
            exec(compile(code, str(page.relative_to(REPO_ROOT)), "exec"), namespace)  # noqa: S102 - running our own docs
        except Exception as exc:
            details = "".join(traceback.format_exception(exc)[-6:])
            pytest.fail(f"example at {filename} failed:\n{block.code}\n{details}", pytrace=False)

"""Type-check the code examples of README.md and docs/**/*.md with `mypy --strict`.

What the documentation shows is what users copy: it must type-check as it runs. The conventions are those of
`test_doc_examples.py` (the python blocks of a page form one program, in order), plus one marker:

- a block whose first line is `# notest` is neither run nor type-checked (it needs what is not on the page: a web
  framework's objects, a window, a session store...);
- a block whose first line is `# notypecheck` runs but is left out of the type check (keep that for an example
  that shows what a type checker would rightly refuse, such as a mistake and the error it raises).

Each page becomes one module, its blocks at the lines they have on the page (so that mypy's errors give the line of
the page), and mypy runs once over all of them (with the project's configuration, `strict = true`).
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.test_doc_examples import PAGES, REPO_ROOT, CodeBlock, extract_python_blocks

NOTYPECHECK = "# notypecheck"


def type_checked(block: CodeBlock) -> bool:
    """Whether a block is type-checked: it is run (no `# notest`) and carries no `# notypecheck` marker."""
    return not block.skipped and not block.code.lstrip().startswith(NOTYPECHECK)


def page_module(page: Path, directory: Path) -> tuple[Path, int]:
    """Write the type-checked blocks of a page as one module, each block at its line of the page.

    Returns:
        the module file, and how many blocks it holds.
    """
    lines: list[str] = []
    count = 0
    for block in extract_python_blocks(page):
        if not type_checked(block):
            continue
        lines.extend([""] * (block.line - 1 - len(lines)))
        lines.extend(block.code.rstrip("\n").split("\n"))
        count += 1
    name = "doc_" + re.sub(r"\W", "_", str(page.relative_to(REPO_ROOT) if page.is_relative_to(REPO_ROOT) else page))
    module = directory / f"{name}.py"
    module.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return module, count


def test_every_documentation_example_type_checks(tmp_path: Path) -> None:
    from mypy import api

    modules: dict[Path, Path] = {}
    checked = 0
    for page in PAGES:
        module, count = page_module(page, tmp_path)
        if count:
            modules[module] = page
            checked += count
    blocks = [block for page in PAGES for block in extract_python_blocks(page)]
    left_out = [block for block in blocks if not type_checked(block)]
    # every block is checked, but those an explicit marker leaves out
    assert checked == len(blocks) - len(left_out)
    assert checked >= 100
    assert all(block.code.lstrip().startswith(("# notest", NOTYPECHECK)) for block in left_out)

    stdout, stderr, status = api.run(
        [
            "--config-file",
            str(REPO_ROOT / "pyproject.toml"),
            "--strict",
            "--cache-dir",
            str(REPO_ROOT / ".mypy_cache" / "doc-examples"),
            *map(str, modules),
        ]
    )
    # errors name the page and its line (by module name: with its cache, mypy may repeat the path of an earlier run)
    pages = {module.stem: str(page.relative_to(REPO_ROOT)) for module, page in modules.items()}
    report = re.sub(r"\S*?(doc_\w+)\.py", lambda match: pages.get(match[1], match[0]), stdout)
    assert status == 0, f"mypy --strict on the documentation examples:\n{report}{stderr}"
    assert f"no issues found in {len(modules)} source files" in stdout


def test_a_page_module_keeps_the_lines_of_the_page_and_leaves_out_marked_blocks(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n```python\na = 1\n```\n\n```python\n# notest\nb = 2\n```\n\n"
        "```python\n# notypecheck\nc: int = 'x'\n```\n\n```python\nd = a + 1\n```\n"
    )
    directory = tmp_path / "modules"
    directory.mkdir()
    module, count = page_module(page, directory)
    assert count == 2
    lines = module.read_text().splitlines()
    assert lines[3] == "a = 1"  # line 4 of the page
    assert lines[17] == "d = a + 1"  # line 18 of the page
    assert "b = 2" not in lines and "c: int = 'x'" not in lines
